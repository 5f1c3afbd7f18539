// The restore helpers (model → kernel objects), shared by every ProcessCreator. A creator decides
// who calls them and in which context (in-kernel threads, or each task restoring itself after a
// user-space fork); the helpers make the objects, set the saved pids, and keep a list of
// everything they made so that abort() can take it all down again: a restart either completes
// or leaves nothing behind.
//
// References: the restorer holds the creation reference of every shared object it makes (pids,
// groups, sighands, creds, nsproxies, mms, shm objects, files, fd tables, fs contexts) and the
// tasks take their own; release() drops the creation references once the tasks hold theirs.
import { Hart } from "../../../machine/cpu/hart.ts";
import type { KObject } from "../../../machine/kernel/kref.ts";
import { CAP_FULL_SET, Cred } from "../../../machine/kernel/cred.ts";
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { allocPid, type Pid, type PidNamespace } from "../../../machine/kernel/pid.ts";
import { Nsproxy, SigHand, Task, ThreadGroup } from "../../../machine/kernel/task.ts";
import { CONTAINER_PIDS_MAX, type FreezerCgroup } from "../../../machine/kernel/freezer.ts";
import { Mm } from "../../../machine/mm/mm.ts";
import { RLIMIT_STACK, rlimit, stackBytes } from "../../../machine/kernel/rlimit.ts";
import type { ShmemObject } from "../../../machine/mm/shmem.ts";
import { exitTaskFiles } from "../../../machine/fs/task-files.ts";
import { CrError, EINVAL } from "../errors.ts";
import { injectFault, type Faults } from "../faults.ts";
import type { CheckpointModel, MmRecord, PageRecord, TaskRecord } from "../model.ts";
import { FilesRestore } from "./files.ts";
import { fillMm, mmRefs, restoreCowPages, restoreMms, restoreShmem, type MmRefs } from "./mm.ts";
import { TreeRestore } from "./tree.ts";
import { restoreSigHands } from "./sighand.ts";
import { restoreAuditAndRobust, restoreGroupPending } from "./task.ts";
import { armTimers, restoreGroupFlags, restoreTimers } from "./task-state.ts";
import type { SigInfo } from "../../../machine/kernel/siginfo.ts";
import { armItimerReal } from "../../../machine/kernel/syscalls/sys-time.ts";
import { leaveWaitQueues } from "../../../machine/kernel/wait-queue.ts";

function byId<T extends { id: number }>(list: T[], what: string): (id: number) => T {
  const m = new Map(list.map((x) => [x.id, x]));
  return (id) => {
    const x = m.get(id);
    if (x === undefined) throw new CrError(EINVAL, `the image refers to ${what} ${id}, which it does not contain`);
    return x;
  };
}

export class Restorer {
  /** Tasks made so far, in model order (index = task id - 1). */
  readonly tasks: Task[] = [];
  readonly nsById = new Map<number, PidNamespace>();
  private readonly pids = new Map<number, Pid>();
  private readonly groups = new Map<number, ThreadGroup>();
  private readonly sighands = new Map<number, SigHand>();
  private readonly creds = new Map<number, Cred>();
  private readonly nsproxies = new Map<number, Nsproxy>();
  private readonly mms = new Map<number, Mm>();
  private readonly shmem = new Map<number, ShmemObject>();
  private cow = new Map<number, import("../../../machine/mm/frame.ts").Frame>();
  /** The mms makeMemory left empty, by id, with what fillMm needs to fill them. */
  private readonly deferred = new Map<number, MmRecord>();
  private mmRefs: MmRefs | null = null;
  readonly tree: TreeRestore;
  readonly files: FilesRestore;
  private freezerGroup: FreezerCgroup | null = null;
  private readonly groupRecs: Map<number, CheckpointModel["threadGroups"][number]>;
  private readonly why: string;
  /** The queued siginfos restored timers track, made at commit, queued by the restore of their queue. */
  readonly timerSigInfos = new Map<import("../model.ts").SigInfoRecord, SigInfo>();

