// Timers on the machine's virtual clock: sleeps with a timeout, interval timers, futex timeouts.
// Kept sorted by deadline (ties: order of arming), so firing order is deterministic.
import type { Kernel } from "./kernel.ts";

interface Timer {
  id: number;
  when: number;
  fn: (k: Kernel) => void;
}

export class TimerQueue {
  private readonly list: Timer[] = [];
  private nextId = 1;

  /** Arm a timer at absolute time `when` (cycles). Returns its id for cancel(). */
  add(when: number, fn: (k: Kernel) => void): number {
    const t = { id: this.nextId++, when, fn };
    let i = this.list.length;
    while (i > 0 && this.list[i - 1].when > when) i--;
    this.list.splice(i, 0, t);
    return t.id;
  }

  cancel(id: number): void {
    const i = this.list.findIndex((t) => t.id === id);
    if (i >= 0) this.list.splice(i, 1);
  }

  nextDeadline(): number | undefined {
    return this.list[0]?.when;
  }

  /** Run every timer due at or before now, in order. */
  fire(k: Kernel, now: number): void {
    while (this.list.length > 0 && this.list[0].when <= now) {
      const t = this.list.shift()!;
      t.fn(k);
    }
  }
}
