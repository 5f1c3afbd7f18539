// Files: CKPT_HDR_INODE (a tmpfs inode, its page cache as CKPT_HDR_PGARR children),
// CKPT_HDR_PIPE_BUF (a pipe and its buffered bytes as bulk), CKPT_HDR_FILE (an open file naming
// its inode or pipe by objref), CKPT_HDR_FILE_TABLE (fd -> file objref), CKPT_HDR_FS (root, cwd,
// umask; a CKPT_HDR_FS_DEAD_DIR child per removed root or cwd) and CKPT_HDR_DENTRY (a name in the
// container's tree).
import { INODE_EXT, INODE_EXT_UNWRITTEN, readExtIndices, writeExtIndices, readExt, writeExt } from "../../../core/cr/index.ts";
import type {
  FdRecord, FileRecord, FileTargetRecord, FilesRecord, FsRecord, InodeRecord, PipeRecord,
} from "../../../core/cr/index.ts";
import { NS_KINDS } from "../../../core/cr/index.ts";
import { EVENT_FILE_KINDS, isEventTarget, type EventFileTargetRecord } from "../../../core/cr/index.ts";
import type { ModelBuilder } from "./build.ts";
import { eventChild, writeEventFile } from "./objects-events.ts";
import {
  CKPT_FS_DEAD_DIR_VERSION, CKPT_HDR_DENTRY, CKPT_HDR_FILE, CKPT_HDR_FILE_TABLE, CKPT_HDR_FS, CKPT_HDR_FS_DEAD_DIR, CKPT_HDR_INODE,
  CKPT_HDR_INOTIFY, CKPT_HDR_MEMFD, CKPT_HDR_PIPE_BUF, CKPT_INOTIFY_VERSION, CKPT_MEMFD_VERSION, PIPE_MAX,
} from "./layout.ts";
import { fileStateChildren, fileStateCount, pipeStateChildren, pipeStateCount, writeFileState, writePipeState } from "./objects-file-state.ts";
import { pageChildren, writePages } from "./objects-mm.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import { EncodeError, type RecordWriter } from "./writer.ts";

const INODE_KINDS = ["file", "dir", "symlink", "sock", "fifo", "chr"] as const;
const I_TARGET = 1, I_EXTERNAL = 2, I_MEMFD = 4;

export function writeInode(w: RecordWriter, refs: ObjRefs, n: InodeRecord, slot: number): void {
  const what = `inode ${n.id}`;
  w.record(CKPT_HDR_INODE, what, () => {
    w.u32(refs.assign("inode", n.id), "objref"); w.u32(slot, "slot"); w.u32(n.id, "inode id");
    w.u32(INODE_KINDS.indexOf(n.kind), "inode kind");
    w.u32((n.target !== undefined ? I_TARGET : 0) | (n.externalPath !== undefined ? I_EXTERNAL : 0) | (n.memfd !== undefined ? I_MEMFD : 0), "flags");
    w.u32(n.pages.length, "page count");
    w.num(n.ino, "ino"); w.num(n.mode, "mode"); w.num(n.uid, "uid"); w.num(n.gid, "gid"); w.num(n.nlink, "nlink"); w.num(n.size, "size");
    w.s64(n.atimeNs, "atimeNs"); w.s64(n.mtimeNs, "mtimeNs"); w.s64(n.ctimeNs, "ctimeNs");
    w.str(n.target ?? "", "target");
    w.str(n.externalPath ?? "", "externalPath");
    // A device node's number, and the pages fallocate allocated but nothing wrote: nothing for
    // any other inode (their bytes are as they were).
    const unwritten = n.unwritten ?? [];
    if (writeExt(w, n, INODE_EXT, unwritten.length > 0 ? INODE_EXT_UNWRITTEN : 0) & INODE_EXT_UNWRITTEN) writeExtIndices(w, unwritten, "unwritten page");
  });
  writePages(w, n.pages, what);
  const mfd = n.memfd;
  if (mfd !== undefined) {
    w.record(CKPT_HDR_MEMFD, `${what} memfd`, () => {
      w.u32(CKPT_MEMFD_VERSION, "version"); w.u32(mfd.seals, "seals");
      w.str(mfd.name, "memfd name");
    });
  }
}

