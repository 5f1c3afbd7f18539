// Progress of a blocking write across its restarts. A pipe write larger than the free room
// writes what fits, then sleeps; under the -ERESTARTSYS model the call is re-executed from the
// start when the task wakes, so it must know how much it already wrote. The count rides in
// t.restart, tagged with the call's identity (pc, number and argument registers).
//
// If a signal handler runs while the writer sleeps, Linux returns the partial count: neither
// restarts nor EINTR. So a writer that has moved bytes sleeps with ERESTARTNOINTR (the kernel
// re-executes the call after the handler, SA_RESTART or not), and the count is also kept aside
// in t.rwAfterHandler, because rt_sigreturn clears t.restart: the re-execution finds it there.
import { ERESTARTNOINTR } from "../kernel/errno.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { signalDeliverable } from "../kernel/signal.ts";
import type { Task } from "../kernel/task.ts";
import type { WaitQueue } from "../kernel/wait-queue.ts";

/** The identity of the syscall t is executing: same pc, number and arguments means the same call. */
function callSignature(t: Task): string {
  const x = t.hart.x;
  return `${t.hart.pc}:${x[17]}:${x[10]}:${x[11]}:${x[12]}:${x[13]}:${x[14]}:${x[15]}`;
}

export interface Progress {
  /** Bytes earlier runs of this call moved. */
  done: number;
  /** A handler interrupted the call after it had moved `done` bytes: that is the result now. */
  interrupted: boolean;
}

export function resumeProgress(t: Task): Progress {
  const sig = callSignature(t);
  const r = t.restart;
  if (r !== null && r.rwSig === sig && typeof r.rwDone === "number") {
    // Woken with a signal to deliver: pipe_write stops here and returns what it moved.
    return { done: r.rwDone, interrupted: r.rwDone > 0 && signalDeliverable(t) };
  }
  const saved = t.rwAfterHandler;
  t.rwAfterHandler = null;
  if (saved !== null && saved.sig === sig) return { done: saved.done, interrupted: true };
  return { done: 0, interrupted: false };
}

/** Sleep on wq having moved `done` bytes so far; returns what the handler must return. */
export function sleepWithProgress(k: Kernel, t: Task, wq: WaitQueue, done: number): number {
  const sig = callSignature(t);
  t.restart = { nr: t.hart.x[17], rwSig: sig, rwDone: done };
  if (done === 0) {
    t.rwAfterHandler = null;
    return k.sleep(t, wq);
  }
  if (signalDeliverable(t)) {
    // A signal is already pending: return the partial count rather than sleep.
    t.restart = null;
    return done;
  }
  t.rwAfterHandler = { sig, done };
  return k.sleep(t, wq, 0, ERESTARTNOINTR);
}

/** The call is complete: forget its progress. */
export function endProgress(t: Task): void {
  t.rwAfterHandler = null;
}
