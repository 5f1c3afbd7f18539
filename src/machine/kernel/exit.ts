// Task exit (Linux kernel/exit.c): exit and exit_group, zombies, reaping, reparenting of
// orphans to a subreaper or the namespace's init, the death of a namespace's init, and the
// SIGCHLD notifications a parent's waitid depends on.
import { sendSignal } from "./signal.ts";
import { SA_NOCLDWAIT } from "./signal-defs.ts";
import { CLD_DUMPED, CLD_EXITED, CLD_KILLED, type SigInfo } from "./siginfo.ts";
import { SIGCHLD, SIGKILL, signalName } from "./signal-names.ts";
import { exitTaskFiles } from "../fs/task-files.ts";
import { disassociateCtty } from "../fs/tty/tty-jobctrl.ts";
import { notifyPidfd } from "./pidfd.ts";
import type { Kernel } from "./kernel.ts";
import { exitItimers } from "./posix-timers.ts";
import { exitRobustList } from "./robust-list.ts";
import { RLIMIT_CORE, softLimit } from "./rlimit.ts";
import { SIG_IGN, type ExitStatus, type Task } from "./task.ts";
import { leaveWaitQueues } from "./wait-queue.ts";
import { orphanedPgrp } from "./orphaned-pgrp.ts";

/**
 * Whether a core-dumping signal reports a dumped core: the machine says so (coreDumps), or the
 * process raised RLIMIT_CORE above 0 (the default soft limit is 0, as on most Linux systems).
 */
export function coreDumped(k: Kernel, t: Task): boolean {
  return k.coreDumps || softLimit(k, t.group, RLIMIT_CORE) > 0;
}

/** The status a parent's waitid reports for a dead group leader. */
export function reportedStatus(t: Task): ExitStatus {
  return (t.group.groupExit ? t.group.groupExitStatus : undefined) ?? t.exit ?? { code: 0 };
}

function childInfo(t: Task, status: ExitStatus): SigInfo {
  const code = status.signal === undefined ? CLD_EXITED : status.core ? CLD_DUMPED : CLD_KILLED;
  return { signo: SIGCHLD, code, pid: t.id, uid: t.cred.uid, status: status.signal ?? status.code ?? 0 };
}

/** Whether the parent has asked not to keep zombies (SIGCHLD ignored, or SA_NOCLDWAIT). */
function parentAutoreaps(parent: Task): boolean {
  const a = parent.sighand.action(SIGCHLD);
  return a.handler === SIG_IGN || (a.flags & SA_NOCLDWAIT) !== 0;
}

/**
 * do_notify_parent: a group leader whose whole group is gone tells its parent. Returns true if
 * the task must be released at once (nobody will wait for it).
 */
function notifyParent(k: Kernel, t: Task): boolean {
  // do_notify_pidfd: the process is now an exited zombie; its pidfds poll readable.
  notifyPidfd(k, t.pid);
  const parent = t.parent;
  if (parent === null || !parent.alive) return true;
  const status = reportedStatus(t);
  let autoreap = false;
  if (t.exitSignal === SIGCHLD && parentAutoreaps(parent)) autoreap = true;
  if (t.exitSignal > 0 && !autoreap) sendSignal(k, parent, childInfo(t, status), true);
  else if (t.exitSignal > 0 && parent.sighand.action(SIGCHLD).handler !== SIG_IGN) {
    // SA_NOCLDWAIT with a handler: the signal is still sent, the zombie is not kept.
    sendSignal(k, parent, childInfo(t, status), true);
  }
  k.wakeAll(parent.group.childWait);
  return autoreap || t.exitSignal < 0;
}

/** Remove a dead task from every table (release_task). */
export function releaseTask(k: Kernel, t: Task): void {
  if (t.state === "dead") return;
  t.state = "dead";
  k.tasks.delete(t.id);
  k.freezer.exit(t);
  t.parent?.children.delete(t);
  t.pid.task = null;
  notifyPidfd(k, t.pid);
  const g = t.group;
  // The last thread of a group whose leader is a zombie: the leader can now be reported.
  const leader = g.leader;
  if (leader !== t && g.threads.size === 0 && leader.state === "zombie") {
    if (notifyParent(k, leader)) releaseTask(k, leader);
  }
  // The task table's reference: the task_struct goes once nobody else holds it.
  k.kobj.put(t, "release_task");
}

/**
 * kill_orphaned_pgrp: when t's exit (parent = null) or the reparenting of t (parent = the exiting
 * task) orphans a process group with stopped members, POSIX says SIGHUP then SIGCONT to it.
 */
function killOrphanedPgrp(k: Kernel, t: Task, exiting: Task | null): void {
  const pgrp = t.group.pgrp;
  const parent = exiting ?? t.parent;
  if (parent === null || parent.group.pgrp === pgrp || parent.group.session !== t.group.session) return;
  if (!orphanedPgrp(pgrp, exiting === null ? t : null)) return;
  if (![...pgrp.pgrpGroups].some((g) => g.stopped && g.leader !== null && g.leader.group === g && g.leader.alive)) return;
  // Rare (an orphaned group with stopped members): walk the tasks for their order, which is
  // the order the signals are sent in and so part of the trace.
  const members = [...k.tasks.values()].filter((p) => p.isLeader && p.alive && p.group.pgrp === pgrp);
  for (const sig of [1 /* SIGHUP */, 18 /* SIGCONT */]) {
    for (const p of members) sendSignal(k, p, { signo: sig, code: 0x80 }, true);
  }
}

