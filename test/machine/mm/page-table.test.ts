// PageTable (page-table.ts): an mm's vpn → pte table behaves as a Map of its keys, small (a Map)
// and split into leaves of 1,024 alike, including deletes from inside forEach (zapRange's walk).
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { PageTable } from "../../../src/machine/mm/page-table.ts";
import { applyLikeMap } from "../../support/map-like.ts";

const byKey = (a: [number, string], b: [number, string]): number => a[0] - b[0];
// vpns near and across leaf boundaries (1,024 ptes), and anywhere in the 20-bit space.
const vpn = fc.oneof(fc.nat(40), fc.integer({ min: 1020, max: 1030 }), fc.integer({ min: 0, max: 0xfffff }));

describe("PageTable", () => {
  fcTest.prop([fc.array(fc.tuple(fc.boolean(), vpn), { maxLength: 200 }), fc.constantFrom(0, 3, 8, 4096)], { numRuns: 300 })(
    "answers get, has, size, delete and iteration as a Map with the same sets and deletes, split or not",
    (ops, splitAt) => {
      const pt = new PageTable<string>(splitAt);
      const m = applyLikeMap(pt, ops);
      expect(pt.entries().sort(byKey)).toEqual([...m].sort(byKey));
      expect(pt.keys().sort((a, b) => a - b)).toEqual([...m.keys()].sort((a, b) => a - b));
      expect(pt.values().sort()).toEqual([...m.values()].sort());
      const seen: [number, string][] = [];
      pt.forEach((p, v) => seen.push([v, p]));
      expect(seen.sort(byKey)).toEqual([...m].sort(byKey));
      // Deleting the entry forEach is on, as zapRange does: every entry is visited once and goes.
      const visited: number[] = [];
      pt.forEach((_, v) => {
        visited.push(v);
        pt.delete(v);
      });
      expect(visited.sort((a, b) => a - b)).toEqual([...m.keys()].sort((a, b) => a - b));
      expect(pt.size).toBe(0);
      expect(pt.entries()).toEqual([]);
    },
  );

  it("splits past its threshold, walks leaves in vpn order, and is small again after clear", () => {
    const pt = new PageTable<number>(4);
    for (const v of [2050, 7, 1025, 3, 1024, 0]) pt.set(v, v);
    expect(pt.size).toBe(6);
    // Split at the fifth set: the split re-inserts in the Map's order, so leaf 2 (2050) is made
    // first, then leaf 0 (7, 3, later 0), then leaf 1; each walked in vpn order.
    expect(pt.keys()).toEqual([2050, 0, 3, 7, 1024, 1025]);
    pt.clear();
    expect(pt.size).toBe(0);
    expect(pt.get(7)).toBeUndefined();
    pt.set(9, 9);
    expect(pt.keys()).toEqual([9]);
  });
});
