// Scheduling parameters and barriers: setpriority, getpriority, sched_setscheduler,
// sched_getscheduler, sched_setparam, sched_getparam, sched_get_priority_max/min (Linux's
// kernel/sys.c and kernel/sched/syscalls.c) and membarrier (kernel/sched/membarrier.c). The
// values are kept and checked as Linux does (sched-params.ts) but do not steer the scheduler.
import { EACCES, EFAULT, EINVAL, EPERM, ESRCH } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { RLIMIT_NICE, RLIMIT_RTPRIO, softLimit } from "../rlimit.ts";
import {
  MAX_NICE, MAX_RT_PRIO, MIN_NICE, rtPolicy, SCHED_BATCH, SCHED_DEADLINE, SCHED_EXT, SCHED_IDLE,
  SCHED_NORMAL, SCHED_RESET_ON_FORK,
} from "../sched-params.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

const CAP_SYS_NICE = 23;
const PRIO_PROCESS = 0;
const PRIO_PGRP = 1;
const PRIO_USER = 2;

/** The tasks a (which, who) pair names, threads included, zombies too (as Linux walks them). */
function prioTargets(k: Kernel, t: Task, which: number, who: number): Task[] {
  const live = (x: Task): boolean => x.state !== "dead" && x.pid.nrIn(t.pidNs) !== 0;
  if (which === PRIO_PROCESS) {
    const p = who === 0 ? t : k.findTask(t.pidNs, who);
    return p === undefined || p.state === "dead" ? [] : [p];
  }
  if (which === PRIO_PGRP) {
    const pgrp = who === 0 ? t.group.pgrp : t.pidNs.pids.get(who);
    return pgrp === undefined ? [] : [...k.tasks.values()].filter((x) => live(x) && x.group.pgrp === pgrp);
  }
  const uid = who === 0 ? t.cred.uid : who >>> 0;
  return [...k.tasks.values()].filter((x) => live(x) && x.cred.uid === uid);
}

/** is_nice_reduction: RLIMIT_NICE (as 20 - nice) allows going down to nice. */
const niceAllowed = (k: Kernel, p: Task, nice: number): boolean => 20 - nice <= softLimit(k, p.group, RLIMIT_NICE);

/** set_one_prio: the caller's euid must own p (or CAP_SYS_NICE); lowering nice needs RLIMIT_NICE. */
function setOnePrio(k: Kernel, t: Task, p: Task, nice: number, error: number): number {
  const c = t.cred;
  const capable = c.capable(CAP_SYS_NICE);
  if (p.cred.uid !== c.euid && p.cred.euid !== c.euid && !capable) return -EPERM;
  if (nice < p.nice && !niceAllowed(k, p, nice) && !capable) return -EACCES;
  p.nice = nice;
  return error === -ESRCH ? 0 : error;
}

function sysSetpriority(k: Kernel, t: Task, which: number, who: number, niceval: number): number {
  if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
  const nice = Math.min(MAX_NICE, Math.max(MIN_NICE, niceval | 0));
  let error = -ESRCH;
  for (const p of prioTargets(k, t, which, who)) error = setOnePrio(k, t, p, nice, error);
  return error;
}

/** getpriority: the raw syscall answers 20 - nice (1..40), the best of the tasks named; libc subtracts. */
function sysGetpriority(k: Kernel, t: Task, which: number, who: number): number {
  if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
  let best = -ESRCH;
  for (const p of prioTargets(k, t, which, who)) best = Math.max(best, 20 - p.nice);
  return best;
}

/** find_process_by_pid: 0 is the caller; any thread id. */
function findSchedTask(k: Kernel, t: Task, pid: number): Task | null {
  const p = pid === 0 ? t : k.findTask(t.pidNs, pid);
  return p === undefined || p.state === "dead" ? null : p;
}

