// PageMap (page-map.ts): the page cache's offset → page store behaves as a Map of its keys,
// dense offsets in an array and far ones in a Map, iterated in offset order for the dense part.
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { PageMap } from "../../../src/machine/fs/page-map.ts";
import { applyLikeMap } from "../../support/map-like.ts";

describe("PageMap", () => {
  fcTest.prop([fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.nat(300), fc.integer({ min: (1 << 18) - 3, max: (1 << 18) + 3 }), fc.nat(2 ** 31))), { maxLength: 200 })], { numRuns: 200 })(
    "answers get, has, size and iteration as a Map with the same sets and deletes",
    (ops) => {
      const pm = new PageMap<string>();
      const m = applyLikeMap(pm, ops);
      const byKey = (a: [number, string], b: [number, string]): number => a[0] - b[0];
      expect([...pm].sort(byKey)).toEqual([...m].sort(byKey));
      expect([...pm.keys()].sort((a, b) => a - b)).toEqual([...m.keys()].sort((a, b) => a - b));
      expect([...pm.values()].sort()).toEqual([...m.values()].sort());
      // forEach visits what the iterator does, in its order; forEachInOrder sorts by offset.
      const seen: [number, string][] = [];
      pm.forEach((v, pg) => seen.push([pg, v]));
      expect(seen).toEqual([...pm]);
      const ordered: [number, string][] = [];
      pm.forEachInOrder((v, pg) => ordered.push([pg, v]));
      expect(ordered).toEqual([...m].sort(byKey));
      // Deleting while iterating (truncate, release) visits and removes every entry.
      if (ops.length % 2 === 0) for (const [pg] of pm) pm.delete(pg);
      else pm.forEach((_, pg) => pm.delete(pg));
      expect(pm.size).toBe(0);
      expect([...pm]).toEqual([]);
    },
  );

  it("iterates dense offsets in order and clears", () => {
    const pm = new PageMap<number>();
    for (const pg of [5, 1, 3, 1 << 20, 0]) pm.set(pg, pg);
    expect([...pm.keys()]).toEqual([0, 1, 3, 5, 1 << 20]);
    pm.clear();
    expect(pm.size).toBe(0);
    expect(pm.get(5)).toBeUndefined();
  });
});
