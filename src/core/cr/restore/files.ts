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
import { AT_FDCWD, O_ACCMODE, O_APPEND, O_NONBLOCK, O_PATH, O_RDONLY, O_WRONLY } from "../../../machine/fs/constants.ts";
import { File as OpenFile } from "../../../machine/fs/file.ts";
import { restoreFileState } from "./file-state.ts";
import { groupOf as inotifyGroupOf, inotifyFile } from "../../../machine/fs/notify/inotify.ts";
import { cookiesFrom } from "../../../machine/fs/notify/fsnotify.ts";
import { pidfdCreate } from "../../../machine/kernel/pidfd.ts";
import type { Pid, PidNamespace } from "../../../machine/kernel/pid.ts";
import { INIT_INUM, pidNsInum } from "../../../machine/fs/proc/pid-misc.ts";
import { CharDevInode, DEV_CONSOLE } from "../../../machine/fs/devices.ts";
import { inodePermission, MAY_READ, MAY_WRITE } from "../../../machine/fs/perm.ts";
import { CAP_SYS_ADMIN } from "../../../machine/kernel/cred.ts";
import { DEVICE_ALLOW_LIST, DEVICE_ALLOW_RDEV } from "./confine.ts";
import { LOOKUP_FOLLOW, lookupAt } from "../../../machine/fs/namei.ts";
import { PAGE_SIZE } from "../../../machine/mm/frame.ts";
import { CrError, EINVAL, ENOENT, ENOMEM, EPERM } from "../errors.ts";
import { EACCES } from "../../../machine/kernel/errno.ts";
import type { CheckpointModel, FileRecord, FilesRecord } from "../model.ts";
import { SocketsRestore } from "./sockets.ts";
import { isEventTarget } from "../model-events.ts";
import { EventFilesRestore } from "./events.ts";
import { walkTmpfs, type TreeRestore } from "./tree.ts";
import { TtyRestore } from "./ttys.ts";

/** The flags F_SETFL changes on any file (setfl: O_NOATIME and O_DIRECT are not modelled). */
const SETFL_MASK = O_APPEND | O_NONBLOCK;

/** The devices of DEVICE_ALLOW_LIST by number. */
const ALLOWED_RDEV = new Set(DEVICE_ALLOW_RDEV);

export class FilesRestore {
  readonly files = new Map<number, File>();
  readonly fdTables = new Map<number, FilesStruct>();
  readonly fsContexts = new Map<number, FsStruct>();
  /** Pipe id → its path in pipefs (both ends open on it). */
  private readonly pipes = new Map<number, Path>();
  private readonly c: FsCtx;
  private readonly pipeRecs: Map<number, CheckpointModel["pipes"][number]>;
  readonly ttys: TtyRestore;
  private readonly sockets: SocketsRestore;
  /** Eventfd, timerfd, signalfd and epoll files: made here, filled once the tasks hold them. */
  private readonly events: EventFilesRestore;

  constructor(
    private readonly k: Kernel,
    caller: Task,
    private readonly m: CheckpointModel,
    private readonly tree: TreeRestore,
    /** The restored pid of a pid id (pty sessions, file owners, lock holders); throws if missing. */
    private readonly pid: (id: number) => Pid,
    /** The restored pid of a pid record (pidfds name one). */
    private readonly pidById: (id: number) => Pid | undefined = () => undefined,
    /** The restored pid namespace of a namespace record (namespace files name one). */
    private readonly pidNsById: (id: number) => PidNamespace | undefined = () => undefined,
  ) {
    this.c = { k, t: caller };
    this.ttys = new TtyRestore(k, m, pid);
    this.pipeRecs = new Map(m.pipes.map((p) => [p.id, p]));
    this.sockets = new SocketsRestore(k, m, (what) => this.why(what));
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
    if (rec.inodeId !== undefined) throw new CrError(EINVAL, `a file names pipe ${id} directly, which is the pipe of FIFO inode ${rec.inodeId}`);
    p = this.k.vfs.newPipe(this.c);
    this.fillPipe(rec, (p.dentry.inode as PipeInode).pipe);
    this.pipes.set(id, p);
    return p;
  }

