// The per-process state of issue 16's task records against the kernel's own bounds: nice and
// scheduling policy as sched_setscheduler takes them, an affinity mask as sched_setaffinity
// takes it on the restoring machine, prctl flags, dumpable, membarrier registrations, and POSIX
// timers as timer_create and timer_settime make them (ids, clocks, notify kinds, signals, a
// target thread of the timer's own process, a queued signal that is really queued).
import { MAX_NICE, MAX_RT_PRIO, MIN_NICE, rtPolicy, SCHED_BATCH, SCHED_EXT, SCHED_FIFO, SCHED_IDLE, SCHED_NORMAL, SCHED_RR } from "../../../machine/kernel/sched-params.ts";
import { SI_TIMER } from "../../../machine/kernel/siginfo.ts";
import { NSIG } from "../../../machine/kernel/signal-defs.ts";
import { REGISTRATIONS } from "../../../machine/kernel/syscalls/sys-sched.ts";
import { CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_TAI } from "../../../machine/kernel/syscalls/sys-time.ts";
import { CrError, EINVAL } from "../errors.ts";
import { PFA_NO_NEW_PRIVS, SCHED_RESET_ON_FORK, SECBIT_KEEP_CAPS, type CheckpointModel, type SigInfoRecord } from "../model.ts";

/** INT_MAX: timer ids (posix_timer_add wraps there) and DELAYTIMER_MAX, where overruns saturate. */
const INT_MAX = 0x7fffffff;
const U32 = 0xffffffff;
/** The policies sched_setscheduler stores (SCHED_DEADLINE needs sched_setattr, which is not there). */
const POLICIES = new Set([SCHED_NORMAL, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_EXT]);
/** The clocks timer_create accepts (sys-timer.ts timerClock). */
const TIMER_CLOCKS = new Set([CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI]);
const SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD_ID = 4;
/** Timers one process may hold in an image: far above what RLIMIT_SIGPENDING lets a program make. */
const POSIX_TIMERS_MAX = 1 << 16;

function bad(field: string, value: unknown, why: string): never {
  throw new CrError(EINVAL, `bad image: ${field} = ${String(value)}: ${why}`);
}

function int(field: string, v: unknown, min: number, max: number, why = `not an integer in [${min}, ${max}]`): void {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) bad(field, v, why);
}

/** A timer's siginfo: both of si_tid and si_overrun, from a timer (SI_TIMER), within INT_MAX. */
export function timerSiginfo(field: string, s: SigInfoRecord): void {
  if ((s.timerId === undefined) !== (s.overrun === undefined)) bad(`${field}.timerId`, s.timerId, "a timer's siginfo has both si_tid and si_overrun");
  if (s.timerId === undefined) return;
  if (s.code !== SI_TIMER) bad(`${field}.code`, s.code, `a siginfo with a timer id comes from a timer (SI_TIMER ${SI_TIMER})`);
  int(`${field}.timerId`, s.timerId, 0, INT_MAX, "not a timer id (0..INT_MAX)");
  int(`${field}.overrun`, s.overrun, 0, INT_MAX, "not an overrun count (0..DELAYTIMER_MAX)");
}

/**
 * Refuse the first out-of-bounds field of the issue-16 per-process state. `cpus`: the restoring
 * machine's CPU count (an affinity mask must name one of them, as sched_setaffinity requires).
 */
