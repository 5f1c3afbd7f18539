// A wait queue: tasks asleep until some event (a child exits, a futex is woken, data arrives).
// Waking only makes a task runnable: it then re-executes the syscall it slept in (its pc is still
// on the ecall) and decides for itself whether the condition now holds, as in Linux's
// wait_event loops. So a spurious wake-up is always harmless.
//
// Besides tasks, a queue can hold callbacks (Linux's wait_queue_entry with a custom ->func, as
// ep_poll_callback): epoll puts one on every queue its watched files name, so that a wake-up
// marks the item ready and wakes the epoll's own waiters. Callbacks run newest first (Linux adds
// them at the head), tasks in the order they came; either way the same run wakes in the same
// order.
import type { Task } from "./task.ts";

/** A callback entry (wait_queue_entry_t with ->func). Identity matters: remove what you added. */
export interface WaitCallback {
  wake(): void;
}

export class WaitQueue {
  readonly waiters = new Set<Task>();
  readonly callbacks = new Set<WaitCallback>();

  get empty(): boolean {
    return this.waiters.size === 0 && this.callbacks.size === 0;
  }
}

/**
 * Take t off every queue it sleeps on: its one queue (`waitingOn`) and, for a poller, all the
 * queues its poll table collected (`pollWaits`).
 */
export function leaveWaitQueues(t: Task): void {
  t.waitingOn?.waiters.delete(t);
  t.waitingOn = null;
  for (const wq of t.pollWaits) wq.waiters.delete(t);
  t.pollWaits = [];
}
