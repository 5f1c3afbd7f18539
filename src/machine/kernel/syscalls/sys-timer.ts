// POSIX timer calls: timer_create, timer_settime64, timer_gettime64, timer_getoverrun,
// timer_delete (riscv32 has only the time64 forms of get/settime). The timers: posix-timers.ts.
import { EFAULT, EINVAL, EOPNOTSUPP } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { allocTimerId, arm, disarm, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID, timerOverrun, type PosixTimer } from "../posix-timers.ts";
import { SIGALRM } from "../signal-names.ts";
import type { Task } from "../task.ts";
import {
  CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME,
  CLOCK_REALTIME_COARSE, CLOCK_TAI, CLOCK_THREAD_CPUTIME_ID, clockNs, encodeTimespec64, readTimespec,
} from "./sys-time.ts";
import type { SyscallEntry } from "./types.ts";

const TIMER_ABSTIME = 1;
/** SIGRTMAX: the highest signal a timer may send. */
const SIGRTMAX = 64;

/**
 * The clocks a timer can run on: the wall and monotonic clocks. The raw and coarse clocks have
 * no timers in Linux either (EOPNOTSUPP); CPU-time timers are not implemented (EINVAL, noted).
 */
function timerClock(id: number): number {
  if (id === CLOCK_REALTIME || id === CLOCK_MONOTONIC || id === CLOCK_BOOTTIME || id === CLOCK_TAI) return 0;
  if (id === CLOCK_MONOTONIC_RAW || id === CLOCK_REALTIME_COARSE || id === CLOCK_MONOTONIC_COARSE) return -EOPNOTSUPP;
  if (id === CLOCK_PROCESS_CPUTIME_ID || id === CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  return -EINVAL;
}

function sysTimerCreate(k: Kernel, t: Task, clock: number, sevp: number, idp: number): number {
  const err = timerClock(clock);
  if (err !== 0) return err;
  let notify = SIGEV_SIGNAL;
  let signo = SIGALRM;
  let value: number | null = null;
  let target = t.group.leader;
  if (sevp !== 0) {
    const b = t.mm.copyIn(sevp, 16);
    if (b === null) return -EFAULT;
    const dv = new DataView(b.buffer);
    value = dv.getInt32(0, true);
    signo = dv.getInt32(4, true);
    notify = dv.getInt32(8, true);
    const tid = dv.getInt32(12, true);
    // good_sigevent
    if (notify === (SIGEV_SIGNAL | SIGEV_THREAD_ID)) {
      const th = k.findTask(t.pidNs, tid);
      if (th === undefined || th.group !== t.group || !th.alive) return -EINVAL;
      target = th;
      notify = SIGEV_THREAD_ID;
    } else if (notify !== SIGEV_SIGNAL && notify !== SIGEV_THREAD && notify !== SIGEV_NONE) return -EINVAL;
    if (notify !== SIGEV_NONE && (signo <= 0 || signo > SIGRTMAX)) return -EINVAL;
    if (notify === SIGEV_THREAD) notify = SIGEV_SIGNAL;
  }
  const g = t.group;
  const id = allocTimerId(g);
  if (!t.mm.writeU32(idp, id)) return -EFAULT;
  const timer: PosixTimer = {
    id, clock, notify, signo, value: value ?? id, target, expires: 0, interval: 0, queueId: 0, info: null, overrunLast: 0,
  };
  g.posixTimers.set(id, timer);
  return 0;
}

/** struct __kernel_itimerspec: it_interval then it_value, each a __kernel_timespec. */
function encodeItimerspec(k: Kernel, tm: PosixTimer): Uint8Array {
  const b = new Uint8Array(32);
  b.set(encodeTimespec64(k.cyclesToNs(tm.interval)), 0);
  b.set(encodeTimespec64(tm.expires > 0 ? k.cyclesToNs(Math.max(1, tm.expires - k.clock)) : 0), 16);
  return b;
}

const find = (t: Task, id: number): PosixTimer | undefined => t.group.posixTimers.get(id);

function sysTimerGettime(k: Kernel, t: Task, id: number, curr: number): number {
  const tm = find(t, id);
  if (tm === undefined) return -EINVAL;
  return t.mm.copyOut(curr, encodeItimerspec(k, tm)) ? 0 : -EFAULT;
}

function sysTimerSettime(k: Kernel, t: Task, id: number, flags: number, newp: number, oldp: number): number {
  const tm = find(t, id);
  if (tm === undefined || newp === 0) return -EINVAL;
  const interval = readTimespec(t, newp);
  const value = readTimespec(t, newp + 16);
  if (interval === null || value === null) return -EFAULT;
  if (interval === -1 || value === -1) return -EINVAL;
  if (oldp !== 0 && !t.mm.copyOut(oldp, encodeItimerspec(k, tm))) return -EFAULT;
  disarm(k, tm);
  // A new setting forgets the last expiry: its signal, if still queued, is delivered as it is.
  tm.info = null;
  tm.overrunLast = 0;
  tm.interval = value === 0 ? 0 : k.nsToCycles(interval);
  if (value === 0) return 0;
  const rel = (flags & TIMER_ABSTIME) !== 0 ? value - clockNs(k, t, tm.clock)! : value;
  arm(k, tm, k.clock + Math.max(0, k.nsToCycles(rel)));
  return 0;
}

function sysTimerGetoverrun(_k: Kernel, t: Task, id: number): number {
  const tm = find(t, id);
  return tm === undefined ? -EINVAL : timerOverrun(tm);
}

function sysTimerDelete(k: Kernel, t: Task, id: number): number {
  const tm = find(t, id);
  if (tm === undefined) return -EINVAL;
  disarm(k, tm);
  t.group.posixTimers.delete(id);
  return 0;
}

const CR = "threadGroups (posixTimers, nextPosixTimerId; a queued expiry's siginfo carries si_tid and si_overrun)";

export const TIMER_SYSCALLS: SyscallEntry[] = [
  {
    nr: 107, name: "timer_create", args: ["d", "p", "p"],
    level: "partial", cr: CR,
    note: "CLOCK_REALTIME, MONOTONIC, BOOTTIME and TAI in virtual time; CPU-time clocks give EINVAL (Linux has them); SIGEV_THREAD is SIGEV_SIGNAL, as the C library uses it",
    fn: sysTimerCreate,
  },
  { nr: 109, name: "timer_getoverrun", args: ["d"], level: "full", cr: "-", fn: sysTimerGetoverrun },
  { nr: 111, name: "timer_delete", args: ["d"], level: "full", cr: CR, fn: sysTimerDelete },
  { nr: 408, name: "timer_gettime64", args: ["d", "p"], level: "full", cr: "-", fn: sysTimerGettime },
  { nr: 409, name: "timer_settime64", args: ["d", "x", "p", "p"], level: "full", cr: CR, fn: sysTimerSettime },
];
