// Initiator "external" (OpenVZ CPT): a controller outside the container calls
// sys_checkpoint(pid of the container's init, image fd, flags). The work runs in a cptrst kthread
// as the five steps agreed at the 2008 container mini-summit, each one a step of the C/R trace:
//   1 pre-dump    a hook point (nothing to do yet: an iterative pre-copy would go here)
//   2 freeze      the container's freezer cgroup goes FROZEN (every task at a safe point)
//   3 dump        collect the model, encode it, write it to the image fd
//   4 thaw|kill   CPT_KILL: the container is to die; otherwise it is thawed and runs on
//   5 post-dump   a hook point
// The kill takes effect once post-dump has succeeded (the container stays frozen until then), so
// that a failure even at the last step can still give the container back.
// If a step fails, the container is thawed and runs on as if nothing had happened, a partly
// written image file is truncated back, and the error reaches the caller.
import { inject, injectable } from "tsyringe";
import { CAP_SYS_ADMIN } from "../../machine/kernel/cred.ts";
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import { NR_CHECKPOINT } from "../../machine/kernel/syscalls/cr-nr.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { CheckpointTarget, dumpContainer, killContainer } from "../../core/cr/dump.ts";
import { CrError, EINVAL, EIO, EPERM, ESRCH } from "../../core/cr/errors.ts";
import { Freezing } from "../../core/cr/freezing.ts";
import { discardImage, imageFd, type ImageFd } from "../../core/cr/image-io.ts";
import { CPT_FAIL_STEP_SHIFT, CPT_FLAGS_MASK, CPT_KILL, type CheckpointInitiator, type CrContext } from "../../core/cr/interfaces.ts";
import { asCrError, finishJob, refuse, spawnJob, endDump, startDump, waitForJob, type CrJob } from "../../core/cr/job.ts";

export const STEPS = ["pre-dump", "freeze", "dump", "thaw-or-kill", "post-dump"] as const;

@injectable()
export class ExternalInitiator implements CheckpointInitiator {
  readonly name = "external";
  readonly trigger = "controller";
  readonly randomPoints = true;

  constructor(@inject("openvz-cpt.options") readonly options: object) {}

  checkpoint(cr: CrContext, caller: Task, pid: number, fd: number, flags: number): number {
    return waitForJob(cr.k, caller, NR_CHECKPOINT, () => this.start(cr, caller, pid, fd, flags));
  }

  private start(cr: CrContext, caller: Task, pid: number, fd: number, flags: number): CrJob | number {
    const no = (e: CrError): number => refuse(cr, "checkpoint", caller, e);
    if (!caller.cred.capable(CAP_SYS_ADMIN)) return no(new CrError(EPERM, "checkpoint needs CAP_SYS_ADMIN"));
    if ((flags & ~CPT_FLAGS_MASK) !== 0) return no(new CrError(EINVAL, `unknown checkpoint flags 0x${flags.toString(16)}`));
    const init = cr.k.findTask(caller.pidNs, pid);
    if (init === undefined || !init.alive) return no(new CrError(ESRCH, `no process ${pid} in the caller's pid namespace`));
    if (init.pidNs.reaper !== init || init.pid.nrIn(init.pidNs) !== 1 || init.pidNs === caller.pidNs) {
      return no(new CrError(EINVAL, `pid ${pid} is not the init of a container (a child pid namespace)`));
    }
    if (init.pidNs.contains(caller.pidNs)) return no(new CrError(EINVAL, "the caller is inside the container: an external checkpoint comes from outside"));
    const img = imageFd(caller, fd, true);
    if (img instanceof CrError) return no(img);
    return startDump(cr, img, init, (target) => spawnJob(cr, NR_CHECKPOINT, "cpt_dump", (job, self) => this.dump(cr, self, caller, target, img, flags, job)));
  }

  private *dump(cr: CrContext, self: Task, caller: Task, target: CheckpointTarget, img: ImageFd, flags: number, job: CrJob): Generator<KthreadYield, number, void> {
    const k = cr.k;
    const init = target.init;
    const rec = cr.trace.begin("checkpoint", caller.id);
    const failAt = (flags >>> CPT_FAIL_STEP_SHIFT) & 0xff;
    const freezing = new Freezing(k, init);
    let result = 0;
    let error: string | undefined;
    let step = 0;
    let t0 = k.clock;
    const begin = (n: number): void => {
      step = n;
      t0 = k.clock;
      if (failAt === n) throw new CrError(EIO, `${STEPS[n - 1]} failed (injected by the checkpoint flags)`);
      // Until the dump the target must be there; after it (thawed, it may end) only its nsproxy is used.
      if (n <= 3) target.check(STEPS[n - 1]);
      else target.use(STEPS[n - 1]);
    };
    const done = (): void => void cr.trace.step(rec, STEPS[step - 1], 0, t0);
    try {
      begin(1);
      yield;
      done();
      begin(2);
      yield* freezing.freezeAndWait();
      done();
      begin(3);
      yield* dumpContainer(cr, self, init, img, rec, "cptbench external initiator");
      begin(4);
      const kill = (flags & CPT_KILL) !== 0;
      if (!kill) freezing.thaw();
      cr.trace.step(rec, kill ? "kill" : "thaw", 0, t0);
      yield;
      begin(5);
      yield;
      done();
      if (kill) {
        killContainer(cr, init);
        freezing.thaw();
      }
    } catch (e) {
      const err = asCrError(cr, e, "cpt_dump");
      result = -err.errno;
      error = `${STEPS[step - 1] ?? "checkpoint"}: ${err.message}`;
      cr.trace.step(rec, STEPS[step - 1] ?? "checkpoint", result, t0, err.message);
      if (step >= 3 || img.kind === "file") discardImage(img);
      freezing.thaw();
      target.use("the failed checkpoint's clean-up");
    }
    endDump(cr, target, img);
    return finishJob(cr, job, rec, result, error);
  }
}
