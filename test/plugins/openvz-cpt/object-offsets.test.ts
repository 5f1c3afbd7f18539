// ObjectOffsets (refs.ts): where the cpt decoder read each object, asked only for a refusal's
// message. It answers as the Map by object it replaced: the last offset given for an object, an
// alias taking its source's offset (0 when the source was never read), later sets after a lookup.
import { describe, expect, it } from "vitest";
import { ObjectOffsets } from "../../../src/plugins/openvz-cpt/codec/refs.ts";

describe("ObjectOffsets", () => {
  it("gives each object's offset, the last one for an object set twice", () => {
    const at = new ObjectOffsets();
    const objs = Array.from({ length: 1000 }, (_, i) => ({ i }));
    objs.forEach((o, i) => at.set(o, 64 + 8 * i));
    at.set(objs[3]!, 7);
    expect(at.get(objs[0]!)).toBe(64);
    expect(at.get(objs[999]!)).toBe(64 + 8 * 999);
    expect(at.get(objs[3]!)).toBe(7);
    expect(at.get({})).toBeUndefined();
    // Set after the first lookup: seen by the next one.
    const late = {};
    at.set(late, 5000);
    expect(at.get(late)).toBe(5000);
  });

  it("gives an alias its source's offset, or 0 for a source never read", () => {
    const at = new ObjectOffsets();
    const v = {};
    const container = {};
    const orphan = {};
    at.set(v, 120);
    at.alias(container, v);
    at.alias(orphan, {});
    expect(at.get(container)).toBe(120);
    expect(at.get(orphan)).toBe(0);
    // An alias made after a lookup is seen too.
    const again = {};
    at.alias(again, v);
    expect(at.get(again)).toBe(120);
  });
});
