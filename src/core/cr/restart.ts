// The restart recipe, once for every design. sys_restart's kthread reads and decodes the image,
// then builds the container in one order: namespaces → pids → shared objects → file tree →
// memory → tasks → open files → commit (or, on any failure, abort: nothing is left behind).
// What differs between designs is how the tasks come to exist, and the creator plugs that in
// (TaskCreation):
//   in the kernel  each task is made after the memory, as a kernel thread that restores its own
//                  state and waits at a barrier until the whole container exists (kernel-fork);
//   from user space a restarter program forks every task with its saved pid (clone_with_pid or
//                  ns_last_pid) once the pids are reserved, each forked task waits in
//                  sys_restart, and the recipe then makes the shared objects and has every
//                  task take them over (userspace-fork).
// The trace's steps, the yields (where signals, freezes and rmmods can land) and the order of the
// kernel's work are the recipe's; the review cases count them, so they are part of its contract.
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import { modulePutAndExit } from "../../machine/kernel/kthread.ts";
import { COSTS } from "../../machine/kernel/costs.ts";
import type { PidNamespace } from "../../machine/kernel/pid.ts";
import { NR_RESTART } from "../../machine/kernel/syscalls/cr-nr.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { CrError, EAGAIN, EINTR, EINVAL, EPERM } from "./errors.ts";
import { mayCheckpointRestore, refuseImageCreds } from "./creds.ts";
import { SIGKILL } from "../../machine/kernel/signal-names.ts";
import { restartImageFd, type ImageFd } from "./image-io.ts";
import type { CrContext } from "./interfaces.ts";
import { refuse, spawnJob, type CrJob } from "./job.ts";
import { modelWork, type CheckpointModel, type TaskRecord } from "./model.ts";
import type { PerTaskParts } from "./per-task.ts";
import { readModel, readPerTask } from "./read-model.ts";
import { Restorer } from "./restore/restorer.ts";
import { restoreTaskState } from "./restore/task.ts";
import { validateModel } from "./restore/validate.ts";
import { confineModel, confinementOf } from "./restore/confine.ts";
import type { KernelLimits } from "./restore/validate-fields.ts";
import { NR_OPEN_DEFAULT_LIMIT } from "../../machine/fs/constants.ts";
import { PAGE_SIZE } from "../../machine/mm/frame.ts";
import { CrOp } from "./trace.ts";

/** What every creator tells the recipe. */
interface TaskCreationBase {
  /** The trace's name for the step after read-decode, which makes namespaces and pids. */
  readonly firstStep: string;
  /** Each task reads its own part of a per-task image (a parallel restore); else it is decoded whole. */
  readonly perTaskParts: boolean;
  /** Whether every step boundary also calls check(). */
  readonly checkAtSteps: boolean;
  /** Throws a CrError when the restart cannot go on (its caller died, a forked task failed). */
  check(run: Restart): void;
  /** The container's pid namespace when the restarter made it; undefined: the recipe makes it. */
  containerNs?(run: Restart): PidNamespace | undefined;
  /** Everything is restored and committed: let the tasks run. */
  resume(run: Restart): void;
  /** The restart failed with `err`; called before the restored objects are taken down. */
  abort(run: Restart, err: CrError): void;
  /** The kthread's last act before module_put_and_exit: hand `result` to whoever waits for it. */
  finish(run: Restart, result: number): void;
}

/** Tasks made by the kernel, after the memory, each restoring itself in kernel context. */
export interface KernelTasks extends TaskCreationBase {
  /** Make task `rec` (parents and group leaders exist) with its kernel-context restore. */
  create(run: Restart, rec: TaskRecord): void;
  /** Wait until every live task has restored its own state. */
  restored(run: Restart): Generator<KthreadYield, void, void>;
  /** Per-task layout: wait until the tasks have filled every mm in run.fillers (files come after memory). */
  filled(run: Restart): Generator<KthreadYield, void, void>;
}

/** Tasks forked by a user-space restarter once their pids are reserved; the recipe restores them. */
export interface ForkedTasks extends TaskCreationBase {
  /** Open the "fork" step and wait until every task has come; returns them in model order. */
  fork(run: Restart): Generator<KthreadYield, Task[], void>;
}

export type TaskCreation = KernelTasks | ForkedTasks;

