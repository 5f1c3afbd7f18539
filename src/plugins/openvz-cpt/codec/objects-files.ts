// File objects: CPT_OBJ_INODE (with its page cache as one CPT_OBJ_PAGES), CPT_OBJ_DENTRY and
// CPT_OBJ_PIPE (ours), CPT_OBJ_FILE, CPT_OBJ_FILES (an fd table) with its CPT_OBJ_FILEDESC
// entries, and CPT_OBJ_FS (with a CPT_OBJ_FS_DEAD_DIR per removed root or working directory).
// An event file's state object is in objects-events.ts.
import type {
  DentryRecord, FdRecord, FileRecord, FileTargetRecord, FilesRecord, FsRecord, InodeRecord, PipeRecord,
} from "../../../core/cr/index.ts";
import { EVENT_FILE_KINDS, isEventTarget, type EventFileTargetRecord } from "../../../core/cr/index.ts";
import { readEventFile, writeEventFile } from "./objects-events.ts";
import {
  CPT_CONTENT_ARRAY, CPT_CONTENT_DATA, CPT_CONTENT_VOID, CPT_FS_DEAD_DIR_VERSION, CPT_OBJ_DENTRY, CPT_OBJ_FILE, CPT_OBJ_FILEDESC,
  CPT_OBJ_FILES, CPT_OBJ_FS, CPT_OBJ_FS_DEAD_DIR, CPT_OBJ_INODE, CPT_OBJ_PIPE, OBJECT_HDR_SIZE,
} from "./layout.ts";
import { readPages, writePages } from "./objects-mm.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

const INODE_KINDS = ["file", "dir", "symlink"] as const;
const I_TARGET = 1;
const I_EXTERNAL = 2;

export function writeInode(w: ImageWriter, i: InodeRecord): void {
  w.parent(CPT_OBJ_INODE, `inode ${i.id}`, () => {
    w.ref(i.id, "inode id");
    w.u32(INODE_KINDS.indexOf(i.kind), "inode kind");
    w.u32((i.target !== undefined ? I_TARGET : 0) | (i.externalPath !== undefined ? I_EXTERNAL : 0));
    w.num(i.ino, "ino");
    w.num(i.mode, "mode"); w.num(i.uid, "uid"); w.num(i.gid, "gid"); w.num(i.nlink, "nlink"); w.num(i.size, "size");
    w.s64(i.atimeNs, "atime"); w.s64(i.mtimeNs, "mtime"); w.s64(i.ctimeNs, "ctime");
    w.str(i.target ?? "", "symlink target");
    w.str(i.externalPath ?? "", "external path");
  }, () => writePages(w, i.pages, `inode ${i.id}`));
}

export function readInode(r: ImageReader, where: string): InodeRecord {
  return r.object(CPT_OBJ_INODE, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("inode id");
    const kind = r.oneOf("inode kind", INODE_KINDS);
    const bits = r.flags("inode presence bits", I_TARGET | I_EXTERNAL);
    const ino = r.num("ino");
    const mode = r.num("mode"); const uid = r.num("uid"); const gid = r.num("gid");
    const nlink = r.num("nlink"); const size = r.num("size");
    const atimeNs = r.s64("atime"); const mtimeNs = r.s64("mtime"); const ctimeNs = r.s64("ctime");
    const target = r.str("symlink target");
    const externalPath = r.str("external path");
    r.content(o);
    const pages = readPages(r, `pages of inode ${id}`);
    const i: InodeRecord = { id, ino, kind, mode, uid, gid, nlink, size, atimeNs, mtimeNs, ctimeNs, pages };
    if (bits & I_TARGET) i.target = target;
    if (bits & I_EXTERNAL) i.externalPath = externalPath;
    return i;
  });
}

export function writeDentry(w: ImageWriter, d: DentryRecord): void {
  w.leaf(CPT_OBJ_DENTRY, `dentry ${JSON.stringify(d.path)}`, () => {
    w.ref(d.inodeId, "dentry inode id");
    w.str(d.path, "dentry path");
  });
}

export function readDentry(r: ImageReader, where: string): DentryRecord {
  return r.object(CPT_OBJ_DENTRY, CPT_CONTENT_VOID, where, () => {
    const inodeId = r.id("dentry inode id");
    return { path: r.str("dentry path"), inodeId };
  });
}