  constructor(
    private readonly k: Kernel,
    private readonly caller: Task,
    readonly model: CheckpointModel,
    /** The model's page bytes belong to this restart alone (a decoded image): frames take them over. */
    private readonly adoptPages = false,
    /** Steps to fail on purpose (--fault): those inside makeShared. */
    private readonly faults?: Faults,
  ) {
    this.why = `restart by pid ${caller.id}`;
    this.groupRecs = new Map(model.threadGroups.map((g) => [g.id, g]));
    this.tree = new TreeRestore(k, caller, model);
    this.files = new FilesRestore(k, caller, model, this.tree, (id) => {
      const p = this.pids.get(id);
      if (p === undefined) throw new CrError(EINVAL, `a pty, file owner or lock names pid ${id}, which the restart has not made`);
      return p;
    }, (id) => this.pids.get(id), (id) => this.nsById.get(id));
  }

  get initNs(): PidNamespace {
    return this.nsById.get(this.model.container.pidNsId)!;
  }

  /**
   * The container's namespaces, below the caller's namespace for children. First, a machine whose
   * clock is behind the image's (a fresh one) is moved forward to it, so CLOCK_MONOTONIC never
   * runs backwards for the container — what a time namespace's offset does for CRIU.
   */
  makeNamespaces(container?: PidNamespace): number {
    const m = this.model;
    const jump = Math.max(0, m.meta.clock - this.k.clock);
    if (jump > 0) {
      this.k.sched.advanceAll(m.meta.clock);
      this.k.clock = m.meta.clock;
    }
    for (const rec of m.pidNamespaces) {
      const parent = rec.parentId === null ? this.caller.pidNsForChildren : this.nsById.get(rec.parentId);
      if (parent === undefined) throw new CrError(EINVAL, `pid namespace ${rec.id} names parent ${rec.parentId}, which comes later or is missing`);
      if (rec.parentId === null && rec.id !== m.container.pidNsId) throw new CrError(EINVAL, `pid namespace ${rec.id} has no parent but is not the container's`);
      if (parent.level >= 32) throw new CrError(EINVAL, "pid namespaces nested too deep");
      if (rec.parentId === null && container !== undefined) {
        // A user-space restarter made the container's namespace itself (unshare(CLONE_NEWPID)).
        this.k.kobj.get(container, "restart: creation ref");
        this.nsById.set(rec.id, container);
        continue;
      }
      this.nsById.set(rec.id, this.k.newPidNamespace(parent, this.why));
    }
    if (!this.nsById.has(m.container.pidNsId)) throw new CrError(EINVAL, `the container's pid namespace ${m.container.pidNsId} is missing`);
    return jump;
  }

  /**
   * Every pid with its saved numbers, in every namespace of the container (set_tid in the kernel).
   * With `taskless`, only the pids no task of the image has (a dead group or session leader's):
   * a user-space restarter forks the tasks with their own pids.
   */
  makePids(taskless = false): void {
    const ofTasks = new Set(this.model.tasks.map((t) => t.pidId));
    for (const rec of this.model.pids) {
      if (taskless && ofTasks.has(rec.id)) continue;
      if (rec.numbers.length === 0 || rec.numbers.length !== rec.nsIds.length) throw new CrError(EINVAL, `pid ${rec.id} has no numbers`);
      const inner = this.nsById.get(rec.nsIds[rec.nsIds.length - 1]);
      if (inner === undefined) throw new CrError(EINVAL, `pid ${rec.id} lives in unknown namespace ${rec.nsIds[rec.nsIds.length - 1]}`);
      // One number per namespace from the container's down to `inner`: set_tid never reaches
      // the restarter's namespace, where the number is allocated as for any fork.
      if (rec.numbers.length !== inner.level - this.initNs.level + 1) throw new CrError(EINVAL, `pid ${rec.id} has ${rec.numbers.length} numbers for ${inner.level - this.initNs.level + 1} namespaces of the container`);
      const setTid = [...rec.numbers].reverse();
      const p = allocPid(inner, setTid);
      if (typeof p === "number") throw new CrError(-p, `pid ${rec.numbers.join("/")} cannot be taken (errno ${-p})`);
      this.pids.set(rec.id, p);
    }
  }

  /** The pid of a task forked by a user-space restarter stands for pid record `id`. */
  usePid(id: number, pid: Pid): void {
    if (this.pids.has(id)) throw new CrError(EINVAL, `pid ${pid.numbers.map((n) => n.nr).join("/")} is claimed twice`);
    this.k.kobj.get(pid, "restart: creation ref");
    this.pids.set(id, pid);
  }

