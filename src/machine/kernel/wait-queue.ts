// A wait queue: tasks asleep until some event (a child exits, a futex is woken, data arrives).
// Waking only makes a task runnable: it then re-executes the syscall it slept in (its pc is still
// on the ecall) and decides for itself whether the condition now holds, as in Linux's
// wait_event loops. So a spurious wake-up is always harmless.
import type { Task } from "./task.ts";

export class WaitQueue {
  readonly waiters = new Set<Task>();

  get empty(): boolean {
    return this.waiters.size === 0;
  }
}
