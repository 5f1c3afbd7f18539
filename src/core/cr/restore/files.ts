// Open files, pipes, fd tables and fs contexts from the model. Each object is built once and
// shared as recorded: two fds naming one file id get one File (shared offset), two tasks naming
// one fd table share it as CLONE_FILES made them. The restorer owns the creation reference of
// everything made here and drops it in release(); the tasks take their own.
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import type { Task } from "../../../machine/kernel/task.ts";
import { FilesStruct } from "../../../machine/fs/fdtable.ts";
import type { File } from "../../../machine/fs/file.ts";
import { FsStruct } from "../../../machine/fs/fs-struct.ts";
import { isDirInode, type FsCtx, type Path } from "../../../machine/fs/inode.ts";
import { openPath } from "../../../machine/fs/open.ts";
import { PipeInode } from "../../../machine/fs/pipe.ts";
import { AT_FDCWD, O_ACCMODE, O_PATH, O_RDONLY, O_WRONLY } from "../../../machine/fs/constants.ts";
import { CharDevInode, DEV_CONSOLE, DEV_FULL, DEV_NULL, DEV_ZERO } from "../../../machine/fs/devices.ts";
import { inodePermission, MAY_READ, MAY_WRITE } from "../../../machine/fs/perm.ts";
import { CAP_SYS_ADMIN } from "../../../machine/kernel/cred.ts";
import { DEVICE_ALLOW_LIST } from "./confine.ts";
import { LOOKUP_FOLLOW, lookupAt } from "../../../machine/fs/namei.ts";
import { PAGE_SIZE } from "../../../machine/mm/frame.ts";
import { CrError, EINVAL, ENOENT, ENOMEM, EPERM } from "../errors.ts";
import { EACCES } from "../../../machine/kernel/errno.ts";
import type { CheckpointModel, FileRecord } from "../model.ts";
import { isEventTarget } from "../model-events.ts";
import { EventFilesRestore } from "./events.ts";
import { walkTmpfs, type TreeRestore } from "./tree.ts";

/** The devices of DEVICE_ALLOW_LIST by number. */
const ALLOWED_RDEV = new Set([DEV_NULL, DEV_ZERO, DEV_FULL]);

export class FilesRestore {
  readonly files = new Map<number, File>();
  readonly fdTables = new Map<number, FilesStruct>();
  readonly fsContexts = new Map<number, FsStruct>();
  /** Pipe id → its path in pipefs (both ends open on it). */
  private readonly pipes = new Map<number, Path>();
  private readonly c: FsCtx;
  private readonly pipeRecs: Map<number, CheckpointModel["pipes"][number]>;
  /** Eventfd, timerfd, signalfd and epoll files: made here, filled once the tasks hold them. */
  private readonly events: EventFilesRestore;

  constructor(
    private readonly k: Kernel,
    caller: Task,
    private readonly m: CheckpointModel,
    private readonly tree: TreeRestore,
  ) {
    this.c = { k, t: caller };
    this.pipeRecs = new Map(m.pipes.map((p) => [p.id, p]));
    this.events = new EventFilesRestore(k);
  }

  private why(what: string): string {
    return `restart: ${what}`;
  }

  private pipePath(id: number): Path {
    let p = this.pipes.get(id);
    if (p !== undefined) return p;
    const rec = this.pipeRecs.get(id);
    if (rec === undefined) throw new CrError(EINVAL, `a file names pipe ${id}, which the image does not have`);
    p = this.k.vfs.newPipe(this.c);
    const pipe = (p.dentry.inode as PipeInode).pipe;
    for (let off = 0; off < rec.buffered.length; off += PAGE_SIZE) {
      const frame = this.k.frames.alloc();
      if (frame === null) throw new CrError(ENOMEM, `out of memory restoring the bytes of pipe ${id}`);
      const chunk = rec.buffered.subarray(off, off + PAGE_SIZE);
      frame.data.set(chunk);
      pipe.bufs.push({ frame, offset: 0, len: chunk.length });
    }
    this.pipes.set(id, p);
    return p;
  }

