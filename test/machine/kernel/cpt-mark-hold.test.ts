// A task held at a cpt_mark while every other task sleeps: the scenario asks Kernel.run to stop at
// idle (idleStop) rather than jump to the next timer, so it can release the task first — virtual
// time must not jump (issue 15: 3600 s seen with ZDTM timers01, whose SIGALRM then killed the
// thawed original). Without the hook run() idles to the timer as before.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine, runProgram } from "../../../src/machine/machine.ts";

const ELF = readFileSync(join(import.meta.dirname, "..", "..", "..", "workloads", "bin", "fork-tree.elf"));
const HOUR_NS = 3600e9;

describe("holding a task at cpt_mark", () => {
  it("does not advance the clock to a far timer while the held task is all there is", () => {
    const m = new Machine({ seed: 1 });
    const k = m.kernel;
    let fired = false;
    // A sleeper of the guest's an hour from now (an alarm(3600)).
    k.timers.add(k.nsToCycles(HOUR_NS), () => {
      fired = true;
    });
    let marks = 0;
    k.onCptMark = () => ++marks === 1;
    k.idleStop = () => k.cptMarkHeld.size > 0;
    const task = k.spawn(ELF, ["fork-tree"], [], "fork-tree");
    k.run(Infinity, true);
    expect(k.cptMarkHeld.has(task)).toBe(true);
    expect(fired).toBe(false);
    expect(k.cyclesToNs(k.sched.maxClock())).toBeLessThan(1e9);
    // Released, the program runs to its end as it does unwatched.
    k.releaseCptMarks();
    k.idleStop = null;
    k.run(Infinity, true);
    expect(task.exit).toEqual({ code: 0 });
    const plain = runProgram(ELF, { argv: ["fork-tree"], seed: 1 });
    expect(Buffer.from(m.console.stdout).toString()).toBe(Buffer.from(plain.stdout).toString());
    k.run();
    k.shutdown();
  });
});
