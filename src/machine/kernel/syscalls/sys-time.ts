// Clocks on the machine's virtual time. Nothing here reads the host clock.
import { EFAULT, EINVAL, EOPNOTSUPP, ERESTART_RESTARTBLOCK } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { SI_KERNEL } from "../siginfo.ts";
import { sendSignal } from "../signal.ts";
import { SIGALRM } from "../signal-names.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME_ID = 2;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4;
export const CLOCK_REALTIME_COARSE = 5;
export const CLOCK_MONOTONIC_COARSE = 6;
export const CLOCK_BOOTTIME = 7;
export const CLOCK_TAI = 11;

/** Nanoseconds on the given clock, or undefined for an invalid clock id. */
export function clockNs(k: Kernel, t: Task, id: number): number | undefined {
  switch (id) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_TAI:
      return k.realtimeNs();
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
      return k.monotonicNs();
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
      return k.cyclesToNs(t.hart.instret + t.cpuCycles);
    default:
      return undefined;
  }
}

/** struct __kernel_timespec: s64 tv_sec, s64 tv_nsec. */
export function encodeTimespec64(ns: number): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
  dv.setBigInt64(8, BigInt(ns % 1e9), true);
  return b;
}

function sysClockGettime64(k: Kernel, t: Task, id: number, tp: number): number {
  const ns = clockNs(k, t, id);
  if (ns === undefined) return -EINVAL;
  return t.mm.copyOut(tp, encodeTimespec64(ns)) ? 0 : -EFAULT;
}

function sysClockGetres64(_k: Kernel, t: Task, id: number, tp: number): number {
  if (clockNs(_k, t, id) === undefined) return -EINVAL;
  if (tp === 0) return 0;
  return t.mm.copyOut(tp, encodeTimespec64(1)) ? 0 : -EFAULT;
}

export const TIME_SYSCALLS: SyscallEntry[] = [
  {
    nr: 403, name: "clock_gettime64", args: ["d", "p"],
    level: "partial", cr: "-",
    note: "virtual time; CPU clocks of other threads and processes (clock ids below 0) and the *_ALARM clocks give EINVAL",
    fn: sysClockGettime64,
  },
  {
    nr: 406, name: "clock_getres_time64", args: ["d", "p"],
    level: "partial", cr: "-",
    note: "1 ns for every clock; the clocks clock_gettime64 lacks give EINVAL",
    fn: sysClockGetres64,
  },
];

// --- Sleeping and interval timers ------------------------------------------------------------

const TIMER_ABSTIME = 1;
const NR_CLOCK_NANOSLEEP = 407;

/**
 * Read a struct __kernel_timespec (s64 tv_sec, s64 tv_nsec) from user memory as nanoseconds:
 * null on a fault (EFAULT), -1 when it is not a valid duration (EINVAL).
 */
export function readTimespec(t: Task, addr: number): number | null | -1 {
  const b = t.mm.copyIn(addr, 16);
  if (b === null) return null;
  const dv = new DataView(b.buffer);
  const sec = Number(dv.getBigInt64(0, true));
  const nsec = Number(dv.getBigInt64(8, true));
  if (sec < 0 || nsec < 0 || nsec >= 1e9) return -1;
  return sec * 1e9 + nsec;
}

function sysClockNanosleep(k: Kernel, t: Task, id: number, flags: number, req: number, rem: number): number {
  if (id === CLOCK_THREAD_CPUTIME_ID) return -EOPNOTSUPP; // as Linux: a thread cannot sleep on its own CPU clock
  const now = clockNs(k, t, id);
  if (now === undefined) return -EINVAL;
  const r = t.restart;
  let deadline: number;
  if (r?.nr === NR_CLOCK_NANOSLEEP && r.deadline !== undefined) deadline = r.deadline;
  else {
    const ns = readTimespec(t, req);
    if (ns === null) return -EFAULT;
    if (ns === -1) return -EINVAL;
    const rel = (flags & TIMER_ABSTIME) !== 0 ? ns - now : ns;
    deadline = k.clock + Math.max(0, k.nsToCycles(rel));
  }
  if (k.clock >= deadline) return 0;
  const relative = (flags & TIMER_ABSTIME) === 0;
  t.restart = {
    nr: NR_CLOCK_NANOSLEEP,
    deadline,
    // Interrupted by a handler: a relative sleep reports the time left in *rem.
    interrupted: relative && rem !== 0 ? (tt) => void tt.mm.copyOut(rem, encodeTimespec64(k.cyclesToNs(Math.max(0, deadline - k.clock)))) : undefined,
  };
  return k.sleep(t, null, deadline, ERESTART_RESTARTBLOCK);
}