  /** The pipe's buffered bytes and ring size (F_SETPIPE_SZ), into a pipe with no end open yet. */
  private fillPipe(rec: CheckpointModel["pipes"][number], pipe: PipeInode["pipe"]): void {
    const id = rec.id;
    if (rec.sizePages !== undefined) pipe.maxUsage = rec.sizePages;
    if (Math.ceil(rec.buffered.length / PAGE_SIZE) > pipe.maxUsage) throw new CrError(EINVAL, `pipe ${id} holds ${rec.buffered.length} bytes, more than its ${pipe.maxUsage} pages`);
    for (let off = 0; off < rec.buffered.length; off += PAGE_SIZE) {
      const frame = this.k.frames.alloc();
      if (frame === null) throw new CrError(ENOMEM, `out of memory restoring the bytes of pipe ${id}`);
      const chunk = rec.buffered.subarray(off, off + PAGE_SIZE);
      frame.data.set(chunk);
      pipe.bufs.push({ frame, offset: 0, len: chunk.length });
    }
  }

  /**
   * The pipes of FIFOs: each is its inode's own pipe (made by the tree restore, named or
   * unlinked), filled before any end is opened on it.
   */
  private fillFifos(): void {
    for (const rec of this.m.pipes) {
      if (rec.inodeId === undefined) continue;
      const p = this.tree.paths.get(rec.inodeId);
      const inode = p?.dentry.inode;
      if (p === undefined || !(inode instanceof PipeInode) || !inode.fifo) throw new CrError(EINVAL, `pipe ${rec.id} names FIFO inode ${rec.inodeId}, which the image does not have as a FIFO`);
      if (this.pipes.has(rec.id) || inode.pipe.bufs.length > 0 || inode.pipe.readers + inode.pipe.writers > 0) throw new CrError(EINVAL, `FIFO inode ${rec.inodeId} has two pipes in the image`);
      this.pipes.set(rec.id, p);
      this.fillPipe(rec, inode.pipe);
    }
  }

  /**
   * A FIFO's end, opened on its inode without fifo_open's wait for a partner: a restart must not
   * block (or fail with ENXIO) on the open rules a guest would see; the ends come back as they were.
   */
  private openFifoEnd(rec: FileRecord, path: Path, inode: PipeInode, inodeId: number): File {
    if ((rec.flags & O_PATH) !== 0) return this.openOther(rec, path);
    if (![...this.pipes.keys()].some((id) => this.pipeRecs.get(id)?.inodeId === inodeId)) {
      throw new CrError(EINVAL, `file ${rec.id} is an open end of FIFO inode ${inodeId}, which has no pipe in the image`);
    }
    const f = new OpenFile(this.k.kobj, path, rec.flags, this.why(`file ${rec.id}`));
    inode.attachEnd(f);
    return f;
  }

  private openOther(rec: FileRecord, path: Path, priv?: unknown): File {
    const f = openPath(this.c, path, rec.flags, this.why(`file ${rec.id}`), priv);
    if (typeof f === "number") throw new CrError(-f, `reopening file ${rec.id} failed with errno ${-f}`);
    return f;
  }

  private open(rec: FileRecord, viewer: Task): File {
    const t = rec.target;
    if (t.kind === "pty") return this.ttys.open(rec, this.why(`file ${rec.id}`));
    if (t.kind === "socket") return this.sockets.open(rec, t.sockId);
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
    else if (t.kind === "pidfd" || t.kind === "inotify") return this.anon(rec, t);
    else if (t.kind === "ns") path = this.nsPath(rec, t);
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
    const inode = path.dentry.inode;
    const f = t.kind === "inode" && inode instanceof PipeInode ? this.openFifoEnd(rec, path, inode, t.inodeId) : this.openOther(rec, path, priv);
    f.pos = rec.pos;
    // A /proc file read in part serves the rest from the contents its first read made.
    if (t.kind === "proc" && t.snapshot !== undefined) f.priv = t.snapshot.slice();
    return f;
  }

