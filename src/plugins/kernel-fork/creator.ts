// Creator "kernel" (OpenVZ CPT's restore): sys_restart(ctid, image fd, flags), called by a
// controller, makes everything inside the kernel. A cptrst kthread reads and decodes the image,
// creates the pid namespace, the pids with their saved numbers, the shared objects, and the tasks
// parents first; each new task starts life as a kernel thread that restores its own registers and
// syscall state, then waits at a barrier. When every task is restored the barrier opens and each
// returns to user mode (ret-from-resume), so no task runs user code before the whole container
// exists. A failure at any point takes everything down again and returns the error.
import { inject, injectable } from "tsyringe";
import { COSTS } from "../../machine/kernel/costs.ts";
import { CAP_SYS_ADMIN } from "../../machine/kernel/cred.ts";
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import { NR_RESTART } from "../../machine/kernel/syscalls/cr-nr.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { WaitQueue } from "../../machine/kernel/wait-queue.ts";
import { CrError, EINVAL, EPERM, ESRCH } from "../../core/cr/errors.ts";
import { restartImageFd, type ImageFd } from "../../core/cr/image-io.ts";
import type { CrContext, ProcessCreator } from "../../core/cr/interfaces.ts";
import { readModel, readPerTask } from "../../core/cr/read-model.ts";
import { restorePrivatePages } from "../../core/cr/restore/mm.ts";
import { asCrError, finishJob, refuse, spawnJob, waitForJob, type CrJob } from "../../core/cr/job.ts";
import { modelWork, type CheckpointModel, type PageRecord } from "../../core/cr/model.ts";
import { Restorer } from "../../core/cr/restore/restorer.ts";
import { validateModel } from "../../core/cr/restore/validate.ts";
import { restoreTaskState, resumeTask } from "../../core/cr/restore/task.ts";

/** The tasks' rendezvous: each reports itself restored, then waits for the barrier to open. */
class Barrier {
  restored = 0;
  open = false;
  aborted = false;
  readonly wq = new WaitQueue();
  readonly coordinator = new WaitQueue();
}

@injectable()
export class KernelCreator implements ProcessCreator {
  readonly name = "kernel";
  readonly restarter = { program: "cptbench-ctl", args: ["restart"] };

  constructor(@inject("kernel-fork.options") readonly options: object) {}

  restart(cr: CrContext, caller: Task, ctid: number, fd: number, flags: number): number {
    return waitForJob(cr.k, caller, NR_RESTART, () => this.start(cr, caller, ctid, fd, flags));
  }

  private start(cr: CrContext, caller: Task, ctid: number, fd: number, flags: number): CrJob | number {
    const no = (e: CrError): number => refuse(cr, "restart", caller, e);
    if (!caller.cred.capable(CAP_SYS_ADMIN)) return no(new CrError(EPERM, "restart needs CAP_SYS_ADMIN"));
    if (ctid < 0) return no(new CrError(EINVAL, `bad container id ${ctid}`));
    if (flags !== 0) return no(new CrError(EINVAL, `unknown restart flags 0x${flags.toString(16)}`));
    const img = restartImageFd(caller, fd, cr.codec);
    if (img instanceof CrError) return no(img);
    return spawnJob(cr, NR_RESTART, "cpt_rst", (job, self) => this.coordinate(cr, self, caller, img, job));
  }

