// Creating tasks (Linux kernel/fork.c copy_process) for clone, clone3, fork and vfork.
import { inheritSched } from "./sched-params.ts";
import { Hart } from "../cpu/hart.ts";
import {
  CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_DETACHED, CLONE_FILES, CLONE_FS, CLONE_IO, CLONE_NEWPID, CLONE_PARENT,
  CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD, CLONE_UNTRACED, CLONE_VFORK, CLONE_VM,
  CSIGNAL,
} from "./clone-flags.ts";
import { COSTS } from "./costs.ts";
import { CAP_SYS_ADMIN, CAP_SYS_RESOURCE } from "./cred.ts";
import { EAGAIN, EINVAL, EPERM } from "./errno.ts";
import type { Kernel } from "./kernel.ts";
import { allocPid, type PidNamespace } from "./pid.ts";
import { RLIMIT_NPROC, softLimit } from "./rlimit.ts";
import { SIGCHLD } from "./signal-names.ts";
import { copyTaskFiles } from "../fs/task-files.ts";
import { Nsproxy, SigHand, Task, ThreadGroup } from "./task.ts";

/** Flags this kernel implements; the other namespace flags fail with EINVAL rather than be faked. */
const SUPPORTED = CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | CLONE_PARENT |
  CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |
  CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_NEWPID | CLONE_IO;

export interface CloneArgs {
  flags: number;
  /** New stack pointer (0: the parent's). */
  stack: number;
  parentTid: number;
  childTid: number;
  tls: number;
  /** Signal sent to the parent at exit (CSIGNAL of clone's flags, or clone3's exit_signal). */
  exitSignal: number;
  /** clone3's set_tid: the pid to take at each level, innermost first. */
  setTid: number[];
  /**
   * clone-with-pid in a container being restarted: the namespace the child goes in (a nested
   * one the restart made, or the parent's for children), and set_tid allowed without
   * CAP_SYS_ADMIN there.
   */
  restartNs?: PidNamespace;
}

/**
 * RLIMIT_NPROC: the caller's real user already has as many tasks (threads included, zombies too)
 * as its limit allows. Root's user and CAP_SYS_RESOURCE / CAP_SYS_ADMIN are exempt.
 */
function overNproc(k: Kernel, parent: Task): boolean {
  const uid = parent.cred.uid;
  if (uid === 0 || parent.cred.capable(CAP_SYS_RESOURCE) || parent.cred.capable(CAP_SYS_ADMIN)) return false;
  const limit = softLimit(k, parent.group, RLIMIT_NPROC);
  if (limit === Infinity) return false;
  let n = 0;
  for (const t of k.tasks.values()) if (t.kthread === null && t.cred.uid === uid) n++;
  return n >= limit;
}

/** Drop copyProcess's nsproxy reference and fail with `err`. */
function putAndFail(k: Kernel, nsproxy: Nsproxy, err: number): number {
  k.kobj.put(nsproxy);
  return err;
}

