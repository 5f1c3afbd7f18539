// The collector: a frozen container's kernel state into a CheckpointModel (kernel → model).
// It reads and never changes anything, so a checkpoint that fails halfway leaves the container
// exactly as it was; the initiator thaws it and returns the error.
//
// The container is a pid namespace: its init (pid 1 there) and every task whose namespace is it
// or below it. Tasks are recorded parents first, each group leader followed by its threads, so
// a restore can create them in order.
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import type { Pid, PidNamespace } from "../../../machine/kernel/pid.ts";
import type { SigInfo } from "../../../machine/kernel/siginfo.ts";
import { CAP_FULL_SET, type Cred } from "../../../machine/kernel/cred.ts";
import { AUDIT_UNSET, type SigAction, type SigHand, type SigPending, type Task, type ThreadGroup } from "../../../machine/kernel/task.ts";
import { CrError, EINVAL, EOPNOTSUPP, ESRCH } from "../errors.ts";
import { MODEL_ARCH, MODEL_PAGE_SIZE, MODEL_VERSION, type CheckpointModel, type CredRecord, type PidNsRecord, type PidRecord, type RegsRecord, type SigHandRecord, type SigInfoRecord, type SigPendingRecord, type SyscallRecord, type TaskRecord, type ThreadGroupRecord } from "../model.ts";
import { FilesCollector } from "./files.ts";
import { TtyCollector } from "./ttys.ts";
import { IdMap } from "./ids.ts";
import { groupTimersAndFlags, taskSchedAndFlags } from "./task-state.ts";
import { collectMm, type MmCollector } from "./mm.ts";

/** Every task of the container, in restore order: parents first, leaders before their threads. */
export function containerTasks(k: Kernel, init: Task): Task[] {
  const ns = init.pidNs;
  const inside = (t: Task): boolean => ns.contains(t.pidNs);
  const nr = (t: Task): number => t.pid.nrIn(ns);
  const out: Task[] = [];
  const seen = new Set<Task>();
  const emitGroup = (leader: Task): void => {
    const g = leader.group;
    const members = [leader, ...[...g.threads].filter((t) => t !== leader).sort((a, b) => nr(a) - nr(b))];
    for (const t of members) if (!seen.has(t)) { seen.add(t); out.push(t); }
  };
  emitGroup(init.group.leader);
  for (let i = 0; i < out.length; i++) {
    const kids = [...out[i].children].filter((c) => inside(c) && c.isLeader && c.state !== "dead").sort((a, b) => nr(a) - nr(b));
    for (const c of kids) emitGroup(c);
  }
  const all = [...k.tasks.values()].filter((t) => inside(t) && t.state !== "dead");
  const missed = all.filter((t) => !seen.has(t));
  if (missed.length > 0) {
    throw new CrError(EOPNOTSUPP, `tasks ${missed.map((t) => `${t.id} (${t.comm})`).join(", ")} are in the container but not below its init`);
  }
  return out;
}

/** The first n values of a typed array as a plain array (faster than Array.from on hot paths). */
function copyOut(src: Int32Array | Uint32Array, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = src[i];
  return out;
}

/** What a self-initiated checkpoint changes in the collection of its own caller. */
export interface CollectOptions {
  /**
   * The task that called sys_checkpoint on its own container: it is recorded as returning from
   * that call with `ret` (the restarted program's view), and its image fd `fd` is left out of
   * its fd table (the image is not part of itself).
   */
  self?: { task: Task; fd: number; ret: number };
  /** The deliberate bug "zero-page-abort" (bugs.ts): a page mapped to the zero page aborts the dump. */
  zeroPageAbort?: boolean;
}

import { pidNsInum } from "../../../machine/fs/proc/pid-misc.ts";

