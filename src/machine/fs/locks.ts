// File locks (Linux's fs/locks.c): flock locks, POSIX record locks and open file description
// (OFD) locks, kept per inode in a lock context (file_lock_context).
//
// Owners decide everything: a flock or OFD lock belongs to the open file (shared by dup and fork,
// gone at its last close); a POSIX lock belongs to the fd table (fl_owner = current->files, one per
// process unless CLONE_FILES shares it) and is dropped by ANY close of ANY fd of the inode by that
// owner, and at exit, when the table closes everything. POSIX and OFD locks live in one list and
// conflict with each other; flock locks are a separate world. A lock of an owner never conflicts
// with the same owner's locks: a new one replaces, splits or merges them (posix_lock_inode).
//
// Waiting follows the kernel's restart model: a blocked F_SETLKW or flock sleeps on the context's
// wait queue and re-executes from the start when any lock of the inode goes or shrinks. A blocked
// POSIX request is remembered (blocked_hash) so that another owner's request can walk the
// wait-for graph and fail with EDEADLK instead of closing a cycle.
import type { Kernel } from "../kernel/kernel.ts";
import type { Pid } from "../kernel/pid.ts";
import type { Task } from "../kernel/task.ts";
import { WaitQueue } from "../kernel/wait-queue.ts";
import { EAGAIN, EDEADLK } from "./errno.ts";
import type { File } from "./file.ts";
import type { Lease } from "./leases.ts";

export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;
/** OFFSET_MAX: a lock "to EOF" (l_len 0) ends here. */
export const OFFSET_MAX = 2n ** 63n - 1n;
/** MAX_DEADLK_ITERATIONS: the wait-for walk gives up (no EDEADLK) after this many steps. */
const MAX_DEADLK_ITERATIONS = 10;

export type LockKind = "posix" | "ofd" | "flock" | "lease";

export interface FileLock {
  readonly kind: LockKind;
  /** F_RDLCK (shared) or F_WRLCK (exclusive); F_UNLCK only in requests. */
  type: number;
  start: bigint;
  /** Inclusive; OFFSET_MAX for "to EOF". */
  end: bigint;
  /** The fd table (POSIX) or the open file (OFD, flock). */
  readonly owner: object;
  /** The file the lock was taken through. */
  readonly file: File;
  /** The thread group (leader's pid) that took it: F_GETLK's l_pid for a POSIX lock. */
  readonly pid: Pid;
}

/** file_lock_context: an inode's locks, and where requests wait for them to change. */
export class FileLockContext {
  readonly flocks: FileLock[] = [];
  /** POSIX and OFD locks; an owner's locks are contiguous and sorted by start (as Linux keeps them). */
  readonly posix: FileLock[] = [];
  /** Leases (leases.ts), in the order they were taken. */
  readonly leases: Lease[] = [];
  readonly wait = new WaitQueue();

  constructor(readonly k: Kernel) {}

  get empty(): boolean {
    return this.flocks.length === 0 && this.posix.length === 0 && this.leases.length === 0;
  }
}

/** A POSIX request asleep in F_SETLKW (blocked_hash): who waits, and for which lock. */
export interface BlockedLock {
  readonly task: Task;
  readonly blocker: FileLock;
  readonly wq: WaitQueue;
}

/** The inode's lock context, made on first use (locks_get_lock_context). */
export function lockContext(k: Kernel, f: File): FileLockContext {
  return (f.inode.flctx ??= new FileLockContext(k));
}

const overlap = (a: FileLock, b: FileLock): boolean => a.start <= b.end && b.start <= a.end;
const exclusive = (a: FileLock, b: FileLock): boolean => a.type === F_WRLCK || b.type === F_WRLCK;

/** posix_locks_conflict: another owner's overlapping lock, one of the two exclusive. */
export function posixConflict(req: FileLock, fl: FileLock): boolean {
  return req.owner !== fl.owner && overlap(req, fl) && exclusive(req, fl);
}

/** what_owner_is_waiting_for: the lock the owner of `fl` is blocked on, if it sleeps in F_SETLKW. */
function waitingFor(k: Kernel, fl: FileLock): FileLock | null {
  const b = k.vfs.blockedLocks.get(fl.owner);
  if (b === undefined) return null;
  // The entry is only good while its task still sleeps in that wait (a signal or a kill ends it).
  if (b.task.state !== "sleeping" || b.task.waitingOn !== b.wq) {
    k.vfs.blockedLocks.delete(fl.owner);
    return null;
  }
  return b.blocker;
}

/** posix_locks_deadlock: would waiting for `blocker` close a cycle back to req's owner? */
function posixDeadlock(k: Kernel, req: FileLock, blocker: FileLock): boolean {
  if (req.kind !== "posix") return false; // OFD requests are never checked (their owner is a file)
  let fl: FileLock | null = blocker;
  for (let i = 0; (fl = waitingFor(k, fl)) !== null; i++) {
    if (i > MAX_DEADLK_ITERATIONS) return false;
    if (fl.owner === req.owner) return true;
  }
  return false;
}

