// The writing order of a ckpt stream (Oren's checkpoint_container → checkpoint_tree →
// checkpoint_task, each shared object written at its first use): the prologue, then per task
// the shared objects it is the first to use and the task itself, then what no task reaches,
// then the dentries and the trailer. Chunks are handed out after each task or object, so a
// consumer (a pipe) sees the image while it is written.
import type { CheckpointModel, PageRecord } from "../../../core/cr/index.ts";
import { CKPT_PAGE_SIZE, type ObjKind } from "./layout.ts";
import { TAIL_CRC_AT, writeContainer, writeHeader, writePidNsTree, writeTail, writeTree } from "./objects-header.ts";
import { writeDentry, writeFile, writeFileTable, writeFs, writeInode, writePipe } from "./objects-files.ts";
import { writeCowPage, writeMm, writeShmem } from "./objects-mm.ts";
import { writeTty } from "./objects-tty.ts";
import { writeUnixSock } from "./objects-sockets.ts";
import { writeSighand, writeSignal } from "./objects-signal.ts";
import { writeCred, writePid, writeTask } from "./objects-task.ts";
import { ObjRefs } from "./objhash.ts";
import { EncodeError, RecordWriter } from "./writer.ts";

/** One model list as the encoder walks it: each object by id, with its slot. */
class Index<T> {
  private readonly byId = new Map<number, { obj: T; slot: number }>();
  constructor(readonly kind: ObjKind, readonly list: readonly T[], idOf: (x: T) => number) {
    list.forEach((obj, slot) => {
      const id = idOf(obj);
      if (this.byId.has(id)) throw new EncodeError(`two ${kind} objects have id ${id}: ids must be unique within their list`);
      this.byId.set(id, { obj, slot });
    });
  }
  get(id: number, who: string): { obj: T; slot: number } {
    const e = this.byId.get(id);
    if (e === undefined) throw new EncodeError(`${who} names ${this.kind} ${id}, which is not in the model`);
    return e;
  }
}