  /** Where pid record `rec` lives: the namespace its innermost number is in, and set_tid there. */
  pidPlace(rec: CheckpointModel["pids"][number]): { ns: PidNamespace; setTid: number[] } | null {
    const inner = this.nsById.get(rec.nsIds[rec.nsIds.length - 1]);
    return inner === undefined ? null : { ns: inner, setTid: [...rec.numbers].reverse() };
  }

  makeShared(): void {
    const r = this.k.kobj;
    const m = this.model;
    injectFault(this.faults, "restore-creds");
    for (const c of m.creds) {
      this.creds.set(c.id, new Cred(r, this.why, c.uid, c.euid, c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid, c.capEffective, c.capPermitted,
        c.groups ?? [], c.capInheritable ?? 0, c.capBset ?? CAP_FULL_SET, c.capAmbient ?? 0));
    }
    injectFault(this.faults, "restore-sighand");
    restoreSigHands(r, this.why, m.sighands, this.sighands);
    const pid = byId(m.pids, "pid");
    for (const g of m.threadGroups) {
      pid(g.pgrpPidId);
      pid(g.sessionPidId);
      const tg = new ThreadGroup(r, null as unknown as Task, this.pids.get(g.pgrpPidId)!, this.pids.get(g.sessionPidId)!, this.why);
      tg.groupExit = g.groupExit;
      if (g.groupExitStatus !== undefined) tg.groupExitStatus = { ...g.groupExitStatus };
      tg.stopped = g.stopped;
      tg.notifyStop = g.notifyStop;
      tg.notifyContinue = g.notifyContinue;
      tg.stopSignal = g.stopSignal;
      tg.isChildSubreaper = g.isChildSubreaper;
      tg.hasChildSubreaper = g.hasChildSubreaper;
      tg.didExec = g.didExec;
      tg.itimerReal.interval = g.itimerRealInterval;
      tg.itimerVirt = { ...g.itimerVirt };
      tg.itimerProf = { ...g.itimerProf };
      tg.oomScoreAdj = g.oomScoreAdj ?? 0;
      tg.oomScoreAdjMin = g.oomScoreAdjMin ?? 0;
      if (g.rlimits !== undefined) tg.rlimits = g.rlimits.map((l) => ({ cur: l.cur, max: l.max }));
      restoreGroupFlags(tg, g);
      this.groups.set(g.id, tg);
    }
    for (const ns of this.nsById.entries()) this.nsproxies.set(ns[0], new Nsproxy(r, ns[1], this.why));
    const freezer = this.k.freezer;
    this.freezerGroup = freezer.groupAt(freezer.root, m.container.freezerGroup);
  }

  /** Shared memory, copy-on-write pages and every mm; those in `deferred` are made empty, for fillMm. */
  makeMemory(deferred?: ReadonlySet<number>): void {
    for (const s of this.model.shmem) this.shmem.set(s.id, restoreShmem(this.k, s, this.adoptPages));
    this.cow = restoreCowPages(this.k, this.model.cowPages, this.adoptPages);
    this.mmRefs = mmRefs(this.shmem, this.tree.paths, this.cow);
    restoreMms(this.k, this.model.mms, this.mmRefs, this.why, this.adoptPages, deferred, this.mms, this.deferred);
  }

  /**
   * Fill mm `id`, which makeMemory(deferred) left empty, with its VMAs and copy-on-write pages and
   * the private pages `pages`: the work of the task that fills it, on that task's CPU. Returns the
   * number of VMAs mapped, which the recipe leaves for the filling task to be charged.
   */
  fillMm(id: number, pages: PageRecord[]): number {
    const rec = this.deferred.get(id);
    if (rec === undefined) throw new CrError(EINVAL, `mm ${id} is not waiting to be filled`);
    this.deferred.delete(id);
    fillMm(this.k, this.mms.get(id)!, rec, pages, this.mmRefs!, this.adoptPages);
    return rec.vmas.length;
  }

  /** The container's file tree and the inodes outside it (before memory: mappings name them). */
  makeTree(): void {
    this.tree.build();
  }

  /**
   * Open files, fd tables and fs contexts, once the tasks exist: a /proc file naming a process
   * is looked up as the container's init sees /proc, so its pid must be there.
   */
  makeFiles(): void {
    const init = this.tasks[this.model.container.initTaskId - 1];
    if (init === undefined) throw new CrError(EINVAL, `the container's init (task ${this.model.container.initTaskId}) was not created`);
    this.files.buildFs();
    this.attach("fs");
    this.files.buildFiles(init, this.tasks);
    this.files.ttys.attachCtty(this.groups);
  }