  private open(rec: FileRecord, viewer: Task): File {
    const t = rec.target;
    // No path: made anew on the anonymous inode with the state the image gives.
    if (isEventTarget(t)) return this.events.open(rec, t, this.why(`file ${rec.id}`));
    let path: Path;
    let priv: unknown;
    if (t.kind === "inode") {
      // By inode only: the path is the name it had, never a place to look on this machine.
      const p = this.tree.paths.get(t.inodeId);
      if (p === undefined) throw new CrError(EINVAL, `file ${rec.id} names inode ${t.inodeId}, which the image does not have`);
      path = p;
    } else if (t.kind === "pipe") path = this.pipePath(t.pipeId);
    else if (t.kind === "console") {
      const d = walkTmpfs(this.k.vfs, "/dev/console");
      if (d === null || !(d.inode instanceof CharDevInode) || d.inode.rdev !== DEV_CONSOLE) throw new CrError(ENOENT, `file ${rec.id}: this machine has no console at /dev/console`);
      path = { mnt: this.k.vfs.rootMount, dentry: d };
      if (t.stream !== 0) priv = t.stream;
    } else if (t.kind === "proc") {
      const p = lookupAt({ k: this.k, t: viewer }, AT_FDCWD, t.path, LOOKUP_FOLLOW);
      if (typeof p === "number") throw new CrError(-p, `${t.path}, open in the container, cannot be reopened here (errno ${-p})`);
      path = p;
    } else {
      if (!DEVICE_ALLOW_LIST.includes(t.path)) throw new CrError(EPERM, `file ${rec.id}: device ${JSON.stringify(t.path)} is not one a restart may open`);
      const d = walkTmpfs(this.k.vfs, t.path);
      if (d === null) throw new CrError(ENOENT, `file ${rec.id}: device ${t.path} does not exist on this machine`);
      path = { mnt: this.k.vfs.rootMount, dentry: d };
    }
    this.confined(rec, path);
    if (t.kind === "console" && t.stream === 0 && (rec.flags & O_ACCMODE) !== O_RDONLY) throw new CrError(EINVAL, `file ${rec.id}: console stdin opened for writing`);
    if (t.kind === "console" && t.stream !== 0 && (rec.flags & O_ACCMODE) === O_RDONLY) throw new CrError(EINVAL, `file ${rec.id}: console output stream opened read-only`);
    const f = openPath(this.c, path, rec.flags, this.why(`file ${rec.id}`), priv);
    if (typeof f === "number") throw new CrError(-f, `reopening file ${rec.id} failed with errno ${-f}`);
    f.pos = rec.pos;
    return f;
  }

  /**
   * What a restored file may be, whatever its path said: a device from the allow-list (by its
   * number: a tmpfs file named /dev/null is no device), a procfs file for a proc record (a
   * /proc/<pid>/root/... or fd/N link followed out of /proc is refused), and for a restarter
   * without CAP_SYS_ADMIN, a file outside the tree it may open itself with these flags.
   */
  private confined(rec: FileRecord, path: Path): void {
    const t = rec.target;
    const inode = path.dentry.inode;
    if (t.kind === "device" && !(inode instanceof CharDevInode && ALLOWED_RDEV.has(inode.rdev))) {
      throw new CrError(EPERM, `file ${rec.id}: ${t.path} is not an allowed character device here`);
    }
    if (t.kind === "proc" && inode.sb !== this.k.vfs.proc) throw new CrError(EPERM, `file ${rec.id}: ${t.path} leads out of /proc`);
    const cred = this.c.t.cred;
    const external = t.kind === "device" || t.kind === "proc" || (t.kind === "inode" && this.tree.isExternal(t.inodeId));
    if (external && !cred.capable(CAP_SYS_ADMIN) && (rec.flags & O_PATH) === 0) {
      const acc = rec.flags & O_ACCMODE;
      const mask = (acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE);
      if (inodePermission(cred, inode, mask) !== 0) throw new CrError(EACCES, `file ${rec.id}: the restarter may not open ${"path" in t ? t.path : "it"} with these flags itself`);
    }
  }

