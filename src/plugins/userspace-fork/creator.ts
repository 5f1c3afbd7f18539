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
import { inject, injectable } from "tsyringe";
import { COSTS } from "../../machine/kernel/costs.ts";
import { CAP_SYS_ADMIN } from "../../machine/kernel/cred.ts";
import { EFAULT, ERESTARTNOINTR } from "../../machine/kernel/errno.ts";
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import { modulePutAndExit } from "../../machine/kernel/kthread.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { restartingOf } from "../../machine/kernel/pid.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGKILL } from "../../machine/kernel/signal-names.ts";
import { NR_RESTART } from "../../machine/kernel/syscalls/cr-nr.ts";
import { CrError, EBUSY, EINVAL, EOPNOTSUPP, EPERM, ESRCH } from "../../core/cr/errors.ts";
import { restartImageFd, type ImageFd } from "../../core/cr/image-io.ts";
import type { CrContext, ProcessCreator } from "../../core/cr/interfaces.ts";
import { asCrError, finishJob, refuse, spawnJob, waitForJob, type CrJob } from "../../core/cr/job.ts";
import { modelWork } from "../../core/cr/model.ts";
import { readModel } from "../../core/cr/read-model.ts";
import { Restorer } from "../../core/cr/restore/restorer.ts";
import { validateModel } from "../../core/cr/restore/validate.ts";
import { resumeTask, restoreTaskState } from "../../core/cr/restore/task.ts";
import type { UserspaceForkOptions } from "./manifest.ts";
import { RESTART_TASK, RESTART_TREE, RESTART_WAIT, TASK_ENTRY_SIZE, UsrRestart } from "./restarting.ts";

/** How long the restarter may take to fork the tree (cycles) before the restart gives up. */
export const FORK_TIMEOUT = 2_000_000_000;
const POLL = 100_000;
const ETIMEDOUT = 110;
/** RESTART_WAIT's job, told apart from RESTART_TREE's (both are sys_restart) by waitForJob. */
const WAIT_JOB = NR_RESTART | 0x10000;