  /**
   * makeFiles before the tasks are adopted (user-space restart): attach both with attachAll.
   * `tasks`: the forked tasks in the image's order (proc files are looked up through them).
   */
  buildFiles(viewer: Task, tasks: readonly (Task | undefined)[]): void {
    this.files.buildFs();
    this.files.buildFiles(viewer, tasks);
    this.files.ttys.attachCtty(this.groups);
  }

  /** Fs contexts and fd tables to every adopted task, then the event files (fillEventFiles). */
  attachAll(): void {
    this.attach("fs");
    this.attach("files");
    this.files.fillEventFiles(this.tasks);
  }

  /**
   * Give every live task its fd table, shared as recorded (fs contexts went in with makeFiles);
   * then fill the epoll sets and arm the timerfds, whose wake-ups may now reach the tasks.
   */
  attachFiles(): void {
    this.attach("files");
    this.files.fillEventFiles(this.tasks);
  }

  private attach(what: "files" | "fs"): void {
    const r = this.k.kobj;
    this.model.tasks.forEach((rec, i) => {
      const t = this.tasks[i];
      if (t === undefined || rec.state === "zombie") return;
      const id = what === "files" ? rec.filesId : rec.fsId;
      if (id === null) return;
      const obj = what === "files" ? this.files.fdTables.get(id) : this.files.fsContexts.get(id);
      if (obj === undefined) throw new CrError(EINVAL, `task ${rec.id} names ${what === "files" ? "fd table" : "fs context"} ${id}, which the image does not have`);
      r.get(obj, `restart: task ${what}`);
      if (what === "files") t.files = obj as import("../../../machine/fs/fdtable.ts").FilesStruct;
      else t.fs = obj as import("../../../machine/fs/fs-struct.ts").FsStruct;
    });
  }

  /**
   * Create task `rec` (parents and group leaders exist already). A live task is registered with
   * `body` as its kernel-context restore (it returns to user mode when the body ends); a zombie
   * is complete at once.
   */
  createTask(
    rec: TaskRecord,
    body: ((t: Task) => Generator<import("../../../machine/kernel/kthread.ts").KthreadYield, number, void>) | null,
    owner: import("../../../machine/kernel/module.ts").Module | null,
    onAbandon?: (t: Task) => () => void,
  ): Task {
    const k = this.k;
    const r = k.kobj;
    const m = this.model;
    if (rec.id !== this.tasks.length + 1) throw new CrError(EINVAL, `task records out of order at task ${rec.id}`);
    const need = <T>(map: Map<number, T>, id: number, what: string): T => {
      const x = map.get(id);
      if (x === undefined) throw new CrError(EINVAL, `task ${rec.id} names ${what} ${id}, which the image does not have`);
      return x;
    };
    const pid = need(this.pids, rec.pidId, "pid");
    if (pid.task !== null) throw new CrError(EINVAL, `task ${rec.id} reuses the pid of another task`);
    const group = need(this.groups, rec.threadGroupId, "thread group");
    const groupRec = this.groupRecs.get(rec.threadGroupId)!;
    const leader = groupRec.leaderTaskId === rec.id;
    if (!leader && (groupRec.leaderTaskId > rec.id || this.tasks[groupRec.leaderTaskId - 1] === undefined)) {
      throw new CrError(EINVAL, `task ${rec.id} is a thread of group ${groupRec.id} whose leader ${groupRec.leaderTaskId} comes later`);
    }
    const sighand = need(this.sighands, rec.sighandId, "sighand");
    const cred = need(this.creds, rec.credId, "cred");
    const zombie = rec.state === "zombie";
    const nsproxy = need(this.nsproxies, rec.pidNsForChildrenId ?? m.container.pidNsId, "pid namespace");
    let mm: Mm;
    if (zombie) mm = new Mm(k.frames, r, `${this.why}: zombie`);
    else {
      if (rec.mmId === null || rec.regs === null) throw new CrError(EINVAL, `live task ${rec.id} has no mm or registers`);
      mm = need(this.mms, rec.mmId, "mm");
      r.get(mm);
    }
    const hart = new Hart(mm);
    let t: Task;
    try {
      t = new Task(r, pid, group, sighand, cred, nsproxy, rec.comm.slice(0, 15), hart, this.why);
    } catch (e) {
      r.put(mm, "restart: the task was not made"); // the reference taken for it above
      throw e;
    }
    this.tasks.push(t);
    pid.task = t;
    if (leader) group.leader = t;
    let parent: Task | null = rec.parentTaskId === null ? this.caller : this.tasks[rec.parentTaskId - 1] ?? null;
    if (parent === null || parent === t) throw new CrError(EINVAL, `task ${rec.id}'s parent ${rec.parentTaskId} comes later`);
    if (!leader) parent = group.leader.parent;
    t.parent = parent;
    parent?.children.add(t);
    t.exitSignal = rec.exitSignal;
    t.pdeathSignal = rec.pdeathSignal;
    restoreAuditAndRobust(k, t, rec);
    for (const ns of this.nsById.values()) if (ns.reaper === null && pid.nrIn(ns) === 1) ns.reaper = t;
    if (rec.vforkParentTaskId !== null) t.vforkParent = this.tasks[rec.vforkParentTaskId - 1] ?? null;
    if (this.freezerGroup !== null) {
      const g = k.freezer.groupAt(this.freezerGroup, rec.freezerPath);
      if (g !== k.freezer.root) k.freezer.attach(g, t);
    }
    if (zombie) {
      t.state = "zombie";
      t.exit = rec.exit === undefined ? { code: 0 } : { ...rec.exit };
      r.put(mm, "restart: zombie has no mm");
      r.put(t.nsproxy!, "restart: zombie has no nsproxy");
      t.nsproxy = null;
      k.tasks.set(t.id, t);
      k.stats.tasksCreated++;
      return t;
    }
    group.threads.add(t);
    if (body !== null) t.kthread = { body: body(t), owner, shouldStop: false, steps: 0, resumeUser: true, onAbandon: onAbandon?.(t) };
    k.registerTask(t);
    return t;
  }

