// The kernel's objects go through the kref registry: a normal run leaves nothing alive, and each
// deliberate lifetime bug (double put, use after free, leak) is caught as an oops.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine, runProgram } from "../../../src/machine/machine.ts";

const fixture = (name: string): Uint8Array => readFileSync(join(import.meta.dirname, "../../fixtures/guest", `${name}.elf`));

function boot(name: string) {
  const m = new Machine({ seed: 1 });
  const task = m.kernel.spawn(fixture(name), [name], []);
  m.kernel.run();
  return { m, k: m.kernel, task };
}

describe("kernel objects", () => {
  it("a run with forks, signals and a crashing child frees every object", () => {
    const { k } = boot("fork-signal");
    k.shutdown();
    expect(k.oopses.count).toBe(0);
    expect(k.kobj.liveCount()).toBe(0);
    const c = k.kobj.counters();
    // init, the program and its two children
    expect(c.task_struct.created).toBe(4);
    expect(c.task_struct.destroyed).toBe(4);
    expect(c.sighand_struct.created).toBe(4);
    expect(c.pid.destroyed).toBe(c.pid.created);
  });

  it("catches a double put (refcount underflow) of a task's cred", () => {
    const { k, task } = boot("fork-signal");
    k.kobj.put(task.cred); // the bug: a put nobody's get pairs with
    k.shutdown();
    const kinds = k.oopses.events.map((e) => e.kind);
    expect(kinds).toContain("refcount-underflow");
    expect(k.oopses.events.find((e) => e.kind === "refcount-underflow")?.objectType).toBe("cred");
  });

  it("catches a use after free of a reaped task", () => {
    const { k, task } = boot("fork-signal");
    k.shutdown();
    expect(task.freed).toBe(true);
    expect(k.kobj.checkLive(task, "deliberate use of a reaped task")).toBe(false);
    expect(k.oopses.events.at(-1)?.kind).toBe("use-after-free");
  });

  it("reports a leaked reference at shutdown with the object's type and origin", () => {
    const m = new Machine({ seed: 1 });
    const k = m.kernel;
    const task = k.spawn(fixture("fork-signal"), ["fork-signal"], []);
    k.kobj.get(task.group); // the bug: a reference taken and never put
    k.run();
    k.shutdown();
    const leak = k.oopses.events.find((e) => e.kind === "leak");
    expect(leak?.message).toContain("signal_struct");
    expect(leak?.message).toContain("exec of fork-signal at boot");
  });

  it("a tainted run is reported by runProgram", () => {
    const r = runProgram(fixture("sched-mix"), { argv: ["sched-mix"] });
    expect(r.oopses).toBe(0);
    expect(r.events.filter((e) => e.kind === "oops")).toEqual([]);
  });
});
