// Files: CKPT_HDR_INODE (a tmpfs inode, its page cache as CKPT_HDR_PAGE children),
// CKPT_HDR_PIPE_BUF (a pipe and its buffered bytes as bulk), CKPT_HDR_FILE (an open file naming
// its inode or pipe by objref), CKPT_HDR_FILE_TABLE (fd -> file objref), CKPT_HDR_FS (root, cwd,
// umask; a CKPT_HDR_FS_DEAD_DIR child per removed root or cwd) and CKPT_HDR_DENTRY (a name in the
// container's tree).
import type {
  FdRecord, FileRecord, FileTargetRecord, FilesRecord, FsRecord, InodeRecord, PipeRecord,
} from "../../../core/cr/index.ts";
import { EVENT_FILE_KINDS, isEventTarget, type EventFileTargetRecord } from "../../../core/cr/index.ts";
import type { ModelBuilder } from "./build.ts";
import { eventChild, writeEventFile } from "./objects-events.ts";
import {
  CKPT_FS_DEAD_DIR_VERSION, CKPT_HDR_DENTRY, CKPT_HDR_FILE, CKPT_HDR_FILE_TABLE, CKPT_HDR_FS, CKPT_HDR_FS_DEAD_DIR, CKPT_HDR_INODE,
  CKPT_HDR_PIPE_BUF, PIPE_MAX,
} from "./layout.ts";
import { pageChildren, writePages } from "./objects-mm.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import { EncodeError, type RecordWriter } from "./writer.ts";

const INODE_KINDS = ["file", "dir", "symlink"] as const;
const I_TARGET = 1, I_EXTERNAL = 2;

export function writeInode(w: RecordWriter, refs: ObjRefs, n: InodeRecord, slot: number): void {
  const what = `inode ${n.id}`;
  w.record(CKPT_HDR_INODE, what, () => {
    w.u32(refs.assign("inode", n.id), "objref"); w.u32(slot, "slot"); w.u32(n.id, "inode id");
    w.u32(INODE_KINDS.indexOf(n.kind), "inode kind");
    w.u32((n.target !== undefined ? I_TARGET : 0) | (n.externalPath !== undefined ? I_EXTERNAL : 0), "flags");
    w.u32(n.pages.length, "page count");
    w.num(n.ino, "ino"); w.num(n.mode, "mode"); w.num(n.uid, "uid"); w.num(n.gid, "gid"); w.num(n.nlink, "nlink"); w.num(n.size, "size");
    w.s64(n.atimeNs, "atimeNs"); w.s64(n.mtimeNs, "mtimeNs"); w.s64(n.ctimeNs, "ctimeNs");
    w.str(n.target ?? "", "target");
    w.str(n.externalPath ?? "", "externalPath");
  });
  writePages(w, n.pages, what);
}

export function readInode(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("inode id");
  b.objs.define(r, "inode", objref, id, at);
  const kind = r.oneOf("inode kind", INODE_KINDS);
  const bits = r.flags("flags", I_TARGET | I_EXTERNAL);
  const np = r.u32("page count");
  const n: InodeRecord = {
    id, ino: r.num("ino"), kind, mode: r.num("mode"), uid: r.num("uid"), gid: r.num("gid"), nlink: r.num("nlink"),
    size: r.num("size"), atimeNs: r.s64("atimeNs"), mtimeNs: r.s64("mtimeNs"), ctimeNs: r.s64("ctimeNs"), pages: [],
  };
  const target = r.str("target"), externalPath = r.str("externalPath");
  r.done();
  if (bits & I_TARGET) n.target = target;
  else if (target !== "") r.fail("a target is written but not marked present");
  if (bits & I_EXTERNAL) n.externalPath = externalPath;
  else if (externalPath !== "") r.fail("an externalPath is written but not marked present");
  b.place("inodes", slot, n, r, at);
  pageChildren(b, n.pages, np, `pages of inode ${id}`);
}

