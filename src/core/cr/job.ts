// A C/R syscall that waits for kernel threads: sys_checkpoint and sys_restart start their work
// in kthreads (so freezes, rmmods and signals can land between its steps) and the caller sleeps
// until the work is done. The caller's sleep is killable only (ERESTARTNOINTR): a handled signal
// runs its handler and the call re-executes, finding its job again through the caller (not the
// restart block, which rt_sigreturn clears); SIGKILL ends the wait, and the job runs to its end
// without a waiter.
import { ERESTARTNOINTR, type Kernel } from "../kernel/kernel.ts";
import type { Task } from "../kernel/task.ts";
import { WaitQueue } from "../kernel/wait-queue.ts";

export class CrJob {
  done = false;
  result = 0;
  readonly wq = new WaitQueue();

  constructor(readonly nr: number) {}

  finish(k: Kernel, result: number): void {
    this.done = true;
    this.result = result;
    k.wakeAll(this.wq);
  }
}

const jobs = new WeakMap<Task, CrJob>();

/**
 * The body of a waiting C/R syscall. `start` begins the work (returns the job, or -errno at once);
 * later executions of the same call collect the result.
 */
export function waitForJob(k: Kernel, caller: Task, nr: number, start: () => CrJob | number): number {
  let job = jobs.get(caller);
  if (job !== undefined && job.nr !== nr) job = undefined;
  if (job === undefined) {
    const j = start();
    if (typeof j === "number") return j;
    job = j;
    jobs.set(caller, job);
  }
  if (job.done) {
    jobs.delete(caller);
    return job.result;
  }
  return k.sleep(caller, job.wq, 0, ERESTARTNOINTR);
}
