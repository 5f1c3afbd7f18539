// A refused or failed restart leaves nothing behind, whatever fails where (issue 17 item 4): the
// restore helpers run in the in-kernel creator's order, and a failure is injected at every
// index — the n-th page frame the restart asks for is refused (ENOMEM, as on a full machine),
// or the n-th kernel object it creates cannot be made (failslab) — until an index is reached
// that the restart never gets to. After each failure abort() must bring the kernel objects, the
// frames and the machine's files back to what they were. Then the records the validation and
// confinement refuse, when they reach the helpers directly (a caller that skips the checks).
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { Restorer } from "../../../src/core/cr/restore/restorer.ts";
import { CrError, ENOMEM } from "../../../src/core/cr/errors.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { KObject } from "../../../src/machine/kernel/kref.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";
import { hostDigest, live } from "../../support/tamper.ts";
import { restoreAll } from "../../support/restore-all.ts";


type Fault = "frame" | "kobject";

/** Make the `n`-th frame allocation or kernel object creation fail; returns how many were asked for. */
function inject(k: Kernel, what: Fault, n: number): { count: () => number; undo: () => void } {
  let seen = 0;
  const nth = (): boolean => ++seen === n;
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

describe.each(["pipe-tree", "mmap-shared", "unlink-open", "libc-memfd", "libc-pidfd", "libc-inotify"])("a restart of %s failing at any index leaves nothing behind", (name) => {
  const { m, init } = frozenAtMark(workloadRef(name), 1);
  const k = m.kernel;
  const model = collectContainer(k, init, "test");
  const caller = [...k.tasks.values()].find((t) => t.pidNs === k.initNs && t.kthread === null)!;
  // The restore copies pages (it does not adopt the collector's views): frames are asked for.
  it.each<Fault>(["frame", "kobject"])("at every %s", (what) => {
    const objects = live(k);
    const frames = k.frames.inUse;
    const files = hostDigest(m);
    let failures = 0;
    for (let n = 1; ; n++) {
      const f = inject(k, what, n);
      let r: Restorer | null = null;
      try {
        r = restoreAll(k, caller, model);
      } catch (e) {
        expect(e, `${what} ${n}`).toBeInstanceOf(CrError);
        failures++;
      } finally {
        f.undo();
      }
      // A restart that got through is taken down as a later failure would (abort after the last step).
      r?.abort();
      expect(live(k), `${what} ${n}`).toEqual(objects);
      expect(k.frames.inUse, `frames after ${what} ${n}`).toBe(frames);
      expect(hostDigest(m), `files after ${what} ${n}`).toEqual(files);
      if (f.count() < n) break; // the restart never reached index n: every index is done
    }
    expect(failures).toBeGreaterThan(3);
  });

  it("shuts down without an oops", () => {
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});

describe("records refused by the helpers themselves leave nothing behind", () => {
  const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
  const k = m.kernel;
  const model = collectContainer(k, init, "test");
  const caller = [...k.tasks.values()].find((t) => t.pidNs === k.initNs && t.kthread === null)!;
  const cases: [string, (x: CheckpointModel) => void, RegExp][] = [
    ["a sighand with 10 actions", (x) => (x.sighands[0].actions.length = 10), /sighand \d+ has 10 actions, not 65/],
    ["a sighand with 200 actions", (x) => x.sighands[0].actions.push(...Array.from({ length: 135 }, () => x.sighands[0].actions[0])), /sighand \d+ has 200 actions, not 65/],
    ["a pid with a number for the restarter's namespace", (x) => {
      const p = x.pids.find((q) => q.numbers[0] !== 1)!;
      p.numbers = [7, p.numbers[0]];
      p.nsIds = [p.nsIds[0], p.nsIds[0]];
    }, /pid \d+ has 2 numbers for 1 namespaces of the container/],
  ];
  it.each(cases)("%s", (_what, edit, error) => {
    const objects = live(k);
    const bad = structuredClone(model);
    edit(bad);
    expect(() => restoreAll(k, caller, bad)).toThrow(error);
    expect(live(k)).toEqual(objects);
  });

  it("shuts down without an oops (no sighand_struct left alive)", () => {
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
