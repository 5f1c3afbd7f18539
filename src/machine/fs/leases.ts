// File leases (Linux's fcntl_setlease, generic_add_lease, __break_lease, time_out_leases and
// fcntl_getlease in fs/locks.c). A lease belongs to an open file and is kept in the inode's
// lock context. A read lease needs the file open for writing by nobody; a write lease needs no
// other open of the file at all. An open that conflicts (any open for writing breaks every
// lease, a read-only open breaks write leases) marks each conflicting lease as breaking toward
// F_UNLCK or F_RDLCK, signals the lease holder (SIGIO, or F_SETSIG's signal with si_fd, through
// the lease's fasync entry), and fails with EWOULDBLOCK under O_NONBLOCK or waits until the
// holder gives way or lease-break-time (45 s of virtual time) passes; after that the lease is
// forced to its target at the next look (time_out_leases).
import type { Kernel } from "../kernel/kernel.ts";
import type { Pid } from "../kernel/pid.ts";
import type { Task } from "../kernel/task.ts";
import { O_ACCMODE, O_NONBLOCK, O_RDONLY } from "./constants.ts";
import { EAGAIN } from "./errno.ts";
import type { File } from "./file.ts";
import { fasyncHelper, fModown, fownOf, killFasync, POLL_MSG, type FasyncList } from "./fown.ts";
import type { Inode } from "./inode.ts";
import { F_RDLCK, F_UNLCK, F_WRLCK, lockContext, type FileLockContext } from "./locks.ts";

/** /proc/sys/fs/lease-break-time's default, in seconds. */
export const LEASE_BREAK_TIME_S = 45;

/** A lease (a file_lock with FL_LEASE). */
export interface Lease {
  readonly file: File;
  /** F_RDLCK or F_WRLCK. */
  type: number;
  /** The process that took it (fl_pid = tgid), for fdinfo. */
  readonly pid: Pid;
  /** FL_UNLOCK_PENDING / FL_DOWNGRADE_PENDING, with the kernel clock (cycles) at which it is forced; 0: no limit. */
  unlockPending: boolean;
  downgradePending: boolean;
  breakTime: number;
  downgradeTime: number;
  /** fl_fasync: where the break is signalled. */
  readonly fasync: FasyncList;
}

/** target_leasetype: what the lease is becoming (what F_GETLEASE and /proc/locks show). */
export const targetLeaseType = (l: Lease): number => (l.unlockPending ? F_UNLCK : l.downgradePending ? F_RDLCK : l.type);

const leaseBreaking = (l: Lease): boolean => l.unlockPending || l.downgradePending;

/**
 * lease_modify: the lease becomes `type`. F_UNLCK removes it, and with it the file's owner and
 * F_SETSIG signal (f_delown) and its fasync entry. Waiting breakers re-check.
 */
function leaseModify(k: Kernel, ctx: FileLockContext, l: Lease, type: number): void {
  l.type = type === F_UNLCK ? l.type : type;
  if (type === F_UNLCK) l.unlockPending = false;
  if (type === F_UNLCK || type === F_RDLCK) l.downgradePending = false;
  k.wakeAll(ctx.wait);
  if (type !== F_UNLCK) return;
  const fown = fownOf(l.file);
  fown.pid = null;
  fown.signum = 0;
  fasyncHelper(0, l.file, false, l.fasync);
  ctx.leases.splice(ctx.leases.indexOf(l), 1);
}

const pastTime = (k: Kernel, at: number): boolean => at !== 0 && k.clock > at;

/** time_out_leases: leases whose break time passed are forced to their target. */
export function timeOutLeases(k: Kernel, inode: Inode): void {
  const ctx = inode.flctx;
  if (ctx === null) return;
  for (const l of [...ctx.leases]) {
    if (l.downgradePending && pastTime(k, l.downgradeTime)) leaseModify(k, ctx, l, F_RDLCK);
    if (l.unlockPending && pastTime(k, l.breakTime)) leaseModify(k, ctx, l, F_UNLCK);
  }
}

/** check_conflicting_open: a read lease needs no writer; a write lease no open file but this one. */
function conflictingOpen(f: File, type: number): boolean {
  const inode = f.inode;
  if (type === F_RDLCK) return inode.writeCount > 0;
  const selfW = f.writable ? 1 : 0;
  const selfR = !f.writable && f.readable ? 1 : 0;
  return inode.writeCount !== selfW || inode.readCount !== selfR;
}