/** The image's chunks, in batches (a batch per task or object; a big mm's pages are one). */
export function* encodeModel(m: CheckpointModel, runChecksums = true, w = new RecordWriter(runChecksums)): Generator<readonly Uint8Array[]> {
  if (m.pageSize !== CKPT_PAGE_SIZE) throw new EncodeError(`model page size ${m.pageSize}, the ckpt format has ${CKPT_PAGE_SIZE}`);
  const refs = new ObjRefs();
  const id = (x: { id: number }): number => x.id;
  const ix = {
    pid: new Index("pid", m.pids, id), cred: new Index("cred", m.creds, id), sighand: new Index("sighand", m.sighands, id),
    group: new Index("thread group", m.threadGroups, id), mm: new Index("mm", m.mms, id),
    cow: new Index<PageRecord>("cow page", m.cowPages, (p) => p.index), shmem: new Index("shmem", m.shmem, id),
    inode: new Index("inode", m.inodes, id), pipe: new Index("pipe", m.pipes, id), file: new Index("file", m.files, id),
    files: new Index("files", m.fdTables, id), fs: new Index("fs", m.fsContexts, id), tty: new Index("tty", m.ttys ?? [], id),
  };
  /** Writes the object unless the stream has it already; `deps` first writes what it names. */
  const once = <T>(x: Index<T>, oid: number | null, who: string, write: (obj: T, slot: number) => void, deps?: (obj: T) => void): void => {
    if (oid === null || refs.get(x.kind, oid) !== undefined) return;
    const { obj, slot } = x.get(oid, who);
    deps?.(obj);
    write(obj, slot);
  };
  const pid = (i: number, who: string): void => once(ix.pid, i, who, (p, s) => writePid(w, refs, p, s));
  const inode = (i: number, who: string): void => once(ix.inode, i, who, (n, s) => writeInode(w, refs, n, s));
  // A FIFO's pipe names its inode; a file's owner, locks and lease name pids: written first.
  const pipe = (i: number, who: string): void => once(ix.pipe, i, who, (p, s) => writePipe(w, refs, p, s), (p) => {
    if (p.inodeId !== undefined) inode(p.inodeId, `pipe ${p.id}`);
  });
  const shmem = (i: number, who: string): void => once(ix.shmem, i, who, (x, s) => writeShmem(w, refs, x, s));
  const cow = (i: number, who: string): void => once(ix.cow, i, who, (p, s) => writeCowPage(w, refs, p, s));
  // A pty's session and foreground group are pids: written first.
  const tty = (i: number, who: string): void => once(ix.tty, i, who, (t, s) => writeTty(w, refs, t, s), (t) => {
    for (const end of [t.master, t.slave]) {
      for (const p of [end.sessionPidId, end.pgrpPidId]) if (p !== null) pid(p, `pty ${t.index}`);
    }
  });
  /** Epoll files whose watched files are being written: one met again closes a loop. */
  const opening = new Set<number>();
  const file = (i: number, who: string): void => once(ix.file, i, who, (f, s) => writeFile(w, refs, f, s), (f) => {
    if (f.target.kind === "inode") inode(f.target.inodeId, `file ${f.id}`);
    if (f.target.kind === "pipe") pipe(f.target.pipeId, `file ${f.id}`);
    if (f.target.kind === "pidfd") pid(f.target.pidId, `file ${f.id}`);
    // Namespaces come first in every stream (CKPT_HDR_PIDNS_TREE): nothing to write before.
    if (f.target.kind === "inotify") for (const wt of f.target.watches) inode(wt.inodeId, `file ${f.id}`);
    if (f.target.kind === "pty") tty(f.target.ttyId, `file ${f.id}`);
    if (f.fown?.pidId !== undefined) pid(f.fown.pidId, `file ${f.id}`);
    for (const l of f.locks ?? []) pid(l.pidId, `file ${f.id}`);
    if (f.lease !== undefined) pid(f.lease.pidId, `file ${f.id}`);
    // An epoll's items name files by objref: those are written first (inner sets before outer).
    if (f.target.kind === "epoll") {
      if (opening.has(f.id)) throw new EncodeError(`epoll file ${f.id} watches itself through its items: an epoll loop`);
      opening.add(f.id);
      for (const it of f.target.items) file(it.fileId, `epoll file ${f.id}`);
      opening.delete(f.id);
    }
  });
  const all = {
    pid,
    cred: (i: number, who: string): void => once(ix.cred, i, who, (c, s) => writeCred(w, refs, c, s)),
    sighand: (i: number, who: string): void => once(ix.sighand, i, who, (h, s) => writeSighand(w, refs, h, s)),
    group: (i: number, who: string): void => once(ix.group, i, who, (g, s) => writeSignal(w, refs, g, s), (g) => {
      pid(g.pgrpPidId, `thread group ${g.id}`);
      pid(g.sessionPidId, `thread group ${g.id}`);
    }),
    mm: (i: number | null, who: string): void => once(ix.mm, i, who, (x, s) => writeMm(w, refs, x, s), (x) => {
      for (const v of x.vmas) {
        if (v.backing.kind === "shmem") shmem(v.backing.shmemId, `mm ${x.id}`);
        if (v.backing.kind === "file") inode(v.backing.inodeId, `mm ${x.id}`);
      }
      for (const c of x.cowRefs) cow(c.pageId, `mm ${x.id}`);
      if (x.exeInodeId !== undefined) inode(x.exeInodeId, `mm ${x.id} exe`);
    }),
    files: (i: number | null, who: string): void => once(ix.files, i, who, (t, s) => writeFileTable(w, refs, t, s), (t) => {
      for (const fd of t.fds) file(fd.fileId, `files ${t.id}`);
    }),
    // A removed root or cwd names its inode: written first, as a file's inode is.
    fs: (i: number | null, who: string): void => once(ix.fs, i, who, (f, s) => writeFs(w, refs, f, s), (f) => {
      if (f.rootInodeId !== undefined) inode(f.rootInodeId, `fs ${f.id}`);
      if (f.cwdInodeId !== undefined) inode(f.cwdInodeId, `fs ${f.id}`);
    }),
    cow, shmem, inode, pipe, file,
  };

  writeHeader(w, m, runChecksums);
  writePidNsTree(w, refs, m);
  writeTree(w, refs, m);
  writeContainer(w, refs, m);
  yield* w.drain();
  for (const t of m.tasks) {
    const who = `task ${t.id}`;
    all.pid(t.pidId, who); all.group(t.threadGroupId, who); all.sighand(t.sighandId, who); all.cred(t.credId, who);
    all.mm(t.mmId, who); all.files(t.filesId, who); all.fs(t.fsId, who);
    writeTask(w, refs, t);
    yield* w.drain();
  }
  // What no task reaches (an inode only in the tree, a pipe nobody holds open) comes last, in
  // list order; dependencies are still written before their users.
  const rest: [Index<{ id: number }> | Index<PageRecord>, (i: number, who: string) => void][] = [
    [ix.pid, all.pid], [ix.group, all.group], [ix.sighand, all.sighand], [ix.cred, all.cred], [ix.cow, all.cow],
    [ix.shmem, all.shmem], [ix.inode, all.inode], [ix.pipe, all.pipe], [ix.tty, tty], [ix.file, all.file], [ix.mm, all.mm],
    [ix.files, all.files], [ix.fs, all.fs],
  ];
  for (const [x, write] of rest) {
    for (const o of x.list) {
      write("id" in o ? o.id : o.index, "the model");
      yield* w.drain();
    }
  }
  // Sockets after every file and inode they name (they name each other by id).
  for (const s of m.unixSocks ?? []) {
    writeUnixSock(w, refs, s);
    yield* w.drain();
  }
  for (const d of m.tree) {
    all.inode(d.inodeId, `dentry ${JSON.stringify(d.path)}`);
    writeDentry(w, refs, d.path, d.inodeId);
  }
  yield* w.endRun();
  writeTail(w, w.checksum(TAIL_CRC_AT));
  yield* w.drain(true);
}