class Collector implements MmCollector {
  readonly mmIds = new IdMap<import("../../../machine/mm/mm.ts").Mm>();
  readonly cowIds = new IdMap<import("../../../machine/mm/frame.ts").Frame>();
  readonly cowPages: CheckpointModel["cowPages"] = [];
  readonly shmemIds = new IdMap<import("../../../machine/mm/shmem.ts").ShmemObject>();
  readonly mms: CheckpointModel["mms"] = [];
  readonly shmem: CheckpointModel["shmem"] = [];
  readonly files: FilesCollector;
  readonly ttys: TtyCollector;
  readonly zeroPageAbort: boolean;
  private readonly taskIds = new Map<Task, number>();
  private readonly pidIds = new IdMap<Pid>();
  private readonly nsIds = new IdMap<PidNamespace>();
  private readonly groupIds = new IdMap<ThreadGroup>();
  private readonly sighandIds = new IdMap<SigHand>();
  private readonly credIds = new IdMap<Cred>();
  /**
   * The action records of each handler table already recorded: handler sets that share a table
   * (copy-on-write since fork) share the records too, so a tree of forked tasks costs one table,
   * and reading the table never makes the kernel copy it.
   */
  private readonly actionRecords = new Map<readonly Readonly<SigAction>[], SigHandRecord["actions"]>();
  readonly pids: PidRecord[] = [];
  readonly pidNamespaces: PidNsRecord[] = [];
  readonly threadGroups: ThreadGroupRecord[] = [];
  readonly sighands: SigHandRecord[] = [];
  readonly creds: CredRecord[] = [];
  readonly tasks: TaskRecord[] = [];
  /** Global pid → number in the container's namespace, for siginfo senders. */
  private readonly globalToNr = new Map<number, number>();

  constructor(
    private readonly k: Kernel,
    private readonly ns: PidNamespace,
    private readonly freezerBase: string,
    private readonly opts: CollectOptions,
  ) {
    this.zeroPageAbort = opts.zeroPageAbort === true;
    const files = opts.self === undefined ? null : opts.self.task.files;
    this.files = new FilesCollector(k, k.vfs, ns, (p, what) => this.pidId(p, what), files === null ? undefined : { files, fd: opts.self!.fd });
    this.files.pidNsIdByInum = (inum) => {
      for (const t of this.taskIds.keys()) {
        for (const ns of [t.pidNs, t.nsproxy === null ? null : t.pidNsForChildren]) {
          if (ns !== null && this.ns.contains(ns) && pidNsInum(ns) === inum) return this.nsId(ns);
        }
      }
      return null;
    };
    this.ttys = new TtyCollector(k, (p, what) => this.pidId(p, what));
    this.files.ttys = this.ttys;
  }

  inodeId(inode: import("../../../machine/fs/tmpfs/tmpfs.ts").TmpfsFile, path: string): number {
    return this.files.inodeId(inode, path);
  }

  isExternal(inodeId: number): boolean {
    return this.files.isExternal(inodeId);
  }

  nsId(ns: PidNamespace): number {
    if (!this.ns.contains(ns)) throw new CrError(EOPNOTSUPP, `pid namespace ${ns.id} is outside the container`);
    const { id, fresh } = this.nsIds.lookup(ns);
    if (fresh) {
      const rec: PidNsRecord = { id, parentId: null, lastPid: ns.lastPid, allocating: ns.allocating };
      this.pidNamespaces.push(rec);
      if (ns !== this.ns) rec.parentId = this.nsId(ns.parent!);
    }
    return id;
  }

  pidId(p: Pid, what: string): number {
    if (p.nrIn(this.ns) === 0) throw new CrError(EOPNOTSUPP, `${what} (pid ${p.numbers[0].nr}) is outside the container's pid namespace`);
    const { id, fresh } = this.pidIds.lookup(p);
    if (fresh) {
      const levels = p.numbers.slice(this.ns.level);
      this.pids.push({ id, numbers: levels.map((u) => u.nr), nsIds: levels.map((u) => this.nsId(u.ns)) });
    }
    return id;
  }

