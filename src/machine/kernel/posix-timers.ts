// POSIX interval timers (Linux's kernel/time/posix-timers.c) on the machine's virtual clock:
// per-process ids from 0, a signal (or a thread's, or none) at each expiry, and overruns counted
// while the previous expiry's signal is still queued. The timers of a process die with it and at
// execve; fork does not copy them.
//
// Linux re-arms a periodic timer only when its signal is dequeued and counts the missed periods
// then; here a periodic timer re-arms at every expiry and, finding its signal still queued, counts
// an overrun on that queued siginfo instead. The signal a handler sees and timer_getoverrun give
// the same numbers either way; only the timer queue's traffic differs.
import type { Kernel } from "./kernel.ts";
import { SI_TIMER, type SigInfo } from "./siginfo.ts";
import { sendSignal } from "./signal.ts";
import type { Task, ThreadGroup } from "./task.ts";

export const SIGEV_SIGNAL = 0;
export const SIGEV_NONE = 1;
export const SIGEV_THREAD = 2;
export const SIGEV_THREAD_ID = 4;
/** DELAYTIMER_MAX: an overrun count saturates at INT_MAX. */
const DELAYTIMER_MAX = 0x7fffffff;

/** One timer (struct k_itimer). Times are machine cycles. */
export interface PosixTimer {
  readonly id: number;
  readonly clock: number;
  /** SIGEV_SIGNAL (also for SIGEV_THREAD, which the C library builds on signals), SIGEV_NONE or SIGEV_THREAD_ID. */
  readonly notify: number;
  readonly signo: number;
  /** sigev_value: what the siginfo's si_value carries. */
  readonly value: number;
  /** Who gets the signal: the thread (SIGEV_THREAD_ID) or, through it, its process. */
  readonly target: Task;
  /** Absolute expiry; 0 when disarmed. */
  expires: number;
  /** Reload period; 0 for a one-shot timer. */
  interval: number;
  /** The armed TimerQueue entry (0 = none). */
  queueId: number;
  /** The siginfo of the last expiry that was queued, while the timer still tracks it. */
  info: SigInfo | null;
  /** it_overrun_last: the overrun count of the last delivered expiry before `info`. */
  overrunLast: number;
}

/** The signal of this expiry is still queued (not yet delivered or waited for). */
function queued(t: PosixTimer, info: SigInfo): boolean {
  return t.target.pending.queue.includes(info) || t.target.group.sharedPending.queue.includes(info);
}

/** timer_getoverrun: the overruns of the expiry whose signal was delivered last. */
export function timerOverrun(t: PosixTimer): number {
  const info = t.info;
  return info !== null && !queued(t, info) ? info.overrun ?? 0 : t.overrunLast;
}

function expire(k: Kernel, t: PosixTimer, when: number): void {
  t.queueId = 0;
  if (!t.target.group.threads.size) return;
  if (t.notify !== SIGEV_NONE) {
    const prev = t.info;
    if (prev !== null && queued(t, prev)) prev.overrun = Math.min(DELAYTIMER_MAX, (prev.overrun ?? 0) + 1);
    else {
      if (prev !== null) t.overrunLast = prev.overrun ?? 0;
      const info: SigInfo = { signo: t.signo, code: SI_TIMER, timerId: t.id, overrun: 0, value: t.value };
      t.info = info;
      sendSignal(k, t.target, info, t.notify !== SIGEV_THREAD_ID);
    }
  }
  if (t.interval > 0) arm(k, t, when + t.interval);
  else t.expires = 0;
}

/** Arm t to expire at `when` (cycles; a time already past expires at once). */
export function arm(k: Kernel, t: PosixTimer, when: number): void {
  t.expires = Math.max(when, k.clock);
  t.queueId = k.timers.add(t.expires, () => expire(k, t, t.expires));
}

export function disarm(k: Kernel, t: PosixTimer): void {
  if (t.queueId !== 0) k.timers.cancel(t.queueId);
  t.queueId = 0;
  t.expires = 0;
}

/** The lowest free id at or after the group's next one (posix_timer_add). */
export function allocTimerId(g: ThreadGroup): number {
  for (;;) {
    const id = g.nextPosixTimerId;
    g.nextPosixTimerId = id === 0x7fffffff ? 0 : id + 1;
    if (!g.posixTimers.has(id)) return id;
  }
}

/** exit_itimers: the process is gone (or execs): every timer goes. */
export function exitItimers(k: Kernel, g: ThreadGroup): void {
  for (const t of g.posixTimers.values()) disarm(k, t);
  g.posixTimers.clear();
}