  /** The fs contexts (root, cwd, umask): first, so that tasks can look paths up. */
  buildFs(): void {
    for (const rec of this.m.fsContexts) {
      const root = this.dir(rec, "root", rec.rootInodeId) ?? this.tree.resolve(rec.root);
      const cwd = this.dir(rec, "cwd", rec.cwdInodeId) ?? this.tree.resolve(rec.cwd);
      this.fsContexts.set(rec.id, new FsStruct(this.k.kobj, root, cwd, rec.umask & 0o777, this.why(`fs ${rec.id}`)));
    }
  }

  /**
   * A removed root or working directory: the unlinked directory the tree restore made for its
   * inode (one per inode, so every context and open file naming it shares it). Null when the
   * directory was not removed.
   */
  private dir(rec: CheckpointModel["fsContexts"][number], which: string, inodeId: number | undefined): Path | null {
    if (inodeId === undefined) return null;
    const p = this.tree.paths.get(inodeId);
    if (p === undefined) throw new CrError(EINVAL, `fs context ${rec.id}: its removed ${which} names inode ${inodeId}, which the image does not have`);
    if (!p.dentry.deleted || !isDirInode(p.dentry.inode)) throw new CrError(EINVAL, `fs context ${rec.id}: its removed ${which} (inode ${inodeId}) is not an unlinked directory`);
    return p;
  }

  /** Open every file (proc paths are looked up as `viewer` sees /proc), then the fd tables. */
  buildFiles(viewer: Task): void {
    for (const rec of this.m.files) this.files.set(rec.id, this.open(rec, viewer));
    for (const rec of this.m.fdTables) {
      const table = new FilesStruct(this.k.kobj, this.why(`fd table ${rec.id}`));
      this.fdTables.set(rec.id, table);
      for (const fd of rec.fds) {
        const f = this.files.get(fd.fileId);
        if (f === undefined) throw new CrError(EINVAL, `fd ${fd.fd} of table ${rec.id} names file ${fd.fileId}, which the image does not have`);
        if (fd.fd < 0 || fd.fd >= table.limit || table.get(fd.fd) !== undefined) throw new CrError(EINVAL, `fd table ${rec.id} has a bad or repeated fd ${fd.fd}`);
        this.k.kobj.get(f, "restart: fd install");
        table.install(fd.fd, f, fd.cloexec);
      }
      table.maxFds = Math.max(table.maxFds, Math.min(rec.maxFds, table.limit));
    }
    this.events.check(this.files);
  }

  /**
   * Once every task holds its fd table: the epoll sets' items, their ready lists and the timers
   * (restore/events.ts). Each set is filled as the first live task holding it (in image order)
   * would have filled it; `tasks` are the restored tasks in the image's order.
   */
  fillEventFiles(tasks: readonly Task[]): void {
    const holder = new Map<number, Task>();
    this.m.tasks.forEach((rec, i) => {
      const t = tasks[i];
      if (t === undefined || rec.state === "zombie" || rec.filesId === null) return;
      for (const fd of this.m.fdTables.find((x) => x.id === rec.filesId)?.fds ?? []) if (!holder.has(fd.fileId)) holder.set(fd.fileId, t);
    });
    this.events.fill(this.files, (id) => ({ k: this.k, t: holder.get(id) ?? this.c.t }));
  }

  /** Drop the creation references (the tasks hold theirs; on failure this frees everything). */
  release(): void {
    for (const f of this.files.values()) this.k.kobj.put(f, "restart: creation ref");
    for (const t of this.fdTables.values()) this.k.kobj.put(t, "restart: creation ref");
    for (const s of this.fsContexts.values()) this.k.kobj.put(s, "restart: creation ref");
    this.files.clear();
    this.fdTables.clear();
    this.fsContexts.clear();
    // A pipe whose files were never all opened (a failure halfway) frees its pages itself.
    for (const p of this.pipes.values()) {
      const pipe = (p.dentry.inode as PipeInode).pipe;
      if (pipe.readers === 0 && pipe.writers === 0) pipe.free();
    }
    this.pipes.clear();
  }
}


