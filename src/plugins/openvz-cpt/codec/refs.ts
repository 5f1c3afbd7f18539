// Reference checks after a decode: every id is unique within its list and every id an object
// names exists, so the restore helpers never meet a dangling reference. Messages name both ends
// ("task 3 at byte 900 names mm 7, which is not in the image").
import { IdIndex, ImageError } from "../../../core/cr/index.ts";
import type { CheckpointModel } from "../../../core/cr/index.ts";

const ADVICE = "the image is inconsistent; take the checkpoint again";

/**
 * Where each decoded object was read, for messages only: a valid image never asks. Kept as two
 * arrays and made a Map on the first lookup (a refusal), because a Map by object grew by
 * rehashing to ~100,000 entries for a 10,000-task image on every restart, and what survived of
 * its tables was the collector's to copy.
 */
export class ObjectOffsets {
  private readonly objs: object[] = [];
  private readonly offs: number[] = [];
  /** [object, the object whose offset it has]: objects the decoder made of another. */
  private readonly aliases: [object, object][] = [];
  private map: Map<object, number> | null = null;

  set(o: object, off: number): void {
    this.objs.push(o);
    this.offs.push(off);
    this.map?.set(o, off);
  }

  /** `o` was read where `from` was (0 if `from` was not read at all). */
  alias(o: object, from: object): void {
    this.aliases.push([o, from]);
    this.map = null;
  }

  get(o: object): number | undefined {
    if (this.map === null) {
      const map = new Map<object, number>();
      for (let i = 0; i < this.objs.length; i++) map.set(this.objs[i]!, this.offs[i]!);
      for (const [a, from] of this.aliases) map.set(a, map.get(from) ?? 0);
      this.map = map;
    }
    return this.map.get(o);
  }
}

class Ids {
  /** The objects by id (IdIndex: an array for the small ids a writer gives, a Map for others). */
  private readonly ids: IdIndex<object>;

