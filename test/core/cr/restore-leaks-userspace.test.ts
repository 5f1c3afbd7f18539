// restore-leaks.test.ts for the user-space creator (issue 17 item 4): a real restart by
// cptbench-mktree, whose restore helpers (in this creator's order: namespaces, taskless pids,
// the forked tasks' pids, shared objects, tree, memory, files, adoption) are made to fail at
// every index — the n-th page frame they ask for is refused (ENOMEM), or the n-th kernel object
// they create cannot be made (failslab) — until an index is reached that the restart never gets
// to. Only the helpers' own allocations count: the restarter's forks and page faults are guest
// work, not the restore's. After each failure the restarter and every task it forked are gone,
// and the kernel objects, the frames and the machine's files are what they were before.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CrError, ENOMEM } from "../../../src/core/cr/errors.ts";
import { Restorer } from "../../../src/core/cr/restore/restorer.ts";
import { crTrace } from "../../../src/core/cr/trace.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { KObject } from "../../../src/machine/kernel/kref.ts";
import { bootMachine, ctlLog, IMAGE_PATH, RESTART_LOG, startRestart, writeGuestFile } from "../../../src/workbench/scenario/setup.ts";
import { experiment, openvzDesign } from "../../support/cr.ts";
import { checkpointedIn, hostDigest, live } from "../../support/tamper.ts";

const HELLO = readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "guest", "hello.elf"));
/** The helpers the user-space creator's restart calls (restart.ts, the "fork" branch). */
const HELPERS = ["makeNamespaces", "makePids", "usePid", "makeShared", "makeTree", "makeMemory", "buildFiles", "adoptTask", "attachAll"] as const;

type Fault = "frame" | "kobject";

/** While `armed()`, the n-th frame allocation or kernel object creation fails; returns the count asked for. */
function inject(k: Kernel, what: Fault, n: number, armed: () => boolean): { count: () => number; undo: () => void } {
  let seen = 0;
  const nth = (): boolean => armed() && ++seen === n;
  if (what === "frame") {
    const { alloc, adopt } = k.frames;
    k.frames.alloc = () => (nth() ? null : alloc.call(k.frames));
    k.frames.adopt = (d) => (nth() ? null : adopt.call(k.frames, d));
    return { count: () => seen, undo: () => Object.assign(k.frames, { alloc, adopt }) };
  }
  const register = k.kobj.register;
  k.kobj.register = (o: KObject) => {
    if (nth()) throw new CrError(ENOMEM, `test: kernel object ${seen} cannot be made`);
    register.call(k.kobj, o);
  };
  return { count: () => seen, undo: () => (k.kobj.register = register) };
}

/** Mark the helpers' calls, so only their allocations count. */
let depth = 0;
const saved = new Map<string, unknown>();
beforeAll(() => {
  const proto = Restorer.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of HELPERS) {
    const f = proto[name];
    saved.set(name, f);
    proto[name] = function (this: unknown, ...a: unknown[]) {
      depth++;
      try {
        return f.apply(this, a);
      } finally {
        depth--;
      }
    };
  }
});
afterAll(() => {
  const proto = Restorer.prototype as unknown as Record<string, unknown>;
  for (const [name, f] of saved) proto[name] = f;
});

describe.each(["pipe-tree", "mmap-shared", "libc-memfd", "libc-inotify"])("a user-space restart of %s failing at any index leaves nothing behind", (name) => {
  const exp = experiment({ creator: "userspace" });
  const d = openvzDesign(exp);
  const c = checkpointedIn(name, "cpt", "userspace");
  c.k.shutdown();

  it.each<Fault>(["frame", "kobject"])("at every %s", (what) => {
    let failures = 0;
    for (let n = 1; ; n++) {
      const m = bootMachine(exp, c.w, d.module());
      const k = m.kernel;
      writeGuestFile(m, IMAGE_PATH, c.image);
      writeGuestFile(m, RESTART_LOG, new TextEncoder().encode("before the restart\n"));
      k.spawn(HELLO, ["hello"], [], "/bin/hello"); // the machine's init comes with its first process
      k.run();
      const objects = live(k);
      const frames = k.frames.inUse;
      const files = hostDigest(m);
      const f = inject(k, what, n, () => depth > 0);
      const rst = startRestart(m, c.w, d.restarter);
      try {
        for (let i = 0; i < 100_000 && rst.alive; i++) if (k.run(20_000, true) === 0) break;
      } finally {
        f.undo();
      }
      const op = crTrace(k).ops.find((o) => o.op === "restart");
      if (f.count() < n) {
        // Index n was never reached: the restart got through, and every index before failed.
        expect(op?.result, `${what} ${n}: the restart without a failure`).toBeGreaterThan(0);
        break;
      }
      const result = ctlLog(m, RESTART_LOG).find(([v]) => v === "restart")?.[1];
      expect(result, `${what} ${n}: ${op?.error}`).toBeLessThan(0);
      expect(rst.alive).toBe(false);
      failures++;
      expect(live(k), `${what} ${n}`).toEqual(objects);
      expect(k.frames.inUse, `frames after ${what} ${n}`).toBe(frames);
      expect(hostDigest(m), `files after ${what} ${n}`).toEqual(files);
      k.killAll();
      k.run();
      k.shutdown();
      expect(k.oopses.events.map((e) => e.message), `${what} ${n}`).toEqual([]);
    }
    // pipe-tree: dozens of objects and pages; every one of them was an index that failed.
    expect(failures).toBeGreaterThan(10);
  }, 300_000);
});
