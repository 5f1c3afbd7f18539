// The oops recorder: events, taint, BUG_ON, and that nothing in it ever throws.
import { describe, expect, it } from "vitest";
import { formatOops, Oopses, type OopsEvent } from "../../../src/machine/kernel/oops.ts";

describe("Oopses", () => {
  it("starts clean and untainted", () => {
    const o = new Oopses();
    expect(o.tainted).toBe(false);
    expect(o.events).toEqual([]);
    expect(o.lines()).toEqual([]);
  });

  it("records an event with its sequence number, machine time and object, and taints the machine", () => {
    let clock = 1000;
    const o = new Oopses({ now: () => clock });
    o.oops("use-after-free", "use of freed mm_struct #3", { objectType: "mm_struct", objectId: 3, createdAt: "exec of /bin/x" });
    clock = 2500;
    o.oops("bug", "broken invariant");
    expect(o.tainted).toBe(true);
    expect(o.count).toBe(2);
    expect(o.events).toEqual([
      { seq: 0, at: 1000, kind: "use-after-free", message: "use of freed mm_struct #3", objectType: "mm_struct", objectId: 3, createdAt: "exec of /bin/x" },
      { seq: 1, at: 2500, kind: "bug", message: "broken invariant" },
    ]);
    expect(o.byKind()).toEqual({ "refcount-underflow": 0, "use-after-free": 1, leak: 0, "freed-module-text": 0, bug: 1 });
    expect(o.lines()).toEqual(["oops (use-after-free): use of freed mm_struct #3", "oops (bug): broken invariant"]);
  });

  it("uses the sequence number as time when there is no clock", () => {
    const o = new Oopses();
    o.oops("leak", "a");
    o.oops("leak", "b");
    expect(o.events.map((e) => e.at)).toEqual([0, 1]);
  });

  it("bugOn records only when the condition holds, returns it, and builds a lazy message only then", () => {
    const o = new Oopses();
    let built = 0;
    const msg = () => {
      built++;
      return "refcount of module cptrst below its baseline";
    };
    expect(o.bugOn(false, msg)).toBe(false);
    expect(built).toBe(0);
    expect(o.tainted).toBe(false);
    expect(o.bugOn(true, msg, { objectType: "module" })).toBe(true);
    expect(built).toBe(1);
    expect(o.events).toMatchObject([{ kind: "bug", message: "refcount of module cptrst below its baseline", objectType: "module" }]);
  });

  it("never throws: not from a broken clock, a failing observer, or a message that cannot be built", () => {
    const seen: OopsEvent[] = [];
    const o = new Oopses({
      now: () => {
        throw new Error("no clock");
      },
      onOops: (e) => {
        seen.push(e);
        throw new Error("observer failed");
      },
    });
    const e = o.oops("freed-module-text", () => {
      throw new Error("boom");
    });
    expect(e.at).toBe(0);
    expect(e.message).toContain("boom");
    expect(seen).toEqual([e]);
    expect(o.events).toEqual([e]);
  });

  it("forwards each event to the observer", () => {
    const seen: string[] = [];
    const o = new Oopses({ onOops: (e) => seen.push(formatOops(e)) });
    o.oops("refcount-underflow", "kref_put on file #2 whose refcount is already 0");
    expect(seen).toEqual(["oops (refcount-underflow): kref_put on file #2 whose refcount is already 0"]);
  });

  it("keeps at most maxEvents events and counts the rest", () => {
    const o = new Oopses({ maxEvents: 2 });
    for (let i = 0; i < 5; i++) o.oops("refcount-underflow", `put ${i}`);
    expect(o.events.map((e) => e.message)).toEqual(["put 0", "put 1"]);
    expect(o.count).toBe(5);
    expect(o.dropped).toBe(3);
    expect(o.byKind()["refcount-underflow"]).toBe(5);
    expect(o.lines().at(-1)).toBe("oops: 3 more not recorded (limit of 2 reached)");
  });

  it("captures the host stack at the oops site only when asked", () => {
    expect(new Oopses().oops("bug", "x").stack).toBeUndefined();
    expect(new Oopses({ captureStacks: true }).oops("bug", "x").stack).toContain("oops.test.ts");
  });

  it("produces events that survive a JSON round trip", () => {
    const o = new Oopses();
    o.oops("leak", "leak: 2 cred objects", { objectType: "cred", details: { count: 2, objects: [{ id: 1 }, { id: 2 }] } });
    expect(JSON.parse(JSON.stringify(o.events))).toEqual(o.events);
  });
});