/** copy_process: the new task, or -errno. Does not yet make it runnable. */
export function copyProcess(k: Kernel, parent: Task, a: CloneArgs): Task | number {
  const f = a.flags >>> 0;
  if ((f & ~SUPPORTED) !== 0) return -EINVAL;
  if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND)) return -EINVAL;
  if ((f & CLONE_SIGHAND) && !(f & CLONE_VM)) return -EINVAL;
  if ((f & CLONE_NEWPID) && (f & (CLONE_THREAD | CLONE_PARENT))) return -EINVAL;
  // A namespace's init cannot make siblings (they would have no reaper); threads of a task
  // that unshared its pid namespace cannot be created either.
  if ((f & CLONE_PARENT) && parent.pidNs.reaper === parent) return -EINVAL;
  if ((f & CLONE_THREAD) && (a.restartNs ?? parent.pidNsForChildren) !== parent.pidNs) return -EINVAL;
  if (a.setTid.length > 0 && a.restartNs === undefined && !parent.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
  if (a.restartNs !== undefined && (f & CLONE_NEWPID)) return -EINVAL;
  if (overNproc(k, parent)) return -EAGAIN;
  const r = k.kobj;
  let ns: PidNamespace = a.restartNs ?? parent.pidNsForChildren;
  let nsproxy = parent.nsproxy;
  if (f & CLONE_NEWPID) {
    if (!parent.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
    if (ns.level >= 32) return -28; // ENOSPC: MAX_PID_NS_LEVEL
    const made = `clone(0x${f.toString(16)}) by pid ${parent.id}`;
    ns = k.newPidNamespace(ns, made);
    nsproxy = new Nsproxy(r, ns, made);
    r.put(ns); // the nsproxy holds it
  } else if (nsproxy === null) return -EINVAL; // an exiting task cannot fork
  else r.get(nsproxy);
  // From here on, `nsproxy` is a reference this function owns until the task takes its own.
  // (No closure for the failures: a fork bomb at pids.max fails here on every attempt.)
  if (a.setTid.length > ns.level + 1) return putAndFail(k, nsproxy, -EINVAL);
  // The pids controller (cgroup_can_fork): a group at pids.max refuses with EAGAIN, before a
  // pid is taken, so a fork bomb costs one check per attempt.
  if (!k.freezer.canFork(parent)) return putAndFail(k, nsproxy, -EAGAIN);
  const pid = allocPid(ns, a.setTid);
  if (typeof pid === "number") return putAndFail(k, nsproxy, pid);
  const why = `clone(0x${f.toString(16)}) by pid ${parent.id}`;

  // The child's hart holds one mm reference: a new one for a copy, a shared one for CLONE_VM.
  const mm = (f & CLONE_VM) ? parent.mm : parent.mm.dup();
  if (f & CLONE_VM) k.kobj.get(mm);
  const hart = new Hart(mm);
  const ph = parent.hart;
  hart.x.set(ph.x);
  hart.f.set(ph.f);
  hart.fcsr = ph.fcsr;
  hart.pc = (ph.pc + 4) >>> 0; // the child returns from the ecall
  hart.x[10] = 0;
  if (a.stack !== 0) hart.x[2] = a.stack | 0;
  if (f & CLONE_SETTLS) hart.x[4] = a.tls | 0;

  const sighand = (f & CLONE_SIGHAND) ? parent.sighand : new SigHand(r, why, parent.sighand);
  // The group is created with a placeholder leader and fixed up once the task exists.
  const group = (f & CLONE_THREAD) ? parent.group : new ThreadGroup(r, null as unknown as Task, parent.group.pgrp, parent.group.session, why);
  const child = new Task(r, pid, group, sighand, parent.cred, nsproxy, parent.comm, hart, why);
  // The task took its own references: drop the ones created here.
  r.put(pid);
  r.put(nsproxy);
  if (!(f & CLONE_SIGHAND)) r.put(sighand);
  if (!(f & CLONE_THREAD)) r.put(group);
  pid.task = child;
  if (!(f & CLONE_THREAD)) {
    group.leader = child;
    group.hasChildSubreaper = parent.group.hasChildSubreaper || parent.group.isChildSubreaper;
    group.dumpable = parent.group.dumpable;
    group.rlimits = parent.group.rlimits;
    group.tty = parent.group.tty;
    group.oomScoreAdj = parent.group.oomScoreAdj;
    group.oomScoreAdjMin = parent.group.oomScoreAdjMin;
  }
  group.threads.add(child);
  const ferr = copyTaskFiles(k, parent, child, f);
  if (ferr < 0) {
    // Undo: the child never ran; it goes as if it had exited at once, unseen.
    group.threads.delete(child);
    pid.task = null;
    r.put(mm);
    r.put(child);
    return ferr;
  }
  child.exitSignal = (f & CLONE_THREAD) ? -1 : a.exitSignal;
  child.blocked = parent.blocked;
  child.noNewPrivs = parent.noNewPrivs;
  child.cpusAllowed = parent.cpusAllowed;
  inheritSched(parent, child);
  child.keepCaps = parent.keepCaps;
  child.loginuid = parent.loginuid;
  child.sessionid = parent.sessionid;
  // A new thread sharing the address space must not share the signal stack (sas_ss_reset).
  if ((f & (CLONE_VM | CLONE_VFORK)) !== CLONE_VM) child.sas = { ...parent.sas };
  if (f & CLONE_CHILD_CLEARTID) child.clearChildTid = a.childTid >>> 0;
  // The first task of a namespace is its init (after clone(CLONE_NEWPID) or unshare()).
  if (ns.reaper === null && pid.nrIn(ns) === 1) ns.reaper = child;

  const realParent = (f & (CLONE_PARENT | CLONE_THREAD)) ? parent.parent : parent;
  child.parent = realParent;
  realParent?.children.add(child);
  if (f & CLONE_PARENT) child.exitSignal = parent.group.leader.exitSignal;

  if (f & CLONE_PARENT_SETTID) parent.mm.writeU32(a.parentTid, pid.nrIn(parent.pidNs));
  if (f & CLONE_CHILD_SETTID) mm.writeU32(a.childTid, pid.nrIn(pid.ns));
  k.charge(parent, COSTS.fork);
  k.freezer.fork(parent, child);
  k.registerTask(child);
  return child;
}

/** clone(2)'s argument order on riscv: flags, newsp, parent_tid, tls, child_tid. */
export function cloneArgsFromRegs(flags: number, newsp: number, ptid: number, tls: number, ctid: number): CloneArgs {
  return { flags: flags & ~CSIGNAL, stack: newsp, parentTid: ptid, childTid: ctid, tls, exitSignal: flags & CSIGNAL, setTid: [] };
}

export const DEFAULT_EXIT_SIGNAL = SIGCHLD;