  constructor(readonly kind: string, private readonly list: readonly ({ id: number } & object)[], private readonly at: ObjectOffsets) {
    this.ids = new IdIndex();
    // Indexed, as the loops below: run once per restart, for-of was not optimised and made an
    // iterator result per element (9 MiB of a 10,000-task restart).
    for (let i = 0; i < list.length; i++) {
      const x = list[i]!;
      const prev = this.ids.get(x.id);
      if (prev !== undefined) {
        throw new ImageError(`${kind} id ${x.id} appears twice, at byte ${at.get(prev)} and at byte ${at.get(x)}: ${ADVICE}`, at.get(x));
      }
      this.ids.set(x.id, x);
    }
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** Throws unless `id` is one of ours; `who` names the referring object. */
  need(id: number | null | undefined, who: object, whoName: string, field: string): void {
    if (id === null || id === undefined || this.has(id)) return;
    const have = this.list.map((x) => x.id);
    const list = have.length === 0 ? "there are none" : `the image has ${have.slice(0, 8).join(", ")}${have.length > 8 ? ", ..." : ""}`;
    const at = this.at.get(who);
    throw new ImageError(
      `${whoName}${at === undefined ? "" : ` at byte ${at}`} names ${this.kind} ${id} (${field}), which is not in the image (${list}): ${ADVICE}`,
      at,
    );
  }
}

export function checkReferences(m: CheckpointModel, at: ObjectOffsets): void {
  const ns = new Ids("pid namespace", m.pidNamespaces, at);
  const pids = new Ids("pid", m.pids, at);
  const tasks = new Ids("task", m.tasks, at);
  const groups = new Ids("thread group", m.threadGroups, at);
  const sighands = new Ids("sighand", m.sighands, at);
  const creds = new Ids("cred", m.creds, at);
  const mms = new Ids("mm", m.mms, at);
  const shmem = new Ids("shmem", m.shmem, at);
  const inodes = new Ids("inode", m.inodes, at);
  const pipes = new Ids("pipe", m.pipes, at);
  const files = new Ids("file", m.files, at);
  const fdTables = new Ids("files (fd table)", m.fdTables, at);
  const fs = new Ids("fs", m.fsContexts, at);
  const ttys = new Ids("tty", m.ttys ?? [], at);
  const socks = new Ids("socket", m.unixSocks ?? [], at);

  tasks.need(m.container.initTaskId, m.container, "the container (veinfo)", "initTaskId");
  ns.need(m.container.pidNsId, m.container, "the container (veinfo)", "pidNsId");
  for (const n of m.pidNamespaces) ns.need(n.parentId, n, `pid namespace ${n.id}`, "parentId");
  for (const p of m.pids) for (const id of p.nsIds) ns.need(id, p, `pid ${p.id}`, "nsIds");
  for (let i = 0; i < m.tasks.length; i++) {
    const t = m.tasks[i]!;
    const who = `task ${t.id}`;
    pids.need(t.pidId, t, who, "pidId");
    tasks.need(t.parentTaskId, t, who, "parentTaskId");
    groups.need(t.threadGroupId, t, who, "threadGroupId");
    sighands.need(t.sighandId, t, who, "sighandId");
    creds.need(t.credId, t, who, "credId");
    mms.need(t.mmId, t, who, "mmId");
    fdTables.need(t.filesId, t, who, "filesId");
    fs.need(t.fsId, t, who, "fsId");
    ns.need(t.pidNsForChildrenId, t, who, "pidNsForChildrenId");
    tasks.need(t.vforkParentTaskId, t, who, "vforkParentTaskId");
    tasks.need(t.syscall?.vforkChildTaskId, t, who, "syscall.vforkChildTaskId");
  }
  for (let i = 0; i < m.threadGroups.length; i++) {
    const g = m.threadGroups[i]!;
    const who = `thread group ${g.id}`;
    tasks.need(g.leaderTaskId, g, who, "leaderTaskId");
    pids.need(g.pgrpPidId, g, who, "pgrpPidId");
    pids.need(g.sessionPidId, g, who, "sessionPidId");
    ttys.need(g.ttyId, g, who, "ttyId");
    for (const t of g.posixTimers ?? []) tasks.need(t.targetTaskId, g, who, `posix timer ${t.id} target`);
  }
  for (const t of m.ttys ?? []) {
    for (const end of [t.master, t.slave]) {
      pids.need(end.sessionPidId, t, `tty ${t.id}`, "session");
      pids.need(end.pgrpPidId, t, `tty ${t.id}`, "foreground group");
    }
  }
  const cow = new Set(m.cowPages.map((p) => p.index));
  for (let i = 0; i < m.mms.length; i++) {
    const mm = m.mms[i]!;
    for (const c of mm.cowRefs) {
      if (!cow.has(c.pageId)) throw new ImageError(`mm ${mm.id} maps copy-on-write page ${c.pageId} at page 0x${c.index.toString(16)}, which is not in the image`, at.get(mm));
    }
    // The names are made only for a missing one (40,000 VMAs in a 10,000-task image).
    for (let j = 0; j < mm.vmas.length; j++) {
      const v = mm.vmas[j]!;
      const b = v.backing;
      if (b.kind === "shmem" && !shmem.has(b.shmemId)) shmem.need(b.shmemId, mm, `mm ${mm.id}`, `vma 0x${v.start.toString(16)} backing`);
      if (b.kind === "file" && !inodes.has(b.inodeId)) inodes.need(b.inodeId, mm, `mm ${mm.id}`, `vma 0x${v.start.toString(16)} backing`);
    }
  }
  for (const d of m.tree) inodes.need(d.inodeId, d, `dentry ${JSON.stringify(d.path)}`, "inodeId");
  for (let i = 0; i < m.files.length; i++) {
    const f = m.files[i]!;
    const who = `file ${f.id}`;
    if (f.target.kind === "inode") inodes.need(f.target.inodeId, f, who, "target");
    if (f.target.kind === "pipe") pipes.need(f.target.pipeId, f, who, "target");
    if (f.target.kind === "ns") ns.need(f.target.pidNsId, f, who, "namespace file target");
    if (f.target.kind === "pidfd") pids.need(f.target.pidId, f, who, "pidfd target");
    if (f.target.kind === "inotify") for (const w of f.target.watches) inodes.need(w.inodeId, f, who, `inotify watch ${w.wd}`);
    if (f.target.kind === "pty") ttys.need(f.target.ttyId, f, who, "target");
    if (f.target.kind === "socket") socks.need(f.target.sockId, f, who, "target");
    pids.need(f.fown?.pidId, f, who, "owner pid");
    if (f.locks !== undefined) {
      for (const l of f.locks) {
        pids.need(l.pidId, f, who, `${l.kind} lock pid`);
        fdTables.need(l.ownerFilesId, f, who, `${l.kind} lock owner`);
      }
    }
    pids.need(f.lease?.pidId, f, who, "lease pid");
    if (f.target.kind === "epoll") for (const it of f.target.items) files.need(it.fileId, f, `epoll ${who}`, `item fd ${it.fd}`);
  }
  for (const p of m.pipes) inodes.need(p.inodeId, p, `pipe ${p.id}`, "FIFO inode");
  for (let i = 0; i < m.fdTables.length; i++) {
    const t = m.fdTables[i]!;
    for (let j = 0; j < t.fds.length; j++) {
      const fd = t.fds[j]!;
      if (!files.has(fd.fileId)) files.need(fd.fileId, t, `files ${t.id}`, `fd ${fd.fd}`);
    }
  }
  for (const s of m.unixSocks ?? []) {
    const who = `socket ${s.id}`;
    socks.need(s.peerId, s, who, "peer");
    inodes.need(s.addrInodeId, s, who, "name inode");
    s.queue.forEach((q, i) => {
      socks.need(q.senderSockId, s, who, `skb ${i} sender`);
      socks.need(q.embryoSockId, s, who, `skb ${i} embryo`);
      for (const id of q.fileIds ?? []) files.need(id, s, who, `skb ${i} file`);
    });
  }
  for (let i = 0; i < m.fsContexts.length; i++) {
    const f = m.fsContexts[i]!;
    inodes.need(f.rootInodeId, f, `fs ${f.id}`, "removed root inode");
    inodes.need(f.cwdInodeId, f, `fs ${f.id}`, "removed cwd inode");
  }
}
