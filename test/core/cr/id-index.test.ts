// IdIndex: objects by id as a Map by id answers, whether the id indexes its array (small
// integers) or goes to its Map (anything a crafted image can hold instead).
import { describe, expect, it } from "vitest";
import { IdIndex } from "../../../src/core/cr/id-index.ts";

describe("IdIndex", () => {
  it("answers get, has and set as a Map for small ids and for every other number", () => {
    const ids = [0, 1, 2, 17, 35, 36, -1, -0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 1e9, Number.MAX_SAFE_INTEGER, NaN, Infinity];
    const index = new IdIndex<string>();
    const map = new Map<number, string>();
    ids.forEach((id, i) => {
      expect(index.has(id), `${id} before`).toBe(false);
      index.set(id, `v${i}`);
      map.set(id, `v${i}`);
    });
    index.set(17, "again");
    map.set(17, "again");
    for (const id of [...ids, 3, -2, 0.25, 2 ** 32 + 2]) {
      expect(index.get(id), `get ${id}`).toBe(map.get(id));
      expect(index.has(id), `has ${id}`).toBe(map.has(id));
    }
  });

  it("finds an id set while it was far from the array after the array has grown past it", () => {
    const index = new IdIndex<number>();
    index.set(500, -500); // far: kept apart from the array
    for (let id = 0; id < 1000; id++) if (id !== 500) index.set(id, id);
    expect(index.get(500)).toBe(-500);
    expect(index.get(499)).toBe(499);
    index.set(500, 7); // set again now that the array covers it: the newer value
    expect(index.get(500)).toBe(7);
  });
});