const fairPolicy = (p: number): boolean => p === SCHED_NORMAL || p === SCHED_BATCH || p === SCHED_EXT;
const validPolicy = (p: number): boolean => fairPolicy(p) || rtPolicy(p) || p === SCHED_IDLE || p === SCHED_DEADLINE;

/** user_check_sched_setscheduler: what an unprivileged caller may not do (then CAP_SYS_NICE decides). */
function needsPrivilege(k: Kernel, t: Task, p: Task, policy: number, prio: number, resetOnFork: boolean): boolean {
  if (rtPolicy(policy)) {
    const rlim = softLimit(k, p.group, RLIMIT_RTPRIO);
    if (policy !== p.schedPolicy && rlim === 0) return true;
    if (prio > p.rtPriority && prio > rlim) return true;
  }
  if (policy === SCHED_DEADLINE) return true;
  // SCHED_IDLE counts as nice 20: leaving it needs RLIMIT_NICE to allow the task's nice.
  if (p.schedPolicy === SCHED_IDLE && policy !== SCHED_IDLE && !niceAllowed(k, p, p.nice)) return true;
  if (t.cred.euid !== p.cred.euid && t.cred.euid !== p.cred.uid) return true;
  return p.resetOnFork && !resetOnFork;
}

/** do_sched_setscheduler; policy -1 is sched_setparam's "keep the policy". */
function setScheduler(k: Kernel, t: Task, pid: number, policyArg: number, param: number): number {
  if (param === 0 || pid < 0) return -EINVAL;
  const prio = t.mm.readU32(param);
  if (prio === null) return -EFAULT;
  const p = findSchedTask(k, t, pid);
  if (p === null) return -ESRCH;
  let policy = policyArg;
  let resetOnFork = p.resetOnFork;
  if (policy < 0) policy = p.schedPolicy;
  else {
    resetOnFork = (policy & SCHED_RESET_ON_FORK) !== 0;
    policy &= ~SCHED_RESET_ON_FORK;
    if (!validPolicy(policy)) return -EINVAL;
  }
  // FIFO and RR take 1..99, the others 0; a deadline task needs sched_setattr's parameters.
  if (prio >>> 0 > MAX_RT_PRIO - 1 || rtPolicy(policy) !== (prio !== 0) || policy === SCHED_DEADLINE) return -EINVAL;
  if (needsPrivilege(k, t, p, policy, prio, resetOnFork) && !t.cred.capable(CAP_SYS_NICE)) return -EPERM;
  p.schedPolicy = policy;
  p.rtPriority = prio;
  p.resetOnFork = resetOnFork;
  return 0;
}

function sysSchedGetscheduler(k: Kernel, t: Task, pid: number): number {
  if (pid < 0) return -EINVAL;
  const p = findSchedTask(k, t, pid);
  if (p === null) return -ESRCH;
  return p.schedPolicy | (p.resetOnFork ? SCHED_RESET_ON_FORK : 0);
}

function sysSchedGetparam(k: Kernel, t: Task, pid: number, param: number): number {
  if (param === 0 || pid < 0) return -EINVAL;
  const p = findSchedTask(k, t, pid);
  if (p === null) return -ESRCH;
  return t.mm.writeU32(param, rtPolicy(p.schedPolicy) ? p.rtPriority : 0) ? 0 : -EFAULT;
}

function priorityLimit(policy: number, max: boolean): number {
  if (rtPolicy(policy)) return max ? MAX_RT_PRIO - 1 : 1;
  return fairPolicy(policy) || policy === SCHED_IDLE || policy === SCHED_DEADLINE ? 0 : -EINVAL;
}

// membarrier commands (uapi/linux/membarrier.h).
const MEMBARRIER_CMD_QUERY = 0;
const MEMBARRIER_CMD_GLOBAL = 1 << 0;
const MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1;
const MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;
const MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;
const MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 5;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 6;
const MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ = 1 << 7;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ = 1 << 8;
const MEMBARRIER_CMD_GET_REGISTRATIONS = 1 << 9;
const MEMBARRIER_CMD_FLAG_CPU = 1;
const MEMBARRIER_CMD_BITMASK = (MEMBARRIER_CMD_GET_REGISTRATIONS << 1) - 1;

