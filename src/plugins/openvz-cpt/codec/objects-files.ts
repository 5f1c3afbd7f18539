// File objects: CPT_OBJ_INODE (with its page cache as one CPT_OBJ_PAGES), CPT_OBJ_DENTRY and
// CPT_OBJ_PIPE (ours), CPT_OBJ_FILE, CPT_OBJ_FILES (an fd table) with its CPT_OBJ_FILEDESC
// entries, and CPT_OBJ_FS (with a CPT_OBJ_FS_DEAD_DIR per removed root or working directory).
// An event file's state object is in objects-events.ts.
import { INODE_EXT, INODE_EXT_UNWRITTEN, readExtIndices, writeExtIndices, PIPE_EXT, readExt, writeExt } from "../../../core/cr/index.ts";
import type {
  DentryRecord, FdRecord, FileRecord, FileTargetRecord, FilesRecord, FsRecord, InodeRecord, PipeRecord,
} from "../../../core/cr/index.ts";
import { NS_KINDS } from "../../../core/cr/index.ts";
import { EVENT_FILE_KINDS, isEventTarget, type EventFileTargetRecord } from "../../../core/cr/index.ts";
import { readEventFile, writeEventFile } from "./objects-events.ts";
import {
  CPT_CONTENT_ARRAY, CPT_CONTENT_DATA, CPT_CONTENT_VOID, CPT_FS_DEAD_DIR_VERSION, CPT_OBJ_DENTRY, CPT_OBJ_FILE, CPT_OBJ_FILEDESC,
  CPT_OBJ_FILES, CPT_OBJ_FS, CPT_OBJ_FS_DEAD_DIR, CPT_OBJ_INODE, CPT_OBJ_INOTIFY, CPT_OBJ_MEMFD, CPT_OBJ_PIPE, OBJECT_HDR_SIZE,
  CPT_INOTIFY_VERSION, CPT_MEMFD_VERSION,
} from "./layout.ts";
import { hasFileState, readFileState, writeFileState } from "./objects-file-state.ts";
import { readPages, writePages } from "./objects-mm.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

const INODE_KINDS = ["file", "dir", "symlink", "sock", "fifo", "chr"] as const;
const I_TARGET = 1;
const I_EXTERNAL = 2;
const I_MEMFD = 4;

export function writeInode(w: ImageWriter, i: InodeRecord): void {
  w.parent(CPT_OBJ_INODE, `inode ${i.id}`, () => {
    w.ref(i.id, "inode id");
    w.u32(INODE_KINDS.indexOf(i.kind), "inode kind");
    w.u32((i.target !== undefined ? I_TARGET : 0) | (i.externalPath !== undefined ? I_EXTERNAL : 0) | (i.memfd !== undefined ? I_MEMFD : 0));
    w.num(i.ino, "ino");
    w.num(i.mode, "mode"); w.num(i.uid, "uid"); w.num(i.gid, "gid"); w.num(i.nlink, "nlink"); w.num(i.size, "size");
    w.s64(i.atimeNs, "atime"); w.s64(i.mtimeNs, "mtime"); w.s64(i.ctimeNs, "ctime");
    w.str(i.target ?? "", "symlink target");
    w.str(i.externalPath ?? "", "external path");
    // A device node's number, and the pages fallocate allocated but nothing wrote: nothing for
    // any other inode (their bytes are as they were).
    const unwritten = i.unwritten ?? [];
    if (writeExt(w, i, INODE_EXT, unwritten.length > 0 ? INODE_EXT_UNWRITTEN : 0) & INODE_EXT_UNWRITTEN) writeExtIndices(w, unwritten, "unwritten page");
  }, () => {
    writePages(w, i.pages, `inode ${i.id}`);
    const mfd = i.memfd;
    if (mfd === undefined) return;
    w.leaf(CPT_OBJ_MEMFD, `inode ${i.id} memfd`, () => {
      w.u32(CPT_MEMFD_VERSION, "memfd record version"); w.u32(mfd.seals, "memfd seals");
      w.str(mfd.name, "memfd name");
    });
  });
}

