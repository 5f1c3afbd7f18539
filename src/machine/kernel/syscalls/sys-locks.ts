// File-lock calls: flock(2), and fcntl's record-lock commands (fs/locks.c's fcntl_getlk,
// fcntl_setlk and their 64-bit forms), over fs/locks.ts.
//
// riscv32 has only fcntl64 (nr 25). F_GETLK/F_SETLK/F_SETLKW (5, 6, 7) take the 32-bit struct
// flock {short l_type, l_whence; long l_start, l_len; int l_pid} (16 bytes); F_GETLK64/F_SETLK64/
// F_SETLKW64 (12, 13, 14), which musl's F_GETLK & co. are on 32-bit targets, and the OFD commands
// (36, 37, 38) take struct flock64 {short, short, pad; s64 l_start, l_len; int l_pid; pad} (32).
import { O_PATH, SEEK_CUR, SEEK_END, SEEK_SET } from "../../fs/constants.ts";
import { EACCES, EBADF, EFAULT, EINVAL, EOVERFLOW } from "../../fs/errno.ts";
import { isRegInode } from "../../fs/inode.ts";
import { addLease, deleteLease, getLease } from "../../fs/leases.ts";
import { CAP_LEASE } from "../cred.ts";
import type { File } from "../../fs/file.ts";
import "../../fs/lock-status.ts";
import { F_RDLCK, F_UNLCK, F_WRLCK, flockLock, OFFSET_MAX, posixLock, posixTestLock, type FileLock, type LockKind } from "../../fs/locks.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

export const F_GETLK = 5;
export const F_SETLK = 6;
export const F_SETLKW = 7;
export const F_GETLK64 = 12;
export const F_SETLK64 = 13;
export const F_SETLKW64 = 14;
export const F_OFD_GETLK = 36;
export const F_OFD_SETLK = 37;
export const F_OFD_SETLKW = 38;

/** The fcntl commands this file answers. */
export const LOCK_CMDS: readonly number[] = [F_GETLK, F_SETLK, F_SETLKW, F_GETLK64, F_SETLK64, F_SETLKW64, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW];

const LONG_MAX = 2n ** 31n - 1n;

interface UserFlock {
  type: number;
  whence: number;
  start: bigint;
  len: bigint;
  pid: number;
}

function readFlock(t: Task, addr: number, wide: boolean): UserFlock | null {
  const b = t.mm.copyIn(addr, wide ? 32 : 16);
  if (b === null) return null;
  const dv = new DataView(b.buffer);
  return wide
    ? { type: dv.getInt16(0, true), whence: dv.getInt16(2, true), start: dv.getBigInt64(8, true), len: dv.getBigInt64(16, true), pid: dv.getInt32(24, true) }
    : { type: dv.getInt16(0, true), whence: dv.getInt16(2, true), start: BigInt(dv.getInt32(4, true)), len: BigInt(dv.getInt32(8, true)), pid: dv.getInt32(12, true) };
}

function writeFlock(t: Task, addr: number, wide: boolean, fl: UserFlock): number {
  const b = new Uint8Array(wide ? 32 : 16);
  const dv = new DataView(b.buffer);
  dv.setInt16(0, fl.type, true);
  dv.setInt16(2, fl.whence, true);
  if (wide) {
    dv.setBigInt64(8, fl.start, true);
    dv.setBigInt64(16, fl.len, true);
    dv.setInt32(24, fl.pid, true);
  } else {
    // posix_lock_to_flock: a lock the 32-bit struct cannot describe is EOVERFLOW.
    if (fl.start > LONG_MAX || fl.len > LONG_MAX) return -EOVERFLOW;
    dv.setInt32(4, Number(fl.start), true);
    dv.setInt32(8, Number(fl.len), true);
    dv.setInt32(12, fl.pid, true);
  }
  return t.mm.copyOut(addr, b) ? 0 : -EFAULT;
}

/** flock_to_posix_lock: the byte range [start, end] a struct flock names, or -errno. */
function toRange(f: File, fl: UserFlock): { start: bigint; end: bigint } | number {
  let base: bigint;
  switch (fl.whence) {
    case SEEK_SET: base = 0n; break;
    case SEEK_CUR: base = BigInt(f.pos); break;
    case SEEK_END: base = BigInt(f.inode.size); break;
    default: return -EINVAL;
  }
  let start = base + fl.start;
  if (start < 0n) return -EINVAL;
  let end: bigint;
  if (fl.len > 0n) {
    if (fl.len - 1n > OFFSET_MAX - start) return -EOVERFLOW;
    end = start + fl.len - 1n;
  } else if (fl.len < 0n) {
    end = start - 1n;
    start += fl.len;
    if (start < 0n) return -EINVAL;
  } else end = OFFSET_MAX;
  return { start, end };
}

