// The "lock:" lines of /proc/<pid>/fdinfo/N (Linux's show_fd_locks and lock_get_status in
// fs/locks.c): every lock taken through the file by the task's fd table (POSIX) or by the file
// itself (flock, OFD), numbered from 1. CRIU's ZDTM lock tests read them to check their locks.
import type { Task } from "../kernel/task.ts";
import { devMajor, devMinor } from "./constants.ts";
import { registerFdinfoSource } from "./fdinfo.ts";
import type { File } from "./file.ts";
import { targetLeaseType, type Lease } from "./leases.ts";
import { F_RDLCK, F_WRLCK, OFFSET_MAX, type FileLock } from "./locks.ts";

const hex2 = (n: number): string => n.toString(16).padStart(2, "0");

/** lock_get_status for one lock, as the task `viewer` sees pids. */
function lockStatus(fl: FileLock, viewer: Task): string {
  const kind = fl.kind === "flock" ? "FLOCK  ADVISORY  " : fl.kind === "ofd" ? "OFDLCK ADVISORY  " : "POSIX  ADVISORY  ";
  const type = fl.type === F_WRLCK ? "WRITE" : "READ";
  // locks_translate_pid: an OFD lock has no pid (-1); another's is shown in the viewer's namespace.
  const pid = fl.kind === "ofd" ? -1 : fl.pid.nrIn(viewer.pidNs);
  const sb = fl.file.inode.sb;
  const range = fl.kind === "flock" ? "0 EOF" : `${fl.start} ${fl.end === OFFSET_MAX ? "EOF" : fl.end}`;
  return `${kind}${type} ${pid} ${hex2(devMajor(sb.dev))}:${hex2(devMinor(sb.dev))}:${fl.file.inode.ino} ${range}\n`;
}

/** lock_get_status for a lease: its state and the type it is heading for. */
function leaseStatus(l: Lease, viewer: Task): string {
  const type = targetLeaseType(l);
  const name = type === F_WRLCK ? "WRITE" : type === F_RDLCK ? "READ" : "UNLCK";
  const sb = l.file.inode.sb;
  const state = l.unlockPending || l.downgradePending ? "BREAKING  " : "ACTIVE    ";
  return `LEASE  ${state}${name} ${l.pid.nrIn(viewer.pidNs)} ${hex2(devMajor(sb.dev))}:${hex2(devMinor(sb.dev))}:${l.file.inode.ino} 0 EOF\n`;
}

/** show_fd_locks: the flock, then the POSIX and OFD locks of f that `owner`'s table or f holds, then f's lease. */
export function showFdLocks(f: File, owner: Task): string {
  const ctx = f.inode.flctx;
  if (ctx === undefined || ctx === null) return "";
  let id = 0;
  let s = "";
  for (const fl of [...ctx.flocks, ...ctx.posix]) {
    if (fl.file !== f || (fl.owner !== f && fl.owner !== owner.files)) continue;
    s += `lock:\t${++id}: ${lockStatus(fl, owner)}`;
  }
  for (const l of ctx.leases) if (l.file === f) s += `lock:\t${++id}: ${leaseStatus(l, owner)}`;
  return s;
}

registerFdinfoSource(showFdLocks);
