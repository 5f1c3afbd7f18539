// Objects of a model by id, for the checks a restart runs over every list of an image. Ids are
// small integers in practice (a writer numbers each kind from 1), so they index an array; any
// other id (a crafted image's far, negative or fractional one) goes in a Map. A Map per kind grew
// by rehashing to 10,000 entries and more for a 10,000-task image, on every restart, and what
// survived of its tables was the collector's to copy.

/** How far past the array's end an id may land and still extend it (a few holes). */
const NEAR = 64;

export class IdIndex<T> {
  private readonly dense: (T | undefined)[] = [];
  private sparse: Map<number, T> | null = null;

  get(id: number): T | undefined {
    // An id set while it was far from the array stays in the Map when the array grows past it.
    const v = Number.isInteger(id) && id >= 0 && id < this.dense.length ? this.dense[id] : undefined;
    return v ?? this.sparse?.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, x: T): void {
    const dense = this.dense;
    if (Number.isInteger(id) && id >= 0 && id < dense.length + NEAR) {
      while (dense.length < id) dense.push(undefined);
      dense[id] = x;
    } else (this.sparse ??= new Map()).set(id, x);
  }
}