export function readInode(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("inode id");
  b.objs.define(r, "inode", objref, id, at);
  const kind = r.oneOf("inode kind", INODE_KINDS);
  const bits = r.flags("flags", I_TARGET | I_EXTERNAL | I_MEMFD);
  const np = r.u32("page count");
  const n: InodeRecord = {
    id, ino: r.num("ino"), kind, mode: r.num("mode"), uid: r.num("uid"), gid: r.num("gid"), nlink: r.num("nlink"),
    size: r.num("size"), atimeNs: r.s64("atimeNs"), mtimeNs: r.s64("mtimeNs"), ctimeNs: r.s64("ctimeNs"), pages: [],
  };
  const target = r.str("target"), externalPath = r.str("externalPath");
  if (readExt(r, r.left(), n, INODE_EXT, INODE_EXT_UNWRITTEN) & INODE_EXT_UNWRITTEN) n.unwritten = readExtIndices(r, r.left(), "unwritten page");
  r.done();
  if (bits & I_TARGET) n.target = target;
  else if (target !== "") r.fail("a target is written but not marked present");
  if (bits & I_EXTERNAL) n.externalPath = externalPath;
  else if (externalPath !== "") r.fail("an externalPath is written but not marked present");
  b.place("inodes", slot, n, r, at);
  pageChildren(b, n.pages, np, `pages of inode ${id}`);
  b.children([{
    type: CKPT_HDR_MEMFD, left: bits & I_MEMFD ? 1 : 0, what: `memfd of inode ${id}`,
    take: (c) => {
      const vAt = c.here();
      const version = c.u32("version");
      if (version !== CKPT_MEMFD_VERSION) c.fail(`CKPT_HDR_MEMFD version ${version} at byte ${vAt} is not ${CKPT_MEMFD_VERSION}, the only one this cptbench reads`, vAt);
      const seals = c.u32("seals");
      n.memfd = { name: c.str("memfd name"), seals };
      c.done();
    },
  }]);
}

export function writePipe(w: RecordWriter, refs: ObjRefs, p: PipeRecord, slot: number): void {
  if (p.buffered.length > PIPE_MAX) throw new EncodeError(`pipe ${p.id} holds ${p.buffered.length} bytes, over pipe-max-size ${PIPE_MAX}`);
  w.record(CKPT_HDR_PIPE_BUF, `pipe ${p.id}`, () => {
    w.u32(refs.assign("pipe", p.id), "objref"); w.u32(slot, "slot"); w.u32(p.id, "pipe id"); w.u32(pipeStateCount(p), "state count");
    w.view(p.buffered);
  });
  writePipeState(w, refs, p);
}

export function readPipe(b: ModelBuilder, r: FieldReader, buffered: Uint8Array): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("pipe id");
  b.objs.define(r, "pipe", objref, id, at);
  const nAt = r.here();
  const n = r.u32("state count");
  if (n > 1) r.fail(`state count at byte ${nAt} is ${n}: a pipe has at most one CKPT_HDR_PIPE_STATE`, nAt);
  r.done();
  const p: PipeRecord = { id, buffered };
  b.place("pipes", slot, p, r, at);
  b.children([pipeStateChildren(b, p, n)]);
}

/** A pty end is two kinds (master, slave) so that the record keeps its fields; new kinds go at the end. */
const TARGETS = ["inode", "pipe", "console", "device", "proc", "pty-master", "pty-slave", "socket", "pidfd", "inotify", "ns", ...EVENT_FILE_KINDS] as const;

const kindOf = (t: FileTargetRecord): (typeof TARGETS)[number] => (t.kind === "pty" ? (t.master ? "pty-master" : "pty-slave") : t.kind);

/**
 * A file record, then its children: an inotify file's instance or an event file's state
 * (objects-events.ts), then its owner, locks and lease (objects-file-state.ts).
 */
