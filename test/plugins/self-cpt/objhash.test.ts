// The objhash's reading side (objhash.ts ObjTable): a model id defined twice within its kind is
// refused wherever the table keeps it — by index (ids that come about in order) or in its Map
// (an id far past the others, as a crafted image may carry) — and ids of different kinds or far
// apart are no clash.
import { describe, expect, it } from "vitest";
import { ObjTable } from "../../../src/plugins/self-cpt/codec/objhash.ts";
import { FieldReader } from "../../../src/plugins/self-cpt/codec/reader.ts";

const reader = (): FieldReader => new FieldReader(new Uint8Array(8), 16, "CKPT_HDR_CRED at byte 8", 8);

/** Defines each [kind, id] in turn (objrefs 1, 2, 3...); the message of the first refusal, or null. */
function defineAll(defs: [("cred" | "pid"), number][]): string | null {
  const t = new ObjTable();
  try {
    defs.forEach(([kind, id], i) => t.define(reader(), kind, i + 1, id, 100 * (i + 1)));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe("ObjTable ids", () => {
  it("takes ids in order, with holes, far apart, and the same id in another kind", () => {
    expect(defineAll([["cred", 1], ["cred", 2], ["cred", 5], ["cred", 4_000_000_000], ["cred", 0], ["pid", 1], ["pid", 2]])).toBeNull();
  });

  it("refuses an id defined twice among ids in order", () => {
    expect(defineAll([["cred", 1], ["cred", 2], ["cred", 3], ["cred", 2]])).toMatch(/cred id 2 \(objref 4 at byte 400\) is defined twice: objref 2 at byte 200 has that id too/);
  });

  it("refuses a far id defined twice", () => {
    expect(defineAll([["cred", 1], ["cred", 4_000_000_000], ["cred", 4_000_000_000]])).toMatch(/cred id 4000000000 \(objref 3 at byte 300\) is defined twice: objref 2 at byte 200/);
  });

  it("refuses an id first kept apart, named again once the ids in order have reached it", () => {
    // 200 lies past the ids in order when first defined (kept in the Map); by the time it comes
    // again, ids 1..199 have made the index reach it.
    const defs: [("cred" | "pid"), number][] = [["cred", 200]];
    for (let id = 1; id < 200; id++) defs.push(["cred", id]);
    defs.push(["cred", 200]);
    expect(defineAll(defs)).toMatch(/cred id 200 \(objref 201 at byte 20100\) is defined twice: objref 1 at byte 100 has that id too/);
  });

  it("refuses a non-integer id twice", () => {
    expect(defineAll([["cred", 1.5], ["cred", 1.5]])).toMatch(/cred id 1.5 \(objref 2 at byte 200\) is defined twice/);
  });
});