export function writePipe(w: RecordWriter, refs: ObjRefs, p: PipeRecord, slot: number): void {
  if (p.buffered.length > PIPE_MAX) throw new EncodeError(`pipe ${p.id} holds ${p.buffered.length} bytes, over pipe-max-size ${PIPE_MAX}`);
  w.record(CKPT_HDR_PIPE_BUF, `pipe ${p.id}`, () => {
    w.u32(refs.assign("pipe", p.id), "objref"); w.u32(slot, "slot"); w.u32(p.id, "pipe id"); w.pad();
    w.view(p.buffered);
  });
}

export function readPipe(b: ModelBuilder, r: FieldReader, buffered: Uint8Array): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("pipe id");
  b.objs.define(r, "pipe", objref, id, at);
  r.pad();
  r.done();
  b.place("pipes", slot, { id, buffered }, r, at);
}

// The event kinds come after the original five, so those keep their numbers.
const TARGETS = ["inode", "pipe", "console", "device", "proc", ...EVENT_FILE_KINDS] as const;

/** A file record, then for an event file the record of its state (objects-events.ts). */
export function writeFile(w: RecordWriter, refs: ObjRefs, f: FileRecord, slot: number): void {
  writeFileRecord(w, refs, f, slot);
  if (isEventTarget(f.target)) writeEventFile(w, refs, f.id, f.target);
}

function writeFileRecord(w: RecordWriter, refs: ObjRefs, f: FileRecord, slot: number): void {
  const what = `file ${f.id}`;
  const t = f.target;
  w.record(CKPT_HDR_FILE, what, () => {
    w.u32(refs.assign("file", f.id), "objref"); w.u32(slot, "slot"); w.u32(f.id, "file id");
    w.u32(TARGETS.indexOf(t.kind), "target kind");
    w.u32(t.kind === "inode" ? refs.ref("inode", t.inodeId, what) : t.kind === "pipe" ? refs.ref("pipe", t.pipeId, what) : t.kind === "console" ? t.stream : 0, "target");
    w.pad();
    w.num(f.flags, "flags"); w.num(f.pos, "pos");
    w.str(t.kind === "inode" || t.kind === "device" || t.kind === "proc" ? t.path : "", "path");
  });
}

export function readFile(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("file id");
  b.objs.define(r, "file", objref, id, at);
  const kind = r.oneOf("target kind", TARGETS);
  const refAt = r.here();
  const ref = r.u32("target");
  r.pad();
  const flags = r.num("flags"), pos = r.num("pos");
  const pathAt = r.here();
  const path = r.str("path");
  r.done();
  if ((EVENT_FILE_KINDS as readonly string[]).includes(kind)) {
    if (ref !== 0) r.fail(`target at byte ${refAt} is ${ref} for a ${kind} file, which names nothing`, refAt);
    if (path !== "") r.fail(`path at byte ${pathAt} is set for a ${kind} file`, pathAt);
    // The state record comes next and fills the target in.
    const rec = { id, flags, pos, target: { kind } as FileTargetRecord };
    b.place("files", slot, rec, r, at);
    b.children([eventChild(b, kind as EventFileTargetRecord["kind"], id, rec)]);
    return;
  }
  let target: FileTargetRecord;
  if (kind === "inode") target = { kind, inodeId: b.objs.resolve(r, "inode", "target", ref, refAt), path };
  else if (kind === "pipe") target = { kind, pipeId: b.objs.resolve(r, "pipe", "target", ref, refAt) };
  else if (kind === "console") {
    if (ref > 2) r.fail(`console stream at byte ${refAt} is ${ref}, not 0, 1 or 2`, refAt);
    target = { kind, stream: ref as 0 | 1 | 2 };
  } else {
    if (ref !== 0) r.fail(`target at byte ${refAt} is ${ref} for a ${kind} file, which names nothing`, refAt);
    target = { kind: kind as "device" | "proc", path };
  }
  if ((kind === "pipe" || kind === "console") && path !== "") r.fail(`path at byte ${pathAt} is set for a ${kind} file`, pathAt);
  b.place("files", slot, { id, flags, pos, target }, r, at);
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