/** One restart in progress: the recipe's state, which the creator's hooks read. */
export class Restart {
  readonly k: CrContext["k"];
  /** Set when the kthread starts. */
  op!: CrOp;
  /** The decoded image (after read-decode). */
  model!: CheckpointModel;
  /** A per-task image's parts, when the creator restores them in parallel. */
  parts: PerTaskParts | null = null;
  /**
   * With parts: each mm id → the task that fills it (the first live task using it). The recipe
   * makes those mms empty; each such task maps the VMAs and reads its pages itself, on its own CPU.
   */
  fillers: ReadonlyMap<number, number> = new Map();
  restorer: Restorer | null = null;

  constructor(
    readonly cr: CrContext,
    /** The restart's kthread. */
    readonly self: Task,
    /** The task that called sys_restart. */
    readonly caller: Task,
    readonly img: ImageFd,
    readonly how: TaskCreation,
  ) {
    this.k = cr.k;
  }

  /** Close the running step and open `name`. */
  step(name: string): void {
    this.fatalCheck();
    this.op.next(name);
    if (this.how.checkAtSteps) this.how.check(this);
  }

  /**
   * A fatal signal pending for the restarter (fatal_signal_pending: SIGKILL, or its group already
   * exiting) aborts the restart at the next step: the restarter dies on its way out of
   * sys_restart, and a container it would never see must not run as orphans beside a retry.
   */
  fatalCheck(): void {
    const c = this.caller;
    if (c.group.groupExit || (c.pending.signals & (1n << BigInt(SIGKILL - 1))) !== 0n) {
      throw new CrError(EINTR, "the restarter has a fatal signal pending (SIGKILL): the restart is abandoned");
    }
  }

  /** The kthread's body: the recipe. */
  *run(): Generator<KthreadYield, number, void> {
    const { cr, k, how, caller } = this;
    const op = (this.op = new CrOp(cr.trace, "restart", caller.id, "read-decode", [], 0, cr.faults));
    try {
      // Read and decode are one step: a streaming codec decodes as the bytes arrive. In the
      // per-task layout only the skeleton is decoded here; each task reads its own pages.
      this.parts = how.perTaskParts ? yield* readPerTask(cr, this.img, op.rec) : null;
      const model = (this.model = this.parts?.model ?? (yield* readModel(cr, this.self, this.img, op.rec)));
      // The image is untrusted: every number within the kernel's limits, everything it names
      // inside the restarter's directory, no credential the restarter could not set itself.
      op.fault("validate");
      validateModel(model, limitsFor(k, caller), this.parts);
      confineModel(model, confinementOf(k.vfs, caller));
      refuseImageCreds(model, caller.cred);
      checkPidsMax(k, model);
      op.rec.tasks = model.tasks.length;
      yield;
      this.step(how.firstStep);
      const container = how.containerNs?.(this);
      // The page data were decoded for this restart alone (into pool memory, or as views of a
      // buffer of its own): the new frames take them over.
      const r = (this.restorer = new Restorer(k, caller, model, true, cr.faults));
      // A fresh machine's clock moves forward to the image's: not time the restart took.
      op.fault("create-namespaces");
      op.shift(r.makeNamespaces(container));
      let tasks: Task[] = [];
      if ("fork" in how) {
        // Only the pids no task has (a dead leader's) are made here: the restarter forks each
        // task with its own, and each pid then stands for its record.
        op.fault("create-pids");
        r.makePids(true);
        tasks = yield* how.fork(this);
        how.check(this);
        op.fault("create-tasks");
        this.step("restore");
        this.chargeWork();
        checkForkedTree(model, r.initNs, tasks);
        model.tasks.forEach((t, i) => r.usePid(t.pidId, tasks[i].pid));
      } else {
        if (this.parts !== null) this.fillers = mmFillers(model);
        this.chargeWork();
        op.fault("create-pids");
        r.makePids();
        yield;
      }
      r.makeShared();
      op.fault("restore-tree");
      r.makeTree();
      yield;
      op.fault("restore-mm");
      r.makeMemory(new Set(this.fillers.keys()));
      yield;
      if ("fork" in how) {
        op.fault("restore-files");
        r.buildFiles(tasks[model.container.initTaskId - 1], tasks);
        how.check(this);
        // From here nothing fails: every task takes over its restored objects and state.
        model.tasks.forEach((t, i) => r.adoptTask(t, tasks[i], caller));
        r.attachAll();
        model.tasks.forEach((t, i) => {
          if (t.state !== "zombie") restoreTaskState(k, tasks[i], t, r.tasks);
        });
      } else {
        for (const rec of model.tasks) {
          // The last task: the others exist, so the abort has tasks to take down.
          if (rec === model.tasks[model.tasks.length - 1]) op.fault("create-tasks");
          how.create(this, rec);
          yield;
          how.check(this);
        }
        tasks = r.tasks;
        yield* how.filled(this);
        // Files last: a /proc file naming one of the new tasks can only be reopened now.
        op.fault("restore-files");
        r.makeFiles();
        r.attachFiles();
        yield;
        this.step("restore");
        yield* how.restored(this);
      }
      this.step("resume");
      op.fault("commit");
      op.result = tasks[model.container.initTaskId - 1].pid.nrIn(caller.pidNs);
      r.commit();
      how.resume(this);
      op.close();
    } catch (e) {
      const err = op.fail(e, "cpt_rst");
      how.abort(this, err);
      this.restorer?.abort();
    }
    op.end();
    how.finish(this, op.result);
    return modulePutAndExit(k, cr.module, 0);
  }

