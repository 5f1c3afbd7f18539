// Loadable modules and kernel threads: refcounts, unload refused while in use, the
// "executing freed module text" oops, kthreads interrupted at every yield, and the
// try_module_get(THIS_MODULE)-inside-the-kthread bug the C/R review found.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine, runProgram } from "../../../src/machine/machine.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { kthreadRun, kthreadShouldStop, kthreadStop, modulePutAndExit, type KthreadFn } from "../../../src/machine/kernel/kthread.ts";
import type { Module, ModuleDef } from "../../../src/machine/kernel/module.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { WaitQueue } from "../../../src/machine/kernel/wait-queue.ts";

const fixture = (name: string): Uint8Array => readFileSync(join(import.meta.dirname, "../../fixtures/guest", `${name}.elf`));

/** A module that registers C/R operations answering flags+100, and optionally leaves them behind. */
function demoModule(opts: { forgetToUnregister?: boolean } = {}): ModuleDef {
  return {
    name: "demo",
    init(k: Kernel, mod: Module) {
      k.cptOps = { owner: mod, checkpoint: (_k, _t, _pid, _fd, flags) => flags + 100, restart: () => 42 };
      return 0;
    },
    exit(k: Kernel) {
      if (!opts.forgetToUnregister) k.cptOps = null;
    },
  };
}

function machine(defs: ModuleDef[] = [demoModule()]): Kernel {
  const m = new Machine({ seed: 1 });
  for (const d of defs) m.kernel.modules.catalogue.set(d.name, d);
  return m.kernel;
}

describe("modules", () => {
  it("serve sys_checkpoint/sys_restart while loaded, ENOSYS otherwise", () => {
    const m = new Machine({ seed: 1 });
    m.kernel.modules.catalogue.set("demo", demoModule());
    m.kernel.spawn(fixture("modctl"), ["modctl"], []);
    m.kernel.run();
    expect(Buffer.from(m.console.stdout).toString()).toBe([
      "checkpoint before load: -38", "init_module: 0", "init_module again: -17", "checkpoint: 107", "restart: 42",
      "delete_module: 0", "delete_module missing: -2", "checkpoint after unload: -38", "",
    ].join("\n"));
    m.kernel.shutdown();
    expect(m.kernel.oopses.count).toBe(0);
  });

  it("refuses to unload a module in use, and its refcount returns to the baseline", () => {
    const k = machine();
    expect(k.modules.load("demo")).toBe(0);
    const mod = k.modules.loaded.get("demo")!;
    expect(k.modules.tryGet(mod)).toBe(true);
    expect(k.modules.procModules()).toBe("demo 16384 1 - Live 0x00000000\n");
    expect(k.modules.unload("demo")).toBe(-11); // EWOULDBLOCK
    k.modules.put(mod);
    expect(mod.refs).toBe(0);
    expect(k.modules.unload("demo")).toBe(0);
    expect(mod.state).toBe("gone");
    expect(k.modules.load("demo")).toBe(0); // reload works
  });

  it("try_module_get fails once the module is going", () => {
    let during: boolean | undefined;
    const k = machine([{ name: "m", init: () => 0, exit: (kk, mod) => { during = kk.modules.tryGet(mod); } }]);
    k.modules.load("m");
    k.modules.unload("m");
    expect(during).toBe(false);
  });

  it("module_put below zero is an oops, not a crash", () => {
    const k = machine();
    k.modules.load("demo");
    k.modules.put(k.modules.loaded.get("demo")!);
    expect(k.oopses.events.map((e) => e.kind)).toEqual(["refcount-underflow"]);
  });

  it("calling a stale operations table of an unloaded module is caught", () => {
    const m = new Machine({ seed: 1 });
    m.kernel.modules.catalogue.set("demo", demoModule({ forgetToUnregister: true }));
    m.kernel.spawn(fixture("modctl"), ["modctl"], []);
    m.kernel.run();
    expect(Buffer.from(m.console.stdout).toString()).toContain("checkpoint after unload: -38");
    expect(m.kernel.oopses.events.map((e) => e.kind)).toEqual(["freed-module-text"]);
  });
});

describe("finit_module", () => {
  it("loads the module a file names, and rejects bad flags and fds", () => {
    const r = runProgram(fixture("finit"), {
      argv: ["finit"],
      files: { "/lib/modules/demo.ko": new TextEncoder().encode("demo\n") },
      modules: [demoModule()],
    });
    expect(Buffer.from(r.stdout).toString()).toBe([
      "open: ok", "finit_module bad flags: -22", "finit_module bad fd: -9", "finit_module: 0", "checkpoint: 105",
      "delete_module: 0", "",
    ].join("\n"));
    expect(r.oopses).toBe(0);
  });
});

describe("kernel threads", () => {
  /** A module whose init starts a worker kthread the right way: the caller takes the reference. */
  function workerModule(log: string[], buggy = false): ModuleDef {
    let worker: Task | null = null;
    return {
      name: "worker",
      init(k, mod) {
        if (!buggy) k.modules.get(mod); // the reference the kthread will drop
        const fn: KthreadFn = function* (kk) {
          if (buggy) kk.modules.tryGet(mod); // the reviewed bug: too late, rmmod may have won
          let i = 0;
          while (!kthreadShouldStop(worker!)) {
            log.push(`step ${i++}`);
            yield;
          }
          return modulePutAndExit(kk, mod, 0);
        };
        const t = kthreadRun(k, fn, "cpt-worker", mod);
        if (typeof t === "number") return t;
        worker = t;
        return 0;
      },
      exit(k) {
        if (worker !== null) kthreadStop(k, worker);
      },
    };
  }

  it("a worker holding its module reference blocks rmmod at every step, then exits cleanly", () => {
    const log: string[] = [];
    const k = machine([workerModule(log)]);
    expect(k.modules.load("worker")).toBe(0);
    const mod = k.modules.loaded.get("worker")!;
    for (let step = 0; step < 5; step++) {
      k.run(1, true); // one scheduling step: the kthread runs up to its next yield
      expect(k.modules.unload("worker")).toBe(-11); // interrupted here: rmmod is refused
    }
    expect(log.length).toBeGreaterThanOrEqual(5);
    const worker = [...k.tasks.values()].find((t) => t.comm === "cpt-worker")!;
    kthreadStop(k, worker);
    k.run(1000, true);
    expect(worker.alive).toBe(false);
    expect(mod.refs).toBe(0);
    expect(k.modules.unload("worker")).toBe(0);
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });

  it("catches the try_module_get(THIS_MODULE)-inside-the-kthread bug as freed module text", () => {
    const log: string[] = [];
    const k = machine([workerModule(log, true)]);
    k.modules.load("worker");
    // rmmod lands in the window before the kthread's first step: nothing holds the module.
    expect(k.modules.unload("worker")).toBe(0);
    k.run(1000, true);
    expect(k.oopses.events.map((e) => e.kind)).toContain("freed-module-text");
    expect(log).toEqual([]);
  });

  it("a kthread can sleep on a wait queue and be woken", () => {
    const k = machine([]);
    const wq = new WaitQueue();
    const seen: number[] = [];
    const t = kthreadRun(k, function* () {
      seen.push(1);
      yield { sleep: wq };
      seen.push(2);
      return 0;
    }, "sleeper") as Task;
    k.run(10, true);
    expect(seen).toEqual([1]);
    expect(t.state).toBe("sleeping");
    k.wakeAll(wq);
    k.run(10, true);
    expect(seen).toEqual([1, 2]);
    expect(t.alive).toBe(false);
  });
});
