// Controlling terminals and job control (Linux's drivers/tty/tty_jobctrl.c): which session a
// terminal belongs to and its foreground process group; TIOCSCTTY, TIOCNOTTY, TIOCGPGRP,
// TIOCSPGRP and TIOCGSID; the background checks that stop a reader with SIGTTIN and a writer
// (under TOSTOP) or a settings change with SIGTTOU; the signals a hang-up and a session leader's
// exit send. A process's controlling terminal is ThreadGroup.tty (signal->tty); a session leader
// is the group whose leader's pid is its session id (signal->leader).
import type { Kernel } from "../../kernel/kernel.ts";
import { orphanedPgrp } from "../../kernel/orphaned-pgrp.ts";
import { SIGCONT, SIGHUP, SIGTTIN, SIGTTOU } from "../../kernel/signal-names.ts";
import { sigmask } from "../../kernel/signal-defs.ts";
import { sendSignal } from "../../kernel/signal.ts";
import { SIG_IGN, type Task, type ThreadGroup } from "../../kernel/task.ts";
import { EFAULT, EINVAL, EIO, ENOTTY, EPERM, ERESTARTSYS, ESRCH } from "../errno.ts";
import { CAP_SYS_ADMIN } from "../../kernel/cred.ts";
import { killPgrp } from "./n-tty.ts";
import type { TtyStruct } from "./tty-struct.ts";

export const isSessionLeader = (g: ThreadGroup): boolean => g.session === g.leader.pid;

/** __proc_set_tty: tty becomes t's controlling terminal, its session and foreground group t's. */
export function procSetTty(t: Task, tty: TtyStruct): void {
  tty.setCtrl(t.group.session, t.group.pgrp);
  t.group.tty = tty;
}

/**
 * tty_open_proc_set_tty: an open without O_NOCTTY by a session leader that has no controlling
 * terminal makes a terminal nobody controls its own (only a readable open: a write-only one
 * would give more than it has).
 */
export function openProcSetTty(t: Task, tty: TtyStruct, readable: boolean): void {
  const g = t.group;
  if (isSessionLeader(g) && g.tty === null && tty.session === null && readable) procSetTty(t, tty);
}

/** session_clear_tty: no process of the session has a controlling terminal any more. */
export function sessionClearTty(k: Kernel, session: TtyStruct["session"]): void {
  if (session === null) return;
  for (const t of k.tasks.values()) if (t.isLeader && t.group.session === session) t.group.tty = null;
}

/**
 * tty_signal_session_leader, for a hang-up: every process of the terminal's session loses it,
 * and the session leader gets SIGHUP and SIGCONT.
 */
export function signalSessionLeader(k: Kernel, tty: TtyStruct): void {
  if (tty.session === null) return;
  for (const t of [...k.tasks.values()]) {
    const g = t.group;
    if (!t.isLeader || g.session !== tty.session) continue;
    if (g.tty === tty) g.tty = null;
    if (!isSessionLeader(g) || !t.alive) continue;
    sendSignal(k, t, { signo: SIGHUP, code: 0x80 }, true);
    sendSignal(k, t, { signo: SIGCONT, code: 0x80 }, true);
  }
}

/**
 * disassociate_ctty: a session leader gives up its terminal (TIOCNOTTY, or its exit): the
 * foreground group gets SIGHUP (and SIGCONT unless it is an exit), the terminal belongs to no
 * session, and nobody in the session has it any more.
 */
export function disassociateCtty(k: Kernel, t: Task, onExit: boolean): void {
  const g = t.group;
  if (!isSessionLeader(g)) return;
  const tty = g.tty;
  if (tty === null) return;
  const pgrp = tty.pgrp;
  if (pgrp !== null) {
    k.kobj.get(pgrp);
    killPgrp(k, pgrp, SIGHUP);
    if (!onExit) killPgrp(k, pgrp, SIGCONT);
    k.kobj.put(pgrp);
  }
  tty.setCtrl(null, null);
  sessionClearTty(k, g.session);
}

