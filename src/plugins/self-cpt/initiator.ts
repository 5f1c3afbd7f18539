// Initiator "self" (Oren Laadan's linux-cr): a task of the container checkpoints its own
// container, sys_checkpoint(0, image fd, flags) — from a point the program chose (the runtime's
// cpt_mark) or from the runtime's signal handler (any point: the handler's sigreturn resumes the
// interrupted code). The kernel freezes the container; the caller counts as frozen because it
// sleeps in the call while a kthread dumps. The caller's registers are its syscall frame: it is
// recorded as returning CPT_RESTARTED, so after a restart the program sees the call return 1,
// where the original sees 0. Its image fd is not part of the image.
//   1 freeze        the container's tasks stop (the caller is already asleep in the call)
//   2 dump          collect, encode, write
//   3 thaw-or-kill  CPT_KILL: the whole container dies, the caller with it; else it runs on
// No controller is involved, so there is no pre- or post-dump hook: the cost difference against
// the external initiator's five steps is one of the report's figures.
import { inject, injectable } from "tsyringe";
import { NR_CHECKPOINT, type KthreadYield, type Task } from "../../machine/kernel/index.ts";
import {
  CheckpointTarget, containerTasks, CPT_FLAGS_MASK, credsBeyond, CPT_KILL, CPT_RESTARTED, CrError, dumpContainer, EINVAL, EPERM, ESRCH,
  imageFd, killContainer, refuse, startCheckpoint, waitForJob,
  type CheckpointInitiator, type CrContext, type CrJob, type CrOp, type Freezing, type ImageFd,
} from "../../core/cr/index.ts";

export const SELF_STEPS = ["freeze", "dump", "thaw-or-kill"] as const;

/**
 * Why `caller` may not checkpoint the container, or null: with CAP_SYS_ADMIN it may; else every
 * live task must have credentials the caller could have set itself — its uids, its gids, no
 * capability it lacks (a uid-1000 task cannot dump an init with gid 0 or with capabilities).
 */
function whyNot(k: CrContext["k"], caller: Task, init: Task): string | null {
  for (const t of containerTasks(k, init)) {
    if (!t.alive) continue;
    const why = credsBeyond(caller.cred, t.cred);
    if (why !== null) return `task ${t.pid.nrIn(init.pidNs)} of the container: ${why}`;
  }
  return null;
}

@injectable()
export class SelfInitiator implements CheckpointInitiator {
  readonly name = "self";
  readonly trigger = "self";
  /** Through the runtime's signal handler, a checkpoint can be asked for at any instruction. */
  readonly randomPoints = true;

  constructor(@inject("self-cpt.options") readonly options: object) {}

  checkpoint(cr: CrContext, caller: Task, pid: number, fd: number, flags: number): number {
    return waitForJob(cr.k, caller, NR_CHECKPOINT, () => this.start(cr, caller, pid, fd, flags));
  }

  private start(cr: CrContext, caller: Task, pid: number, fd: number, flags: number): CrJob | number {
    const no = (e: CrError): number => refuse(cr, "checkpoint", caller, e);
    const k = cr.k;
    if ((flags & ~CPT_FLAGS_MASK) !== 0) return no(new CrError(EINVAL, `unknown checkpoint flags 0x${flags.toString(16)}`));
    if (caller.pidNs === k.initNs) return no(new CrError(EINVAL, "a self checkpoint is taken from inside a container (a child pid namespace); the caller is in the initial one"));
    // The container is the caller's outermost pid namespace below the initial one: a task in a
    // namespace nested inside it checkpoints the whole container, not its own sub-tree.
    let ns = caller.pidNs;
    while (ns.parent !== null && ns.parent !== k.initNs) ns = ns.parent;
    if (pid !== 0 && pid !== 1) return no(new CrError(EINVAL, `a self checkpoint names the caller's own container: pid 0 or 1, not ${pid}`));
    const init = ns.reaper;
    if (init === null || !init.alive) return no(new CrError(ESRCH, "the caller's container has no init"));
    const why = whyNot(k, caller, init);
    if (why !== null) return no(new CrError(EPERM, `checkpointing tasks of other users needs CAP_SYS_ADMIN: ${why}`));
    const img = imageFd(caller, fd, true);
    if (img instanceof CrError) return no(img);
    return startCheckpoint(cr, caller, img, init, {
      thread: "ckpt_self", steps: SELF_STEPS, dumpStep: 2, flags,
      run: (op, freezing, self, target) => this.steps(cr, op, freezing, self, caller, target, img, fd, flags),
    });
  }

  private *steps(
    cr: CrContext, op: CrOp, freezing: Freezing, self: Task, caller: Task, target: CheckpointTarget, img: ImageFd, fd: number, flags: number,
  ): Generator<KthreadYield, void, void> {
    const init = target.init;
    const enter = (n: number): void => {
      op.enter(n);
      if (!caller.alive || caller.group.groupExit) throw new CrError(ESRCH, "the checkpointing task is exiting");
      if (n <= 2) target.check(SELF_STEPS[n - 1]);
      else target.use(SELF_STEPS[n - 1]);
    };
    enter(1);
    yield* freezing.freezeAndWait();
    op.close();
    enter(2);
    yield* dumpContainer(cr, self, init, img, op.rec, "cptbench self initiator", { self: { task: caller, fd, ret: CPT_RESTARTED } });
    enter(3);
    const kill = (flags & CPT_KILL) !== 0;
    if (kill) killContainer(cr, init);
    freezing.thaw();
    op.close(kill ? "kill" : "thaw");
  }
}