  /**
   * A file on an anonymous inode, made as its syscall makes it: a pidfd on the restored pid
   * (pidfd_open), an inotify instance (inotify_init1; its watches come in restoreWatches). Only
   * the F_SETFL bits of the recorded flags are taken: the rest is what the syscall sets.
   */
  private anon(rec: FileRecord, t: Extract<FileRecord["target"], { kind: "pidfd" | "inotify" }>): File {
    let f: File;
    if (t.kind === "pidfd") {
      const pid = this.pidById(t.pidId);
      if (pid === undefined) throw new CrError(EINVAL, `file ${rec.id} is a pidfd of pid ${t.pidId}, which the image does not have`);
      f = pidfdCreate(this.k, pid, rec.flags & O_NONBLOCK, this.why(`file ${rec.id}`));
    } else {
      f = inotifyFile(this.k, rec.flags & O_NONBLOCK, this.why(`file ${rec.id}`));
    }
    f.flags = (f.flags & ~SETFL_MASK) | (rec.flags & SETFL_MASK);
    return f;
  }

  /** A namespace file's nsfs path in the restored container: its pid namespace, or the machine's initial one of the kind. */
  private nsPath(rec: FileRecord, t: Extract<FileRecord["target"], { kind: "ns" }>): Path {
    let inum: number;
    if (t.nsKind === "pid") {
      const ns = t.pidNsId === undefined ? undefined : this.pidNsById(t.pidNsId);
      if (ns === undefined) throw new CrError(EINVAL, `file ${rec.id} is the file of pid namespace ${t.pidNsId ?? "?"}, which the image does not have`);
      inum = pidNsInum(ns);
    } else inum = INIT_INUM[t.nsKind];
    return this.k.vfs.nsfs.path(t.nsKind, inum);
  }