@injectable()
export class UserspaceCreator implements ProcessCreator {
  readonly name = "userspace";
  readonly restarter: { program: string; args: string[] };
  /** Restarts in progress, by restarter. */
  private readonly restarts = new WeakMap<Task, UsrRestart>();

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
    const no = (e: CrError): number => refuse(cr, "restart", caller, e);
    const ready = this.restarts.get(caller);
    let img: ImageFd | undefined;
    if (ready === undefined) {
      if (!caller.cred.capable(CAP_SYS_ADMIN)) return no(new CrError(EPERM, "restart needs CAP_SYS_ADMIN"));
      if (ctid !== 0) return no(new CrError(EINVAL, `bad container id ${ctid}`));
      const checked = restartImageFd(caller, fd, cr.codec);
      if (checked instanceof CrError) return no(checked);
      img = checked;
    }
    // The first call starts the job and collects its result when re-executed; a later call
    // (with the buffer) finds the restart prepared.
    const n = waitForJob(cr.k, caller, NR_RESTART, () => {
      if (img === undefined) return ready!.model.tasks.length;
      return spawnJob(cr, NR_RESTART, "cpt_rst", (job, self) => this.run(cr, self, caller, img, job));
    });
    if (n <= 0 || arg === 0) return n;
    const rs = this.restarts.get(caller);
    if (rs === undefined) return n;
    const table = rs.table();
    if (argLen < table.length) return no(new CrError(EINVAL, `the task table needs ${table.length} bytes (${TASK_ENTRY_SIZE} per task), the buffer has ${argLen}`));
    return caller.mm.copyOut(arg, table) ? n : -EFAULT;
  }

  /** A forked task enters sys_restart: it waits to be restored (and never returns if all goes well). */
  private task(cr: CrContext, t: Task): number {
    const rs = restartingOf(t.pidNs);
    if (!(rs instanceof UsrRestart)) return refuse(cr, "restart", t, new CrError(EINVAL, "RESTART_TASK from a task outside a container being restarted"));
    if (rs.failed !== null) return -rs.failed.errno;
    const nr = t.pid.nrIn(rs.ns);
    const rec = rs.taskAt(nr);
    if (rec === undefined) {
      rs.fail(new CrError(EBUSY, `a task with pid ${nr} came to restore itself, but the image has no task ${nr}: its pid was not the one it should have had`));
      return -EBUSY;
    }
    const prev = rs.arrived.get(rec.id);
    if (prev === undefined) {
      rs.arrived.set(rec.id, t);
      cr.k.wakeAll(rs.wakeup);
    } else if (prev !== t) {
      rs.fail(new CrError(EINVAL, `two tasks claim pid ${nr}`));
      return -EINVAL;
    }
    return cr.k.sleep(t, rs.wq, 0, ERESTARTNOINTR);
  }

  /** The restart's kthread: prepare (RESTART_TREE's job), wait for the tasks, restore them. */
  private *run(cr: CrContext, self: Task, caller: Task, img: ImageFd, treeJob: CrJob): Generator<KthreadYield, number, void> {
    const k = cr.k;
    const rec = cr.trace.begin("restart", caller.id);
    let rs: UsrRestart | null = null;
    let restorer: Restorer | null = null;
    let result = 0;
    let error: string | undefined;
    let stepName = "read-decode";
    let t0 = k.clock;
    const step = (name: string): void => {
      cr.trace.step(rec, stepName, 0, t0);
      stepName = name;
      t0 = k.clock;
    };
    const check = (): void => {
      if (rs?.failed) throw rs.failed;
      if (!caller.alive) throw new CrError(ESRCH, "the restarter died");
    };
    try {
      const model = yield* readModel(cr, self, img, rec);
      validateModel(model);
      rec.tasks = model.tasks.length;
      yield;
      step("namespaces");
      if (this.options.pids === "ns_last_pid" && model.pids.some((p) => p.numbers.length > 1)) {
        throw new CrError(EOPNOTSUPP, "the image has nested pid namespaces: ns_last_pid places a pid in one namespace only (use pids: eclone)");
      }
      const made = caller.pidNsForChildren;
      if (made === caller.pidNs || made.pids.size > 0 || made.restarting !== null) {
        throw new CrError(EINVAL, "the restarter must make the container's pid namespace first: unshare(CLONE_NEWPID), and no child yet");
      }
      const r = new Restorer(k, caller, model, true);
      restorer = r;
      const jump = r.makeNamespaces(made);
      rec.start += jump;
      t0 += jump;
      r.makePids(true);
      rs = new UsrRestart(k, r.initNs, model, r, rec, caller, this.options.signals === "block", WAIT_JOB);
      r.initNs.restarting = rs;
      this.restarts.set(caller, rs);
      treeJob.finish(k, model.tasks.length);
      step("fork");
      // Woken at each arrival; every POLL cycles it also looks for tasks that died on the way.
      const forkStart = k.clock;
      let nextCheck = k.clock + POLL;
      while (rs.arrived.size < model.tasks.length) {
        check();
        if (k.clock >= nextCheck) {
          this.checkDeaths(rs);
          nextCheck = k.clock + POLL;
        }
        if (k.clock - forkStart >= FORK_TIMEOUT) throw new CrError(ETIMEDOUT, `only ${rs.arrived.size} of ${model.tasks.length} tasks came to restore themselves within ${FORK_TIMEOUT} cycles`);
        yield { sleep: rs.wakeup, deadline: nextCheck };
      }
      check();
      step("restore");
      const work = modelWork(model);
      k.charge(self, work.objects * COSTS.crObject + work.pages * COSTS.crPage);
      const shells = model.tasks.map((t) => rs!.arrived.get(t.id)!);
      this.checkTree(rs, shells);
      model.tasks.forEach((t, i) => r.usePid(t.pidId, shells[i].pid));
      r.makeShared();
      r.makeTree();
      yield;
      r.makeMemory();
      yield;
      const init = shells[model.container.initTaskId - 1];
      r.buildFiles(init);
      check();
      // From here nothing fails: every task takes over its restored objects.
      model.tasks.forEach((t, i) => r.adoptTask(t, shells[i], caller));
      r.attachAll();
      model.tasks.forEach((t, i) => {
        if (t.state !== "zombie") restoreTaskState(k, shells[i], t, r.tasks);
      });
      r.commit();
      step("resume");
      const ns = rs.ns;
      ns.restarting = null;
      model.tasks.forEach((t, i) => {
        if (t.state === "zombie") return;
        k.wake(shells[i]);
        resumeTask(k, shells[i], t, ns);
      });
      rs.release(true);
      result = init.pid.nrIn(caller.pidNs);
      cr.trace.step(rec, "resume", 0, t0);
    } catch (e) {
      const err = asCrError(cr, e, "cpt_rst");
      result = -err.errno;
      error = `${stepName}: ${err.message}`;
      cr.trace.step(rec, stepName, result, t0, err.message);
      if (rs !== null) {
        rs.fail(err);
        rs.release(false);
        // Everything the restarter forked goes: no half-restored task is left.
        for (const t of [...k.tasks.values()]) if (t.alive && rs.ns.contains(t.pidNs)) sendSignal(k, t, { signo: SIGKILL, code: 0x80 }, true);
        rs.ns.restarting = null;
      }
      restorer?.abort();
      if (!treeJob.done) treeJob.finish(k, result);
    }
    if (rs === null) return finishJob(cr, treeJob, rec, result, error);
    cr.trace.end(rec, result, error);
    rs.waitJob.finish(k, result);
    return modulePutAndExit(k, cr.module, 0);
  }

  /** A forked task that died before restoring itself ends the restart (the signal-race gap). */
  private checkDeaths(rs: UsrRestart): void {
    const arrived = new Set(rs.arrived.values());
    for (const t of arrived) {
      if (!t.alive) throw new CrError(ESRCH, `task ${t.pid.nrIn(rs.ns)} died while it waited to be restored`);
    }
    for (const t of rs.restorer.initNs.pids.values()) {
      const task = t.task;
      if (task !== null && !task.alive && !arrived.has(task)) {
        const how = task.exit?.signal !== undefined ? `killed by signal ${task.exit.signal}` : `exit ${task.exit?.code ?? 0}`;
        throw new CrError(ESRCH, `task ${t.nrIn(rs.ns)} died (${how}) between its fork and sys_restart`);
      }
    }
  }

  /** Each forked task must be what the image says: a thread of its group's leader, or a process. */
  private checkTree(rs: UsrRestart, shells: Task[]): void {
    const groups = new Map(rs.model.threadGroups.map((g) => [g.id, g]));
    rs.model.tasks.forEach((t, i) => {
      const leader = groups.get(t.threadGroupId)?.leaderTaskId ?? t.id;
      const shell = shells[i];
      const nr = shell.pid.nrIn(rs.ns);
      if (leader === t.id ? !shell.isLeader : shell.group !== shells[leader - 1].group || shell.isLeader) {
        throw new CrError(EINVAL, `task ${nr} was forked as a ${shell.isLeader ? "process" : "thread"}, but the image has it as a ${leader === t.id ? "process" : "thread"}`);
      }
    });
  }
}
