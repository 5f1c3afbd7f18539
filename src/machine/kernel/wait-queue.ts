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
  // Made on first use: most queues are never slept on (every process's wait_chldexit, every
  // handler table's signalfd queue), and a fork bomb's 1,000 forks in one slice made four empty
  // Sets each for the garbage collector to copy (issue 17).
  private waitersSet: Set<Task> | null = null;
  private callbacksSet: Set<WaitCallback> | null = null;

  /** The sleeping tasks, in the order they came. */
  get waiters(): Set<Task> {
    return (this.waitersSet ??= new Set());
  }

  /** The callback entries, in the order they were added. */
  get callbacks(): Set<WaitCallback> {
    return (this.callbacksSet ??= new Set());
  }

  get empty(): boolean {
    return (this.waitersSet === null || this.waitersSet.size === 0) && (this.callbacksSet === null || this.callbacksSet.size === 0);
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
