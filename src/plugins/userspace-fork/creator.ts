// Creator "userspace" (linux-cr's user-space restart, after Oren Laadan's mktree): the kernel
// does not create the tasks. A restarter program in the guest (workloads/src/cptbench-mktree.c)
//   1. unshare(CLONE_NEWPID): the restarter makes the container's pid namespace (its next child
//      is the namespace's init);
//      sys_restart(0, fd, RESTART_TREE, table, size): the kernel reads and decodes the image
//      (the only parse of it), puts that namespace in the "restarting" state and makes the
//      namespaces nested in it, then hands out the task table: each task's pid, which task
//      forks it, thread or process, zombie or not;
//   2. forks the tree: each task is forked by its creator with its pid (clone_with_pid, or
//      ns_last_pid then fork), forks its own children, and calls sys_restart(RESTART_TASK);
//      the guest code between fork's return and that call is the signal-race window;
//   3. sys_restart(0, 0, RESTART_WAIT): waits until the container is whole; returns its init.
// When every task has arrived, this creator's kthread makes the shared objects from the image
// and each forked task takes them over: what fork made for it (an mm, an fd table, a signal
// table, a thread group...) was created only to be destroyed now, and the trace counts both.
// Every task then resumes together from its restored registers. A failure at any point (a task
// killed in the window, a pid taken, a tree that does not match the image) kills every task
// the restarter forked and leaves nothing else behind; the image stays as it was, for a retry.
// The order of the work is the core's restart recipe (spawnRestart); this file says how the tasks come to
// exist (forked, then waiting in sys_restart) and how the restarter drives it.
import { inject, injectable } from "tsyringe";
import { EFAULT, ETIMEDOUT, NR_RESTART, restartingOf, sendSignal, SIGKILL, type KthreadYield, type PidNamespace, type Task } from "../../machine/kernel/index.ts";
import {
  CrError, EINVAL, EOPNOTSUPP, ESRCH, refuse, restartImage, resumeTask, spawnRestart, waitForJob,
  type CrContext, type CrJob, type ForkedTasks, type ProcessCreator, type Restart,
} from "../../core/cr/index.ts";
import type { UserspaceForkOptions } from "./manifest.ts";
import { RESTART_TASK, RESTART_TREE, RESTART_WAIT, TASK_ENTRY_SIZE, UsrRestart } from "./restarting.ts";

/** How long the restarter may take to fork the tree (cycles) before the restart gives up. */
export const FORK_TIMEOUT = 2_000_000_000;
const POLL = 100_000;
/** RESTART_WAIT's job, told apart from RESTART_TREE's (both are sys_restart) by waitForJob. */
const WAIT_JOB = NR_RESTART | 0x10000;

@injectable()
export class UserspaceCreator implements ProcessCreator {
  readonly name = "userspace";
  readonly restarter: { program: string; args: string[] };
  /** Restarts in progress, by restarter. */
  readonly restarts = new WeakMap<Task, UsrRestart>();

  constructor(@inject("userspace-fork.options") readonly options: UserspaceForkOptions) {
    this.restarter = { program: "cptbench-mktree", args: ["--pids", options.pids, "--signals", options.signals] };
  }

  restart(cr: CrContext, caller: Task, ctid: number, fd: number, flags: number, arg: number, argLen: number): number {
    switch (flags) {
      case RESTART_TREE:
        return this.tree(cr, caller, ctid, fd, arg, argLen);
      case RESTART_TASK:
        return this.task(cr, caller);
      case RESTART_WAIT: {
        const rs = this.restarts.get(caller);
        if (rs === undefined) return refuse(cr, "restart", caller, new CrError(EINVAL, "RESTART_WAIT without a RESTART_TREE first"));
        const r = waitForJob(cr.k, caller, rs.waitJob.nr, () => rs.waitJob);
        if (rs.waitJob.done) this.restarts.delete(caller);
        return r;
      }
      default:
        return refuse(cr, "restart", caller, new CrError(EINVAL, `the userspace creator is driven by a restarter program: flags must be RESTART_TREE (1), RESTART_TASK (2) or RESTART_WAIT (3), not ${flags}`));
    }
  }

  private tree(cr: CrContext, caller: Task, ctid: number, fd: number, arg: number, argLen: number): number {
    const ready = this.restarts.get(caller);
    const img = ready === undefined ? restartImage(cr, caller, fd, ctid !== 0 ? new CrError(EINVAL, `bad container id ${ctid}`) : null) : null;
    if (typeof img === "number") return img;
    // The first call starts the job and collects its result when re-executed; a later call
    // (with the buffer) finds the restart prepared.
    const n = waitForJob(cr.k, caller, NR_RESTART, () => {
      if (img === null) return ready!.model.tasks.length;
      return spawnRestart(cr, caller, img, (job) => new Forked(this, cr, job));
    });
    if (n <= 0 || arg === 0) return n;
    const rs = this.restarts.get(caller);
    if (rs === undefined) return n;
    const table = rs.table();
    if (argLen < table.length) return refuse(cr, "restart", caller, new CrError(EINVAL, `the task table needs ${table.length} bytes (${TASK_ENTRY_SIZE} per task), the buffer has ${argLen}`));
    return caller.mm.copyOut(arg, table) ? n : -EFAULT;
  }

