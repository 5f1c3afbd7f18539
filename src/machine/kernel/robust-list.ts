// Robust futex lists (kernel/futex/core.c): a thread registers the head of a list of the locks
// it holds (set_robust_list); when it exits or execs, the kernel walks the list and marks each
// lock it still owns FUTEX_OWNER_DIED, waking one waiter, so a lock held by a dead thread is not
// held forever. musl walks its own list at pthread_exit; the kernel's walk is what covers a
// thread killed or a process gone by exit_group while holding a robust mutex.
import type { Kernel } from "./kernel.ts";
import type { Mm } from "../mm/mm.ts";
import type { Task } from "./task.ts";

/** sizeof(struct robust_list_head) on a 32-bit machine: next, futex_offset, list_op_pending. */
export const ROBUST_LIST_HEAD_SIZE = 12;
/** The most entries a walk follows: a list made circular by a bug must not hang the exit. */
const ROBUST_LIST_LIMIT = 2048;
const FUTEX_WAITERS = 0x80000000;
const FUTEX_OWNER_DIED = 0x40000000;
const FUTEX_TID_MASK = 0x3fffffff;

/** handle_futex_death: false when the word cannot be read (the walk stops there). */
function futexDeath(k: Kernel, mm: Mm, t: Task, uaddr: number, pi: boolean, pendingOp: boolean): boolean {
  if (uaddr % 4 !== 0) return false;
  const uval = mm.readU32(uaddr);
  if (uval === null) return false;
  const owner = uval & FUTEX_TID_MASK;
  // A lock being released with no owner left may still have a waiter that missed the wake.
  if (pendingOp && !pi && owner === 0) {
    k.futexWake(mm, uaddr, 1);
    return true;
  }
  if (owner !== t.pid.nrIn(t.pidNs)) return true;
  const next = ((uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0;
  if (!mm.writeU32(uaddr, next)) return false;
  if (!pi && (uval & FUTEX_WAITERS) !== 0) k.futexWake(mm, uaddr, 1);
  return true;
}

/** exit_robust_list: run at exit and at execve, while the task still has its old mm. */
export function exitRobustList(k: Kernel, t: Task, mm: Mm): void {
  const head = t.robustList;
  if (head === 0) return;
  t.robustList = 0;
  const first = mm.readU32(head);
  const offset = mm.readU32(head + 4);
  const pendingRaw = mm.readU32(head + 8);
  if (first === null || offset === null || pendingRaw === null) return;
  // Each pointer's bit 0 says whether the lock is a PI futex.
  const pending = (pendingRaw & ~1) >>> 0;
  const pip = (pendingRaw & 1) === 1;
  let entry = (first & ~1) >>> 0;
  let pi = (first & 1) === 1;
  for (let limit = ROBUST_LIST_LIMIT; entry !== head && limit > 0; limit--) {
    const nextRaw = mm.readU32(entry);
    if (entry !== pending && !futexDeath(k, mm, t, (entry + offset) >>> 0, pi, false)) return;
    if (nextRaw === null) return;
    entry = (nextRaw & ~1) >>> 0;
    pi = (nextRaw & 1) === 1;
  }
  if (pending !== 0) futexDeath(k, mm, t, (pending + offset) >>> 0, pip, true);
}
