// fcntl's owner and signal commands (Linux's f_setown, f_getown, f_setown_ex, f_getown_ex and
// F_SETSIG / F_GETSIG in fs/fcntl.c), and turning O_ASYNC on and off (setfl, FIOASYNC), over
// fs/fown.ts.
import { FASYNC } from "../../fs/constants.ts";
import { EFAULT, EINVAL, ENOTTY, ESRCH } from "../../fs/errno.ts";
import type { File } from "../../fs/file.ts";
import { fModown, fownOf, ownerTasks, type OwnerType } from "../../fs/fown.ts";
import type { Kernel } from "../kernel.ts";
import type { Pid } from "../pid.ts";
import type { Task } from "../task.ts";

export const F_SETOWN = 8;
export const F_GETOWN = 9;
export const F_SETSIG = 10;
export const F_GETSIG = 11;
export const F_SETOWN_EX = 15;
export const F_GETOWN_EX = 16;

/** struct f_owner_ex's types. */
const F_OWNER_TID = 0;
const F_OWNER_PID = 1;
const F_OWNER_PGRP = 2;
/** _NSIG: F_SETSIG takes 0 (plain SIGIO) up to the last real-time signal. */
const NSIG = 64;

/** The commands this file answers. */
export const OWNER_CMDS: readonly number[] = [F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG, F_SETOWN_EX, F_GETOWN_EX];

/** find_vpid: any pid number in the caller's namespace (a thread's too), or undefined. */
const findVpid = (t: Task, nr: number): Pid | undefined => t.pidNs.pids.get(nr);

const TYPE_OF_EX: Record<number, OwnerType> = { [F_OWNER_TID]: "pid", [F_OWNER_PID]: "tgid", [F_OWNER_PGRP]: "pgid" };
const EX_OF_TYPE: Record<OwnerType, number> = { pid: F_OWNER_TID, tgid: F_OWNER_PID, pgid: F_OWNER_PGRP };

/** f_setown: a positive pid names a process, a negative one a process group, 0 clears. */
function fSetown(t: Task, f: File, who: number): number {
  let type: OwnerType = "tgid";
  if (who < 0) {
    if (who === -(2 ** 31)) return -EINVAL;
    type = "pgid";
    who = -who;
  }
  let pid: Pid | null = null;
  if (who !== 0) {
    pid = findVpid(t, who) ?? null;
    if (pid === null) return -ESRCH;
  }
  fModown(t, f, pid, type, true);
  return 0;
}

/** f_getown: the owner's number in the caller's namespace (negated for a group); 0 once no task is left (Linux 6.2 on). */
function fGetown(k: Kernel, t: Task, f: File): number {
  const fown = f.fown;
  if (fown === null || fown.pid === null || ownerTasks(k, fown).length === 0) return 0;
  const nr = fown.pid.nrIn(t.pidNs);
  return fown.type === "pgid" ? -nr : nr;
}

function fSetownEx(t: Task, f: File, arg: number): number {
  const b = t.mm.copyIn(arg, 8);
  if (b === null) return -EFAULT;
  const dv = new DataView(b.buffer, b.byteOffset, 8);
  const type = TYPE_OF_EX[dv.getInt32(0, true)];
  if (type === undefined) return -EINVAL;
  const nr = dv.getInt32(4, true);
  const pid = nr === 0 ? null : (findVpid(t, nr) ?? null);
  if (nr !== 0 && pid === null) return -ESRCH;
  fModown(t, f, pid, type, true);
  return 0;
}

/** f_getown_ex: the type, and the number only while a task is there (Linux 6.2 on). */
function fGetownEx(k: Kernel, t: Task, f: File, arg: number): number {
  const fown = f.fown;
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, EX_OF_TYPE[fown?.type ?? "pid"], true);
  const live = fown !== null && ownerTasks(k, fown).length > 0;
  dv.setInt32(4, live ? fown.pid!.nrIn(t.pidNs) : 0, true);
  return t.mm.copyOut(arg, b) ? 0 : -EFAULT;
}

/** The owner commands of fcntl. */
export function fcntlOwner(k: Kernel, t: Task, f: File, cmd: number, arg: number): number {
  switch (cmd) {
    case F_SETOWN:
      return fSetown(t, f, arg | 0);
    case F_GETOWN:
      return fGetown(k, t, f);
    case F_SETOWN_EX:
      return fSetownEx(t, f, arg);
    case F_GETOWN_EX:
      return fGetownEx(k, t, f, arg);
    case F_SETSIG:
      if (arg >>> 0 > NSIG) return -EINVAL;
      fownOf(f).signum = arg;
      return 0;
    case F_GETSIG:
      return f.fown?.signum ?? 0;
    default:
      return -EINVAL;
  }
}

/**
 * setfl's and FIOASYNC's O_ASYNC step: a change of FASYNC is told to the file's kind first, and
 * a refusal keeps the flags. Returns 0 or -errno; `enotty` is FIOASYNC's answer for a file
 * without fasync (F_SETFL just sets the flag).
 */
export function setFasync(f: File, fd: number, on: boolean, enotty: boolean): number {
  if (((f.flags & FASYNC) !== 0) === on) return 0;
  if (f.ops.fasync === undefined) {
    if (enotty) return -ENOTTY;
  } else {
    const err = f.ops.fasync(f, fd, on);
    if (err < 0) return err;
  }
  f.flags = on ? f.flags | FASYNC : f.flags & ~FASYNC;
  return 0;
}
