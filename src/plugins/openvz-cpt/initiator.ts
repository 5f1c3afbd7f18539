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
// written image file is truncated back, and the error reaches the caller (core/cr's startCheckpoint frame).
import { inject, injectable } from "tsyringe";
import { NR_CHECKPOINT, type KthreadYield, type Task } from "../../machine/kernel/index.ts";
import {
  CheckpointTarget, containerTasks, CPT_FLAGS_MASK, CPT_KILL, credsBeyond, CrError, dumpContainer, EINVAL, EPERM, ESRCH,
  imageFd, killContainer, mayCheckpointRestore, refuse, startCheckpoint, waitForJob,
  type CheckpointInitiator, type CrContext, type CrJob, type CrOp, type Freezing, type ImageFd,
} from "../../core/cr/index.ts";

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
    if (!mayCheckpointRestore(caller.cred)) return no(new CrError(EPERM, "checkpoint needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE"));
    if ((flags & ~CPT_FLAGS_MASK) !== 0) return no(new CrError(EINVAL, `unknown checkpoint flags 0x${flags.toString(16)}`));
    const init = cr.k.findTask(caller.pidNs, pid);
    if (init === undefined || !init.alive) return no(new CrError(ESRCH, `no process ${pid} in the caller's pid namespace`));
    if (init.pidNs.reaper !== init || init.pid.nrIn(init.pidNs) !== 1 || init.pidNs === caller.pidNs) {
      return no(new CrError(EINVAL, `pid ${pid} is not the init of a container (a child pid namespace)`));
    }
    if (init.pidNs.contains(caller.pidNs)) return no(new CrError(EINVAL, "the caller is inside the container: an external checkpoint comes from outside"));
    // Without CAP_SYS_ADMIN, only a container of tasks whose credentials the caller could set.
    for (const t of containerTasks(cr.k, init)) {
      const why = t.alive ? credsBeyond(caller.cred, t.cred) : null;
      if (why !== null) return no(new CrError(EPERM, `checkpointing task ${t.pid.nrIn(init.pidNs)} needs CAP_SYS_ADMIN: ${why}`));
    }
    const img = imageFd(caller, fd, true);
    if (img instanceof CrError) return no(img);
    return startCheckpoint(cr, caller, img, init, {
      thread: "cpt_dump", steps: STEPS, dumpStep: 3, flags,
      run: (op, freezing, self, target) => this.steps(cr, op, freezing, self, target, img, flags),
    });
  }

  private *steps(cr: CrContext, op: CrOp, freezing: Freezing, self: Task, target: CheckpointTarget, img: ImageFd, flags: number): Generator<KthreadYield, void, void> {
    const init = target.init;
    const enter = (n: number): void => {
      op.enter(n);
      // Until the dump the target must be there; after it (thawed, it may end) only its nsproxy is used.
      if (n <= 3) target.check(STEPS[n - 1]);
      else target.use(STEPS[n - 1]);
    };
    enter(1);
    yield;
    op.close();
    enter(2);
    yield* freezing.freezeAndWait();
    op.close();
    enter(3);
    yield* dumpContainer(cr, self, init, img, op.rec, "cptbench external initiator");
    enter(4);
    const kill = (flags & CPT_KILL) !== 0;
    if (!kill) freezing.thaw();
    op.close(kill ? "kill" : "thaw");
    yield;
    enter(5);
    yield;
    op.close();
    if (kill) {
      killContainer(cr, init);
      freezing.thaw();
    }
  }
}
