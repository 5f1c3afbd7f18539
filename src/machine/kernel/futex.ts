// Futexes: wait queues keyed by a user address. A private futex is keyed by (mm, address); a
// shared one by the frame and offset behind the address, so processes sharing memory
// (MAP_SHARED across fork) meet on the same key.
import { PAGE_MASK, PAGE_SHIFT } from "../mm/frame.ts";
import type { Mm } from "../mm/mm.ts";
import { VM_SHARED } from "../mm/vma.ts";
import type { Task } from "./task.ts";

export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;
export const FUTEX_REQUEUE = 3;
export const FUTEX_CMP_REQUEUE = 4;
export const FUTEX_WAIT_BITSET = 9;
export const FUTEX_WAKE_BITSET = 10;
export const FUTEX_PRIVATE_FLAG = 128;
export const FUTEX_CLOCK_REALTIME = 256;
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

export interface FutexWaiter {
  task: Task;
  bitset: number;
  key: string;
}

export class Futexes {
  /** Waiters per key, in arrival order (FIFO wake-up, as Linux's plist for equal priority). */
  readonly queues = new Map<string, FutexWaiter[]>();
  /** The key each waiting task is queued on (a task waits on one futex at a time). */
  private readonly keyOf = new Map<Task, string>();

  /** The key of a futex word, or null when the address is not mapped. */
  key(mm: Mm, addr: number, priv: boolean): string | null {
    const vma = mm.findVma(addr >>> 0);
    if (vma === undefined) return null;
    // As Linux's get_futex_key: private anonymous memory is keyed by (mm, address) even for a
    // "shared" futex; only MAP_SHARED memory is keyed by the page, so processes meet there.
    // The mm is named by its kobject id, unique among the machine's mms and never reused.
    if (priv || (vma.flags & VM_SHARED) === 0) return `m${mm.kobjId}:${addr >>> 0}`;
    const pte = mm.pt.get(addr >>> PAGE_SHIFT);
    if (pte === undefined) return `m${mm.kobjId}:${addr >>> 0}`;
    return `f${pte.frame.id}:${addr & PAGE_MASK}`;
  }

  enqueue(w: FutexWaiter): void {
    this.keyOf.set(w.task, w.key);
    const q = this.queues.get(w.key);
    if (q) q.push(w);
    else this.queues.set(w.key, [w]);
  }

  /** Remove a task's waiter (woken, interrupted, timed out or exiting). */
  dequeue(task: Task): void {
    const key = this.keyOf.get(task);
    if (key === undefined) return; // the common case: every wake-up calls this
    this.keyOf.delete(task);
    const q = this.queues.get(key)!;
    q.splice(q.findIndex((w) => w.task === task), 1);
    if (q.length === 0) this.queues.delete(key);
  }

  /** Take up to n waiters whose bitset matches. */
  take(key: string, n: number, bitset: number): FutexWaiter[] {
    const q = this.queues.get(key);
    if (!q) return [];
    const out: FutexWaiter[] = [];
    for (let i = 0; i < q.length && out.length < n; ) {
      if ((q[i].bitset & bitset) !== 0) {
        const [w] = q.splice(i, 1);
        this.keyOf.delete(w.task);
        out.push(w);
      } else i++;
    }
    if (q.length === 0) this.queues.delete(key);
    return out;
  }

  /** Move up to n waiters from one key to another (FUTEX_REQUEUE). */
  requeue(from: string, to: string, n: number): number {
    const moved = this.take(from, n, FUTEX_BITSET_MATCH_ANY);
    for (const w of moved) this.enqueue({ ...w, key: to });
    return moved.length;
  }
}