/** Each private command and the registration it needs first (else EPERM). */
const PRIVATE_REGISTRATION = new Map([
  [MEMBARRIER_CMD_PRIVATE_EXPEDITED, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED],
  [MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE],
  [MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ],
]);
/** Every registration bit an mm's membarrierState can hold (what C/R validation bounds it by). */
export const REGISTRATIONS = MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
  | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ;

/**
 * membarrier: every command is honoured trivially, since the harts of this machine execute in
 * one interleaved order (a memory access is globally visible when it is made). What remains
 * is Linux's bookkeeping: flags, the registration a private command needs, GET_REGISTRATIONS.
 */
function sysMembarrier(_k: Kernel, t: Task, cmd: number, flags: number): number {
  if (cmd === MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ ? (flags >>> 0 & ~MEMBARRIER_CMD_FLAG_CPU) !== 0 : flags !== 0) return -EINVAL;
  const mm = t.mm;
  if (cmd === MEMBARRIER_CMD_QUERY) return MEMBARRIER_CMD_BITMASK;
  if (cmd === MEMBARRIER_CMD_GLOBAL || cmd === MEMBARRIER_CMD_GLOBAL_EXPEDITED) return 0;
  if (cmd === MEMBARRIER_CMD_GET_REGISTRATIONS) return mm.membarrierState;
  if ((cmd & REGISTRATIONS) !== 0 && (cmd & (cmd - 1)) === 0) {
    mm.membarrierState |= cmd;
    return 0;
  }
  const needs = PRIVATE_REGISTRATION.get(cmd);
  if (needs === undefined) return -EINVAL;
  return (mm.membarrierState & needs) !== 0 ? 0 : -EPERM;
}

export const SCHED_SYSCALLS: SyscallEntry[] = [
  {
    nr: 118, name: "sched_setparam", args: ["d", "p"], level: "full",
    cr: "tasks (schedPolicy with SCHED_RESET_ON_FORK, schedPriority)", fn: (k, t, pid, param) => setScheduler(k, t, pid, -1, param),
  },
  {
    nr: 119, name: "sched_setscheduler", args: ["d", "d", "p"],
    level: "partial", note: "the policy and priority are kept and reported but do not change the (seeded) schedule; SCHED_DEADLINE gives EINVAL as without sched_setattr's parameters",
    cr: "tasks (schedPolicy with SCHED_RESET_ON_FORK, schedPriority)", fn: setScheduler,
  },
  { nr: 120, name: "sched_getscheduler", args: ["d"], level: "full", cr: "-", fn: sysSchedGetscheduler },
  { nr: 121, name: "sched_getparam", args: ["d", "p"], level: "full", cr: "-", fn: sysSchedGetparam },
  { nr: 125, name: "sched_get_priority_max", args: ["d"], level: "full", cr: "-", fn: (_k, _t, policy) => priorityLimit(policy, true) },
  { nr: 126, name: "sched_get_priority_min", args: ["d"], level: "full", cr: "-", fn: (_k, _t, policy) => priorityLimit(policy, false) },
  {
    nr: 140, name: "setpriority", args: ["d", "d", "d"],
    level: "partial", note: "nice values are kept and reported but do not change the (seeded) schedule",
    cr: "tasks (nice)", fn: sysSetpriority,
  },
  { nr: 141, name: "getpriority", args: ["d", "d"], level: "full", cr: "-", fn: sysGetpriority },
  {
    nr: 283, name: "membarrier", args: ["x", "x", "d"],
    level: "full", note: "every barrier is trivially complete: the harts run in one interleaved order",
    cr: "mms (membarrierState)", fn: sysMembarrier,
  },
];
