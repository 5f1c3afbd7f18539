// Objects of a model by id, for the checks a restart runs over every list of an image. Ids are
// small integers in practice (a writer numbers each kind from 1), so they index an array; any
// other id (a crafted image's far, negative or fractional one) goes in a Map. A Map per kind grew
// by rehashing to 10,000 entries and more for a 10,000-task image, on every restart, and what
// survived of its tables was the collector's to copy.
export class IdIndex<T> {
  private readonly dense: (T | undefined)[];
  private readonly sparse = new Map<number, T>();
  private readonly limit: number;

  /** `expected`: how many ids there will be (the list's length); the array covers twice that. */
  constructor(expected: number) {
    this.limit = 2 * expected + 16;
    this.dense = new Array<T | undefined>(this.limit).fill(undefined);
  }

  private isDense(id: number): boolean {
    return id >>> 0 === id && id < this.limit;
  }

  get(id: number): T | undefined {
    return this.isDense(id) ? this.dense[id] : this.sparse.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, x: T): void {
    if (this.isDense(id)) this.dense[id] = x;
    else this.sparse.set(id, x);
  }
}