export function writeFile(w: RecordWriter, refs: ObjRefs, f: FileRecord, slot: number): void {
  const what = `file ${f.id}`;
  const t = f.target;
  w.record(CKPT_HDR_FILE, what, () => {
    w.u32(refs.assign("file", f.id), "objref"); w.u32(slot, "slot"); w.u32(f.id, "file id");
    w.u32(TARGETS.indexOf(kindOf(t)), "target kind");
    w.u32(
      t.kind === "inode" ? refs.ref("inode", t.inodeId, what) : t.kind === "pipe" ? refs.ref("pipe", t.pipeId, what) : t.kind === "console" ? t.stream
        : t.kind === "pty" ? refs.ref("tty", t.ttyId, what) : t.kind === "socket" ? t.sockId : t.kind === "pidfd" ? refs.ref("pid", t.pidId, what)
          : t.kind === "ns" && t.pidNsId !== undefined ? refs.ref("pid namespace", t.pidNsId, what) : 0,
      "target",
    );
    // The child count sits where a zero pad was: files without children keep their bytes.
    w.u32((t.kind === "inotify" || isEventTarget(t) ? 1 : 0) + fileStateCount(f), "child count");
    w.num(f.flags, "flags"); w.num(f.pos, "pos");
    w.str(t.kind === "inode" || t.kind === "device" || t.kind === "proc" || t.kind === "pty" ? t.path : t.kind === "ns" ? t.nsKind : "", "path");
    // A /proc file read in part: its contents' length and bytes after the path (nothing otherwise).
    if (t.kind === "proc" && t.snapshot !== undefined) {
      w.u32(t.snapshot.length, "proc snapshot length");
      w.bytes(t.snapshot);
    }
  });
  if (t.kind === "inotify") {
    w.record(CKPT_HDR_INOTIFY, `${what} inotify`, () => {
      w.u32(CKPT_INOTIFY_VERSION, "version"); w.pad();
      w.num(t.lastWd, "lastWd"); w.u32(t.lastCookie, "lastCookie"); w.pad();
      w.u32(t.watches.length, "watch count"); w.u32(t.events.length, "event count");
      for (const x of t.watches) {
        w.num(x.wd, "wd"); w.u32(refs.ref("inode", x.inodeId, `${what} watch ${x.wd}`), "watched inode"); w.u32(x.mask, "watch mask");
      }
      for (const e of t.events) {
        w.num(e.wd, "event wd"); w.u32(e.mask, "event mask"); w.u32(e.cookie, "event cookie");
        w.bool(e.name !== null); w.str(e.name ?? "", "event name");
      }
    });
  }
  if (isEventTarget(t)) writeEventFile(w, refs, f.id, t);
  writeFileState(w, refs, f);
}

