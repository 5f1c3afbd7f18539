// File owners and asynchronous I/O signals (Linux's fown_struct, fasync_helper, kill_fasync and
// send_sigio in fs/fcntl.c). A file's owner (F_SETOWN / F_SETOWN_EX) is a process, a thread or
// a process group, with the uids of whoever set it (sigio_perm checks them against each
// receiver) and the signal to send (F_SETSIG; 0 means a plain SIGIO). A file with O_ASYNC is on
// its object's fasync list (a pipe keeps one per direction); when the object becomes ready it
// calls killFasync, which signals each listed file's owner, naming the fd the list was joined
// through (si_fd) and the readiness (si_band) when F_SETSIG chose the signal.
//
// The owner does not pin its pid: Linux's fown holds a struct pid reference but the number is
// freed with the last task using it, which here is what releasing the Pid does, so the file
// remembers the Pid object only and finds no task once that task is gone.
import type { Kernel } from "../kernel/kernel.ts";
import type { Pid } from "../kernel/pid.ts";
import { SI_KERNEL } from "../kernel/siginfo.ts";
import { sendSignal } from "../kernel/signal.ts";
import { SIGIO } from "../kernel/signal-names.ts";
import type { Task } from "../kernel/task.ts";
import type { File } from "./file.ts";
import { POLLERR, POLLHUP, POLLIN, POLLMSG, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM } from "./poll.ts";

/** si_code of a SIGIO-style signal (asm-generic siginfo.h), and kill_fasync's "band" argument. */
export const POLL_IN = 1;
export const POLL_OUT = 2;
export const POLL_MSG = 3;
export const POLL_ERR = 4;
export const POLL_PRI = 5;
export const POLL_HUP = 6;

/** band_table: the poll events each reason reports in si_band. */
const BAND_TABLE = [
  POLLIN | POLLRDNORM,
  POLLOUT | POLLWRNORM | POLLWRBAND,
  POLLIN | POLLRDNORM | POLLMSG,
  POLLERR,
  POLLPRI | POLLRDBAND,
  POLLHUP | POLLERR,
];

/** enum pid_type as fown uses it: a thread (F_OWNER_TID), a process, or a process group. */
export type OwnerType = "pid" | "tgid" | "pgid";

/** fown_struct. */
export interface FownStruct {
  pid: Pid | null;
  type: OwnerType;
  /** The real and effective uid of who set the owner (sigio_perm). */
  uid: number;
  euid: number;
  /** F_SETSIG: 0 for SIGIO with no details. */
  signum: number;
}

/** The file's owner record, made on first use (Linux embeds it in struct file). */
export function fownOf(f: File): FownStruct {
  return (f.fown ??= { pid: null, type: "pid", uid: 0, euid: 0, signum: 0 });
}

/**
 * f_modown: the owner becomes pid (null: none) of the given type, with the caller's uids.
 * `force` false keeps an owner already set (a lease sets one only if there is none).
 */
export function fModown(t: Task, f: File, pid: Pid | null, type: OwnerType, force: boolean): void {
  const fown = fownOf(f);
  if (!force && fown.pid !== null) return;
  fown.pid = pid;
  fown.type = type;
  if (pid !== null) {
    fown.uid = t.cred.uid;
    fown.euid = t.cred.euid;
  }
}

/** The tasks the owner names now (pid_task / do_each_pid_task): none once they are gone. */
export function ownerTasks(k: Kernel, fown: FownStruct): Task[] {
  const pid = fown.pid;
  if (pid === null) return [];
  if (fown.type !== "pgid") {
    const t = pid.task;
    if (t === null || !t.alive) return [];
    return fown.type === "tgid" && !t.isLeader ? [] : [t];
  }
  return [...k.tasks.values()].filter((t) => t.isLeader && t.alive && t.group.pgrp === pid);
}

/** sigio_perm: the owner's setter was root or shares a real/saved uid with the receiver. */
function sigioPerm(p: Task, fown: FownStruct): boolean {
  const c = p.cred;
  return fown.euid === 0 || fown.euid === c.suid || fown.euid === c.uid || fown.uid === c.suid || fown.uid === c.uid;
}

/** send_sigio: signal f's owner that the object became ready for `reason` (POLL_IN...) through fd. */
export function sendSigio(k: Kernel, f: File, fd: number, reason: number): void {
  const fown = f.fown;
  if (fown === null || fown.pid === null) return;
  for (const p of ownerTasks(k, fown)) {
    if (!sigioPerm(p, fown)) continue;
    const group = fown.type !== "pid";
    if (fown.signum === 0) sendSignal(k, p, { signo: SIGIO, code: SI_KERNEL }, group);
    else sendSignal(k, p, { signo: fown.signum, code: reason, band: BAND_TABLE[reason - POLL_IN], fd }, group);
  }
}

/** One fasync_struct: a file on an object's list, and the fd it joined through (fa_fd). */
export interface FasyncEntry {
  readonly file: File;
  fd: number;
}

/** An object's list of files wanting SIGIO (a pipe has one per direction). */
export type FasyncList = FasyncEntry[];

/**
 * fasync_helper: put f on the list (on) or take it off. A file already there keeps one entry
 * and takes the new fd, as Linux updates fa_fd. Returns 1 when it was added, 0 otherwise.
 */
export function fasyncHelper(fd: number, f: File, on: boolean, list: FasyncList): number {
  const i = list.findIndex((e) => e.file === f);
  if (!on) {
    if (i >= 0) list.splice(i, 1);
    return 0;
  }
  if (i >= 0) {
    list[i].fd = fd;
    return 0;
  }
  list.push({ file: f, fd });
  return 1;
}

/** kill_fasync: every file on the list signals its owner (SIGURG only where F_SETSIG asked). */
export function killFasync(k: Kernel, list: FasyncList, reason: number): void {
  for (const e of [...list]) sendSigio(k, e.file, e.fd, reason);
}
