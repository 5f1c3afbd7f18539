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
import { CAP_SYS_ADMIN } from "../../core/kernel/cred.ts";
import type { FreezerCgroup } from "../../core/kernel/freezer.ts";
import type { KthreadYield } from "../../core/kernel/kthread.ts";
import { sendSignal } from "../../core/kernel/signal.ts";
import { SIGKILL } from "../../core/kernel/signal-names.ts";
import { NR_CHECKPOINT } from "../../core/kernel/syscalls/cr-nr.ts";
import type { Task } from "../../core/kernel/task.ts";
import { collectContainer, containerTasks } from "../../core/cr/collect/collect.ts";
import { CrError, EBUSY, EINVAL, EIO, EPERM, ESRCH } from "../../core/cr/errors.ts";
import { discardImage, imageFd, writeImage, type ImageFd } from "../../core/cr/image-io.ts";
import { CPT_FAIL_STEP_SHIFT, CPT_KILL, type CheckpointInitiator, type CrContext } from "../../core/cr/interfaces.ts";
import { asCrError, finishJob, refuse, spawnJob, waitForJob, type CrJob } from "../../core/cr/job.ts";
import { modelCounts, modelWork } from "../../core/cr/model.ts";
import { COSTS, type Kernel } from "../../core/kernel/kernel.ts";

/** How long the freeze may take before the checkpoint gives up (cycles of virtual time). */
export const FREEZE_TIMEOUT = 50_000_000;
const FREEZE_POLL = 20_000;

export const STEPS = ["pre-dump", "freeze", "dump", "thaw-or-kill", "post-dump"] as const;

@injectable()
export class ExternalInitiator implements CheckpointInitiator {
  readonly name = "external";
  readonly randomPoints = true;

  constructor(@inject("openvz-cpt.options") readonly options: object) {}

  checkpoint(cr: CrContext, caller: Task, pid: number, fd: number, flags: number): number {
    return waitForJob(cr.k, caller, NR_CHECKPOINT, () => this.start(cr, caller, pid, fd, flags));
  }

  private start(cr: CrContext, caller: Task, pid: number, fd: number, flags: number): CrJob | number {
    const no = (e: CrError): number => refuse(cr, "checkpoint", caller, e);
    if (!caller.cred.capable(CAP_SYS_ADMIN)) return no(new CrError(EPERM, "checkpoint needs CAP_SYS_ADMIN"));
    if ((flags & ~(CPT_KILL | (0xff << CPT_FAIL_STEP_SHIFT))) !== 0) return no(new CrError(EINVAL, `unknown checkpoint flags 0x${flags.toString(16)}`));
    const init = cr.k.findTask(caller.pidNs, pid);
    if (init === undefined || !init.alive) return no(new CrError(ESRCH, `no process ${pid} in the caller's pid namespace`));
    if (init.pidNs.reaper !== init || init.pid.nrIn(init.pidNs) !== 1 || init.pidNs === caller.pidNs) {
      return no(new CrError(EINVAL, `pid ${pid} is not the init of a container (a child pid namespace)`));
    }
    if (init.pidNs.contains(caller.pidNs)) return no(new CrError(EINVAL, "the caller is inside the container: an external checkpoint comes from outside"));
    const img = imageFd(caller, fd, true);
    if (img instanceof CrError) return no(img);
    return spawnJob(cr, NR_CHECKPOINT, "cpt_dump", (job, self) => this.dump(cr, self, caller, init, img, flags, job));
  }

  private *dump(cr: CrContext, self: Task, caller: Task, init: Task, img: ImageFd, flags: number, job: CrJob): Generator<KthreadYield, number, void> {
    const k = cr.k;
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
    };
    const done = (): void => void cr.trace.step(rec, STEPS[step - 1], 0, t0);
    try {
      begin(1);
      yield;
      done();
      begin(2);
      freezing.freeze();
      for (let waited = 0; !freezing.frozen(); waited += FREEZE_POLL) {
        if (!init.alive) throw new CrError(ESRCH, "the container's init exited during the freeze");
        if (waited >= FREEZE_TIMEOUT) throw new CrError(EBUSY, `the container did not freeze within ${FREEZE_TIMEOUT} cycles`);
        yield { sleep: null, deadline: k.clock + FREEZE_POLL };
      }
      done();
      begin(3);
      rec.stdoutAt = k.console.stdoutBytes;
      const model = collectContainer(k, init, `cptbench external initiator, ${cr.codec.name} codec`);
      rec.tasks = model.tasks.length;
      const work = modelWork(model);
      k.charge(self, work.objects * COSTS.crObject + work.pages * COSTS.crPage);
      yield;
      const n = yield* writeImage(k, self, img, cr.codec.encode(model));
      if (n < 0) throw new CrError(-n, `writing the image failed with errno ${-n}`);
      rec.imageBytes = n;
      cr.trace.step(rec, "dump", 0, t0, JSON.stringify(modelCounts(model)));
      begin(4);
      const kill = (flags & CPT_KILL) !== 0;
      if (!kill) freezing.thaw();
      cr.trace.step(rec, kill ? "kill" : "thaw", 0, t0);
      yield;
      begin(5);
      yield;
      done();
      if (kill) {
        for (const t of containerTasks(k, init)) if (t.alive) sendSignal(k, t, { signo: SIGKILL, code: 0x80 }, true);
        freezing.thaw();
      }
    } catch (e) {
      const err = asCrError(cr, e, "cpt_dump");
      result = -err.errno;
      error = `${STEPS[step - 1] ?? "checkpoint"}: ${err.message}`;
      cr.trace.step(rec, STEPS[step - 1] ?? "checkpoint", result, t0, err.message);
      if (step >= 3 || img.kind === "file") discardImage(img);
      freezing.thaw();
    }
    return finishJob(cr, job, rec, result, error);
  }
}

/**
 * The freeze of one container. Its tasks are frozen through their freezer cgroup when the
 * container has one of its own; otherwise a temporary group is made for them and they go back
 * to their groups at thaw.
 */
class Freezing {
  private group: FreezerCgroup | null = null;
  private readonly moved = new Map<Task, FreezerCgroup>();
  private temp = false;

  constructor(
    private readonly k: Kernel,
    private readonly init: Task,
  ) {}

  freeze(): void {
    const fz = this.k.freezer;
    const g = fz.groupOf(this.init);
    const ns = this.init.pidNs;
    const pure = g !== fz.root && [...g.subtree()].every((sub) => [...sub.tasks].every((t) => ns.contains(t.pidNs)));
    if (pure) this.group = g;
    else {
      const name = `cpt-${this.init.id}`;
      const tg = fz.root.children.get(name) ?? fz.createGroup(fz.root, name);
      if (tg === null) throw new CrError(EBUSY, `cannot create freezer cgroup ${name}`);
      this.temp = true;
      this.group = tg;
      for (const t of containerTasks(this.k, this.init)) {
        if (!t.alive) continue;
        this.moved.set(t, fz.groupOf(t));
        fz.attach(tg, t);
      }
    }
    fz.freeze(this.group);
  }

  frozen(): boolean {
    return this.group !== null && this.k.freezer.state(this.group) === "FROZEN";
  }

  thaw(): void {
    const fz = this.k.freezer;
    if (this.group === null) return;
    fz.thaw(this.group);
    if (this.temp) {
      for (const [t, g] of this.moved) if (t.alive) fz.attach(g, t);
      fz.removeGroup(this.group);
    }
    this.group = null;
  }
}