  /** A forked task enters sys_restart: it waits to be restored (and never returns if all goes well). */
  private task(cr: CrContext, t: Task): number {
    const rs = restartingOf(t.pidNs);
    if (!(rs instanceof UsrRestart)) return refuse(cr, "restart", t, new CrError(EINVAL, "RESTART_TASK from a task outside a container being restarted"));
    return rs.arrive(t);
  }
}

/** One restart's hooks: the restarter's namespace, the fork step, and what a failure kills. */
class Forked implements ForkedTasks {
  readonly firstStep = "namespaces";
  readonly perTaskParts = false;
  readonly checkAtSteps = false;
  private rs: UsrRestart | null = null;

  constructor(
    private readonly creator: UserspaceCreator,
    private readonly cr: CrContext,
    /** RESTART_TREE's job: done once the tree is prepared (or the restart failed before). */
    private readonly treeJob: CrJob,
  ) {}

  check(run: Restart): void {
    if (this.rs?.failed) throw this.rs.failed;
    if (!run.caller.alive) throw new CrError(ESRCH, "the restarter died");
  }

  containerNs(run: Restart): PidNamespace {
    if (this.creator.options.pids === "ns_last_pid" && run.model.pids.some((p) => p.numbers.length > 1)) {
      throw new CrError(EOPNOTSUPP, "the image has nested pid namespaces: ns_last_pid places a pid in one namespace only (use pids: eclone)");
    }
    const made = run.caller.pidNsForChildren;
    if (made === run.caller.pidNs || made.pids.size > 0 || made.restarting !== null) {
      throw new CrError(EINVAL, "the restarter must make the container's pid namespace first: unshare(CLONE_NEWPID), and no child yet");
    }
    return made;
  }

  /** RESTART_TREE returns; the restarter forks the tree; wait until every task has arrived. */
  *fork(run: Restart): Generator<KthreadYield, Task[], void> {
    const { k } = this.cr;
    const { model, restorer: r } = run;
    const rs = (this.rs = new UsrRestart(k, r!.initNs, model, r!, run.op.rec, run.caller, this.creator.options.signals === "block", WAIT_JOB));
    r!.initNs.restarting = rs;
    this.creator.restarts.set(run.caller, rs);
    this.treeJob.finish(k, model.tasks.length);
    run.step("fork");
    // Woken at each arrival; every POLL cycles it also looks for tasks that died on the way.
    const forkStart = k.clock;
    let nextCheck = k.clock + POLL;
    while (rs.arrived.size < model.tasks.length) {
      this.check(run);
      if (k.clock >= nextCheck) {
        rs.checkDeaths();
        nextCheck = k.clock + POLL;
      }
      if (k.clock - forkStart >= FORK_TIMEOUT) throw new CrError(ETIMEDOUT, `only ${rs.arrived.size} of ${model.tasks.length} tasks came to restore themselves within ${FORK_TIMEOUT} cycles`);
      yield { sleep: rs.wakeup, deadline: nextCheck };
    }
    return model.tasks.map((t) => rs.arrived.get(t.id)!);
  }

  resume(run: Restart): void {
    const rs = this.rs!;
    rs.ns.restarting = null;
    const tasks = run.restorer!.tasks;
    const made = run.restorer!.timerSigInfos;
    run.model.tasks.forEach((t, i) => {
      if (t.state === "zombie") return;
      this.cr.k.wake(tasks[i]);
      resumeTask(this.cr.k, tasks[i], t, rs.ns, made);
    });
    rs.release(true);
  }

  abort(_run: Restart, err: CrError): void {
    const { k } = this.cr;
    const rs = this.rs;
    if (rs !== null) {
      rs.fail(err);
      rs.release(false);
      // Everything the restarter forked goes: no half-restored task is left.
      for (const t of [...k.tasks.values()]) if (t.alive && rs.ns.contains(t.pidNs)) sendSignal(k, t, { signo: SIGKILL, code: 0x80 }, true);
      rs.ns.restarting = null;
    }
    if (!this.treeJob.done) this.treeJob.finish(k, -err.errno);
  }

  finish(_run: Restart, result: number): void {
    (this.rs?.waitJob ?? this.treeJob).finish(this.cr.k, result);
  }
}