/** posix_test_lock (F_GETLK): the first lock that would block req, or null. */
export function posixTestLock(f: File, req: FileLock): FileLock | null {
  const ctx = f.inode.flctx;
  if (ctx === undefined || ctx === null) return null;
  return ctx.posix.find((fl) => posixConflict(req, fl)) ?? null;
}

/**
 * posix_lock_inode: set, change or remove (F_UNLCK) req's owner's locks over req's range.
 * `wait`: sleep while another owner's lock is in the way (F_SETLKW). 0, -EAGAIN, -EDEADLK, or the
 * restart code of a sleep.
 */
export function posixLock(k: Kernel, t: Task, req: FileLock, wait: boolean): number {
  const ctx = lockContext(k, req.file);
  if (req.type !== F_UNLCK) {
    const blocker = ctx.posix.find((fl) => posixConflict(req, fl));
    if (blocker !== undefined) {
      if (!wait) return -EAGAIN;
      if (posixDeadlock(k, req, blocker)) return -EDEADLK;
      if (req.kind === "posix") k.vfs.blockedLocks.set(req.owner, { task: t, blocker, wq: ctx.wait });
      return k.sleep(t, ctx.wait);
    }
  }
  if (req.kind === "posix") k.vfs.blockedLocks.delete(req.owner);
  const first = ctx.posix.findIndex((fl) => fl.owner === req.owner);
  const mine = ctx.posix.filter((fl) => fl.owner === req.owner);
  const others = ctx.posix.filter((fl) => fl.owner !== req.owner);
  const kept: FileLock[] = [];
  let start = req.start;
  let end = req.end;
  let changed = false;
  for (const fl of mine) {
    const touches = fl.start <= req.end + 1n && req.start <= fl.end + 1n;
    if (req.type !== F_UNLCK && fl.type === req.type && touches) {
      // Same type, overlapping or adjacent: merged into the new lock.
      if (fl.start < start) start = fl.start;
      if (fl.end > end) end = fl.end;
      continue;
    }
    if (!overlap(fl, req)) {
      kept.push(fl);
      continue;
    }
    // Another type (or an unlock) over part of it: what lies outside the request survives.
    changed = true;
    if (fl.start < req.start) kept.push({ ...fl, end: req.start - 1n });
    if (fl.end > req.end) kept.push({ ...fl, start: req.end + 1n });
  }
  if (req.type !== F_UNLCK) kept.push({ ...req, start, end });
  kept.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  // The owner's block stays where it was in the list (a new owner's goes at the end).
  const at = first < 0 ? others.length : ctx.posix.slice(0, first).filter((fl) => fl.owner !== req.owner).length;
  ctx.posix.splice(0, ctx.posix.length, ...others.slice(0, at), ...kept, ...others.slice(at));
  if (changed || req.type !== F_WRLCK) k.wakeAll(ctx.wait);
  return 0;
}

/**
 * flock_lock_inode: the file's flock lock becomes req.type. A conversion is not atomic, as in
 * Linux: the old lock goes first, so a waiting (or refused) upgrade has given up its shared lock.
 */
export function flockLock(k: Kernel, t: Task, req: FileLock, wait: boolean): number {
  const ctx = lockContext(k, req.file);
  const i = ctx.flocks.findIndex((fl) => fl.owner === req.owner);
  if (i >= 0) {
    if (ctx.flocks[i].type === req.type) return 0;
    ctx.flocks.splice(i, 1);
    k.wakeAll(ctx.wait);
  }
  if (req.type === F_UNLCK) return 0;
  if (ctx.flocks.some((fl) => fl.owner !== req.owner && exclusive(req, fl))) {
    return wait ? k.sleep(t, ctx.wait) : -EAGAIN;
  }
  ctx.flocks.push(req);
  return 0;
}

/** Remove the locks `match` selects, waking the inode's waiters if any went. */
function removeWhere(f: File, match: (fl: FileLock) => boolean): void {
  const ctx = f.inode.flctx;
  if (ctx === undefined || ctx === null) return;
  let gone = false;
  for (const list of [ctx.posix, ctx.flocks]) {
    for (let i = list.length - 1; i >= 0; i--) {
      if (match(list[i])) {
        list.splice(i, 1);
        gone = true;
      }
    }
  }
  if (gone) ctx.k.wakeAll(ctx.wait);
}

/** locks_remove_posix: a close of any fd of the inode by `owner` (an fd table) drops its POSIX locks. */
export function locksRemovePosix(f: File, owner: object): void {
  removeWhere(f, (fl) => fl.kind === "posix" && fl.owner === owner);
}

/** locks_remove_file: the file's last reference is gone; its OFD and flock locks go with it. */
export function locksRemoveFile(f: File): void {
  removeWhere(f, (fl) => fl.owner === f);
}

/** Whether the file, or the fd table `files` through it, holds any lock (the checkpoint refuses those). */
export function holdsLocks(f: File, files: object): LockKind | null {
  const ctx = f.inode.flctx;
  if (ctx === undefined || ctx === null) return null;
  for (const fl of [...ctx.posix, ...ctx.flocks]) {
    if (fl.owner === f || (fl.kind === "posix" && fl.owner === files)) return fl.kind;
  }
  return ctx.leases.some((l) => l.file === f) ? "lease" : null;
}
