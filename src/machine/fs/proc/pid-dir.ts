// /proc/<pid>/ and /proc/<pid>/task/<tid>/: the per-task directories, the fd directory with its
// magic links (readlink gives the path, or pipe:[ino]; open follows the link to the very file),
// and the cwd and root links. Entries hold the task's struct pid without a reference and look the
// task up at each use, so a task reaped meanwhile reads as ESRCH / ENOENT, never a freed object.
import type { Pid } from "../../kernel/pid.ts";
import type { Task } from "../../kernel/task.ts";
import { showMaps } from "../../mm/maps.ts";
import { O_ACCMODE, O_RDONLY, O_WRONLY, S_IFDIR, S_IFLNK, S_IFREG } from "../constants.ts";
import { EINVAL, ENOENT, ESRCH } from "../errno.ts";
import { dPath } from "../dpath.ts";
import type { File } from "../file.ts";
import { Dentry, SymlinkInode, type DirEntry, type FsCtx, type Inode, type Path } from "../inode.ts";
import { pidIno, ProcDir, ProcDirBase, ProcFnFile, type ProcEntry, type ProcFs } from "./proc-fs.ts";
import { showAuxv, showCmdline, showEnviron, showStat, showStatm, showStatus } from "./pid-status.ts";
import { showSmaps } from "../../mm/smaps.ts";
import type { ExeFile } from "../../mm/exe-file.ts";
import { showFdinfo } from "../fdinfo.ts";
import { showMountinfo, showMounts } from "./mounts.ts";
import { nsDir, showOomScore, storeLoginuid, storeOomScoreAdj } from "./pid-misc.ts";

/** The task a proc entry is about, if it has not been reaped. */
export function taskOf(pid: Pid): Task | null {
  return pid.freed ? null : pid.task;
}

const gid = (pid: Pid): number => pid.numbers[0].nr;

/** /proc/<pid> or /proc/<pid>/task/<tid>: unhashed once the task is reaped (proc_flush_pid). */
export class PidDentry extends Dentry {
  constructor(
    name: string,
    parent: Dentry,
    inode: Inode,
    private readonly pid: Pid,
  ) {
    super(name, parent, inode);
  }

  protected override stale(): boolean {
    return taskOf(this.pid) === null;
  }
}

/** Slots of the per-task inode numbers (pidIno); thread-style entries add THREAD. */
const SLOT = {
  dir: 0, task: 1, fd: 2, status: 3, comm: 4, cmdline: 5, stat: 6, statm: 7, maps: 8, cwd: 9, root: 10, exe: 11, smaps: 12,
  environ: 13, fdinfo: 14, auxv: 15, oomScoreAdj: 16, oomScore: 17, loginuid: 18, sessionid: 19, ns: 20, mountinfo: 31, mounts: 63,
};
/** The ns directory's links take the slots after SLOT.ns (ten of them). */
const THREAD = 32;
const FD_SLOT = 1024;
const FDINFO_SLOT = 2048;

/** A magic link to something of the task (its cwd, its root, one of its files). */
class ProcLink extends SymlinkInode {
  constructor(
    sb: ProcFs,
    ino: number,
    mode: number,
    private readonly target: (t: Task) => Path | null,
    private readonly pid: Pid,
  ) {
    super(sb, ino, S_IFLNK | mode, sb.nowNs());
  }

  private resolve(): Path | number {
    const t = taskOf(this.pid);
    if (t === null) return -ENOENT;
    return this.target(t) ?? -ENOENT;
  }

  readlink(c: FsCtx): string | number {
    const p = this.resolve();
    const root = c.t.fs?.root;
    if (typeof p === "number" || root === undefined) return typeof p === "number" ? p : -ENOENT;
    return dPath(p, root).name;
  }

  override followMagic(): Path | number {
    return this.resolve();
  }

  open(): number {
    return 0;
  }
}

/**
 * /proc/<pid>/exe: the mm's exe_file. A program execve'd from the VFS links to its file (open
 * follows the link to it, even once unlinked); one started from bytes outside the VFS (the
 * machine's first program) reads as the name it was started with and cannot be opened through
 * the link (execve falls back to the kernel's built-in programs for it).
 */
class ExeLink extends SymlinkInode {
  constructor(
    sb: ProcFs,
    ino: number,
    private readonly pid: Pid,
  ) {
    super(sb, ino, S_IFLNK | 0o777, sb.nowNs());
  }

  private exe(): ExeFile | number {
    const t = taskOf(this.pid);
    if (t === null || !t.alive || t.mm.exe === null) return -ENOENT;
    return t.mm.exe;
  }

  readlink(c: FsCtx): string | number {
    const e = this.exe();
    if (typeof e === "number") return e;
    const root = c.t.fs?.root;
    if (e.path === null || root === undefined) return e.name;
    return dPath(e.path, root).name;
  }

