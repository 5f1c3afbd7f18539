// k.stats.tasksExited counts each do_exit once: the user-space restart's kthread reads it to skip
// its walk for tasks that died on their way to sys_restart when nothing has exited since the last
// walk (userspace-fork/restarting.ts), so a missed or doubled count would hide or invent a death.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../../src/machine/machine.ts";
import { doExit } from "../../../src/machine/kernel/exit.ts";

const elf = readFileSync(join(import.meta.dirname, "../../fixtures/guest/sched-mix.elf"));

describe("k.stats.tasksExited", () => {
  it("counts every task that exits, once, and nothing else", () => {
    const k = new Machine({ seed: 1 }).kernel;
    expect(k.stats.tasksExited).toBe(0);
    const prog = k.spawn(elf, ["sched-mix"], []);
    k.run();
    // The program and its four children have exited; init (which reaped them) has not.
    expect(prog.alive).toBe(false);
    expect(k.stats.tasksCreated).toBe(6);
    expect(k.stats.tasksExited).toBe(5);
    // do_exit of a task already dead is no exit.
    doExit(k, prog, { code: 0 });
    expect(k.stats.tasksExited).toBe(5);
    k.shutdown();
    expect(k.stats.tasksExited).toBe(6); // init, killed at shutdown
  });
});