  private *coordinate(cr: CrContext, self: Task, caller: Task, img: ImageFd, job: CrJob): Generator<KthreadYield, number, void> {
    const k = cr.k;
    const rec = cr.trace.begin("restart", caller.id);
    let restorer: Restorer | null = null;
    const barrier = new Barrier();
    let bodies = 0; // module references held by task bodies that have not finished
    let result = 0;
    let error: string | undefined;
    let stepName = "read-decode";
    let t0 = k.clock;
    const step = (name: string): void => {
      cr.trace.step(rec, stepName, 0, t0);
      stepName = name;
      t0 = k.clock;
      if (!caller.alive) throw new CrError(ESRCH, "the restarting process died");
    };
    try {
      // Read and decode are one step: a streaming codec decodes as the bytes arrive. In the
      // per-task layout only the skeleton is decoded here; each task reads its own pages.
      const parts = yield* readPerTask(cr, img, rec);
      const model = parts?.model ?? (yield* readModel(cr, self, img, rec));
      validateModel(model);
      rec.tasks = model.tasks.length;
      yield;
      step("create");
      // The image buffer was read for this restart alone: the new frames take its pages over.
      const r = new Restorer(k, caller, model, true);
      restorer = r;
      // A fresh machine's clock moves forward to the image's: not time the restart took.
      const jump = r.makeNamespaces();
      rec.start += jump;
      t0 += jump;
      const work = modelWork(model);
      k.charge(self, work.objects * COSTS.crObject + work.pages * COSTS.crPage);
      r.makePids();
      yield;
      r.makeShared();
      r.makeTree();
      yield;
      r.makeMemory();
      yield;
      const live = model.tasks.filter((t) => t.state !== "zombie").length;
      // Per-task layout: the first task of each mm fills it from its part of the image.
      const fills = new Map<number, number>();
      for (const tr of model.tasks) if (tr.mmId !== null && tr.state !== "zombie" && !fills.has(tr.mmId)) fills.set(tr.mmId, tr.id);
      for (const tr of model.tasks) {
        const pages = parts !== null && tr.mmId !== null && fills.get(tr.mmId) === tr.id ? () => parts.pages(tr.mmId!) : null;
        const body = tr.state === "zombie" ? null : (t: Task) => {
          bodies++;
          k.modules.get(cr.module); // this task's restore runs module code until ret-from-resume
          return this.restoreSelf(cr, t, tr, r, barrier, pages);
        };
        // A task killed before its ret-from-resume (by a sibling's exit_group) drops the module
        // reference its restore held.
        r.createTask(tr, body, cr.module, () => () => k.modules.put(cr.module, "restore abandoned"));
        yield;
        if (!caller.alive) throw new CrError(ESRCH, "the restarting process died");
      }
      // Files last: a /proc file naming one of the new tasks can only be reopened now.
      r.makeFiles();
      r.attachFiles();
      yield;
      step("restore");
      while (barrier.restored < live) {
        if (!caller.alive) throw new CrError(ESRCH, "the restarting process died");
        yield { sleep: barrier.coordinator };
      }
      step("resume");
      const init = r.tasks[model.container.initTaskId - 1];
      result = init.pid.nrIn(caller.pidNs);
      r.commit();
      barrier.open = true;
      k.wakeAll(barrier.wq);
      bodies = 0; // the bodies drop their own references from here on
      cr.trace.step(rec, "resume", 0, t0);
    } catch (e) {
      const err = asCrError(cr, e, "cpt_rst");
      result = -err.errno;
      error = `${stepName}: ${err.message}`;
      cr.trace.step(rec, stepName, result, t0, err.message);
      barrier.aborted = true;
      restorer?.abort();
      for (; bodies > 0; bodies--) k.modules.put(cr.module, "restart aborted");
    }
    return finishJob(cr, job, rec, result, error);
  }

  /** A new task, in kernel context: its own state, then the barrier, then ret-from-resume. */
  private *restoreSelf(
    cr: CrContext, t: Task, tr: CheckpointModel["tasks"][number], r: Restorer, b: Barrier, pages: (() => PageRecord[]) | null,
  ): Generator<KthreadYield, number, void> {
    const k = cr.k;
    if (pages !== null) {
      // Its own part of a per-task image: on its own CPU, in parallel with the other tasks'.
      const list = pages();
      restorePrivatePages(k, r.mmById(tr.mmId!)!, list, true);
      k.charge(t, list.length * COSTS.crPage);
      yield;
    }
    restoreTaskState(k, t, tr, r.tasks);
    b.restored++;
    k.wakeAll(b.coordinator);
    while (!b.open) yield { sleep: b.wq };
    resumeTask(k, t, tr, r.tasks[r.model.container.initTaskId - 1].pidNs);
    k.modules.put(cr.module, "ret-from-resume");
    return 0;
  }
}