function request(t: Task, f: File, kind: LockKind, type: number, range: { start: bigint; end: bigint }): FileLock {
  const owner = kind === "posix" ? t.files! : f;
  return { kind, type, start: range.start, end: range.end, owner, file: f, pid: t.group.leader.pid };
}

/** fcntl(fd, F_*LK*, struct flock *): 0 or -errno (a restart code when F_SETLKW sleeps). */
export function fcntlLock(k: Kernel, t: Task, f: File, cmd: number, arg: number): number {
  const wide = cmd !== F_GETLK && cmd !== F_SETLK && cmd !== F_SETLKW;
  const ofd = cmd === F_OFD_GETLK || cmd === F_OFD_SETLK || cmd === F_OFD_SETLKW;
  const fl = readFlock(t, arg, wide);
  if (fl === null) return -EFAULT;
  if (fl.type !== F_RDLCK && fl.type !== F_WRLCK && fl.type !== F_UNLCK) return -EINVAL;
  // An OFD request must leave l_pid 0 (it is reserved for the kernel's -1 in answers).
  if (ofd && fl.pid !== 0) return -EINVAL;
  const range = toRange(f, fl);
  if (typeof range === "number") return range;
  const kind: LockKind = ofd ? "ofd" : "posix";
  if (cmd === F_GETLK || cmd === F_GETLK64 || cmd === F_OFD_GETLK) {
    if (fl.type === F_UNLCK) return -EINVAL;
    const conflict = posixTestLock(f, request(t, f, kind, fl.type, range));
    if (conflict === null) return writeFlock(t, arg, wide, { ...fl, type: F_UNLCK });
    return writeFlock(t, arg, wide, {
      type: conflict.type,
      whence: SEEK_SET,
      start: conflict.start,
      len: conflict.end === OFFSET_MAX ? 0n : conflict.end - conflict.start + 1n,
      // locks_translate_pid: -1 for an OFD lock; the setter's pid as the caller's namespace sees it.
      pid: conflict.kind === "ofd" ? -1 : conflict.pid.nrIn(t.pidNs),
    });
  }
  // A lock needs the matching access mode; an unlock needs nothing.
  if (fl.type === F_RDLCK && !f.readable) return -EBADF;
  if (fl.type === F_WRLCK && !f.writable) return -EBADF;
  const wait = cmd === F_SETLKW || cmd === F_SETLKW64 || cmd === F_OFD_SETLKW;
  return posixLock(k, t, request(t, f, kind, fl.type, range), wait);
}

export const F_SETLEASE = 1024;
export const F_GETLEASE = 1025;
export const LEASE_CMDS: readonly number[] = [F_SETLEASE, F_GETLEASE];

/**
 * fcntl_setlease / fcntl_getlease: leases on regular files, taken by the file's owner (fsuid)
 * or with CAP_LEASE.
 */
export function fcntlLease(k: Kernel, t: Task, f: File, fd: number, cmd: number, arg: number): number {
  if (cmd === F_GETLEASE) return getLease(k, f);
  // lease_alloc checks the type before generic_setlease checks who and what.
  if (arg !== F_RDLCK && arg !== F_WRLCK && arg !== F_UNLCK) return -EINVAL;
  if (f.inode.uid !== t.cred.fsuid && !t.cred.capable(CAP_LEASE)) return -EACCES;
  if (!isRegInode(f.inode)) return -EINVAL;
  return arg === F_UNLCK ? deleteLease(k, f) : addLease(k, t, f, fd, arg);
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** flock(fd, operation): the open file's whole-file lock. */
function sysFlock(k: Kernel, t: Task, fd: number, op: number): number {
  const f = t.files?.get(fd);
  if (f === undefined || (f.flags & O_PATH) !== 0) return -EBADF;
  const base = op & ~LOCK_NB;
  const type = base === LOCK_SH ? F_RDLCK : base === LOCK_EX ? F_WRLCK : base === LOCK_UN ? F_UNLCK : -1;
  if (type < 0) return -EINVAL;
  if (type !== F_UNLCK && !f.readable && !f.writable) return -EBADF;
  const req = request(t, f, "flock", type, { start: 0n, end: OFFSET_MAX });
  return flockLock(k, t, req, (op & LOCK_NB) === 0);
}

export const LOCK_SYSCALLS: SyscallEntry[] = [
  {
    nr: 32, name: "flock", args: ["d", "x"],
    level: "full", cr: "files (locks: kind, type, range, owner fd table or file, place in the inode's list; a lock held through a file outside the container is refused)",
    fn: sysFlock,
  },
];