  /** The restore's work in virtual time, charged to the restart's kthread; the VMAs of the mms the tasks fill are theirs. */
  private chargeWork(): void {
    const work = modelWork(this.model);
    let theirs = 0;
    for (const m of this.model.mms) if (this.fillers.has(m.id)) theirs += m.vmas.length;
    this.k.charge(this.self, (work.objects - theirs) * COSTS.crObject + work.pages * COSTS.crPage);
  }
}

/**
 * The checks every sys_restart makes before any work, in this order: CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE (the image's credentials are checked once decoded), the creator's
 * own (`bad`: its refusal, or null), the image fd (a pipe only for a codec that streams). Returns
 * the image, or -errno with the reason recorded in the trace.
 */
export function restartImage(cr: CrContext, caller: Task, fd: number, bad: CrError | null): ImageFd | number {
  const no = (e: CrError): number => refuse(cr, "restart", caller, e);
  if (!mayCheckpointRestore(caller.cred)) return no(new CrError(EPERM, "restart needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE"));
  if (bad !== null) return no(bad);
  const img = restartImageFd(caller, fd, cr.codec);
  return img instanceof CrError ? no(img) : img;
}

/** Start the restart's kthread (cpt_rst) running the recipe, with the creator's hooks made for its job. */
export function spawnRestart(cr: CrContext, caller: Task, img: ImageFd, how: (job: CrJob) => TaskCreation): CrJob | number {
  return spawnJob(cr, NR_RESTART, "cpt_rst", (job, self) => new Restart(cr, self, caller, img, how(job)).run());
}

/** Each mm's filler: the first live task (in model order) that uses it. */
function mmFillers(model: CheckpointModel): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of model.tasks) if (t.mmId !== null && t.state !== "zombie" && !out.has(t.mmId)) out.set(t.mmId, t.id);
  return out;
}

/** Each forked task must be what the image says: a thread of its group's leader, or a process. */
function checkForkedTree(model: CheckpointModel, ns: PidNamespace, tasks: Task[]): void {
  const groups = new Map(model.threadGroups.map((g) => [g.id, g]));
  model.tasks.forEach((t, i) => {
    const leader = groups.get(t.threadGroupId)?.leaderTaskId ?? t.id;
    const task = tasks[i];
    const nr = task.pid.nrIn(ns);
    if (leader === t.id ? !task.isLeader : task.group !== tasks[leader - 1].group || task.isLeader) {
      throw new CrError(EINVAL, `task ${nr} was forked as a ${task.isLeader ? "process" : "thread"}, but the image has it as a ${leader === t.id ? "process" : "thread"}`);
    }
  });
}

/** The limits a restart by `caller` works within: its namespace's pid_max, the machine's memory and CPUs, RLIMIT_NOFILE. */
function limitsFor(k: CrContext["k"], caller: Task): KernelLimits {
  return { pidMax: caller.pidNsForChildren.pidMax, memoryBytes: k.frames.limit * PAGE_SIZE, fdLimit: NR_OPEN_DEFAULT_LIMIT, cpus: k.sched.cpus.length };
}

/**
 * A pids.max set on the container's cgroup bounds the restart too: an image with more tasks than
 * the group has room for is refused before any is made. (A group still at "max" gets a bound when
 * the restart commits: Restorer.commit.)
 */
function checkPidsMax(k: CrContext["k"], m: CheckpointModel): void {
  const g = k.freezer.find(k.freezer.root, m.container.freezerGroup);
  if (g === null || g === k.freezer.root) return;
  const room = g.pidsRoom();
  if (m.tasks.length > room) {
    throw new CrError(EAGAIN, `the image has ${m.tasks.length} tasks; the container's cgroup ${m.container.freezerGroup} has room for ${Math.max(0, room)} more (pids.max)`);
  }
}