  sigInfo(si: SigInfo): SigInfoRecord {
    // The model has no si_band / si_fd yet: a queued F_SETSIG signal would come back without them.
    if (si.band !== undefined) throw new CrError(EOPNOTSUPP, `a queued signal ${si.signo} carries si_band/si_fd (an O_ASYNC or lease signal): checkpoint/restart of those is not implemented yet`);
    const r: SigInfoRecord = { signo: si.signo, code: si.code };
    if (si.errno !== undefined) r.errno = si.errno;
    if (si.pid !== undefined) r.pidNr = this.globalToNr.get(si.pid) ?? 0;
    if (si.uid !== undefined) r.uid = si.uid;
    if (si.status !== undefined) r.status = si.status;
    if (si.addr !== undefined) r.addr = si.addr;
    if (si.value !== undefined) r.value = si.value;
    if (si.raw !== undefined) r.raw = si.raw.slice();
    if (si.timerId !== undefined) {
      r.timerId = si.timerId;
      r.overrun = si.overrun ?? 0;
    }
    return r;
  }

  pending(p: SigPending): SigPendingRecord {
    return { signals: p.signals, queue: p.queue.map((si) => this.sigInfo(si)) };
  }

  groupId(g: ThreadGroup): number {
    const { id, fresh } = this.groupIds.lookup(g);
    if (!fresh) return id;
    const left = g.itimerReal.deadline > 0 ? Math.max(1, g.itimerReal.deadline - this.k.clock) : 0;
    this.threadGroups.push({
      id, leaderTaskId: 0, pgrpPidId: this.pidId(g.pgrp, "a process group"), sessionPidId: this.pidId(g.session, "a session"),
      sharedPending: this.pending(g.sharedPending), groupExit: g.groupExit,
      ...(g.groupExitStatus !== undefined ? { groupExitStatus: { ...g.groupExitStatus } } : {}),
      stopped: g.stopped, notifyStop: g.notifyStop, notifyContinue: g.notifyContinue, stopSignal: g.stopSignal,
      isChildSubreaper: g.isChildSubreaper, hasChildSubreaper: g.hasChildSubreaper, didExec: g.didExec,
      itimerRealLeft: left, itimerRealInterval: g.itimerReal.interval,
      itimerVirt: { ...g.itimerVirt }, itimerProf: { ...g.itimerProf },
      ...(g.oomScoreAdj !== 0 ? { oomScoreAdj: g.oomScoreAdj } : {}),
      ...(g.oomScoreAdjMin !== 0 ? { oomScoreAdjMin: g.oomScoreAdjMin } : {}),
      ...(g.rlimits !== null && { rlimits: g.rlimits.map((l) => ({ cur: l.cur, max: l.max })) }),
      ...(g.tty !== null && { ttyId: this.ttys.pairId(g.tty) }),
      ...groupTimersAndFlags(g, this.k.clock, (t) => this.taskIds.get(t)),
    });
    return id;
  }

  sighandId(s: SigHand): number {
    const { id, fresh } = this.sighandIds.lookup(s);
    if (fresh) {
      const table = s.entries;
      let actions = this.actionRecords.get(table);
      if (actions === undefined) {
        actions = new Array<SigHandRecord["actions"][number]>(table.length);
        for (let i = 0; i < actions.length; i++) {
          const a = table[i];
          actions[i] = { handler: a.handler, flags: a.flags, restorer: a.restorer, mask: a.mask };
        }
        this.actionRecords.set(table, actions);
      }
      this.sighands.push({ id, actions });
    }
    return id;
  }

