// A C/R syscall that waits for kernel threads: sys_checkpoint and sys_restart start their work
// in kthreads (so freezes, rmmods and signals can land between its steps) and the caller sleeps
// until the work is done. The caller's sleep is killable only (ERESTARTNOINTR): a handled signal
// runs its handler and the call re-executes, finding its job again in caller.crJob (not the
// restart block, which rt_sigreturn clears); SIGKILL ends the wait, and the job runs to its end
// without a waiter.
import { ERESTARTNOINTR } from "../../machine/kernel/errno.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { WaitQueue } from "../../machine/kernel/wait-queue.ts";
import { kthreadRun, modulePutAndExit, type KthreadBody, type KthreadYield } from "../../machine/kernel/kthread.ts";
import { CrError, ENOSYS } from "./errors.ts";
import type { CrContext } from "./interfaces.ts";
import type { CrOp } from "./trace.ts";

export class CrJob {
  done = false;
  result = 0;
  /** The caller has taken the result (its re-executed syscall returned it). */
  collected = false;
  /** The task waiting in the syscall for this job, once one has called. */
  waiter: Task | null = null;
  readonly wq = new WaitQueue();
  /** Woken when the result is taken. */
  readonly collectWq = new WaitQueue();

  constructor(readonly nr: number) {}

  finish(k: Kernel, result: number): void {
    this.done = true;
    this.result = result;
    finishing?.push(this);
    k.wakeAll(this.wq);
  }
}

/** The jobs finished by the kthread step now running (see resultHeld). */
let finishing: CrJob[] | null = null;
/** How often a kthread holding results for their callers looks whether they were taken (cycles). */
const COLLECT_POLL = 10_000;

/** The end of a C/R kthread: close its trace record, wake the caller, drop the thread's module reference. */
export function finishJob(cr: CrContext, job: CrJob, op: CrOp): number {
  op.end();
  job.finish(cr.k, op.result);
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
 * With the deliberate bug "try-module-get-this-module" the thread takes its own reference as its
 * first step instead (try_module_get(THIS_MODULE)): between the spawn and that step nothing holds
 * the module for it, and an rmmod landing there makes the thread run freed module text.
 */
export function spawnJob(cr: CrContext, nr: number, name: string, body: (job: CrJob, self: Task) => KthreadBody): CrJob | number {
  const job = new CrJob(nr);
  const selfRef = cr.bugs?.has("try-module-get-this-module") === true;
  if (!selfRef) {
    cr.k.modules.get(cr.module); // the thread's, dropped by module_put_and_exit
    cr.k.modules.get(cr.module); // the results', dropped once the callers took them
  }
  const fn = selfRef ? (_k: Kernel, self: Task) => selfReferencing(cr, job, body(job, self)) : (_k: Kernel, self: Task) => resultHeld(cr, job, body(job, self));
  const kt = kthreadRun(cr.k, fn, name, cr.module);
  if (typeof kt === "number") {
    if (!selfRef) {
      cr.k.modules.put(cr.module, "kthread_run failed");
      cr.k.modules.put(cr.module, "kthread_run failed");
    }
    return kt;
  }
  return job;
}

/**
 * Run the body, then keep the module until every job the body finished has been taken by its
 * caller (or the caller died). The thread's own reference is gone once the body returned
 * (module_put_and_exit), but a caller woken with its result still has to re-enter the syscall
 * to take it; an rmmod in between would turn a finished checkpoint into -ENOSYS, and the result
 * (an image written, a container killed or restored) would be lost to the caller. Linux's syscall
 * holds its module reference across the whole call; this is that reference, kept for the caller.
 */
function* resultHeld(cr: CrContext, job: CrJob, body: KthreadBody): KthreadBody {
  const finished: CrJob[] = [];
  let code = 0;
  for (;;) {
    finishing = finished;
    let r: IteratorResult<KthreadYield, number>;
    try {
      r = body.next();
    } finally {
      finishing = null;
    }
    if (r.done) {
      code = r.value;
      break;
    }
    yield r.value;
  }
  // A job finished before anyone waits on it (a later call takes it) is the spawning caller's.
  const pending = (): CrJob | undefined => finished.find((j) => !j.collected && (j.waiter ?? job.waiter)?.alive === true);
  for (let j = pending(); j !== undefined; j = pending()) yield { sleep: j.collectWq, deadline: cr.k.clock + COLLECT_POLL };
  cr.k.modules.put(cr.module, "C/R results taken");
  return code;
}

/** The reviewed mistake: the kthread's first act is try_module_get(THIS_MODULE). */
function* selfReferencing(cr: CrContext, job: CrJob, body: KthreadBody): KthreadBody {
  if (!cr.k.modules.tryGet(cr.module)) {
    job.finish(cr.k, -ENOSYS);
    return 0;
  }
  return yield* body;
}

/**
 * The body of a waiting C/R syscall. `start` begins the work (returns the job, or -errno at once);
 * later executions of the same call collect the result.
 */
export function waitForJob(k: Kernel, caller: Task, nr: number, start: () => CrJob | number): number {
  let job = caller.crJob;
  if (job !== null && job.nr !== nr) job = null;
  if (job === null) {
    const j = start();
    if (typeof j === "number") return j;
    job = j;
    caller.crJob = job;
  }
  job.waiter ??= caller;
  if (job.done) {
    caller.crJob = null;
    job.collected = true;
    k.wakeAll(job.collectWq);
    return job.result;
  }
  return k.sleep(caller, job.wq, 0, ERESTARTNOINTR);
}