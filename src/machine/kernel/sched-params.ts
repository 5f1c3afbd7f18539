// Scheduling parameters as a program sees them (Linux's nice, policy and rt_priority in
// task_struct): set by setpriority and sched_setscheduler, read back by getpriority and
// sched_getscheduler, inherited by fork. The machine's scheduler does not consult them (the
// seed alone picks who runs), which is why they live apart from sched.ts.
import type { Task } from "./task.ts";

export const SCHED_NORMAL = 0;
export const SCHED_FIFO = 1;
export const SCHED_RR = 2;
export const SCHED_BATCH = 3;
export const SCHED_IDLE = 5;
export const SCHED_DEADLINE = 6;
export const SCHED_EXT = 7;
export const SCHED_RESET_ON_FORK = 0x40000000;

export const MIN_NICE = -20;
export const MAX_NICE = 19;
export const MAX_RT_PRIO = 100;

export const rtPolicy = (p: number): boolean => p === SCHED_FIFO || p === SCHED_RR;

/**
 * sched_fork: the child gets the parent's parameters, except that SCHED_RESET_ON_FORK drops a
 * real-time policy back to SCHED_NORMAL, a negative nice to 0, and the flag itself.
 */
export function inheritSched(parent: Task, child: Task): void {
  child.nice = parent.nice;
  child.schedPolicy = parent.schedPolicy;
  child.rtPriority = parent.rtPriority;
  child.resetOnFork = false;
  if (parent.resetOnFork) {
    if (rtPolicy(child.schedPolicy)) {
      child.schedPolicy = SCHED_NORMAL;
      child.rtPriority = 0;
    }
    if (child.nice < 0) child.nice = 0;
  }
}