  credId(c: Cred): number {
    const { id, fresh } = this.credIds.lookup(c);
    if (fresh) {
      this.creds.push({
        id, uid: c.uid, euid: c.euid, suid: c.suid, fsuid: c.fsuid, gid: c.gid, egid: c.egid, sgid: c.sgid, fsgid: c.fsgid,
        capEffective: c.capEffective, capPermitted: c.capPermitted,
        // Only when not the default, so that images of tasks that never changed them stay as they were.
        ...(c.capInheritable !== 0 ? { capInheritable: c.capInheritable } : {}),
        ...(c.capBset !== CAP_FULL_SET ? { capBset: c.capBset } : {}),
        ...(c.capAmbient !== 0 ? { capAmbient: c.capAmbient } : {}),
        ...(c.groups.length > 0 && { groups: [...c.groups] }),
      });
    }
    return id;
  }

  syscall(t: Task): SyscallRecord | null {
    if (t.restartCode === 0 || t === this.opts.self?.task) return null;
    const r = t.restart;
    const rec: SyscallRecord = { restartCode: t.restartCode, block: null };
    if (r !== null) {
      const block: Record<string, number | string | boolean> = {};
      for (const [key, v] of Object.entries(r)) {
        if (v === undefined || key === "interrupted") continue; // the re-executed call rebuilds its callback
        if (key === "deadline") rec.deadlineLeft = Math.max(0, (v as number) - this.k.clock);
        else if (key === "vforkChild") {
          const child = this.k.tasks.get(v as number);
          const id = child === undefined ? undefined : this.taskIds.get(child);
          if (id === undefined) throw new CrError(EOPNOTSUPP, `task ${t.id} waits for vfork child ${String(v)} outside the container`);
          rec.vforkChildTaskId = id;
        } else if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") block[key] = v;
        else throw new CrError(EOPNOTSUPP, `task ${t.id} (${t.comm}) is inside syscall ${r.nr} with state "${key}" the model cannot carry`);
      }
      rec.block = block;
    }
    if (t.rwAfterHandler !== null) rec.afterHandler = { ...t.rwAfterHandler };
    return rec;
  }

  /** The registers; a self-checkpointing caller's are those of its return from sys_checkpoint. */
  private regs(t: Task): RegsRecord {
    const h = t.hart;
    const r: RegsRecord = { x: copyOut(h.x, 32), pc: h.pc, f: copyOut(h.f, h.f.length), fcsr: h.fcsr };
    const self = this.opts.self;
    if (t === self?.task && t.restartCode !== 0) {
      // Asleep on its ecall (the call re-executes until the job is done): step over it.
      r.pc = (h.pc + 4) >>> 0;
      r.x[10] = self.ret;
    }
    return r;
  }

  task(t: Task): void {
    const id = this.taskIds.get(t)!;
    const zombie = !t.alive;
    const h = t.hart;
    const parent = t.parent !== null ? this.taskIds.get(t.parent) ?? null : null;
    const files = t.files;
    const fs = t.fs;
    const rec: TaskRecord = {
      id, pidId: this.pidId(t.pid, `task ${t.id}`), parentTaskId: parent, threadGroupId: this.groupId(t.group),
      sighandId: this.sighandId(t.sighand), credId: this.credId(t.cred),
      mmId: zombie ? null : collectMm(this, t.mm, (v) => (v.backing.kind === "file" ? this.files.name(v.backing.path) : ""), (p) => this.files.name(p)),
      filesId: files === null ? null : this.files.filesId(files),
      fsId: fs === null ? null : this.files.fsId(fs),
      pidNsForChildrenId: t.nsproxy === null ? null : this.nsId(t.pidNsForChildren),
      comm: t.comm, state: zombie ? "zombie" : t.state === "stopped" ? "stopped" : "running",
      exitSignal: t.exitSignal, pdeathSignal: t.pdeathSignal,
      regs: zombie ? null : this.regs(t),
      syscall: zombie ? null : this.syscall(t),
      blocked: t.blocked, savedMask: t.savedMask, pending: this.pending(t.pending), sas: { ...t.sas },
      clearChildTid: t.clearChildTid, sigWaitSet: t.sigWaitSet, cpuCycles: t.cpuCycles, instret: h.instret,
      freezerPath: this.freezerPath(t), vforkParentTaskId: t.vforkParent === null ? null : this.taskIds.get(t.vforkParent) ?? null,
    };
    if (t.exit !== undefined) rec.exit = { ...t.exit };
    if (t.loginuid !== AUDIT_UNSET) rec.loginuid = t.loginuid;
    if (t.sessionid !== AUDIT_UNSET) rec.sessionid = t.sessionid;
    if (t.robustList !== 0) rec.robustList = t.robustList;
    Object.assign(rec, taskSchedAndFlags(t));
    this.tasks.push(rec);
  }

