// kref: each detector is shown catching a deliberate bug, then a model check of random get/put
// sequences against a plain reference counter, then a scaling sanity check.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KObject, KObjectRegistry, type KObjectType } from "../../../src/machine/kernel/kref.ts";
import { Oopses, type OopsKind } from "../../../src/machine/kernel/oops.ts";

/** A kernel object that counts its releases and may hold references to others. */
class Obj extends KObject {
  releases = 0;
  holds: Obj[] = [];
  onRelease: (() => void) | undefined;

  constructor(
    readonly reg: KObjectRegistry,
    type: KObjectType = "mm_struct",
    createdAt = "test",
  ) {
    super(reg, type, createdAt);
  }

  protected override release(): void {
    this.releases++;
    for (const h of this.holds) this.reg.put(h);
    this.onRelease?.();
  }
}

function machine(opts: { captureStacks?: boolean } = {}) {
  const oopses = new Oopses();
  const reg = new KObjectRegistry(oopses, opts);
  return { oopses, reg };
}

describe("kref detectors", () => {
  it("a new object is live with one reference and a per-type id", () => {
    const { reg, oopses } = machine();
    const a = new Obj(reg, "task_struct", "clone() by pid 1");
    const b = new Obj(reg, "task_struct");
    const m = new Obj(reg, "mm_struct");
    expect([a.kobjId, b.kobjId, m.kobjId]).toEqual([1, 2, 1]);
    expect(a.refcount).toBe(1);
    expect(a.freed).toBe(false);
    expect(a.createdAt).toBe("clone() by pid 1");
    expect(a.createdStack).toBeUndefined();
    expect(reg.liveCount()).toBe(3);
    expect(reg.liveObjects("task_struct")).toEqual([a, b]);
    expect(oopses.tainted).toBe(false);
  });

  it("the live objects stay in creation order as the first, a middle and the last are freed and more are made", () => {
    const { reg, oopses } = machine();
    const [a, b, c] = [new Obj(reg), new Obj(reg), new Obj(reg)];
    reg.put(c); // the last
    const d = new Obj(reg);
    expect(reg.liveObjects("mm_struct")).toEqual([a, b, d]);
    reg.put(a); // the first
    const e = new Obj(reg);
    expect(reg.liveObjects("mm_struct")).toEqual([b, d, e]);
    reg.put(d); // a middle one
    expect(reg.liveObjects("mm_struct")).toEqual([b, e]);
    reg.put(b);
    reg.put(e);
    expect(reg.liveObjects("mm_struct")).toEqual([]);
    const f = new Obj(reg);
    expect(reg.liveObjects("mm_struct")).toEqual([f]);
    expect(reg.liveCount("mm_struct")).toBe(1);
    expect(reg.counters().mm_struct).toMatchObject({ created: 6, destroyed: 5, live: 1, peakLive: 3 });
    expect(oopses.tainted).toBe(false);
  });

  it("the last put releases exactly once and frees the object", () => {
    const { reg, oopses } = machine();
    const a = new Obj(reg);
    expect(reg.get(a)).toBe(true);
    expect(reg.put(a)).toBe(false);
    expect(a.releases).toBe(0);
    expect(reg.put(a)).toBe(true);
    expect(a.releases).toBe(1);
    expect(a.freed).toBe(true);
    expect(reg.liveCount()).toBe(0);
    expect(oopses.tainted).toBe(false);
  });

  it("a double put is a refcount-underflow oops, and release does not run again", () => {
    const { reg, oopses } = machine();
    const f = new Obj(reg, "file", "open of /tmp/img");
    reg.put(f);
    expect(() => reg.put(f, "context_release")).not.toThrow();
    expect(f.releases).toBe(1);
    expect(f.refcount).toBe(0);
    expect(oopses.tainted).toBe(true);
    expect(oopses.events).toEqual([
      expect.objectContaining({
        kind: "refcount-underflow", objectType: "file", objectId: 1, createdAt: "open of /tmp/img",
        message: "context_release: kref_put on file #1 (created by open of /tmp/img) whose refcount is already 0 (a double put?)",
      }),
    ]);
    expect(reg.counters().file).toMatchObject({ put: 1, destroyed: 1 });
  });

  it("a get after the last put is a use-after-free oops and does not resurrect the object", () => {
    const { reg, oopses } = machine();
    const ns = new Obj(reg, "nsproxy", "clone(CLONE_NEWPID) by pid 1");
    reg.put(ns);
    expect(reg.get(ns, "cpt_collect_ns")).toBe(false);
    expect(ns.refcount).toBe(0);
    expect(ns.releases).toBe(1);
    expect(reg.liveCount()).toBe(0);
    expect(oopses.events).toEqual([
      expect.objectContaining({ kind: "use-after-free", objectType: "nsproxy", message: "cpt_collect_ns: kref_get on freed nsproxy #1 (created by clone(CLONE_NEWPID) by pid 1)" }),
    ]);
    // A put afterwards is still an underflow, still with no second release.
    reg.put(ns);
    expect(ns.releases).toBe(1);
    expect(oopses.events.map((e) => e.kind)).toEqual(["use-after-free", "refcount-underflow"]);
  });

  it("checkLive passes a live object and catches a freed one, so the caller can bail out", () => {
    const { reg, oopses } = machine();
    const mm = new Obj(reg, "mm_struct", "exec of /bin/x");
    expect(reg.checkLive(mm, "exit_mm")).toBe(true);
    expect(oopses.tainted).toBe(false);
    reg.put(mm);
    expect(reg.checkLive(mm, "exit_mm")).toBe(false);
    expect(oopses.events).toEqual([
      expect.objectContaining({ kind: "use-after-free", objectType: "mm_struct", objectId: 1, message: "exit_mm: use of freed mm_struct #1 (created by exec of /bin/x)" }),
    ]);
  });

  it("tryGet takes a reference on a live object and fails quietly on a freed one", () => {
    const { reg, oopses } = machine();
    const p = new Obj(reg, "pid");
    expect(reg.tryGet(p)).toBe(true);
    expect(p.refcount).toBe(2);
    reg.put(p);
    reg.put(p);
    expect(reg.tryGet(p)).toBe(false);
    expect(p.refcount).toBe(0);
    expect(oopses.tainted).toBe(false);
    expect(reg.counters().pid).toMatchObject({ get: 1, put: 2 });
  });

  it("an object never put is a leak at shutdown, with its type, id, refcount and createdAt", () => {
    const { reg, oopses } = machine();
    const t = new Obj(reg, "task_struct", "clone() by pid 3");
    reg.get(t);
    const freed = new Obj(reg, "cred");
    reg.put(freed);
    const leaks = reg.shutdown();
    expect(leaks).toEqual([
      expect.objectContaining({
        kind: "leak", objectType: "task_struct", objectId: 1, createdAt: "clone() by pid 3",
        message: "leak: task_struct #1 (refcount 2, created by clone() by pid 3) still alive at shutdown",
        details: { count: 1, objects: [{ id: 1, refcount: 2, createdAt: "clone() by pid 3" }] },
      }),
    ]);
    expect(oopses.events).toEqual(leaks);
    expect(oopses.tainted).toBe(true);
    expect(reg.shutdown()).toEqual([]);
  });

  it("a leaked tree gives one oops per type, naming a few objects and listing all of them", () => {
    const { reg } = machine();
    for (let i = 0; i < 10_000; i++) new Obj(reg, "task_struct", `clone() by pid ${i}`);
    for (let i = 0; i < 2; i++) new Obj(reg, "files_struct", `copy_files ${i}`);
    const leaks = reg.shutdown();
    expect(leaks.map((e) => [e.objectType, e.details?.count])).toEqual([["task_struct", 10_000], ["files_struct", 2]]);
    expect(leaks[0].message).toBe(
      "leak: 10000 task_struct objects still alive at shutdown: #1 (refcount 1, created by clone() by pid 0), " +
        "#2 (refcount 1, created by clone() by pid 1), #3 (refcount 1, created by clone() by pid 2), and 9997 more",
    );
    expect(leaks[0].message.length).toBeLessThan(300);
    const objects = leaks[0].details?.objects as { id: number }[];
    expect(objects.map((o) => o.id)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(leaks[1].message).toBe("leak: 2 files_struct objects still alive at shutdown: #1 (refcount 1, created by copy_files 0), #2 (refcount 1, created by copy_files 1)");
  });

  it("release puts what the object holds: freeing a tree frees it all, leaving no leak", () => {
    const { reg, oopses } = machine();
    const task = new Obj(reg, "task_struct");
    const mm = new Obj(reg, "mm_struct");
    const files = new Obj(reg, "files_struct");
    task.holds.push(mm, files);
    const child = new Obj(reg, "task_struct");
    reg.get(mm); // the child shares the mm (CLONE_VM)
    child.holds.push(mm);
    reg.put(task);
    expect([task.freed, mm.freed, files.freed]).toEqual([true, false, true]);
    reg.put(child);
    expect(mm.releases).toBe(1);
    expect(reg.shutdown()).toEqual([]);
    expect(oopses.tainted).toBe(false);
  });

  it("a put of itself from inside release is an underflow, not a second release", () => {
    const { reg, oopses } = machine();
    const a = new Obj(reg);
    a.onRelease = () => reg.put(a);
    reg.put(a);
    expect(a.releases).toBe(1);
    expect(oopses.events.map((e) => e.kind)).toEqual(["refcount-underflow"]);
  });

  it("a release that throws is a bug oops; the object stays freed and nothing escapes", () => {
    const { reg, oopses } = machine();
    const a = new Obj(reg, "signal_struct");
    a.onRelease = () => {
      throw new Error("bad list");
    };
    expect(reg.put(a)).toBe(true);
    expect(a.freed).toBe(true);
    expect(oopses.events).toEqual([expect.objectContaining({ kind: "bug", message: "release of signal_struct #1 (created by test) threw: bad list" })]);
  });

  it("an object of another machine is a bug oops and is left alone", () => {
    const m1 = machine();
    const m2 = machine();
    const a = new Obj(m1.reg, "cred");
    expect(m2.reg.get(a)).toBe(false);
    expect(m2.reg.put(a)).toBe(false);
    expect(m2.reg.tryGet(a)).toBe(false);
    expect(m2.reg.checkLive(a, "commit_creds")).toBe(false);
    expect(a.refcount).toBe(1);
    expect(m2.oopses.events.map((e) => e.kind)).toEqual(["bug", "bug", "bug", "bug"]);
    expect(m2.oopses.events[0].message).toBe("kref_get on cred #1 (created by test) of another machine's registry");
    expect(m1.oopses.tainted).toBe(false);
  });

  it("keeps exact per-type counters", () => {
    const { reg } = machine();
    const a = new Obj(reg, "task_struct");
    const b = new Obj(reg, "task_struct");
    const m = new Obj(reg, "mm_struct");
    reg.get(a);
    reg.get(a);
    reg.tryGet(m);
    reg.put(b); // frees b
    reg.put(b); // underflow: not counted
    reg.get(b); // use-after-free: not counted
    reg.tryGet(b); // fails: not counted
    reg.put(a);
    const c = reg.counters();
    expect(c.task_struct).toEqual({ created: 2, destroyed: 1, get: 2, put: 2, live: 1, peakLive: 2 });
    expect(c.mm_struct).toEqual({ created: 1, destroyed: 0, get: 1, put: 0, live: 1, peakLive: 1 });
    expect(c.cred).toEqual({ created: 0, destroyed: 0, get: 0, put: 0, live: 0, peakLive: 0 });
    expect(Object.keys(c)).toContain("module");
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });

  it("captures creation stacks only when asked, and reports them with leaks", () => {
    const { reg } = machine({ captureStacks: true });
    const a = new Obj(reg, "fs_struct");
    expect(a.createdStack).toContain("kref.test.ts");
    const [leak] = reg.shutdown();
    expect((leak.details?.objects as { stack?: string }[])[0].stack).toContain("kref.test.ts");
  });
});

describe("kref model check", () => {
  type Op = { op: "get" | "put" | "tryGet" | "checkLive"; i: number };
  const N = 6;
  const opArb: fc.Arbitrary<Op> = fc.record({ op: fc.constantFrom("get", "put", "tryGet", "checkLive"), i: fc.integer({ min: 0, max: N - 1 }) });

  it("any sequence never throws and oopses exactly at the misuse steps", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const { reg, oopses } = machine();
        const objs = Array.from({ length: N }, (_, i) => new Obj(reg, i % 2 ? "file" : "cred"));
        const model = objs.map(() => 1);
        const expected: { step: number; kind: OopsKind }[] = [];
        let gets = 0;
        let puts = 0;
        const stepOf = new Map<number, number>(); // oops seq -> step
        ops.forEach(({ op, i }, step) => {
          const before = oopses.count;
          const o = objs[i];
          let result: boolean;
          switch (op) {
            case "get":
              result = reg.get(o);
              if (model[i] === 0) expected.push({ step, kind: "use-after-free" });
              else {
                model[i]++;
                gets++;
              }
              expect(result).toBe(model[i] > 0);
              break;
            case "tryGet":
              result = reg.tryGet(o);
              expect(result).toBe(model[i] > 0);
              if (model[i] > 0) {
                model[i]++;
                gets++;
              }
              break;
            case "put": {
              const live = model[i] > 0;
              result = reg.put(o);
              if (!live) expected.push({ step, kind: "refcount-underflow" });
              else {
                model[i]--;
                puts++;
              }
              expect(result).toBe(live && model[i] === 0);
              break;
            }
            case "checkLive":
              result = reg.checkLive(o, "use");
              if (model[i] === 0) expected.push({ step, kind: "use-after-free" });
              expect(result).toBe(model[i] > 0);
              break;
          }
          for (let s = before; s < oopses.count; s++) stepOf.set(s, step);
        });
        expect(oopses.events.map((e) => ({ step: stepOf.get(e.seq), kind: e.kind }))).toEqual(expected);
        objs.forEach((o, i) => {
          expect(o.refcount).toBe(model[i]);
          expect(o.releases).toBe(model[i] === 0 ? 1 : 0);
        });
        const c = reg.counters();
        const liveRefs = objs.reduce((s, o) => s + o.refcount, 0);
        expect(c.cred.get + c.file.get).toBe(gets);
        expect(c.cred.put + c.file.put).toBe(puts);
        expect(c.cred.destroyed + c.file.destroyed).toBe(model.filter((r) => r === 0).length);
        // Every reference ever made (one per creation, one per get) is either dropped or still held.
        expect(N + gets - puts).toBe(liveRefs);
        expect(reg.liveCount()).toBe(model.filter((r) => r > 0).length);
        // The live list keeps creation order whichever objects were freed (head, middle, tail).
        for (const type of ["cred", "file"] as const) {
          expect(reg.liveObjects(type)).toEqual(objs.filter((o, i) => o.kobjType === type && model[i] > 0));
          expect(reg.liveCount(type)).toBe(objs.filter((o, i) => o.kobjType === type && model[i] > 0).length);
        }
        expect(reg.liveObjects()).toEqual([...objs.filter((o, i) => o.kobjType === "cred" && model[i] > 0), ...objs.filter((o, i) => o.kobjType === "file" && model[i] > 0)]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("kref at scale", () => {
  it("creates, shares, and releases 100k objects with exact counts", () => {
    const { reg, oopses } = machine();
    const objs: Obj[] = [];
    for (let i = 0; i < 100_000; i++) objs.push(new Obj(reg, "task_struct", "fork"));
    for (const o of objs) reg.get(o);
    for (const o of objs) reg.put(o);
    expect(reg.counters().task_struct).toEqual({ created: 100_000, destroyed: 0, get: 100_000, put: 100_000, live: 100_000, peakLive: 100_000 });
    for (const o of objs) reg.put(o);
    expect(reg.counters().task_struct).toEqual({ created: 100_000, destroyed: 100_000, get: 100_000, put: 200_000, live: 0, peakLive: 100_000 });
    expect(objs.every((o) => o.releases === 1)).toBe(true);
    expect(reg.shutdown()).toEqual([]);
    expect(oopses.tainted).toBe(false);
  });
});