  /**
   * A task a user-space restarter forked becomes task `rec` (records in order, every shared
   * object made): it takes the restored thread group, handlers, credentials, namespaces and
   * memory, its recorded parent and exit signal; what fork gave it is dropped (those objects
   * were created only to be destroyed here, and the trace counts them). A zombie record makes
   * it a zombie at once, silently. Cannot fail: every check was made before (checkAdoptable).
   */
  adoptTask(rec: TaskRecord, t: Task, restarter: Task): void {
    const k = this.k;
    const r = k.kobj;
    this.tasks.push(t);
    const group = this.groups.get(rec.threadGroupId)!;
    const leader = this.groupRecs.get(rec.threadGroupId)!.leaderTaskId === rec.id;
    const swap = <T extends KObject>(next: T, prev: T): T => {
      r.get(next, "restart: adopt");
      r.put(prev, "restart: replaced by the image's");
      return next;
    };
    t.group.threads.delete(t);
    t.group = swap(group, t.group);
    if (leader) group.leader = t;
    t.sighand = swap(this.sighands.get(rec.sighandId)!, t.sighand);
    t.setCred(this.creds.get(rec.credId)!);
    let parent: Task | null = rec.parentTaskId === null ? restarter : this.tasks[rec.parentTaskId - 1];
    if (!leader) parent = group.leader.parent;
    if (t.parent !== parent) {
      t.parent?.children.delete(t);
      t.parent = parent;
      parent?.children.add(t);
    }
    t.exitSignal = rec.exitSignal;
    t.pdeathSignal = rec.pdeathSignal;
    restoreAuditAndRobust(k, t, rec);
    t.comm = rec.comm.slice(0, 15);
    t.pending.signals = 0n;
    t.pending.queue.length = 0;
    t.restartCode = 0;
    t.restart = null;
    t.vforkParent = rec.vforkParentTaskId === null ? null : this.tasks[rec.vforkParentTaskId - 1] ?? null;
    if (this.freezerGroup !== null) k.freezer.attach(k.freezer.groupAt(this.freezerGroup, rec.freezerPath), t);
    exitTaskFiles(k, t);
    const nsproxy = this.nsproxies.get(rec.pidNsForChildrenId ?? this.model.container.pidNsId)!;
    if (rec.state === "zombie") {
      r.put(t.mm, "restart: a zombie has no mm");
      if (t.nsproxy !== null) r.put(t.nsproxy, "restart: a zombie has no nsproxy");
      t.nsproxy = null;
      k.sched.remove(t);
      leaveWaitQueues(t);
      t.state = "zombie";
      t.exit = rec.exit === undefined ? { code: 0 } : { ...rec.exit };
      return;
    }
    group.threads.add(t);
    t.nsproxy = swap(nsproxy, t.nsproxy!);
    const old = t.mm;
    const mm = this.mms.get(rec.mmId!)!;
    r.get(mm, "restart: adopt");
    t.hart = new Hart(mm);
    r.put(old, "restart: replaced by the image's");
  }