  private freezerPath(t: Task): string {
    const p = this.k.freezer.groupOf(t).path;
    if (p === this.freezerBase) return "";
    const base = this.freezerBase === "/" ? "/" : `${this.freezerBase}/`;
    if (!p.startsWith(base)) throw new CrError(EOPNOTSUPP, `task ${t.id} is in freezer cgroup ${p}, outside the container's ${this.freezerBase}`);
    return p.slice(base.length);
  }

  run(tasks: Task[]): void {
    tasks.forEach((t, i) => {
      this.taskIds.set(t, i + 1);
      this.globalToNr.set(t.id, t.pid.nrIn(this.ns));
    });
    for (const t of tasks) this.task(t);
    for (const t of tasks) {
      const gid = this.groupIds.get(t.group)!;
      if (t.isLeader) this.threadGroups[gid - 1].leaderTaskId = this.taskIds.get(t)!;
    }
    const orphan = this.threadGroups.find((g) => g.leaderTaskId === 0);
    if (orphan !== undefined) throw new CrError(EOPNOTSUPP, `thread group ${orphan.id} has its leader outside the container`);
    this.files.checkClosed();
  }
}

/**
 * Take a model of the container whose init is `init` (frozen by the caller). Throws CrError with
 * the reason when something in it cannot be carried.
 */
export function collectContainer(k: Kernel, init: Task, producer: string, opts: CollectOptions = {}): CheckpointModel {
  const ns = init.pidNs;
  if (ns.reaper !== init || init.pid.nrIn(ns) !== 1) throw new CrError(EINVAL, `pid ${init.id} is not the init of a pid namespace`);
  if (!init.alive) throw new CrError(ESRCH, `the container's init (pid ${init.id}) has exited`);
  const tasks = containerTasks(k, init);
  const freezerBase = k.freezer.groupOf(init).path;
  const c = new Collector(k, ns, freezerBase, opts);
  const fs = init.fs;
  const vfs = k.vfs;
  let treeRoot = "/";
  if (fs !== null && fs.pwd.mnt === vfs.rootMount && fs.pwd.dentry !== vfs.rootMount.root) {
    treeRoot = c.files.name(fs.pwd);
    if (fs.pwd.dentry.deleted) throw new CrError(EOPNOTSUPP, `the container's working directory ${treeRoot} was removed`);
    c.files.collectTree(fs.pwd.dentry);
  }
  c.nsId(ns);
  c.run(tasks);
  return {
    version: MODEL_VERSION, arch: MODEL_ARCH, pageSize: MODEL_PAGE_SIZE,
    meta: { clock: k.clock, producer },
    container: { initTaskId: 1, pidNsId: 1, treeRoot, freezerGroup: freezerBase === "/" ? "" : freezerBase },
    pidNamespaces: c.pidNamespaces, pids: c.pids, tasks: c.tasks, threadGroups: c.threadGroups, sighands: c.sighands,
    creds: c.creds, mms: c.mms, cowPages: c.cowPages, shmem: c.shmem, inodes: c.files.inodes, tree: c.files.tree, pipes: c.files.pipes,
    files: c.files.files, fdTables: c.files.fdTables, fsContexts: c.files.fsContexts,
    ...(c.ttys.ttys.length > 0 && { ttys: c.ttys.ttys }),
    ...(c.files.sockets.socks.length > 0 ? { unixSocks: c.files.sockets.socks } : {}),
  };
}
