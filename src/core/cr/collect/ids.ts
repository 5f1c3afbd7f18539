// Object identity → model id (Oren's objhash): the first time the collector meets a shared
// kernel object it gets the next id of its kind; every later meeting returns the same id.
export class IdMap<K> {
  private readonly ids = new Map<K, number>();

  /** The object's id, and whether it was just assigned (the caller then records the object). */
  lookup(obj: K): { id: number; fresh: boolean } {
    const have = this.ids.get(obj);
    if (have !== undefined) return { id: have, fresh: false };
    const id = this.ids.size + 1;
    this.ids.set(obj, id);
    return { id, fresh: true };
  }

  has(obj: K): boolean {
    return this.ids.has(obj);
  }

  get(obj: K): number | undefined {
    return this.ids.get(obj);
  }
}