/**
 * generic_add_lease (and lease_setup): take or change f's lease. The caller checked the type,
 * the file type and the ownership. 0 or -EAGAIN.
 */
export function addLease(k: Kernel, t: Task, f: File, fd: number, type: number): number {
  const ctx = lockContext(k, f);
  timeOutLeases(k, f.inode);
  if (conflictingOpen(f, type)) return -EAGAIN;
  let mine: Lease | null = null;
  for (const l of ctx.leases) {
    if (l.file === f) {
      mine = l;
      continue;
    }
    // Only one write lease, and no new lease while someone is opening the file for writing.
    if (type === F_WRLCK || l.unlockPending) return -EAGAIN;
  }
  if (mine !== null) leaseModify(k, ctx, mine, type);
  else {
    mine = { file: f, type, pid: t.group.leader.pid, unlockPending: false, downgradePending: false, breakTime: 0, downgradeTime: 0, fasync: [] };
    ctx.leases.push(mine);
  }
  fasyncHelper(fd, f, true, mine.fasync);
  fModown(t, f, t.pid, "tgid", false);
  return 0;
}

/** generic_delete_lease: F_SETLEASE F_UNLCK; EAGAIN when f holds none. */
export function deleteLease(k: Kernel, f: File): number {
  const ctx = f.inode.flctx;
  const l = ctx?.leases.find((x) => x.file === f);
  if (ctx === null || ctx === undefined || l === undefined) return -EAGAIN;
  leaseModify(k, ctx, l, F_UNLCK);
  return 0;
}

/** fcntl_getlease: the type f's lease is heading for, F_UNLCK without one. */
export function getLease(k: Kernel, f: File): number {
  if (f.inode.flctx === null) return F_UNLCK;
  timeOutLeases(k, f.inode);
  const l = f.inode.flctx.leases.find((x) => x.file === f);
  return l === undefined ? F_UNLCK : targetLeaseType(l);
}

/** locks_conflict between a lease and a breaker of type want: either is a write. */
const conflicts = (l: Lease, wantWrite: boolean): boolean => wantWrite || l.type === F_WRLCK;

/**
 * break_lease / __break_lease for an open with `flags` (truncate passes O_WRONLY): start
 * breaking every conflicting lease, then fail with EWOULDBLOCK (O_NONBLOCK) or sleep until they
 * are gone or their break time; the caller re-executes from the start (-ERESTARTSYS).
 */
export function breakLease(k: Kernel, t: Task, inode: Inode, flags: number): number {
  const ctx = inode.flctx;
  if (ctx === null || ctx.leases.length === 0) return 0;
  const wantWrite = (flags & O_ACCMODE) !== O_RDONLY;
  timeOutLeases(k, inode);
  if (!ctx.leases.some((l) => conflicts(l, wantWrite))) return 0;
  const breakTime = k.clock + k.nsToCycles(LEASE_BREAK_TIME_S * 1e9) || 1;
  for (const l of [...ctx.leases]) {
    if (!conflicts(l, wantWrite)) continue;
    if (wantWrite) {
      if (l.unlockPending) continue;
      l.unlockPending = true;
      l.breakTime = breakTime;
    } else {
      if (leaseBreaking(l)) continue;
      l.downgradePending = true;
      l.downgradeTime = breakTime;
    }
    // lease_break_callback
    killFasync(k, l.fasync, POLL_MSG);
  }
  if (ctx.leases.length === 0) return 0;
  if ((flags & O_NONBLOCK) !== 0) return -EAGAIN; // EWOULDBLOCK
  // Wait for the first conflicting lease (the kernel waits on one, then re-checks them all).
  const first = ctx.leases.find((l) => conflicts(l, wantWrite)) ?? ctx.leases[0];
  const until = first.unlockPending ? first.breakTime : first.downgradePending ? first.downgradeTime : 0;
  return k.sleep(t, ctx.wait, until === 0 ? 0 : until + 1);
}

/** locks_remove_lease: the file's last close drops its lease. */
export function removeFileLease(f: File): void {
  const ctx = f.inode.flctx;
  const l = ctx?.leases.find((x) => x.file === f);
  if (ctx !== null && ctx !== undefined && l !== undefined) leaseModify(ctx.k, ctx, l, F_UNLCK);
}
