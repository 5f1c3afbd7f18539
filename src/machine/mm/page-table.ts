// An mm's page table: virtual page number to pte. Most mms are small (a task of a tree has tens of
// pages), and for them a Map is the cheapest there is. A big one (a 256 MiB guest: 65,536 ptes)
// paid for the Map as it grew: rehashed into ever larger tables, several MiB of them, each taken
// fresh from the host (about 28 ms of a 256 MiB restart, which builds the table in one go). Past
// SPLIT ptes the table moves to leaves of LEAF ptes indexed by vpn, kept in a Map by vpn >> 10: a
// two-level table, as Sv32's own, that grows a leaf at a time and never rehashes more than its
// few leaves.
//
// Order of iteration: the Map's (insertion) while small; leaf by leaf once split, each in vpn
// order, leaves in the order they were made. Nothing guest-visible depends on it (callers sort
// what they write out, or only count or free).

/** More ptes than this and the table splits into leaves. */
const SPLIT = 4096;
const LEAF_SHIFT = 10;
const LEAF = 1 << LEAF_SHIFT;
const LEAF_MASK = LEAF - 1;

class Leaf<T> {
  /** Ptes present in the leaf. */
  n = 0;
  readonly slots: (T | undefined)[] = new Array<T | undefined>(LEAF).fill(undefined);
}

export class PageTable<T> {
  private small: Map<number, T> | null = new Map();
  private leaves: Map<number, Leaf<T>> | null = null;
  private count = 0;

  /** `splitAt`: SPLIT, or fewer in the tests (so that a few operations cross it). */
  constructor(private readonly splitAt = SPLIT) {}

  get size(): number {
    return this.small !== null ? this.small.size : this.count;
  }

  get(vpn: number): T | undefined {
    if (this.small !== null) return this.small.get(vpn);
    return this.leaves!.get(vpn >>> LEAF_SHIFT)?.slots[vpn & LEAF_MASK];
  }

  has(vpn: number): boolean {
    return this.get(vpn) !== undefined;
  }

  set(vpn: number, pte: T): this {
    if (this.small !== null) {
      this.small.set(vpn, pte);
      if (this.small.size > this.splitAt) this.split();
      return this;
    }
    const key = vpn >>> LEAF_SHIFT;
    let leaf = this.leaves!.get(key);
    if (leaf === undefined) this.leaves!.set(key, (leaf = new Leaf()));
    const i = vpn & LEAF_MASK;
    if (leaf.slots[i] === undefined) {
      leaf.n++;
      this.count++;
    }
    leaf.slots[i] = pte;
    return this;
  }

  delete(vpn: number): boolean {
    if (this.small !== null) return this.small.delete(vpn);
    const key = vpn >>> LEAF_SHIFT;
    const leaf = this.leaves!.get(key);
    const i = vpn & LEAF_MASK;
    if (leaf === undefined || leaf.slots[i] === undefined) return false;
    leaf.slots[i] = undefined;
    this.count--;
    if (--leaf.n === 0) this.leaves!.delete(key);
    return true;
  }

  /** Empty again, and small. */
  clear(): void {
    this.small = new Map();
    this.leaves = null;
    this.count = 0;
  }

  /**
   * Each pte with its vpn. `fn` may delete the entry it is given (zapRange does); ptes it adds
   * may or may not be visited, as with a Map.
   */
  forEach(fn: (pte: T, vpn: number) => void): void {
    if (this.small !== null) {
      this.small.forEach(fn);
      return;
    }
    this.leaves!.forEach((leaf, key) => {
      const slots = leaf.slots;
      const base = key << LEAF_SHIFT;
      for (let i = 0; i < LEAF; i++) {
        const pte = slots[i];
        if (pte !== undefined) fn(pte, base + i);
      }
    });
  }

  /** [vpn, pte] pairs, as a Map's entries (for the rare callers that want them in an array). */
  entries(): [number, T][] {
    const out: [number, T][] = [];
    this.forEach((pte, vpn) => out.push([vpn, pte]));
    return out;
  }

  keys(): number[] {
    const out: number[] = [];
    this.forEach((_, vpn) => out.push(vpn));
    return out;
  }

  values(): T[] {
    const out: T[] = [];
    this.forEach((pte) => out.push(pte));
    return out;
  }

  private split(): void {
    const small = this.small!;
    this.small = null;
    this.leaves = new Map();
    this.count = 0;
    small.forEach((pte, vpn) => this.set(vpn, pte));
  }
}