const ITIMER_REAL = 0;

/** struct __kernel_old_itimerval on riscv32: four 32-bit longs (interval sec/usec, value sec/usec). */
function encodeItimerval(k: Kernel, interval: number, remaining: number): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  const put = (off: number, cycles: number): void => {
    const us = Math.ceil(k.cyclesToNs(cycles) / 1000);
    dv.setInt32(off, Math.floor(us / 1e6), true);
    dv.setInt32(off + 4, us % 1e6, true);
  };
  put(0, interval);
  put(8, remaining);
  return b;
}

export function armItimerReal(k: Kernel, t: Task, when: number): void {
  const it = t.group.itimerReal;
  it.deadline = when;
  it.timerId = k.timers.add(when, () => {
    const leader = t.group.leader;
    it.timerId = 0;
    it.deadline = 0;
    if (!t.group.threads.size) return;
    sendSignal(k, leader, { signo: SIGALRM, code: SI_KERNEL }, true);
    if (it.interval > 0) armItimerReal(k, t, when + it.interval);
  });
}

const ITIMER_VIRTUAL = 1;
const ITIMER_PROF = 2;

/** The CPU-time timers count the process's instructions (and, for PROF, kernel work too). */
function cpuTimer(t: Task, which: number): { left: number; interval: number } | undefined {
  return which === ITIMER_VIRTUAL ? t.group.itimerVirt : which === ITIMER_PROF ? t.group.itimerProf : undefined;
}

function sysGetitimer(k: Kernel, t: Task, which: number, curr: number): number {
  const ct = cpuTimer(t, which);
  if (ct !== undefined) return t.mm.copyOut(curr, encodeItimerval(k, ct.interval, ct.left)) ? 0 : -EFAULT;
  if (which !== ITIMER_REAL) return -EINVAL;
  const it = t.group.itimerReal;
  const left = it.deadline > 0 ? Math.max(1, it.deadline - k.clock) : 0;
  return t.mm.copyOut(curr, encodeItimerval(k, it.interval, left)) ? 0 : -EFAULT;
}

function sysSetitimer(k: Kernel, t: Task, which: number, value: number, ovalue: number): number {
  const ct = cpuTimer(t, which);
  if (which !== ITIMER_REAL && ct === undefined) return -EINVAL;
  let interval = 0;
  let first = 0;
  if (value !== 0) {
    const b = t.mm.copyIn(value, 16);
    if (b === null) return -EFAULT;
    const dv = new DataView(b.buffer);
    const isec = dv.getInt32(0, true), iusec = dv.getInt32(4, true), vsec = dv.getInt32(8, true), vusec = dv.getInt32(12, true);
    if (iusec < 0 || iusec >= 1e6 || vusec < 0 || vusec >= 1e6 || isec < 0 || vsec < 0) return -EINVAL;
    interval = k.nsToCycles((isec * 1e6 + iusec) * 1000);
    first = k.nsToCycles((vsec * 1e6 + vusec) * 1000);
  }
  if (ct !== undefined) {
    if (ovalue !== 0 && !t.mm.copyOut(ovalue, encodeItimerval(k, ct.interval, ct.left))) return -EFAULT;
    ct.left = first;
    ct.interval = interval;
    return 0;
  }
  const it = t.group.itimerReal;
  if (ovalue !== 0) {
    const left = it.deadline > 0 ? Math.max(1, it.deadline - k.clock) : 0;
    if (!t.mm.copyOut(ovalue, encodeItimerval(k, it.interval, left))) return -EFAULT;
  }
  if (it.timerId !== 0) k.timers.cancel(it.timerId);
  it.timerId = 0;
  it.deadline = 0;
  it.interval = interval;
  if (first > 0) armItimerReal(k, t, k.clock + first);
  return 0;
}

TIME_SYSCALLS.push(
  { nr: 102, name: "getitimer", args: ["d", "p"], level: "full", cr: "-", fn: sysGetitimer },
  { nr: 103, name: "setitimer", args: ["d", "p", "p"], level: "full", cr: "threadGroups (itimerReal, itimerVirt, itimerProf)", fn: sysSetitimer },
  {
    nr: NR_CLOCK_NANOSLEEP, name: "clock_nanosleep_time64", args: ["d", "x", "p", "p"],
    level: "partial", cr: "tasks (syscall restart block, deadline as cycles left)",
    note: "sleeps on virtual time; the clocks clock_gettime64 lacks give EINVAL",
    fn: sysClockNanosleep,
  },
);
