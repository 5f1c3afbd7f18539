// The cgroup-v1 freezer through its kernel API: tasks busy in user code, asleep in
// clock_nanosleep, in a futex wait and in waitid all freeze; thawing lets every interrupted call
// carry on as if nothing happened; SIGKILL still kills a frozen task; children inherit the group.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../../src/machine/machine.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { sendSignal } from "../../../src/machine/kernel/signal.ts";

const elf = readFileSync(join(import.meta.dirname, "../../fixtures/guest/freeze-mix.elf"));
const EXPECTED = "sleeper: code=1 status=2\nwaiter: code=1 status=3\nbusy: code=2 status=9\n";

function boot(cpus = 2): { m: Machine; k: Kernel } {
  const m = new Machine({ seed: 3, cpus, quantum: 2_000 });
  m.kernel.spawn(elf, ["freeze-mix"], []);
  return { m, k: m.kernel };
}

const instret = (k: Kernel): number[] => [...k.tasks.values()].map((t) => t.hart.instret);
/** The program's tasks (not the kernel's init thread). */
const userTasks = (k: Kernel) => [...k.tasks.values()].filter((t) => t.kthread === null);

describe("freezer", () => {
  it("freezes busy, sleeping and waiting tasks, and thawing changes nothing the program sees", () => {
    const { m, k } = boot();
    k.run(20_000, true); // every child created; the sleeper and the waiter asleep; busy spinning
    expect(userTasks(k).length).toBe(4);
    const g = k.freezer.createGroup(k.freezer.root, "ct")!;
    for (const t of userTasks(k)) k.freezer.attach(g, t);
    k.freezer.freeze(g);
    k.run(50_000, true);
    expect(k.freezer.state(g)).toBe("FROZEN");
    const frozenAt = instret(k);
    // Time passes (the sleeper's timer fires) and nothing runs user code.
    k.run(1_000_000, true);
    expect(instret(k)).toEqual(frozenAt);
    expect(k.freezer.state(g)).toBe("FROZEN");
    expect(Buffer.from(m.console.stdout).toString()).toBe("");
    k.freezer.thaw(g);
    expect(k.freezer.state(g)).toBe("THAWED");
    k.run();
    expect(Buffer.from(m.console.stdout).toString()).toBe(EXPECTED);
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });

  it("reads FREEZING until the busy task reaches a safe point", () => {
    const { k } = boot(1);
    k.run(20_000, true);
    const g = k.freezer.createGroup(k.freezer.root, "ct")!;
    for (const t of userTasks(k)) k.freezer.attach(g, t);
    k.freezer.freeze(g);
    // Nothing has run since the freeze request: the busy child has not stopped yet.
    const busyRunning = [...k.tasks.values()].some((t) => t.state === "running" && !t.frozen);
    expect(busyRunning).toBe(true);
    expect(k.freezer.state(g)).toBe("FREEZING");
    k.run(10_000, true);
    expect(k.freezer.state(g)).toBe("FROZEN");
  });

  it("SIGKILL kills a frozen task, and the others stay frozen", () => {
    const { k } = boot();
    k.run(20_000, true);
    const busy = k.tasks.get(3)!; // pid 1 is init, 2 the program, 3 its first child
    const g = k.freezer.createGroup(k.freezer.root, "ct")!;
    for (const t of userTasks(k)) k.freezer.attach(g, t);
    k.freezer.freeze(g);
    k.run(20_000, true);
    expect(busy.frozen).toBe(true);
    sendSignal(k, busy, { signo: 9, code: 0 }, true);
    k.run(20_000, true);
    expect(busy.alive).toBe(false);
    expect(k.freezer.state(g)).toBe("FROZEN");
    expect(k.tasks.get(2)!.alive).toBe(true);
  });

  it("freezes a task asleep in read() on a pipe; data written meanwhile waits for the thaw", () => {
    const m = new Machine({ seed: 5, cpus: 2 });
    const k = m.kernel;
    k.spawn(readFileSync(join(import.meta.dirname, "../../fixtures/guest/freeze-read.elf")), ["freeze-read"], []);
    // Step until the child is asleep in read() (the parent then sleeps in clock_nanosleep).
    for (let i = 0; i < 100_000 && k.tasks.get(3)?.state !== "sleeping"; i++) k.run(1, true);
    const child = k.tasks.get(3)!;
    expect(child.state).toBe("sleeping");
    expect(child.hart.x[17]).toBe(63); // it sleeps with its pc on the read ecall
    const g = k.freezer.createGroup(k.freezer.root, "reader")!;
    k.freezer.attach(g, child);
    k.freezer.freeze(g);
    expect(k.freezer.state(g)).toBe("FROZEN"); // asleep in a syscall counts as frozen
    k.run(100_000, true); // the parent wakes, writes, and waits: the child stays frozen
    expect(child.frozen || child.state === "sleeping").toBe(true);
    expect(Buffer.from(m.console.stdout).toString()).toBe("");
    expect(k.freezer.state(g)).toBe("FROZEN");
    k.freezer.thaw(g);
    k.run();
    expect(Buffer.from(m.console.stdout).toString()).toBe("child: read 1 byte(s): x\nparent: child exited code=1 status=0\n");
  });

  it("a child forked inside a group joins it", () => {
    const { k } = boot();
    const program = k.tasks.get(2)!;
    const g = k.freezer.createGroup(k.freezer.root, "ct")!;
    k.freezer.attach(g, program);
    k.run(20_000, true);
    expect(g.tasks.size).toBe(4);
    expect(k.freezer.createGroup(k.freezer.root, "ct")).toBeNull();
    expect(k.freezer.removeGroup(g)).toBe(false);
  });
});