export function readFile(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("file id");
  b.objs.define(r, "file", objref, id, at);
  const kind = r.oneOf("target kind", TARGETS);
  const refAt = r.here();
  const ref = r.u32("target");
  const nAt = r.here();
  const n = r.u32("child count");
  // An inotify instance or event state, an owner, a lease and one lock per byte range: more than 2^16 is damage.
  if (n > 65536) r.fail(`child count at byte ${nAt} is ${n}: more records than a file's locks could need`, nAt);
  const flags = r.num("flags"), pos = r.num("pos");
  const pathAt = r.here();
  const path = r.str("path");
  const snapshot = kind === "proc" && r.left() > 0 ? new Uint8Array(r.bytes(r.u32("proc snapshot length"), "proc snapshot")) : undefined;
  r.done();
  if ((EVENT_FILE_KINDS as readonly string[]).includes(kind)) {
    if (ref !== 0) r.fail(`target at byte ${refAt} is ${ref} for a ${kind} file, which names nothing`, refAt);
    if (path !== "") r.fail(`path at byte ${pathAt} is set for a ${kind} file`, pathAt);
    if (n < 1) r.fail(`child count at byte ${nAt} is 0: a ${kind} file has its state record first`, nAt);
    // The state record comes next and fills the target in; the file state records after it.
    const rec: FileRecord = { id, flags, pos, target: { kind } as FileTargetRecord };
    b.place("files", slot, rec, r, at);
    b.children([eventChild(b, kind as EventFileTargetRecord["kind"], id, rec), ...fileStateChildren(b, rec, n - 1)]);
    return;
  }
  let target: FileTargetRecord;
  if (kind === "inode") target = { kind, inodeId: b.objs.resolve(r, "inode", "target", ref, refAt), path };
  else if (kind === "pipe") target = { kind, pipeId: b.objs.resolve(r, "pipe", "target", ref, refAt) };
  else if (kind === "pty-master" || kind === "pty-slave") target = { kind: "pty", ttyId: b.objs.resolve(r, "tty", "target", ref, refAt), master: kind === "pty-master", path };
  else if (kind === "ns") {
    const nsKind = NS_KINDS.find((k) => k === path);
    if (nsKind === undefined) return r.fail(`path at byte ${pathAt} is ${JSON.stringify(path)}, not a namespace kind (${NS_KINDS.join(", ")})`, pathAt);
    if (nsKind === "pid") target = { kind, nsKind, pidNsId: b.objs.resolve(r, "pid namespace", "target", ref, refAt) };
    else {
      if (ref !== 0) r.fail(`target at byte ${refAt} is ${ref} for a ${nsKind} namespace file, which names nothing`, refAt);
      target = { kind, nsKind };
    }
  } else if (kind === "pidfd") target = { kind, pidId: b.objs.resolve(r, "pid", "target", ref, refAt) };
  else if (kind === "inotify") {
    if (ref !== 0) r.fail(`target at byte ${refAt} is ${ref} for an inotify file, which names nothing`, refAt);
    target = { kind, lastWd: 0, lastCookie: 0, watches: [], events: [] };
  } else if (kind === "console") {
    if (ref > 2) r.fail(`console stream at byte ${refAt} is ${ref}, not 0, 1 or 2`, refAt);
    target = { kind, stream: ref as 0 | 1 | 2 };
  } else if (kind === "socket") {
    // By socket id: sockets come after the files (they name files in flight).
    if (ref === 0) r.fail(`target at byte ${refAt} is 0 for a socket file, which names its socket`, refAt);
    target = { kind, sockId: ref };
  } else {
    if (ref !== 0) r.fail(`target at byte ${refAt} is ${ref} for a ${kind} file, which names nothing`, refAt);
    target = snapshot === undefined ? { kind: kind as "device" | "proc", path } : { kind: "proc", path, snapshot };
  }
  if ((kind === "pipe" || kind === "console" || kind === "socket" || kind === "pidfd" || kind === "inotify") && path !== "") r.fail(`path at byte ${pathAt} is set for a ${kind} file`, pathAt);
  if (kind === "inotify" && n < 1) r.fail(`child count at byte ${nAt} is 0: an inotify file has its CKPT_HDR_INOTIFY first`, nAt);
  const f: FileRecord = { id, flags, pos, target };
  b.place("files", slot, f, r, at);
  if (target.kind === "inotify") {
    const t = target;
    b.children([{ type: CKPT_HDR_INOTIFY, left: 1, what: `inotify instance of file ${id}`, take: (c) => readInotify(b, c, t) }]);
  }
  b.children(fileStateChildren(b, f, n - (kind === "inotify" ? 1 : 0)));
}

function readInotify(b: ModelBuilder, c: FieldReader, t: Extract<FileTargetRecord, { kind: "inotify" }>): void {
  const vAt = c.here();
  const version = c.u32("version");
  if (version !== CKPT_INOTIFY_VERSION) c.fail(`CKPT_HDR_INOTIFY version ${version} at byte ${vAt} is not ${CKPT_INOTIFY_VERSION}, the only one this cptbench reads`, vAt);
  c.pad();
  t.lastWd = c.num("lastWd");
  t.lastCookie = c.u32("lastCookie");
  c.pad();
  const nw = c.count("watch count", 16);
  const ne = c.count("event count", 24);
  for (let i = 0; i < nw; i++) t.watches.push({ wd: c.num("wd"), inodeId: b.objs.ref(c, "inode", "watched inode"), mask: c.u32("watch mask") });
  for (let i = 0; i < ne; i++) {
    const wd = c.num("event wd"), mask = c.u32("event mask"), cookie = c.u32("event cookie");
    const named = c.bool("event has a name");
    const nameAt = c.here();
    const name = c.str("event name");
    if (!named && name !== "") c.fail(`event name at byte ${nameAt} is written but not marked present`, nameAt);
    t.events.push({ wd, mask, cookie, name: named ? name : null });
  }
  c.done();
}

export function writeFileTable(w: RecordWriter, refs: ObjRefs, t: FilesRecord, slot: number): void {
  const what = `files ${t.id}`;
  w.record(CKPT_HDR_FILE_TABLE, what, () => {
    w.u32(refs.assign("files", t.id), "objref"); w.u32(slot, "slot"); w.u32(t.id, "files id");
    w.num(t.maxFds, "maxFds");
    w.u32(t.fds.length, "fd count");
    for (const fd of t.fds) {
      w.num(fd.fd, "fd");
      w.u32(refs.ref("file", fd.fileId, `${what} fd ${fd.fd}`), "file");
      w.bool(fd.cloexec);
    }
  });
}

