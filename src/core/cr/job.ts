// A C/R syscall that waits for kernel threads: sys_checkpoint and sys_restart start their work
// in kthreads (so freezes, rmmods and signals can land between its steps) and the caller sleeps
// until the work is done. The caller's sleep is killable only (ERESTARTNOINTR): a handled signal
// runs its handler and the call re-executes, finding its job again through the caller (not the
// restart block, which rt_sigreturn clears); SIGKILL ends the wait, and the job runs to its end
// without a waiter.
import { ERESTARTNOINTR, type Kernel } from "../kernel/kernel.ts";
import type { Task } from "../kernel/task.ts";
import { WaitQueue } from "../kernel/wait-queue.ts";
import { kthreadRun, modulePutAndExit, type KthreadBody } from "../kernel/kthread.ts";
import { CrError, EIO } from "./errors.ts";
import type { CrContext } from "./interfaces.ts";
import type { CrOpRecord } from "./trace.ts";

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
 * What a C/R kthread caught: a CrError as it is; anything else is a bug in the kernel's C/R code,
 * reported as an oops and turned into EIO for the caller.
 */
export function asCrError(cr: CrContext, e: unknown, thread: string): CrError {
  if (e instanceof CrError) return e;
  const err = new CrError(EIO, `bug in ${thread}: ${e instanceof Error ? e.message : String(e)}`);
  cr.k.oopses.oops("bug", `${thread}: ${err.message}`);
  return err;
}

/** The end of a C/R kthread: record the result, wake the caller, drop the thread's module reference. */
export function finishJob(cr: CrContext, job: CrJob, rec: CrOpRecord, result: number, error?: string): number {
  cr.trace.end(rec, result, error);
  job.finish(cr.k, result);
  return modulePutAndExit(cr.k, cr.module, 0);
}

/** A C/R call refused before any work: recorded in the trace with its reason; returns -errno. */
export function refuse(cr: CrContext, op: "checkpoint" | "restart", caller: Task, e: CrError): number {
  cr.trace.end(cr.trace.begin(op, caller.id), -e.errno, e.message);
  return -e.errno;
}

/**
 * Start the module's kthread `name` for a waiting C/R call. The caller of the syscall holds a
 * module reference, so taking one more for the thread is safe (__module_get); the thread drops
 * it as its last act (module_put_and_exit). Returns the job, or -errno if no thread could start.
 */
export function spawnJob(cr: CrContext, nr: number, name: string, body: (job: CrJob, self: Task) => KthreadBody): CrJob | number {
  const job = new CrJob(nr);
  cr.k.modules.get(cr.module);
  const kt = kthreadRun(cr.k, (_k, self) => body(job, self), name, cr.module);
  if (typeof kt === "number") {
    cr.k.modules.put(cr.module, "kthread_run failed");
    return kt;
  }
  return job;
}

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
