// The frame of every checkpoint: what an initiator's steps run inside. sys_checkpoint's caller
// sleeps while a kthread of the C/R module works; the kthread pins the image file and the
// target's nsproxy for the whole checkpoint, opens the trace record, and when a step fails it
// records the failure, truncates a partly written image file back, thaws the container (it runs
// on as if nothing had happened) and returns the error. The initiator only says which steps run
// and what they do: that difference is what the workbench shows.
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { NR_CHECKPOINT } from "../../machine/kernel/syscalls/cr-nr.ts";
import { CheckpointTarget } from "./dump.ts";
import { ESRCH } from "./errors.ts";
import { Freezing } from "./freezing.ts";
import { discardImage, pinImage, unpinImage, type ImageFd } from "./image-io.ts";
import { CPT_FAIL_STEP_SHIFT, type CrContext } from "./interfaces.ts";
import { finishJob, spawnJob, type CrJob } from "./job.ts";
import { CrOp } from "./trace.ts";

/** One initiator's checkpoint: its kthread, its steps, and their work. */
export interface CheckpointSteps {
  /** The module kthread's name (cpt_dump, ckpt_self). */
  readonly thread: string;
  /** The steps in order, as the trace and fault injection number them (1-based). */
  readonly steps: readonly string[];
  /** The dump's step number: a failure from there on has written into the image (even a pipe's). */
  readonly dumpStep: number;
  /** sys_checkpoint's flags (fault injection: CPT_FAIL_STEP_SHIFT). */
  readonly flags: number;
  /**
   * The steps, each opened with op.enter(n) (which throws an injected failure) and closed with
   * op.close(). Any throw ends the checkpoint as a failure of the open step.
   */
  run(op: CrOp, freezing: Freezing, self: Task, target: CheckpointTarget): Generator<KthreadYield, void, void>;
}

/**
 * Start the checkpoint of the container of `init` into `img` for `caller`: the job the caller's
 * waitForJob sleeps on, or -errno if none could start (nothing is left pinned then).
 */
export function startCheckpoint(cr: CrContext, caller: Task, img: ImageFd, init: Task, c: CheckpointSteps): CrJob | number {
  if (init.nsproxy === null) return -ESRCH;
  pinImage(cr.k, img);
  const target = new CheckpointTarget(cr, init, init.nsproxy);
  const job = spawnJob(cr, NR_CHECKPOINT, c.thread, (j, self) => checkpointBody(cr, self, caller, target, img, j, c));
  if (typeof job === "number") endDump(cr, target, img);
  return job;
}

function* checkpointBody(
  cr: CrContext, self: Task, caller: Task, target: CheckpointTarget, img: ImageFd, job: CrJob, c: CheckpointSteps,
): Generator<KthreadYield, number, void> {
  const op = new CrOp(cr.trace, "checkpoint", caller.id, "checkpoint", c.steps, (c.flags >>> CPT_FAIL_STEP_SHIFT) & 0xff, cr.faults);
  const freezing = new Freezing(cr.k, target.init);
  try {
    yield* c.run(op, freezing, self, target);
  } catch (e) {
    op.fail(e, c.thread);
    if (op.at >= c.dumpStep || img.kind === "file") discardImage(img);
    freezing.thaw();
    target.use("the failed checkpoint's clean-up");
  }
  endDump(cr, target, img);
  return finishJob(cr, job, op);
}

/** The checkpoint's end, before finishJob: drop the target's nsproxy and the image file. */
function endDump(cr: CrContext, target: CheckpointTarget, img: ImageFd): void {
  target.use("the end of the checkpoint");
  target.release();
  unpinImage(cr, img);
}