export function readFileTable(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("files id");
  b.objs.define(r, "files", objref, id, at);
  const maxFds = r.num("maxFds");
  const n = r.table("fd count", 16);
  const fds: FdRecord[] = [];
  for (let i = 0; i < n; i++) fds.push({ fd: r.num("fd"), fileId: b.objs.ref(r, "file", "file"), cloexec: r.bool("cloexec") });
  b.place("fdTables", slot, { id, fds, maxFds }, r, at);
}

const DEAD_DIR_WHICH = ["root", "cwd"] as const;

/** The removed root and cwd of an fs context, as its CKPT_HDR_FS_DEAD_DIR children say them. */
const deadDirs = (f: FsRecord): [(typeof DEAD_DIR_WHICH)[number], number][] =>
  ([["root", f.rootInodeId], ["cwd", f.cwdInodeId]] as const).flatMap(([which, id]) => (id === undefined ? [] : [[which, id]]));

export function writeFs(w: RecordWriter, refs: ObjRefs, f: FsRecord, slot: number): void {
  const what = `fs ${f.id}`;
  const dead = deadDirs(f);
  // The count sits where a zero pad was: an fs without removed directories keeps its bytes.
  w.record(CKPT_HDR_FS, what, () => {
    w.u32(refs.assign("fs", f.id), "objref"); w.u32(slot, "slot"); w.u32(f.id, "fs id"); w.u32(dead.length, "removed directory count");
    w.num(f.umask, "umask");
    w.str(f.root, "root"); w.str(f.cwd, "cwd");
  });
  for (const [which, id] of dead) {
    w.record(CKPT_HDR_FS_DEAD_DIR, `${what} removed ${which}`, () => {
      w.u32(CKPT_FS_DEAD_DIR_VERSION, "version"); w.u32(DEAD_DIR_WHICH.indexOf(which), "which");
      w.u32(refs.ref("inode", id, `${what} removed ${which}`), "inode"); w.pad();
    });
  }
}

export function readFs(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("fs id");
  b.objs.define(r, "fs", objref, id, at);
  const nAt = r.here();
  const n = r.u32("removed directory count");
  if (n > 2) r.fail(`removed directory count at byte ${nAt} is ${n}: an fs context has one root and one cwd`, nAt);
  const umask = r.num("umask");
  const f: FsRecord = { id, root: r.str("root"), cwd: r.str("cwd"), umask };
  r.done();
  b.place("fsContexts", slot, f, r, at);
  b.children([{
    type: CKPT_HDR_FS_DEAD_DIR, left: n, what: `removed directories of fs ${id}`,
    take: (c) => {
      const vAt = c.here();
      const version = c.u32("version");
      if (version !== CKPT_FS_DEAD_DIR_VERSION) c.fail(`CKPT_HDR_FS_DEAD_DIR version ${version} at byte ${vAt} is not ${CKPT_FS_DEAD_DIR_VERSION}, the only one this cptbench reads`, vAt);
      const which = c.oneOf("which", DEAD_DIR_WHICH);
      const inodeId = b.objs.ref(c, "inode", "inode");
      c.pad();
      c.done();
      const key = which === "root" ? "rootInodeId" : "cwdInodeId";
      if (f[key] !== undefined) c.fail(`fs ${id} has two removed-${which} records`);
      f[key] = inodeId;
    },
  }]);
}

export function writeDentry(w: RecordWriter, refs: ObjRefs, path: string, inodeId: number): void {
  const what = `dentry ${JSON.stringify(path)}`;
  w.record(CKPT_HDR_DENTRY, what, () => {
    w.u32(refs.ref("inode", inodeId, what), "inode");
    w.pad();
    w.str(path, "path");
  });
}

export function readDentry(b: ModelBuilder, r: FieldReader): void {
  const inodeId = b.objs.ref(r, "inode", "inode");
  r.pad();
  const path = r.str("path");
  r.done();
  if (b.m.tree.length >= (b.counts.get("tree") ?? 0)) r.fail(`one CKPT_HDR_DENTRY more than the ${b.counts.get("tree")} CKPT_HDR_CONTAINER announced`);
  b.m.tree.push({ path, inodeId });
}