export function readInode(r: ImageReader, where: string): InodeRecord {
  return r.object(CPT_OBJ_INODE, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("inode id");
    const kind = r.oneOf("inode kind", INODE_KINDS);
    const bits = r.flags("inode presence bits", I_TARGET | I_EXTERNAL | I_MEMFD);
    const ino = r.num("ino");
    const mode = r.num("mode"); const uid = r.num("uid"); const gid = r.num("gid");
    const nlink = r.num("nlink"); const size = r.num("size");
    const atimeNs = r.s64("atime"); const mtimeNs = r.s64("mtime"); const ctimeNs = r.s64("ctime");
    const target = r.str("symlink target");
    const externalPath = r.str("external path");
    const ext: Pick<InodeRecord, (typeof INODE_EXT)[number] | "unwritten"> = {};
    if (readExt(r, r.fieldsLeft(), ext, INODE_EXT, INODE_EXT_UNWRITTEN) & INODE_EXT_UNWRITTEN) ext.unwritten = readExtIndices(r, r.fieldsLeft(), "unwritten page");
    r.content(o);
    const pages = readPages(r, `pages of inode ${id}`);
    const i: InodeRecord = { id, ino, kind, mode, uid, gid, nlink, size, atimeNs, mtimeNs, ctimeNs, pages, ...ext };
    if (bits & I_TARGET) i.target = target;
    if (bits & I_EXTERNAL) i.externalPath = externalPath;
    if (bits & I_MEMFD) {
      r.object(CPT_OBJ_MEMFD, CPT_CONTENT_VOID, `memfd of inode ${id}`, () => {
        const verAt = r.pos;
        const version = r.u32("memfd record version");
        if (version !== CPT_MEMFD_VERSION) r.fail(`CPT_OBJ_MEMFD version ${version} at byte ${verAt} is not ${CPT_MEMFD_VERSION}, the only one this cptbench reads`, verAt);
        const seals = r.u32("memfd seals");
        i.memfd = { name: r.str("memfd name"), seals };
      });
    }
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
    writeExt(w, p, PIPE_EXT);
  }, () => w.view(p.buffered));
}

export function readPipe(r: ImageReader, where: string): PipeRecord {
  return r.object(CPT_OBJ_PIPE, CPT_CONTENT_DATA, where, (o) => {
    const id = r.id("pipe id");
    const n = r.count("pipe buffered length", 1, o.end);
    const ext: Pick<PipeRecord, (typeof PIPE_EXT)[number]> = {};
    readExt(r, r.fieldsLeft(), ext, PIPE_EXT);
    r.content(o);
    return { id, buffered: r.view(n, `${n} buffered pipe bytes`), ...ext };
  });
}

/** A pty end is two kinds (master, slave) so that the object keeps its fields; new kinds go at the end. */
const TARGET_KINDS = ["inode", "pipe", "console", "device", "proc", "pty-master", "pty-slave", "socket", "pidfd", "inotify", "ns", ...EVENT_FILE_KINDS] as const;

const kindOf = (t: FileTargetRecord): (typeof TARGET_KINDS)[number] => (t.kind === "pty" ? (t.master ? "pty-master" : "pty-slave") : t.kind);

export function writeFile(w: ImageWriter, f: FileRecord): void {
  const t = f.target;
  const fields = (): void => {
    w.ref(f.id, "file id");
    w.num(f.flags, "file flags"); w.num(f.pos, "file pos");
    w.u32(TARGET_KINDS.indexOf(kindOf(t)), "file target kind");
    w.ref(t.kind === "inode" ? t.inodeId : t.kind === "pipe" ? t.pipeId : t.kind === "console" ? t.stream : t.kind === "pty" ? t.ttyId : t.kind === "socket" ? t.sockId : t.kind === "pidfd" ? t.pidId : t.kind === "ns" ? t.pidNsId ?? null : null, "file target id");
    w.str(t.kind === "inode" || t.kind === "device" || t.kind === "proc" || t.kind === "pty" ? t.path : t.kind === "ns" ? t.nsKind : "", "file path");
    // A /proc file read in part: its contents' length and bytes after the path (nothing otherwise).
    if (t.kind === "proc" && t.snapshot !== undefined) {
      w.u32(t.snapshot.length, "proc snapshot length");
      w.bytes(t.snapshot);
    }
  };
  // Without an inotify instance, event state, owner, locks or a lease the object is the VOID leaf
  // it always was (same bytes); the inotify instance or event state comes first, then the file state.
  if (t.kind !== "inotify" && !isEventTarget(t) && !hasFileState(f)) return w.leaf(CPT_OBJ_FILE, `file ${f.id}`, fields);
  w.parent(CPT_OBJ_FILE, `file ${f.id}`, fields, () => {
    if (isEventTarget(t)) writeEventFile(w, f.id, t);
    if (t.kind === "inotify") w.leaf(CPT_OBJ_INOTIFY, `file ${f.id} inotify`, () => {
      w.u32(CPT_INOTIFY_VERSION, "inotify record version"); w.u32(0);
      w.num(t.lastWd, "inotify lastWd"); w.u32(t.lastCookie, "inotify lastCookie"); w.u32(0);
      w.u32(t.watches.length, "inotify watch count"); w.u32(t.events.length, "inotify event count");
      for (const x of t.watches) {
        w.num(x.wd, "inotify wd"); w.ref(x.inodeId, "watched inode id"); w.u32(x.mask, "inotify watch mask");
      }
      for (const e of t.events) {
        w.num(e.wd, "inotify event wd"); w.u32(e.mask, "inotify event mask"); w.u32(e.cookie, "inotify event cookie");
        w.u32(e.name === null ? 0 : 1, "inotify event has a name"); w.str(e.name ?? "", "inotify event name");
      }
    });
    writeFileState(w, f);
  });
}