/** Whether sig is blocked or ignored by t (is_ignored in tty_jobctrl.c). */
function ignoredByCurrent(t: Task, sig: number): boolean {
  return (t.blocked & sigmask(sig)) !== 0n || t.sighand.action(sig).handler === SIG_IGN;
}

/**
 * __tty_check_change: a process of a background group acting on its controlling terminal stops
 * with sig (SIGTTIN to read, SIGTTOU to write or change settings) and the call restarts once it
 * is continued; EIO when it cannot be stopped (an orphaned group; SIGTTIN ignored or blocked).
 */
export function ttyCheckChange(k: Kernel, t: Task, tty: TtyStruct, sig: number): number {
  const g = t.group;
  if (g.tty !== tty) return 0;
  const ttyPgrp = tty.pgrp;
  if (ttyPgrp === null || g.pgrp === ttyPgrp) return 0;
  if (ignoredByCurrent(t, sig)) return sig === SIGTTIN ? -EIO : 0;
  if (orphanedPgrp(g.pgrp, null)) return -EIO;
  killPgrp(k, g.pgrp, sig);
  return -ERESTARTSYS;
}

/** TIOCSCTTY: make real the caller's controlling terminal; arg 1 lets CAP_SYS_ADMIN steal it. */
export function tiocsctty(k: Kernel, t: Task, real: TtyStruct, readable: boolean, arg: number): number {
  const g = t.group;
  if (isSessionLeader(g) && g.session === real.session) return 0;
  if (!isSessionLeader(g) || g.tty !== null) return -EPERM;
  if (real.session !== null) {
    if (arg !== 1 || !t.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
    sessionClearTty(k, real.session);
  }
  if (!readable && !t.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
  procSetTty(t, real);
  return 0;
}

/** TIOCNOTTY: give up the controlling terminal (a session leader takes its session along). */
export function tiocnotty(k: Kernel, t: Task, tty: TtyStruct): number {
  if (t.group.tty !== tty) return -ENOTTY;
  disassociateCtty(k, t, false);
  t.group.tty = null;
  return 0;
}

/** TIOCGPGRP: the foreground group (0 when there is none); a slave only for its own session. */
export function tiocgpgrp(t: Task, tty: TtyStruct, real: TtyStruct, arg: number): number {
  if (tty === real && t.group.tty !== real) return -ENOTTY;
  const nr = real.pgrp?.nrIn(t.pidNs) ?? 0;
  return t.mm.writeU32(arg, nr) ? 0 : -EFAULT;
}

/** TIOCSPGRP: move the foreground to another group of the caller's session. */
export function tiocspgrp(k: Kernel, t: Task, real: TtyStruct, arg: number): number {
  const r = ttyCheckChange(k, t, real, SIGTTOU);
  if (r === -EIO) return -ENOTTY;
  if (r !== 0) return r;
  const nr = t.mm.readU32(arg);
  if (nr === null) return -EFAULT;
  if ((nr | 0) < 0) return -EINVAL;
  const g = t.group;
  if (g.tty !== real || real.session !== g.session) return -ENOTTY;
  const pgrp = t.pidNs.pids.get(nr);
  if (pgrp === undefined) return -ESRCH;
  // session_of_pgrp: a member's session, or that of the process with this pid.
  const member = [...pgrp.pgrpGroups].find((x) => x.threads.size > 0) ?? pgrp.task?.group;
  if (member === undefined || member.session !== g.session) return -EPERM;
  real.setCtrl(real.session, pgrp);
  return 0;
}

/** TIOCGSID: the session the terminal controls; a slave only answers its own session. */
export function tiocgsid(t: Task, tty: TtyStruct, real: TtyStruct, arg: number): number {
  if (tty === real && t.group.tty !== real) return -ENOTTY;
  if (real.session === null) return -ENOTTY;
  return t.mm.writeU32(arg, real.session.nrIn(t.pidNs)) ? 0 : -EFAULT;
}
