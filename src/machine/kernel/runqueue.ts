// The run queue's order: runnable tasks in arrival order, the k-th of them found and taken out in
// O(log n).
//
// The scheduler takes a random index among the queued tasks (sched.ts). With a plain array,
// taking it out moved every later task down one place: O(n) per pick, so a restart that wakes
// 10,000 tasks at once paid O(n²) in moves alone. Here each task holds a slot in arrival order and
// a Fenwick tree over the slots counts the occupied ones, so the k-th task in order is reached by a
// descent of log2(capacity) steps and a removal only empties its slot. The order, and so every
// pick, is the array's: same seed, same schedule. Empty slots stay until the slots run out; then
// the queued tasks are packed to the front, or the capacity doubles when more than half of the
// slots are occupied: amortised O(1) per push. Each entry carries its own slot (rqSlot), so no
// map from task to slot grows and shrinks with the queue.

const MIN_CAPACITY = 16;

/** What the queue holds: rqSlot is the entry's slot while it is queued, -1 otherwise (the queue's field alone). */
export interface RunQueueEntry {
  rqSlot: number;
}

export class RunQueue<T extends RunQueueEntry> {
  /** slots[i]: the task that arrived in slot i, or undefined once it left. */
  private slots: (T | undefined)[] = new Array<T | undefined>(MIN_CAPACITY);
  /** 1-based Fenwick tree: tree[i] counts the occupied slots in (i - lowbit(i), i]. */
  private tree = new Int32Array(MIN_CAPACITY + 1);
  private size = 0;
  /** The next free slot at the end; slots at and after it are empty. */
  private end = 0;

  /** How many tasks are queued. */
  get length(): number {
    return this.size;
  }

  has(t: T): boolean {
    return t.rqSlot >= 0 && this.slots[t.rqSlot] === t;
  }

  /** Append t (not queued: in no run queue) at the end of the order. */
  push(t: T): void {
    if (this.end === this.slots.length) this.regrow();
    const i = this.end++;
    this.slots[i] = t;
    t.rqSlot = i;
    this.size++;
    this.add(i, 1);
  }

  /** Take out and return the k-th queued task in arrival order (0 <= k < length). */
  takeAt(k: number): T {
    const i = this.slotAt(k);
    const t = this.slots[i] as T;
    this.vacate(t, i);
    return t;
  }

  /** Take t out wherever it is; false if it was not queued. */
  delete(t: T): boolean {
    if (!this.has(t)) return false;
    this.vacate(t, t.rqSlot);
    return true;
  }

  /** The queued tasks in arrival order. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.end; i++) {
      const t = this.slots[i];
      if (t !== undefined) yield t;
    }
  }

  private vacate(t: T, i: number): void {
    this.slots[i] = undefined;
    t.rqSlot = -1;
    this.size--;
    this.add(i, -1);
  }

  private add(slot: number, d: number): void {
    const n = this.slots.length;
    for (let j = slot + 1; j <= n; j += j & -j) this.tree[j] += d;
  }

  /** The slot of the k-th occupied slot (0-based): the Fenwick descent. */
  private slotAt(k: number): number {
    if (!(k >= 0 && k < this.size)) throw new RangeError(`run queue: index ${k} of ${this.size}`);
    let pos = 0;
    let rem = k + 1;
    // The capacity is a power of two, so the descent starts at it.
    for (let step = this.slots.length; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.slots.length && this.tree[next] < rem) {
        pos = next;
        rem -= this.tree[next];
      }
    }
    return pos;
  }

  /** The end reached the capacity: pack the queued tasks to the front, doubling it if they fill more than half. */
  private regrow(): void {
    const live = [...this];
    let cap = this.slots.length;
    if (live.length * 2 > cap) cap *= 2;
    this.slots = new Array<T | undefined>(cap);
    this.tree = new Int32Array(cap + 1);
    live.forEach((t, i) => {
      this.slots[i] = t;
      t.rqSlot = i;
      this.tree[i + 1] = 1;
    });
    // Build the Fenwick tree in O(cap): each node passes its count up to its parent.
    for (let i = 1; i <= cap; i++) {
      const j = i + (i & -i);
      if (j <= cap) this.tree[j] += this.tree[i];
    }
    this.end = live.length;
  }
}
