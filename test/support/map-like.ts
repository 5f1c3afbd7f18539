// A key → value store checked against a Map: the same sets and deletes, then the same get, has
// and size after each (page-map.ts and page-table.ts are both Maps by another layout).
import { expect } from "vitest";

export interface MapLike<V> {
  readonly size: number;
  get(k: number): V | undefined;
  has(k: number): boolean;
  set(k: number, v: V): unknown;
  delete(k: number): boolean;
}

/** Applies `ops` ([delete?, key]) to `store` and to a Map, checking each step; returns the Map. */
export function applyLikeMap(store: MapLike<string>, ops: readonly (readonly [boolean, number])[]): Map<number, string> {
  const m = new Map<number, string>();
  ops.forEach(([del, k], i) => {
    if (del) expect(store.delete(k)).toBe(m.delete(k));
    else {
      store.set(k, `v${i}`);
      m.set(k, `v${i}`);
    }
    expect(store.size).toBe(m.size);
    expect(store.get(k)).toBe(m.get(k));
    expect(store.has(k)).toBe(m.has(k));
  });
  return m;
}