export function writePipe(w: ImageWriter, p: PipeRecord): void {
  w.data(CPT_OBJ_PIPE, `pipe ${p.id}`, () => {
    w.ref(p.id, "pipe id");
    w.u32(p.buffered.length);
  }, () => w.view(p.buffered));
}

export function readPipe(r: ImageReader, where: string): PipeRecord {
  return r.object(CPT_OBJ_PIPE, CPT_CONTENT_DATA, where, (o) => {
    const id = r.id("pipe id");
    const n = r.count("pipe buffered length", 1, o.end);
    r.content(o);
    return { id, buffered: r.view(n, `${n} buffered pipe bytes`) };
  });
}

// The event kinds come after the original five, so those keep their numbers.
const TARGET_KINDS = ["inode", "pipe", "console", "device", "proc", ...EVENT_FILE_KINDS] as const;

export function writeFile(w: ImageWriter, f: FileRecord): void {
  const t = f.target;
  const fields = (): void => {
    w.ref(f.id, "file id");
    w.num(f.flags, "file flags"); w.num(f.pos, "file pos");
    w.u32(TARGET_KINDS.indexOf(t.kind), "file target kind");
    w.ref(t.kind === "inode" ? t.inodeId : t.kind === "pipe" ? t.pipeId : t.kind === "console" ? t.stream : null, "file target id");
    w.str(t.kind === "inode" || t.kind === "device" || t.kind === "proc" ? t.path : "", "file path");
  };
  // An event file carries its state in one object of its content; other files stay VOID leaves.
  if (isEventTarget(t)) w.parent(CPT_OBJ_FILE, `file ${f.id}`, fields, () => writeEventFile(w, f.id, t));
  else w.leaf(CPT_OBJ_FILE, `file ${f.id}`, fields);
}

export function readFile(r: ImageReader, where: string): FileRecord {
  const content = r.peekContent() === CPT_CONTENT_ARRAY ? CPT_CONTENT_ARRAY : CPT_CONTENT_VOID;
  return r.object(CPT_OBJ_FILE, content, where, (o) => {
    const id = r.id("file id");
    const flags = r.num("file flags"); const pos = r.num("file pos");
    const kindAt = r.pos;
    const kind = r.oneOf("file target kind", TARGET_KINDS);
    const refAt = r.pos;
    const ref = r.ref("file target id");
    const path = r.str("file path");
    const bad = (why: string): never => r.fail(`file target id at byte ${refAt} is ${ref ?? "CPT_NOINDEX"}: ${why}`, refAt);
    const event = (EVENT_FILE_KINDS as readonly string[]).includes(kind);
    if (event !== (content === CPT_CONTENT_ARRAY)) r.fail(`file ${id} of kind ${kind} (byte ${kindAt}) is ${event ? "VOID: an event file holds its state object" : "ARRAY: only event files have content"}`, kindAt);
    let target: FileTargetRecord;
    if (event) {
      if (ref !== null) bad(`a ${kind} file names nothing by id`);
      if (path !== "") r.fail(`file ${id}: a ${kind} file has no path`, refAt + 4);
      r.content(o);
      target = readEventFile(r, kind as EventFileTargetRecord["kind"], id);
    } else if (kind === "device" || kind === "proc") {
      if (ref !== null) bad(`a ${kind} file is named by path, not by id`);
      target = { kind, path };
    } else if (ref === null) {
      return bad(`a ${kind} target needs one`);
    } else if (kind === "inode") {
      target = { kind, inodeId: ref, path };
    } else if (kind === "pipe") {
      target = { kind, pipeId: ref };
    } else {
      if (ref !== 0 && ref !== 1 && ref !== 2) return bad("a console stream is 0, 1 or 2");
      target = { kind: "console", stream: ref };
    }
    return { id, flags, pos, target };
  });
}

const CPT_FD_FLAG_CLOSEEXEC = 1;