/** The task that adopts t's children (find_new_reaper), or null if t is a dying ns init. */
function findNewReaper(t: Task): Task | null {
  for (const th of t.group.threads) if (th !== t && th.alive) return th;
  const ns = t.pidNs;
  if (ns.reaper === t) return null;
  if (t.group.hasChildSubreaper) {
    for (let a = t.parent; a !== null && a.pidNs === ns; a = a.parent) {
      if (a.group.isChildSubreaper && a.alive) return a;
      if (a === ns.reaper) break;
    }
  }
  return ns.reaper;
}

/** The init of a pid namespace is dying: every task in the namespace gets SIGKILL, now. */
function zapPidNamespace(k: Kernel, init: Task): void {
  const ns = init.pidNs;
  ns.allocating = false;
  for (const other of [...k.tasks.values()]) {
    if (other === init || !ns.contains(other.pidNs)) continue;
    if (other.alive) doGroupExit(k, other, { signal: SIGKILL });
  }
  // Init reaps everything left in its namespace before it is gone itself.
  for (const other of [...k.tasks.values()]) {
    if (other !== init && ns.contains(other.pidNs) && other.state === "zombie") releaseTask(k, other);
  }
}

function reparentChildren(k: Kernel, t: Task): void {
  // A dying init must close its namespace even with no children (find_child_reaper runs first).
  if (t.children.size === 0 && t.pidNs.reaper !== t) return;
  const reaper = findNewReaper(t);
  if (reaper === null) {
    zapPidNamespace(k, t);
    return;
  }
  for (const child of [...t.children]) {
    if (child.isLeader && child.alive) killOrphanedPgrp(k, child, t);
    t.children.delete(child);
    child.parent = reaper;
    reaper.children.add(child);
    if (child.pdeathSignal !== 0 && child.alive) sendSignal(k, child, { signo: child.pdeathSignal, code: 0x80 }, true);
    // A zombie that is already reportable goes to its new parent.
    if (child.state === "zombie" && child.isLeader && child.group.threads.size === 0) {
      if (notifyParent(k, child)) releaseTask(k, child);
    }
  }
}

/** do_exit: end one task. */
export function doExit(k: Kernel, t: Task, status: ExitStatus): void {
  if (!t.alive) return;
  k.stats.tasksExited++;
  // A core is only reported when one could be written: RLIMIT_CORE is 0 by default, as on
  // most Linux systems (and what qemu-riscv32's children report).
  if (status.core && !coreDumped(k, t)) status = { ...status, core: false };
  const g = t.group;
  t.exit = status;
  if (t.kthread?.resumeUser === true) {
    // Killed while still restoring itself in kernel context: its restore will never finish.
    const kt = t.kthread;
    t.kthread = null;
    kt.onAbandon?.();
  }
  k.sched.remove(t);
  leaveWaitQueues(t);
  k.futexes.dequeue(t);
  t.state = "zombie";
  // A C/R call whose result it will never take (killed while waiting, as CPT_KILL kills a
  // self-checkpointing caller): the kthread holding the module for that result lets go now,
  // not at its next look (core/cr/job.ts resultHeld). Else a machine stopped or a restart
  // refused within that time still finds the module in use.
  if (t.crJob !== null) {
    k.wakeAll(t.crJob.collectWq);
    t.crJob = null;
  }
  // getrusage: the thread's CPU time and resident set stay with its process.
  const mm = t.mm;
  g.deadUtime += t.hart.instret;
  g.deadStime += t.cpuCycles;
  g.maxRss = Math.max(g.maxRss, mm.residentPages() * 4);
  // exit_mm: the robust futex list, then clear_child_tid (both need the mm): wake a joiner
  // waiting on the tid word.
  exitRobustList(k, t, mm);
  if (t.clearChildTid !== 0 && mm.refcount > 1) {
    if (mm.writeU32(t.clearChildTid, 0)) k.futexWake(mm, t.clearChildTid, 1);
  }
  k.kobj.put(mm, "exit_mm");
  if (t.vforkParent !== null) {
    k.wake(t.vforkParent);
    t.vforkParent = null;
  }
  exitTaskFiles(k, t);
  if (t.nsproxy !== null) {
    k.kobj.put(t.nsproxy, "exit_task_namespaces");
    t.nsproxy = null;
  }
  g.threads.delete(t);
  if (g.threads.size === 0) {
    exitItimers(k, g);
    // A session leader's exit takes its terminal from the session (SIGHUP to the foreground).
    disassociateCtty(k, t, true);
  }
  reparentChildren(k, t);
  if (t.isLeader && g.threads.size === 0) killOrphanedPgrp(k, t, null);
  if (g.threads.size === 0 && !g.groupExit && status.signal !== undefined) {
    g.groupExit = true;
    g.groupExitStatus = status;
  }
  const detail = k.lastFatal.get(t);
  if (detail !== undefined) {
    k.lastFatal.delete(t);
    const st = reportedStatus(t);
    if (st.signal !== undefined) {
      k.events.push({ kind: "fatal-signal", pid: t.id, message: `pid ${t.id} (${t.comm}) killed by ${signalName(st.signal)}: ${detail}` });
    }
  }
  if (!t.isLeader) {
    // Threads are reaped at once (their exit_signal is -1).
    releaseTask(k, t);
    return;
  }
  if (g.threads.size > 0) return; // delay_group_leader: reported when the last thread goes
  if (notifyParent(k, t)) releaseTask(k, t);
}

/** do_group_exit: every thread of t's group exits with the same status. */
export function doGroupExit(k: Kernel, t: Task, status: ExitStatus): void {
  if (status.core && !coreDumped(k, t)) status = { ...status, core: false };
  const g = t.group;
  if (!g.groupExit) {
    g.groupExit = true;
    g.groupExitStatus = status;
  }
  const final = g.groupExitStatus ?? status;
  for (const th of [...g.threads]) if (th !== t) doExit(k, th, final);
  doExit(k, t, final);
}