  override followMagic(c: FsCtx): Path | number {
    const e = this.exe();
    if (typeof e === "number") return e;
    return e.path ?? c.k.vfs.exeImagePath(e) ?? -ENOENT;
  }

  open(): number {
    return 0;
  }
}

/** Owner of a task's entries: its effective ids (task_dump_owner). */
function own<T extends { uid: number; gid: number }>(inode: T, t: Task | null): T {
  if (t !== null) {
    inode.uid = t.cred.euid;
    inode.gid = t.cred.egid;
  }
  return inode;
}

/** /proc/<pid>/fd: one magic link per open fd, named by its number. */
class ProcFdDir extends ProcDirBase {
  constructor(
    private readonly psb: ProcFs,
    ino: number,
    private readonly pid: Pid,
  ) {
    super(psb, ino, 0o500);
  }

  private fdLink(fd: number, file: File): ProcLink {
    const acc = file.flags & O_ACCMODE;
    const mode = file.isPath ? 0o500 : acc === O_RDONLY ? 0o500 : acc === O_WRONLY ? 0o300 : 0o700;
    return own(new ProcLink(this.psb, pidIno(gid(this.pid), FD_SLOT + fd), mode, (t) => t.files?.get(fd)?.path ?? null, this.pid), taskOf(this.pid));
  }

  lookup(_c: FsCtx, dir: Dentry, name: string): Dentry | null {
    const t = taskOf(this.pid);
    if (t === null || !/^(0|[1-9][0-9]*)$/.test(name)) return null;
    const fd = Number(name);
    const file = t.files?.get(fd);
    return file === undefined ? null : new Dentry(name, dir, this.fdLink(fd, file));
  }

  list(): DirEntry[] {
    const t = taskOf(this.pid);
    const files = t === null ? null : t.files;
    if (files === null) return [];
    return files.fds().map((fd) => ({ name: String(fd), ino: pidIno(gid(this.pid), FD_SLOT + fd), type: S_IFLNK >>> 12 }));
  }
}

/** /proc/<pid>/fdinfo: one file per open fd, named by its number (fdinfo.ts says what it holds). */
class ProcFdinfoDir extends ProcDirBase {
  constructor(
    private readonly psb: ProcFs,
    ino: number,
    private readonly pid: Pid,
  ) {
    super(psb, ino, 0o500);
  }

  private info(fd: number): ProcFnFile {
    const show = (): string | number => {
      const t = taskOf(this.pid);
      const file = t?.files?.get(fd);
      return t === null || file === undefined ? -ENOENT : showFdinfo(t, fd, file);
    };
    return own(new ProcFnFile(this.psb, pidIno(gid(this.pid), FDINFO_SLOT + fd), 0o444, show), taskOf(this.pid));
  }

  lookup(_c: FsCtx, dir: Dentry, name: string): Dentry | null {
    const t = taskOf(this.pid);
    if (t === null || !/^(0|[1-9][0-9]*)$/.test(name)) return null;
    const fd = Number(name);
    return t.files?.get(fd) === undefined ? null : new Dentry(name, dir, this.info(fd));
  }

  list(): DirEntry[] {
    const t = taskOf(this.pid);
    const files = t === null ? null : t.files;
    if (files === null) return [];
    return files.fds().map((fd) => ({ name: String(fd), ino: pidIno(gid(this.pid), FDINFO_SLOT + fd), type: S_IFREG >>> 12 }));
  }
}

/** /proc/<pid>/task: the threads of the group, by tid. */
class ProcTaskDir extends ProcDirBase {
  constructor(
    private readonly psb: ProcFs,
    ino: number,
    private readonly pid: Pid,
  ) {
    super(psb, ino, 0o555);
  }

  private threads(c: FsCtx): Task[] {
    const t = taskOf(this.pid);
    if (t === null) return [];
    const ns = c.t.pidNs;
    return [...t.group.threads].filter((th) => th.pid.nrIn(ns) > 0).sort((a, b) => a.pid.nrIn(ns) - b.pid.nrIn(ns));
  }

  lookup(c: FsCtx, dir: Dentry, name: string): Dentry | null {
    const th = this.threads(c).find((x) => String(x.pid.nrIn(c.t.pidNs)) === name);
    return th === undefined ? null : new PidDentry(name, dir, pidDir(this.psb, th.pid, true), th.pid);
  }

  list(c: FsCtx): DirEntry[] {
    return this.threads(c).map((th) => ({ name: String(th.pid.nrIn(c.t.pidNs)), ino: pidIno(gid(th.pid), SLOT.dir + THREAD), type: S_IFDIR >>> 12 }));
  }
}

/** A text file about the task; ESRCH once it is reaped. */
function taskFile(sb: ProcFs, pid: Pid, slot: number, mode: number, show: (c: FsCtx, t: Task) => string | Uint8Array, store?: (c: FsCtx, t: Task, data: Uint8Array, pos: number) => number): ProcFnFile {
  const withTask = <R>(f: (t: Task) => R): R | number => {
    const t = taskOf(pid);
    return t === null ? -ESRCH : f(t);
  };
  const st = store === undefined ? undefined : (c: FsCtx, data: Uint8Array, pos: number) => withTask((t) => store(c, t, data, pos));
  return own(new ProcFnFile(sb, pidIno(gid(pid), slot), mode, (c) => withTask((t) => show(c, t)), st), taskOf(pid));
}

