// A file's pages by page offset (the xarray of Linux's address_space): what PageCache keeps its
// frames in. Most files are dense from offset 0 (an image file: 65,536 pages for 256 MiB), so
// offsets below DENSE go in a plain array, read and written without hashing, and what lies beyond
// (a sparse file written far out) goes in a Map. A Map of 65,536 entries costs several MiB of
// fresh host memory as it grows (rehashed into ever larger tables), an array an eighth of that.
// Iteration is in offset order for the array part, then the Map's in insertion order.

/** Offsets below this (1 GiB of 4 KiB pages) are kept in the array. */
const DENSE = 1 << 18;

export class PageMap<T> {
  private readonly dense: (T | undefined)[] = [];
  private sparse: Map<number, T> | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(pg: number): T | undefined {
    return pg < DENSE ? this.dense[pg] : this.sparse?.get(pg);
  }

  has(pg: number): boolean {
    return this.get(pg) !== undefined;
  }

  set(pg: number, v: T): this {
    if (pg < DENSE) {
      const d = this.dense;
      // Append in order where it can (a sequential write): the array stays packed.
      while (d.length < pg) d.push(undefined);
      if (d[pg] === undefined) this.count++;
      d[pg] = v;
    } else {
      this.sparse ??= new Map();
      if (!this.sparse.has(pg)) this.count++;
      this.sparse.set(pg, v);
    }
    return this;
  }

  delete(pg: number): boolean {
    if (pg < DENSE) {
      const d = this.dense;
      if (d[pg] === undefined) return false;
      d[pg] = undefined;
      // Shorten past trailing holes, so iteration stops at the last page.
      if (pg === d.length - 1) while (d.length > 0 && d[d.length - 1] === undefined) d.pop();
    } else if (this.sparse?.delete(pg) !== true) return false;
    this.count--;
    return true;
  }

  clear(): void {
    this.dense.length = 0;
    this.sparse = null;
    this.count = 0;
  }

  /**
   * Every page, in the order the iterators give, with no entry array or iterator result per page:
   * the walks over a whole image file (save it, free it, drop its tail) made 65,536 of each, some
   * 5 MiB of garbage a walk. `fn` may delete the page it is given (not others).
   */
  forEach(fn: (v: T, pg: number) => void): void {
    const d = this.dense;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v !== undefined) fn(v, i);
    }
    this.sparse?.forEach(fn);
  }

  /** As forEach, in offset order: the sparse offsets (few, far out) are sorted first. */
  forEachInOrder(fn: (v: T, pg: number) => void): void {
    const d = this.dense;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v !== undefined) fn(v, i);
    }
    if (this.sparse === null) return;
    const sparse = this.sparse;
    for (const pg of [...sparse.keys()].sort((a, b) => a - b)) fn(sparse.get(pg)!, pg);
  }

  *entries(): Generator<[number, T]> {
    const d = this.dense;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v !== undefined) yield [i, v];
    }
    if (this.sparse !== null) yield* this.sparse.entries();
  }

  *keys(): Generator<number> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): Generator<T> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): Generator<[number, T]> {
    return this.entries();
  }
}
