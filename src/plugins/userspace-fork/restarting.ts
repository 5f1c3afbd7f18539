// The state of one user-space restart, from the restarter's RESTART_TREE to the end of its
// RESTART_WAIT: the decoded model and the Restorer, the container's pid namespace in its
// "restarting" state (clone_with_pid allowed there; signals from outside held), and the tasks
// the restarter forked as they arrive in sys_restart(RESTART_TASK).
import { ERESTARTNOINTR, sendSignal, WaitQueue, type Kernel, type PidNamespace, type RestartingState, type SigInfo, type Task } from "../../machine/kernel/index.ts";
import { CrError, CrJob, EBUSY, EINVAL, ESRCH, type CheckpointModel, type CrOpRecord, type PidRecord, type Restorer, type TaskRecord } from "../../core/cr/index.ts";

// sys_restart(ctid, fd, flags, arg, argLen) operations of the user-space creator (flags).
/** The restarter: read the image (fd), make the namespaces; returns the number of tasks, and
 *  with arg != 0 writes the task table there (argLen bytes at least TASK_ENTRY_SIZE each). */
export const RESTART_TREE = 1;
/** A forked task: restore yourself over yourself (returns only if the restart failed). */
export const RESTART_TASK = 2;
/** The restarter, once it forked the container's init: wait; returns the init's pid or -errno. */
export const RESTART_WAIT = 3;

/** One task of the table: i32 pid (in the container), i32 creator index (-1: the restarter), u32 kind, u32 0. */
export const TASK_ENTRY_SIZE = 16;
export const KIND_THREAD = 1;
export const KIND_ZOMBIE = 2;

interface Held {
  target: Task;
  info: SigInfo;
  group: boolean;
}

export class UsrRestart implements RestartingState {
  /** Tasks that have called RESTART_TASK, by task record id. */
  readonly arrived = new Map<number, Task>();
  /** Forked tasks sleep here until they are restored. */
  readonly wq = new WaitQueue();
  /** The restart's kthread sleeps here while tasks arrive. */
  readonly wakeup = new WaitQueue();
  /** RESTART_WAIT's job: done when the container is whole (or the restart failed). */
  readonly waitJob: CrJob;
  failed: CrError | null = null;
  private readonly held: Held[] = [];
  private readonly byNr = new Map<number, PidRecord>();
  private readonly taskByPid = new Map<number, TaskRecord>();
  /** k.stats.tasksExited when checkDeaths last found every task alive (-1: never yet). */
  private exitsChecked = -1;

  constructor(
    private readonly k: Kernel,
    readonly ns: PidNamespace,
    readonly model: CheckpointModel,
    readonly restorer: Restorer,
    readonly rec: CrOpRecord,
    readonly restarter: Task,
    readonly holdSignals: boolean,
    nr: number,
  ) {
    this.waitJob = new CrJob(nr);
    // numbers[0] is the number in the container's namespace (the outermost the image has).
    for (const p of model.pids) this.byNr.set(p.numbers[0], p);
    for (const t of model.tasks) this.taskByPid.set(t.pidId, t);
  }

  place(nr: number): { ns: PidNamespace; setTid: number[] } | null {
    const p = this.byNr.get(nr);
    return p === undefined ? null : this.restorer.pidPlace(p);
  }

  /** The task record whose pid is `nr` in the container's namespace. */
  taskAt(nr: number): TaskRecord | undefined {
    const p = this.byNr.get(nr);
    return p === undefined ? undefined : this.taskByPid.get(p.id);
  }

  hold(target: Task, info: SigInfo, group: boolean): void {
    this.held.push({ target, info, group });
  }

  /** Deliver what was held (after a successful restart), or drop it (the tasks are gone). */
  release(deliver: boolean): number {
    const n = this.held.length;
    if (deliver) for (const h of this.held) if (h.target.alive) sendSignal(this.k, h.target, h.info, h.group);
    this.held.length = 0;
    return n;
  }

  /** Task `t` arrived in sys_restart(RESTART_TASK): it sleeps until restored; -errno if it cannot be. */
  arrive(t: Task): number {
    if (this.failed !== null) return -this.failed.errno;
    const nr = t.pid.nrIn(this.ns);
    const rec = this.taskAt(nr);
    if (rec === undefined) {
      this.fail(new CrError(EBUSY, `a task with pid ${nr} came to restore itself, but the image has no task ${nr}: its pid was not the one it should have had`));
      return -EBUSY;
    }
    const prev = this.arrived.get(rec.id);
    if (prev === undefined) {
      this.arrived.set(rec.id, t);
      this.k.wakeAll(this.wakeup);
    } else if (prev !== t) {
      this.fail(new CrError(EINVAL, `two tasks claim pid ${nr}`));
      return -EINVAL;
    }
    return this.k.sleep(t, this.wq, 0, ERESTARTNOINTR);
  }

  /**
   * A forked task that died before restoring itself ends the restart (the signal-race gap). The
   * restart's kthread asks every POLL cycles while a tree is forked, so the number of calls grows
   * with the tree: a walk of every pid each time made a restart of n tasks O(n²). Only an exit
   * (do_exit, counted in k.stats.tasksExited) can make a task die, so the walk runs only when one
   * happened since the last walk found nothing.
   */
  checkDeaths(): void {
    const exits = this.k.stats.tasksExited;
    if (exits === this.exitsChecked) return;
    const arrived = new Set(this.arrived.values());
    for (const t of arrived) {
      if (!t.alive) throw new CrError(ESRCH, `task ${t.pid.nrIn(this.ns)} died while it waited to be restored`);
    }
    for (const t of this.restorer.initNs.pids.values()) {
      const task = t.task;
      if (task !== null && !task.alive && !arrived.has(task)) {
        const how = task.exit?.signal !== undefined ? `killed by signal ${task.exit.signal}` : `exit ${task.exit?.code ?? 0}`;
        throw new CrError(ESRCH, `task ${t.nrIn(this.ns)} died (${how}) between its fork and sys_restart`);
      }
    }
    this.exitsChecked = exits;
  }

  fail(e: CrError): void {
    this.failed ??= e;
    this.k.wakeAll(this.wakeup);
  }

  /** The task table for the restarter (see TASK_ENTRY_SIZE). */
  table(): Uint8Array {
    const m = this.model;
    const out = new Uint8Array(m.tasks.length * TASK_ENTRY_SIZE);
    const dv = new DataView(out.buffer);
    const pidNr = new Map(m.pids.map((p) => [p.id, p.numbers[0]]));
    const groups = new Map(m.threadGroups.map((g) => [g.id, g]));
    m.tasks.forEach((t, i) => {
      const leader = groups.get(t.threadGroupId)?.leaderTaskId ?? t.id;
      const thread = leader !== t.id;
      const creator = thread ? leader - 1 : t.parentTaskId === null ? -1 : t.parentTaskId - 1;
      dv.setInt32(i * TASK_ENTRY_SIZE, pidNr.get(t.pidId) ?? 0, true);
      dv.setInt32(i * TASK_ENTRY_SIZE + 4, creator, true);
      dv.setUint32(i * TASK_ENTRY_SIZE + 8, (thread ? KIND_THREAD : 0) | (t.state === "zombie" ? KIND_ZOMBIE : 0), true);
    });
    return out;
  }
}