  /**
   * Every task is restored: put the tree in place, continue the namespaces' numbering where it
   * was, and arm the process timers on this machine's clock.
   */
  commit(): void {
    const m = this.model;
    for (const rec of m.pidNamespaces) {
      const ns = this.nsById.get(rec.id)!;
      ns.lastPid = rec.lastPid;
      ns.allocating = rec.allocating;
    }
    // Each mm's copy of its process's RLIMIT_STACK (exec, setrlimit and fork keep it in step).
    for (const t of this.tasks) if (t.alive) t.mm.stackLimit = stackBytes(rlimit(this.k, t.group, RLIMIT_STACK).cur);
    // A restored container is always bounded: its group keeps a pids.max set before, else gets
    // room for twice the tasks it has now (at least CONTAINER_PIDS_MAX): a tree of 10,000 tasks
    // restores and grows, a flipped byte that makes a workload a fork bomb meets EAGAIN.
    const g = this.freezerGroup;
    if (g !== null && g !== this.k.freezer.root && g.pidsMax === Infinity) g.pidsMax = Math.max(CONTAINER_PIDS_MAX, 2 * g.pidsCurrent());
    const ns = this.initNs;
    for (const g of m.threadGroups) {
      const tg = this.groups.get(g.id)!;
      restoreTimers(tg, g, this.tasks, m.tasks, this.timerSigInfos);
      restoreGroupPending(tg.leader, g, ns, this.timerSigInfos);
      if (g.itimerRealLeft > 0) armItimerReal(this.k, tg.leader, this.k.clock + g.itimerRealLeft);
      armTimers(this.k, tg, g);
    }
    this.release(false);
  }

  /** Undo everything: tasks first (newest first), then the shared objects, then the tree. */
  abort(): void {
    const k = this.k;
    const r = k.kobj;
    for (const t of [...this.tasks].reverse()) {
      k.sched.remove(t);
      k.tasks.delete(t.id);
      k.freezer.exit(t);
      t.parent?.children.delete(t);
      t.group.threads.delete(t);
      t.pid.task = null;
      for (const ns of this.nsById.values()) if (ns.reaper === t) ns.reaper = null;
      leaveWaitQueues(t);
      if (t.state !== "zombie") {
        r.put(t.mm, "restart aborted");
        exitTaskFiles(k, t);
      }
      t.kthread = null;
      t.state = "dead";
    }
    this.release(true);
  }

  /** Drop the creation references; with `tasks`, the tasks' own references too (abort). */
  release(tasks = false): void {
    const r = this.k.kobj;
    if (tasks) {
      for (const t of this.tasks) r.put(t, "restart aborted");
      this.tasks.length = 0;
      this.tree.abort();
    } else this.tree.commit();
    this.files.release();
    for (const o of this.mms.values()) r.put(o, "restart: creation ref");
    for (const o of this.shmem.values()) o.put();
    for (const f of this.cow.values()) this.k.frames.put(f);
    this.cow.clear();
    for (const o of this.nsproxies.values()) r.put(o, "restart: creation ref");
    for (const o of this.groups.values()) r.put(o, "restart: creation ref");
    for (const o of this.sighands.values()) r.put(o, "restart: creation ref");
    for (const o of this.creds.values()) r.put(o, "restart: creation ref");
    for (const o of this.pids.values()) r.put(o, "restart: creation ref");
    for (const o of this.nsById.values()) r.put(o, "restart: creation ref");
    this.mms.clear();
    this.shmem.clear();
    this.nsproxies.clear();
    this.groups.clear();
    this.sighands.clear();
    this.creds.clear();
    this.pids.clear();
    this.nsById.clear();
  }
}