function readInotify(r: ImageReader, id: number): FileTargetRecord {
  return r.object(CPT_OBJ_INOTIFY, CPT_CONTENT_VOID, `inotify instance of file ${id}`, (o) => {
    const verAt = r.pos;
    const version = r.u32("inotify record version");
    if (version !== CPT_INOTIFY_VERSION) r.fail(`CPT_OBJ_INOTIFY version ${version} at byte ${verAt} is not ${CPT_INOTIFY_VERSION}, the only one this cptbench reads`, verAt);
    r.flags("inotify pad", 0);
    const lastWd = r.num("inotify lastWd");
    const lastCookie = r.u32("inotify lastCookie");
    r.flags("inotify pad", 0);
    const nw = r.count("inotify watch count", 16, o.end);
    const ne = r.count("inotify event count", 24, o.end);
    const watches = [];
    for (let i = 0; i < nw; i++) watches.push({ wd: r.num("inotify wd"), inodeId: r.id("watched inode id"), mask: r.u32("inotify watch mask") });
    const events = [];
    for (let i = 0; i < ne; i++) {
      const wd = r.num("inotify event wd"); const mask = r.u32("inotify event mask"); const cookie = r.u32("inotify event cookie");
      const named = r.flags("inotify event has a name", 1) === 1;
      const nameAt = r.pos;
      const name = r.str("inotify event name");
      if (!named && name !== "") r.fail(`inotify event name at byte ${nameAt} is written but not marked present`, nameAt);
      events.push({ wd, mask, cookie, name: named ? name : null });
    }
    return { kind: "inotify", lastWd, lastCookie, watches, events };
  });
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
    let target: FileTargetRecord;
    const event = (EVENT_FILE_KINDS as readonly string[]).includes(kind);
    if ((kind === "inotify" || event) && content !== CPT_CONTENT_ARRAY) r.fail(`file ${id} of kind ${kind} (byte ${kindAt}) is VOID: ${kind === "inotify" ? "an inotify file holds its CPT_OBJ_INOTIFY" : "an event file holds its state object"}`, kindAt);
    if ((kind === "pidfd" || kind === "inotify") && path !== "") r.fail(`file ${id}: a path is set for a ${kind} file`);
    if (event) {
      if (ref !== null) bad(`a ${kind} file names nothing by id`);
      if (path !== "") r.fail(`file ${id}: a ${kind} file has no path`, refAt + 4);
      r.content(o);
      target = readEventFile(r, kind as EventFileTargetRecord["kind"], id);
    } else if (kind === "ns") {
      const nsKind = NS_KINDS.find((k) => k === path);
      if (nsKind === undefined) return r.fail(`file ${id}: namespace kind ${JSON.stringify(path)} is not one of ${NS_KINDS.join(", ")}`);
      if ((ref === null) !== (nsKind !== "pid")) bad(nsKind === "pid" ? "a pid namespace file names its namespace" : `a ${nsKind} namespace file names none`);
      target = ref === null ? { kind, nsKind } : { kind, nsKind, pidNsId: ref };
    } else if (kind === "device" || kind === "proc") {
      if (ref !== null) bad(`a ${kind} file is named by path, not by id`);
      target = { kind, path };
      if (kind === "proc" && r.fieldsLeft() > 0) {
        const n = r.u32("proc snapshot length");
        target = { kind, path, snapshot: new Uint8Array(r.view(n, "proc snapshot")) };
      }
    } else if (kind === "inotify") {
      if (ref !== null) bad("an inotify file names nothing");
      r.content(o);
      target = readInotify(r, id);
    } else if (ref === null) {
      return bad(`a ${kind} target needs one`);
    } else if (kind === "inode") {
      target = { kind, inodeId: ref, path };
    } else if (kind === "pipe") {
      target = { kind, pipeId: ref };
    } else if (kind === "pidfd") {
      target = { kind, pidId: ref };
    } else if (kind === "pty-master" || kind === "pty-slave") {
      target = { kind: "pty", ttyId: ref, master: kind === "pty-master", path };
    } else if (kind === "socket") {
      if (path !== "") bad("a socket file has no path");
      target = { kind, sockId: ref };
    } else {
      if (ref !== 0 && ref !== 1 && ref !== 2) return bad("a console stream is 0, 1 or 2");
      target = { kind: "console", stream: ref };
    }
    const f: FileRecord = { id, flags, pos, target };
    // The file state objects follow an inotify instance or event state, or are the whole content of any other file.
    if (kind === "inotify" || event) {
      if (r.remaining() > 0) readFileState(r, f);
    } else if (content === CPT_CONTENT_ARRAY) {
      r.content(o);
      readFileState(r, f);
    }
    return f;
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
