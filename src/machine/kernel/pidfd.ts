// pidfds (Linux's kernel/pid.c pidfd_create and fs/pidfs.c): an open file that refers to a
// process by its struct pid rather than by number, so it can never name a different process
// once the number is reused. As on Linux 6.9 and later, every pidfd of one pid shares one inode
// of pidfs (statx shows the same st_ino for the same process, different ones for different
// processes; fstatfs says PID_FS_MAGIC), and /proc/<pid>/fd/N reads "anon_inode:[pidfd]".
//
// The file holds a reference on the Pid, so a pidfd of a reaped process still works: it reports
// Pid -1 in fdinfo, polls readable with POLLHUP, and signals to it fail with ESRCH.
import { O_NONBLOCK, O_RDWR } from "../fs/constants.ts";
import { File, type FileOperations } from "../fs/file.ts";
import { Dentry, Inode, timeNow, type FsCtx, type Mount } from "../fs/inode.ts";
import { POLLHUP, POLLIN, POLLRDNORM, pollWait, type PollTable } from "../fs/poll.ts";
import type { Kernel } from "./kernel.ts";
import type { Pid, PidNamespace } from "./pid.ts";
import type { Task } from "./task.ts";
import { WaitQueue } from "./wait-queue.ts";

export const PID_FS_MAGIC = 0x50494446;

/** The pidfs inode of one pid: every pidfd of the pid is a file on it. */
export class PidfsInode extends Inode {
  constructor(
    mnt: Mount,
    k: Kernel,
    readonly pid: Pid,
  ) {
    // pidfs_alloc_inode: S_IRWXU and no file type bits; owned by root.
    super(mnt.sb, k.frames.nextIno++, 0o700, timeNow(k));
  }

  /** Reopening through /proc/<pid>/fd/N gives another pidfd of the same pid (pidfs allows it). */
  open(_c: FsCtx, f: File): number {
    f.ops = pidfdOps;
    f.priv = this.pid;
    this.pid.kobjRegistry.get(this.pid, "pidfd reopen");
    return 0;
  }
}

/** One inode per pid, for as long as the pid exists: the same st_ino for the same process (pidfs since 6.14). */
const inodes = new WeakMap<Pid, PidfsInode>();

/** The pid a pidfd refers to, or null if f is not a pidfd (pidfd_pid: EBADF for the callers). */
export function pidfdPid(f: File): Pid | null {
  return f.ops === pidfdOps ? (f.priv as Pid) : null;
}

/** The process's task, or null once it has been reaped (pid_task(pid, PIDTYPE_PID)). */
export function pidTask(pid: Pid): Task | null {
  const t = pid.task;
  return t === null || t.state === "dead" ? null : t;
}

/** Wait queue of the pid's pidfd pollers, made on first use. */
function pidfdWait(pid: Pid): WaitQueue {
  pid.pidfdWait ??= new WaitQueue();
  return pid.pidfdWait;
}

/** do_notify_pidfd: the process exited or was reaped; pollers re-check. */
export function notifyPidfd(k: Kernel, pid: Pid): void {
  if (pid.pidfdWait !== null) k.wakeAll(pid.pidfdWait);
}

/**
 * pidfd_poll: readable once the whole thread group has exited (a zombie leader with no threads
 * left), readable and hung up once reaped.
 */
function poll(_c: FsCtx, f: File, pt: PollTable | null): number {
  const pid = f.priv as Pid;
  pollWait(pt, pidfdWait(pid));
  const t = pidTask(pid);
  if (t === null) return POLLIN | POLLRDNORM | POLLHUP;
  if (t.state === "zombie" && t.group.threads.size === 0) return POLLIN | POLLRDNORM;
  return 0;
}

/** pidfd_show_fdinfo: the pid in the reader's namespace (-1 once reaped) and in the nested ones. */
export function pidfdFdinfo(pid: Pid, readerNs: PidNamespace): string {
  const nr = pidTask(pid) === null ? -1 : pid.nrIn(readerNs);
  let ns = `${nr}`;
  if (nr > 0) for (let i = readerNs.level + 1; i < pid.numbers.length; i++) ns += `\t${pid.numbers[i].nr}`;
  return `Pid:\t${nr}\nNSpid:\t${ns}\n`;
}

export const pidfdOps: FileOperations = {
  positional: false,
  poll,
  fdinfo: (f, owner) => pidfdFdinfo(f.priv as Pid, owner?.pidNs ?? (f.priv as Pid).ns),
  release: (f) => {
    const pid = f.priv as Pid;
    pid.kobjRegistry.put(pid, "pidfd release");
  },
};

/**
 * pidfd_create: a new pidfd file for pid (O_RDWR, plus O_NONBLOCK if asked). The file takes its
 * own reference on pid; the caller owns the file's one reference and installs it.
 */
export function pidfdCreate(k: Kernel, pid: Pid, flags: number, createdAt: string): File {
  const mnt = k.vfs.pidfsMount;
  let inode = inodes.get(pid);
  if (inode === undefined) {
    inode = new PidfsInode(mnt, k, pid);
    inodes.set(pid, inode);
  }
  const path = { mnt, dentry: new Dentry("anon_inode:[pidfd]", mnt.root, inode) };
  const f = new File(k.kobj, path, O_RDWR | (flags & O_NONBLOCK), createdAt);
  f.ops = pidfdOps;
  f.priv = pid;
  k.kobj.get(pid, "pidfd");
  return f;
}
