// Creator "kernel" (OpenVZ CPT's restore): sys_restart(ctid, image fd, flags), called by a
// controller, makes everything inside the kernel. A cptrst kthread reads and decodes the image,
// creates the pid namespace, the pids with their saved numbers, the shared objects, and the tasks
// parents first; each new task starts life as a kernel thread that restores its own registers and
// syscall state, then waits at a barrier. When every task is restored the barrier opens and each
// returns to user mode (ret-from-resume), so no task runs user code before the whole container
// exists. A failure at any point takes everything down again and returns the error. The order of
// the work is the core's restart recipe (spawnRestart); this file says only how the tasks come to exist.
import { inject, injectable } from "tsyringe";
import { COSTS, NR_RESTART, WaitQueue, type KthreadYield, type Task } from "../../machine/kernel/index.ts";
import {
  CrError, EINVAL, ESRCH, restartImage, restoreTaskState, resumeTask, spawnRestart, waitForJob,
  type CrContext, type CrJob, type KernelTasks, type PageRecord, type ProcessCreator, type Restart, type TaskRecord,
} from "../../core/cr/index.ts";

@injectable()
export class KernelCreator implements ProcessCreator {
  readonly name = "kernel";
  readonly restarter = { program: "cptbench-ctl", args: ["restart"] };

  constructor(@inject("kernel-fork.options") readonly options: object) {}

  restart(cr: CrContext, caller: Task, ctid: number, fd: number, flags: number): number {
    return waitForJob(cr.k, caller, NR_RESTART, () => {
      const bad = ctid < 0 ? `bad container id ${ctid}` : flags !== 0 ? `unknown restart flags 0x${flags.toString(16)}` : null;
      const img = restartImage(cr, caller, fd, bad === null ? null : new CrError(EINVAL, bad));
      return typeof img === "number" ? img : spawnRestart(cr, caller, img, (job) => new InKernel(cr, job));
    });
  }
}

/**
 * One restart's tasks, made in the kernel. They meet at a barrier: each reports itself restored,
 * then waits for it to open. Each task body holds a module reference (its restore runs module
 * code until ret-from-resume).
 */
class InKernel implements KernelTasks {
  readonly firstStep = "create";
  /** In the per-task layout each task fills its mm (VMAs and its own part's pages), on its own CPU. */
  readonly perTaskParts = true;
  readonly checkAtSteps = true;
  private restoredTasks = 0;
  /** Per-task layout: mms their tasks have filled. */
  private filledMms = 0;
  private open = false;
  private readonly wq = new WaitQueue();
  private readonly coordinator = new WaitQueue();
  /** Module references held by task bodies that have not reached ret-from-resume. */
  private bodies = 0;

  constructor(
    private readonly cr: CrContext,
    private readonly job: CrJob,
  ) {}

  check(run: Restart): void {
    if (!run.caller.alive) throw new CrError(ESRCH, "the restarting process died");
  }

  create(run: Restart, tr: TaskRecord): void {
    const { cr } = this;
    const parts = run.parts;
    const pages = parts !== null && tr.mmId !== null && run.fillers.get(tr.mmId) === tr.id ? () => parts.pages(tr.mmId!) : null;
    const body = tr.state === "zombie" ? null : (t: Task) => {
      this.bodies++;
      cr.k.modules.get(cr.module); // this task's restore runs module code until ret-from-resume
      return this.restoreSelf(run, t, tr, pages);
    };
    // A task killed before its ret-from-resume (by a sibling's exit_group) drops the module
    // reference its restore held.
    run.restorer!.createTask(tr, body, cr.module, () => () => cr.k.modules.put(cr.module, "restore abandoned"));
  }

  *restored(run: Restart): Generator<KthreadYield, void, void> {
    const live = run.model.tasks.filter((t) => t.state !== "zombie").length;
    while (this.restoredTasks < live) {
      this.check(run);
      yield { sleep: this.coordinator };
    }
  }

  *filled(run: Restart): Generator<KthreadYield, void, void> {
    while (this.filledMms < run.fillers.size) {
      this.check(run);
      yield { sleep: this.coordinator };
    }
  }

  resume(): void {
    this.open = true;
    this.cr.k.wakeAll(this.wq);
    this.bodies = 0; // the bodies drop their own references from here on
  }

  abort(): void {
    for (; this.bodies > 0; this.bodies--) this.cr.k.modules.put(this.cr.module, "restart aborted");
  }

  finish(_run: Restart, result: number): void {
    this.job.finish(this.cr.k, result);
  }

  /** A new task, in kernel context: its own state, then the barrier, then ret-from-resume. */
  private *restoreSelf(run: Restart, t: Task, tr: TaskRecord, pages: (() => PageRecord[]) | null): Generator<KthreadYield, number, void> {
    const { k, module } = this.cr;
    const r = run.restorer!;
    if (pages !== null) {
      // Its mm from its own part of a per-task image: on its own CPU, in parallel with the other tasks'.
      const list = pages();
      const vmas = r.fillMm(tr.mmId!, list);
      k.charge(t, vmas * COSTS.crObject + list.length * COSTS.crPage);
      this.filledMms++;
      k.wakeAll(this.coordinator);
      yield;
    }
    restoreTaskState(k, t, tr, r.tasks);
    this.restoredTasks++;
    k.wakeAll(this.coordinator);
    while (!this.open) yield { sleep: this.wq };
    resumeTask(k, t, tr, r.tasks[r.model.container.initTaskId - 1].pidNs, r.timerSigInfos);
    k.modules.put(module, "ret-from-resume");
    return 0;
  }
}