/** comm is writable by the task's own thread group: the new name, at most 15 bytes. */
function storeComm(c: FsCtx, t: Task, data: Uint8Array): number {
  if (c.t.group !== t.group) return -EINVAL;
  t.comm = Buffer.from(data.subarray(0, 15)).toString("latin1");
  return data.length;
}

/** /proc/<pid> (thread = false) or /proc/<pid>/task/<tid> (thread = true). */
export function pidDir(sb: ProcFs, pid: Pid, thread: boolean): ProcDir {
  const x = thread ? THREAD : 0;
  const entries = (): ProcEntry[] => {
    const list: ProcEntry[] = [];
    if (!thread) list.push({ name: "task", make: () => own(new ProcTaskDir(sb, pidIno(gid(pid), SLOT.task), pid), taskOf(pid)) });
    list.push(
      { name: "fd", make: () => own(new ProcFdDir(sb, pidIno(gid(pid), SLOT.fd + x), pid), taskOf(pid)) },
      { name: "fdinfo", make: () => own(new ProcFdinfoDir(sb, pidIno(gid(pid), SLOT.fdinfo + x), pid), taskOf(pid)) },
      { name: "environ", make: () => taskFile(sb, pid, SLOT.environ + x, 0o400, (_c, t) => showEnviron(t)) },
      { name: "auxv", make: () => taskFile(sb, pid, SLOT.auxv + x, 0o400, (_c, t) => showAuxv(t)) },
      { name: "status", make: () => taskFile(sb, pid, SLOT.status + x, 0o444, (c, t) => showStatus(c.k, c.t, t)) },
      { name: "comm", make: () => taskFile(sb, pid, SLOT.comm + x, 0o644, (_c, t) => t.comm + "\n", storeComm) },
      { name: "cmdline", make: () => taskFile(sb, pid, SLOT.cmdline + x, 0o444, (_c, t) => showCmdline(t)) },
      { name: "stat", make: () => taskFile(sb, pid, SLOT.stat + x, 0o444, (c, t) => showStat(c.k, c.t, t, !thread)) },
      { name: "statm", make: () => taskFile(sb, pid, SLOT.statm + x, 0o444, (_c, t) => showStatm(t)) },
      { name: "maps", make: () => taskFile(sb, pid, SLOT.maps + x, 0o444, (_c, t) => (t.alive ? showMaps(t.mm) : "")) },
      { name: "cwd", make: () => own(new ProcLink(sb, pidIno(gid(pid), SLOT.cwd + x), 0o777, (t) => t.fs?.pwd ?? null, pid), taskOf(pid)) },
      { name: "root", make: () => own(new ProcLink(sb, pidIno(gid(pid), SLOT.root + x), 0o777, (t) => t.fs?.root ?? null, pid), taskOf(pid)) },
      { name: "exe", make: () => own(new ExeLink(sb, pidIno(gid(pid), SLOT.exe + x), pid), taskOf(pid)) },
      { name: "smaps", make: () => taskFile(sb, pid, SLOT.smaps + x, 0o444, (_c, t) => (t.alive ? showSmaps(t.mm) : "")) },
      { name: "oom_score_adj", make: () => taskFile(sb, pid, SLOT.oomScoreAdj + x, 0o644, (_c, t) => `${t.group.oomScoreAdj}\n`, storeOomScoreAdj) },
      { name: "oom_score", make: () => taskFile(sb, pid, SLOT.oomScore + x, 0o444, (c, t) => showOomScore(c.k, t)) },
      { name: "loginuid", make: () => taskFile(sb, pid, SLOT.loginuid + x, 0o644, (_c, t) => String(t.loginuid), storeLoginuid) },
      { name: "sessionid", make: () => taskFile(sb, pid, SLOT.sessionid + x, 0o444, (_c, t) => String(t.sessionid)) },
      { name: "ns", make: () => nsDir(sb, pid, gid(pid), SLOT.ns + x, (i) => own(i, taskOf(pid))) },
      { name: "mountinfo", make: () => taskFile(sb, pid, SLOT.mountinfo + 2 * x, 0o444, (c, t) => showMountinfo(c.k.vfs, t)) },
      { name: "mounts", make: () => taskFile(sb, pid, SLOT.mounts + 2 * x, 0o444, (c, t) => showMounts(c.k.vfs, t)) },
    );
    return list;
  };
  const dir = own(new ProcDir(sb, pidIno(gid(pid), SLOT.dir + x), 0o555, entries), taskOf(pid));
  dir.gone = () => (taskOf(pid) === null ? -ESRCH : 0);
  return dir;
}