  /**
   * The watches and queued events of the restored inotify instances, once every file is open:
   * reopening the container's files must not queue IN_OPEN events nobody had.
   */
  private restoreWatches(): void {
    for (const rec of this.m.files) {
      const t = rec.target;
      if (t.kind !== "inotify") continue;
      const g = inotifyGroupOf(this.files.get(rec.id)!);
      for (const w of t.watches) {
        const p = this.tree.paths.get(w.inodeId);
        if (p === undefined) throw new CrError(EINVAL, `inotify file ${rec.id}: watch ${w.wd} names inode ${w.inodeId}, which the image does not have`);
        if (!g.restoreWatch(p.dentry.inode, w.wd, w.mask)) throw new CrError(EINVAL, `inotify file ${rec.id}: watch ${w.wd} repeats a watch descriptor or an inode`);
      }
      g.lastWd = t.lastWd;
      cookiesFrom(this.k.vfs.tmpfs, t.lastCookie);
      g.restoreEvents(t.events);
    }
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
    // A device node the image names as an inode (made in the tree, or a host file that turned out
    // to be a node): only the harmless devices, whatever its record said.
    if (t.kind === "inode" && inode instanceof CharDevInode && !ALLOWED_RDEV.has(inode.rdev)) {
      throw new CrError(EPERM, `file ${rec.id}: ${t.path} is a device node that is not an allowed character device here`);
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

  /**
   * Open every file (proc paths are looked up as `viewer` sees /proc), then the fd tables.
   * `tasks`: the restored tasks in the image's order, which hold the tables while the proc files
   * are opened.
   */
  buildFiles(viewer: Task, tasks: readonly (Task | undefined)[] = []): void {
    this.ttys.build();
    this.sockets.build();
    this.fillFifos();
    // Proc files last: /proc/<pid>/fd/N and fdinfo/N exist only while <pid> holds fd N.
    const procIds = new Set(this.m.files.filter((r) => r.target.kind === "proc").map((r) => r.id));
    for (const rec of this.m.files) if (!procIds.has(rec.id)) this.files.set(rec.id, this.open(rec, viewer));
    this.restoreWatches();
    const pending: { table: FilesStruct; fd: number; cloexec: boolean; fileId: number }[] = [];
    for (const rec of this.m.fdTables) {
      const table = new FilesStruct(this.k.kobj, this.why(`fd table ${rec.id}`));
      this.fdTables.set(rec.id, table);
      const seen = new Set<number>();
      for (const fd of rec.fds) {
        if (fd.fd < 0 || fd.fd >= table.limit || seen.has(fd.fd)) throw new CrError(EINVAL, `fd table ${rec.id} has a bad or repeated fd ${fd.fd}`);
        seen.add(fd.fd);
        if (procIds.has(fd.fileId)) {
          pending.push({ table, fd: fd.fd, cloexec: fd.cloexec, fileId: fd.fileId });
          continue;
        }
        const f = this.files.get(fd.fileId);
        if (f === undefined) throw new CrError(EINVAL, `fd ${fd.fd} of table ${rec.id} names file ${fd.fileId}, which the image does not have`);
        this.k.kobj.get(f, "restart: fd install");
        table.install(fd.fd, f, fd.cloexec);
      }
      table.maxFds = Math.max(table.maxFds, Math.min(rec.maxFds, table.limit));
    }
    this.withRestoredTables(tasks, () => {
      for (const rec of this.m.files) {
        if (!procIds.has(rec.id)) continue;
        const f = this.open(rec, viewer);
        this.files.set(rec.id, f);
        // Installed at once: a later proc file may name this fd (fdinfo of an fdinfo file).
        for (const p of pending) {
          if (p.fileId !== rec.id) continue;
          this.k.kobj.get(f, "restart: fd install");
          p.table.install(p.fd, f, p.cloexec);
        }
      }
    });
    // Every file exists: the sockets' links and queues (files in flight among them).
    this.sockets.link(this.files, this.tree, viewer.pidNs);
    restoreFileState(this.k, this.m, this.files, this.fdTables, this.pid);
    this.events.check(this.files);
  }

  /**
   * Run `fn` with every live task of `tasks` (image order) looking at its restored fd table, as
   * /proc shows it once the restart is done; the tasks' own tables come back after. No reference
   * moves: nothing outside `fn` sees the swap, and attach() takes the real ones later.
   */
  private withRestoredTables(tasks: readonly (Task | undefined)[], fn: () => void): void {
    const saved: [Task, Task["files"]][] = [];
    this.m.tasks.forEach((rec, i) => {
      const t = tasks[i];
      const table = rec.filesId === null ? undefined : this.fdTables.get(rec.filesId);
      if (t === undefined || rec.state === "zombie" || table === undefined) return;
      saved.push([t, t.files]);
      t.files = table;
    });
    try {
      fn();
    } finally {
      for (const [t, files] of saved) t.files = files;
    }
  }

  /**
   * Once every task holds its fd table: the epoll sets' items, their ready lists and the timers
   * (restore/events.ts). Each set is filled as the first live task holding it (in image order)
   * would have filled it; `tasks` are the restored tasks in the image's order.
   */
  fillEventFiles(tasks: readonly Task[]): void {
    // The table records by id, the first of an id winning as a scan would: one lookup per task
    // instead of a scan of every table (10,000 tasks with a table each made this quadratic).
    const tables = new Map<number, FilesRecord>();
    for (const r of this.m.fdTables) if (!tables.has(r.id)) tables.set(r.id, r);
    const holder = new Map<number, Task>();
    this.m.tasks.forEach((rec, i) => {
      const t = tasks[i];
      if (t === undefined || rec.state === "zombie" || rec.filesId === null) return;
      for (const fd of tables.get(rec.filesId)?.fds ?? []) if (!holder.has(fd.fileId)) holder.set(fd.fileId, t);
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
    this.ttys.release();
    this.sockets.release();
    // A pipe whose files were never all opened (a failure halfway) frees its pages itself.
    for (const p of this.pipes.values()) {
      const pipe = (p.dentry.inode as PipeInode).pipe;
      if (pipe.readers === 0 && pipe.writers === 0) pipe.free();
    }
    this.pipes.clear();
  }
}