export function writeFiles(w: ImageWriter, t: FilesRecord): void {
  w.parent(CPT_OBJ_FILES, `files ${t.id}`, () => {
    w.ref(t.id, "files id");
    w.num(t.maxFds, "maxFds");
    w.u32(t.fds.length);
  }, () => {
    for (const fd of t.fds) {
      w.leaf(CPT_OBJ_FILEDESC, `files ${t.id} fd ${fd.fd}`, () => {
        w.num(fd.fd, "fd");
        w.ref(fd.fileId, "fd file id");
        w.u32(fd.cloexec ? CPT_FD_FLAG_CLOSEEXEC : 0);
      });
    }
  });
}

export function readFiles(r: ImageReader, where: string): FilesRecord {
  return r.object(CPT_OBJ_FILES, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("files id");
    const maxFds = r.num("maxFds");
    const n = r.count("fd count", OBJECT_HDR_SIZE, o.end);
    r.content(o);
    const fds: FdRecord[] = [];
    for (let i = 0; i < n; i++) {
      fds.push(r.object(CPT_OBJ_FILEDESC, CPT_CONTENT_VOID, `fd ${i} of files ${id}`, () => ({
        fd: r.num("fd"),
        fileId: r.id("fd file id"),
        cloexec: r.flags("fd flags", CPT_FD_FLAG_CLOSEEXEC) === CPT_FD_FLAG_CLOSEEXEC,
      })));
    }
    return { id, fds, maxFds };
  });
}

const DEAD_DIR_WHICH = ["root", "cwd"] as const;

export function writeFs(w: ImageWriter, f: FsRecord): void {
  const fields = (): void => {
    w.ref(f.id, "fs id");
    w.num(f.umask, "umask");
    w.str(f.root, "fs root"); w.str(f.cwd, "fs cwd");
  };
  const dead = ([["root", f.rootInodeId], ["cwd", f.cwdInodeId]] as const).filter(([, id]) => id !== undefined);
  // Without a removed directory the object is the VOID leaf it always was (same bytes).
  if (dead.length === 0) return w.leaf(CPT_OBJ_FS, `fs ${f.id}`, fields);
  w.parent(CPT_OBJ_FS, `fs ${f.id}`, fields, () => {
    for (const [which, id] of dead) {
      w.leaf(CPT_OBJ_FS_DEAD_DIR, `fs ${f.id} removed ${which}`, () => {
        w.u32(CPT_FS_DEAD_DIR_VERSION, "removed directory record version");
        w.u32(DEAD_DIR_WHICH.indexOf(which), "removed directory which");
        w.ref(id ?? null, "removed directory inode id");
        w.u32(0);
      });
    }
  });
}

export function readFs(r: ImageReader, where: string): FsRecord {
  const content = r.peekContent() === CPT_CONTENT_ARRAY ? CPT_CONTENT_ARRAY : CPT_CONTENT_VOID;
  return r.object(CPT_OBJ_FS, content, where, (o) => {
    const f: FsRecord = { id: r.id("fs id"), umask: r.num("umask"), root: r.str("fs root"), cwd: r.str("fs cwd") };
    if (content === CPT_CONTENT_VOID) return f;
    r.content(o);
    for (let i = 0; r.remaining() > 0; i++) {
      if (i === 2) r.fail(`fs ${f.id} has more than two CPT_OBJ_FS_DEAD_DIR objects (one for its root, one for its cwd)`);
      r.object(CPT_OBJ_FS_DEAD_DIR, CPT_CONTENT_VOID, `removed directory ${i} of fs ${f.id}`, () => {
        const verAt = r.pos;
        const version = r.u32("removed directory record version");
        if (version !== CPT_FS_DEAD_DIR_VERSION) r.fail(`CPT_OBJ_FS_DEAD_DIR version ${version} at byte ${verAt} is not ${CPT_FS_DEAD_DIR_VERSION}, the only one this cptbench reads`, verAt);
        const which = r.oneOf("removed directory which", DEAD_DIR_WHICH);
        const id = r.id("removed directory inode id");
        r.flags("removed directory pad", 0);
        const key = which === "root" ? "rootInodeId" : "cwdInodeId";
        if (f[key] !== undefined) r.fail(`fs ${f.id} has two removed-${which} records`);
        f[key] = id;
      });
    }
    if (f.rootInodeId === undefined && f.cwdInodeId === undefined) r.fail(`fs ${f.id} has an empty CPT_OBJ_FS_DEAD_DIR array: a CPT_OBJ_FS without removed directories is VOID`);
    return f;
  });
}
