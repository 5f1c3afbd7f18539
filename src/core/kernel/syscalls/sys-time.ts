// Clocks on the machine's virtual time. Nothing here reads the host clock.
import { EFAULT, EINVAL } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
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
  { nr: 403, name: "clock_gettime64", args: ["d", "p"], fn: sysClockGettime64 },
  { nr: 406, name: "clock_getres_time64", args: ["d", "p"], fn: sysClockGetres64 },
];
