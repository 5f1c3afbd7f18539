// Which objects go in which section: the one place that maps a section id to the model list it
// holds and to the functions that write and read its objects (SECTION_ORDER in layout.ts).
import type { CheckpointModel } from "../../../core/cr/index.ts";
import {
  CPT_SECT_CREDS, CPT_SECT_FILES, CPT_SECT_FILES_STRUCT, CPT_SECT_FS, CPT_SECT_INODE, CPT_SECT_MM,
  CPT_SECT_COW_PAGES, CPT_SECT_NAMESPACE, CPT_SECT_PIDS, CPT_SECT_PIPES, CPT_SECT_SIGHAND_STRUCT, CPT_SECT_SIGNAL,
  CPT_SECT_SOCKET, CPT_SECT_SYSV_SHM, CPT_SECT_TASKS, CPT_SECT_TREE, CPT_SECT_TTY, CPT_SECT_VEINFO,
} from "./layout.ts";
import { readTty, writeTty } from "./objects-tty.ts";
import { readSocket, writeSocket } from "./objects-sockets.ts";
import {
  readDentry, readFile, readFiles, readFs, readInode, readPipe, writeDentry, writeFile, writeFiles, writeFs,
  writeInode, writePipe,
} from "./objects-files.ts";
import { readMm, readPages, readShmem, writeMm, writePages, writeShmem } from "./objects-mm.ts";
import { readPid, readPidNs, readVeInfo, writePid, writePidNs, writeVeInfo, type VeInfo } from "./objects-ns.ts";
import { readCred, readSighand, readSignal, writeCred, writeSighand, writeSignal } from "./objects-signal.ts";
import { readTask, writeTask } from "./objects-tasks.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

/** Writes the objects of section `id`; the section header is the caller's. */
export function writeSection(w: ImageWriter, id: number, m: CheckpointModel): void {
  switch (id) {
    case CPT_SECT_VEINFO: writeVeInfo(w, { container: m.container, producer: m.meta.producer }); break;
    case CPT_SECT_NAMESPACE: for (const x of m.pidNamespaces) writePidNs(w, x); break;
    case CPT_SECT_PIDS: for (const x of m.pids) writePid(w, x); break;
    case CPT_SECT_CREDS: for (const x of m.creds) writeCred(w, x); break;
    case CPT_SECT_SIGHAND_STRUCT: for (const x of m.sighands) writeSighand(w, x); break;
    case CPT_SECT_SIGNAL: for (const x of m.threadGroups) writeSignal(w, x); break;
    case CPT_SECT_INODE: for (const x of m.inodes) writeInode(w, x); break;
    case CPT_SECT_TREE: for (const x of m.tree) writeDentry(w, x); break;
    case CPT_SECT_SYSV_SHM: for (const x of m.shmem) writeShmem(w, x); break;
    case CPT_SECT_PIPES: for (const x of m.pipes) writePipe(w, x); break;
    case CPT_SECT_TTY: for (const x of m.ttys ?? []) writeTty(w, x); break;
    case CPT_SECT_FILES: for (const x of m.files) writeFile(w, x); break;
    case CPT_SECT_FILES_STRUCT: for (const x of m.fdTables) writeFiles(w, x); break;
    case CPT_SECT_FS: for (const x of m.fsContexts) writeFs(w, x); break;
    case CPT_SECT_SOCKET: for (const x of m.unixSocks ?? []) writeSocket(w, x); break;
    case CPT_SECT_COW_PAGES: writePages(w, m.cowPages, "copy-on-write"); break;
    case CPT_SECT_MM: for (const x of m.mms) writeMm(w, x); break;
    case CPT_SECT_TASKS: for (const x of m.tasks) writeTask(w, x); break;
    default: throw new Error(`no writer for section ${id}`);
  }
}

/** Reads one object of section `id` into its model list; returns the record (for offsets). */
/** `x` appended to `list`. At module level: a closure made per object cost a function (and its name) per object. */
function push<T extends object>(list: T[], x: T): T {
  list.push(x);
  return x;
}

export function readObjectInto(r: ImageReader, id: number, where: string, m: CheckpointModel, veinfo: VeInfo[]): object {
  switch (id) {
    case CPT_SECT_VEINFO: return push(veinfo, readVeInfo(r, where));
    case CPT_SECT_NAMESPACE: return push(m.pidNamespaces, readPidNs(r, where));
    case CPT_SECT_PIDS: return push(m.pids, readPid(r, where));
    case CPT_SECT_CREDS: return push(m.creds, readCred(r, where));
    case CPT_SECT_SIGHAND_STRUCT: return push(m.sighands, readSighand(r, where));
    case CPT_SECT_SIGNAL: return push(m.threadGroups, readSignal(r, where));
    case CPT_SECT_INODE: return push(m.inodes, readInode(r, where));
    case CPT_SECT_TREE: return push(m.tree, readDentry(r, where));
    case CPT_SECT_SYSV_SHM: return push(m.shmem, readShmem(r, where));
    case CPT_SECT_PIPES: return push(m.pipes, readPipe(r, where));
    case CPT_SECT_TTY: return push((m.ttys ??= []), readTty(r, where));
    case CPT_SECT_FILES: return push(m.files, readFile(r, where));
    case CPT_SECT_FILES_STRUCT: return push(m.fdTables, readFiles(r, where));
    case CPT_SECT_FS: return push(m.fsContexts, readFs(r, where));
    case CPT_SECT_SOCKET: return push((m.unixSocks ??= []), readSocket(r, where));
    case CPT_SECT_COW_PAGES: {
      if (m.cowPages.length > 0) return r.fail("the copy-on-write section holds more than one pages object");
      const pages = readPages(r, where);
      m.cowPages.push(...pages);
      return pages;
    }
    case CPT_SECT_MM: return push(m.mms, readMm(r, where));
    case CPT_SECT_TASKS: return push(m.tasks, readTask(r, where));
    default: return r.fail(`no reader for section id ${id}`);
  }
}