export function validateTaskState(m: CheckpointModel, cpus?: number): void {
  for (const t of m.tasks) {
    const f = `task ${t.id}`;
    t.pending.queue.forEach((s, i) => timerSiginfo(`${f} pending.queue[${i}]`, s));
    if (t.nice !== undefined) int(`${f} nice`, t.nice, MIN_NICE, MAX_NICE, `outside MIN_NICE..MAX_NICE (${MIN_NICE}..${MAX_NICE})`);
    const policy = t.schedPolicy ?? 0;
    int(`${f} schedPolicy`, policy, 0, U32);
    const p = policy & ~SCHED_RESET_ON_FORK;
    if (!POLICIES.has(p)) bad(`${f} schedPolicy`, policy, "not a policy sched_setscheduler sets (0, 1, 2, 3, 5, 7; with SCHED_RESET_ON_FORK)");
    const prio = t.schedPriority ?? 0;
    int(`${f} schedPriority`, prio, 0, MAX_RT_PRIO - 1);
    // sched_setscheduler: SCHED_FIFO and SCHED_RR take 1..99, every other policy 0.
    if (rtPolicy(p) !== (prio !== 0)) bad(`${f} schedPriority`, prio, `policy ${p} takes ${rtPolicy(p) ? "1..99" : "0"}`);
    if (t.cpusAllowed !== undefined) {
      int(`${f} cpusAllowed`, t.cpusAllowed, 1, U32, "an affinity mask names at least one CPU");
      const online = cpus === undefined || cpus >= 32 ? U32 : 2 ** cpus - 1;
      // sched_setaffinity refuses (EINVAL) a mask with no CPU the machine has.
      if (((t.cpusAllowed & online) >>> 0) === 0) bad(`${f} cpusAllowed`, `0x${t.cpusAllowed.toString(16)}`, `names none of the ${cpus} CPUs of the restoring machine (sched_setaffinity would refuse it: EINVAL)`);
    }
    if (t.atomicFlags !== undefined && (t.atomicFlags | PFA_NO_NEW_PRIVS) !== PFA_NO_NEW_PRIVS) bad(`${f} atomicFlags`, t.atomicFlags, "only PFA_NO_NEW_PRIVS (1) is known");
    if (t.securebits !== undefined && (t.securebits | SECBIT_KEEP_CAPS) !== SECBIT_KEEP_CAPS) bad(`${f} securebits`, t.securebits, "only SECBIT_KEEP_CAPS (0x10) is known");
  }
  for (const mm of m.mms) {
    const s = mm.membarrierState;
    if (s !== undefined && (!Number.isSafeInteger(s) || s < 0 || (s & ~REGISTRATIONS) !== 0)) bad(`mm ${mm.id} membarrierState`, s, `only MEMBARRIER_CMD_REGISTER_* bits (0x${REGISTRATIONS.toString(16)})`);
  }
  const tasks = new Map(m.tasks.map((t) => [t.id, t]));
  for (const g of m.threadGroups) {
    const f = `thread group ${g.id}`;
    g.sharedPending.queue.forEach((s, i) => timerSiginfo(`${f} sharedPending.queue[${i}]`, s));
    // prctl(PR_SET_DUMPABLE) sets 0 or 1; SUID_DUMP_ROOT comes only from a sysctl this kernel lacks.
    if (g.dumpable !== undefined) int(`${f} dumpable`, g.dumpable, 0, 1, "PR_SET_DUMPABLE takes 0 or 1");
    if (g.nextPosixTimerId !== undefined) int(`${f} nextPosixTimerId`, g.nextPosixTimerId, 0, INT_MAX, "not a timer id (0..INT_MAX)");
    const timers = g.posixTimers ?? [];
    if (timers.length > POSIX_TIMERS_MAX) bad(`${f} posixTimers count`, timers.length, `more than ${POSIX_TIMERS_MAX}`);
    const ids = new Set<number>();
    for (const tm of timers) {
      const w = `${f} posix timer ${tm.id}`;
      int(`${w} id`, tm.id, 0, INT_MAX, "not a timer id (0..INT_MAX)");
      if (ids.has(tm.id)) bad(`${w} id`, tm.id, "two timers of one process have this id");
      ids.add(tm.id);
      if (!TIMER_CLOCKS.has(tm.clock)) bad(`${w} clock`, tm.clock, "not a clock timer_create takes (REALTIME, MONOTONIC, BOOTTIME, TAI)");
      if (tm.notify !== SIGEV_SIGNAL && tm.notify !== SIGEV_NONE && tm.notify !== SIGEV_THREAD_ID) bad(`${w} notify`, tm.notify, "not SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID");
      // good_sigevent checks the signal only when one is sent.
      if (tm.notify === SIGEV_NONE) int(`${w} signo`, tm.signo, -(2 ** 31), 2 ** 31 - 1);
      else int(`${w} signo`, tm.signo, 1, NSIG, `not a signal number (1..${NSIG})`);
      int(`${w} value`, tm.value, -(2 ** 31), 2 ** 31 - 1, "not a sival_int");
      int(`${w} left`, tm.left, 0, Number.MAX_SAFE_INTEGER);
      int(`${w} interval`, tm.interval, 0, Number.MAX_SAFE_INTEGER);
      if (tm.left === 0 && tm.interval !== 0) bad(`${w} interval`, tm.interval, "a disarmed timer has no interval (timer_settime clears it)");
      int(`${w} overrunLast`, tm.overrunLast, 0, INT_MAX, "not an overrun count (0..DELAYTIMER_MAX)");
      const target = tasks.get(tm.targetTaskId);
      if (target === undefined || target.threadGroupId !== g.id) bad(`${w} targetTaskId`, tm.targetTaskId, "not a thread of the timer's process");
      if (tm.notify !== SIGEV_THREAD_ID && tm.targetTaskId !== g.leaderTaskId) bad(`${w} targetTaskId`, tm.targetTaskId, "a timer that signals its process goes through the group leader");
      if (tm.signalQueued) {
        const queue = tm.notify === SIGEV_THREAD_ID ? target.pending.queue : g.sharedPending.queue;
        if (!queue.some((s) => s.timerId === tm.id)) bad(`${w} signalQueued`, true, "no siginfo of this timer is queued where it sends its signal");
      }
    }
  }
}
