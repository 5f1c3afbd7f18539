// Files into the model: the container's own file tree (the subtree of its working directory),
// every open file with its offset and flags, fd tables and fs contexts by identity, pipes and
// FIFOs with the bytes in their buffers and their ring size, and the inodes all of these name;
// then each file's owner, locks and lease (file-state.ts). Objects the model cannot carry (a /proc
// file named through self, a pipe end held outside the container, a file shared with a task
// outside it) make the checkpoint fail with the reason.
import { MemfdInode } from "../../../machine/fs/memfd.ts";
import type { FilesStruct } from "../../../machine/fs/fdtable.ts";
import type { File } from "../../../machine/fs/file.ts";
import type { FsStruct } from "../../../machine/fs/fs-struct.ts";
import { dPath } from "../../../machine/fs/dpath.ts";
import type { Dentry, Inode, Path } from "../../../machine/fs/inode.ts";
import { PIPE_DEF_BUFFERS, PipeInode } from "../../../machine/fs/pipe.ts";
import { CharDevInode, DEV_CONSOLE, DEV_FULL, DEV_NULL, DEV_ZERO, NoDeviceInode } from "../../../machine/fs/devices.ts";
import { UnixNodeInode } from "../../../machine/net/af-unix.ts";
import { SocketInode } from "../../../machine/net/socket.ts";
import type { Pid, PidNamespace } from "../../../machine/kernel/pid.ts";
import { TmpfsDir, TmpfsFile, TmpfsSymlink } from "../../../machine/fs/tmpfs/tmpfs.ts";
import type { Vfs } from "../../../machine/fs/vfs.ts";
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { O_ACCMODE, O_PATH, O_RDONLY, S_IFBLK, S_IFMT, S_IFSOCK } from "../../../machine/fs/constants.ts";
import { CrError, EBUSY, EOPNOTSUPP } from "../errors.ts";
import type {
  DentryRecord, FileRecord, FilesRecord, FileTargetRecord, FsRecord, InodeRecord, PageRecord, PipeRecord,
} from "../model.ts";
import { collectFileState, collectLocks } from "./file-state.ts";
import { eventTarget, refuseWatched } from "./events.ts";
import { IdMap } from "./ids.ts";
import { pidfdPid } from "../../../machine/kernel/pidfd.ts";
import { groupOf as inotifyGroupOf, inotifyOps } from "../../../machine/fs/notify/inotify.ts";
import { lastCookie } from "../../../machine/fs/notify/fsnotify.ts";
import { INIT_INUM } from "../../../machine/fs/proc/pid-misc.ts";
import { NS_KINDS } from "../model.ts";
import { isTtyFile, type TtyCollector } from "./ttys.ts";
import { SocketCollector } from "./sockets.ts";

/** The device numbers a restart may make a node of (confine.ts's DEVICE_ALLOW_LIST, by number). */
const CARRIED_RDEV = new Set([DEV_NULL, DEV_ZERO, DEV_FULL, DEV_CONSOLE]);

/** "major:minor" of a device number as the kernel keeps it (mkdev). */
const devName = (rdev: number): string => `${Math.floor(rdev / 2 ** 20)}:${rdev % 2 ** 20}`;

function cachePages(f: TmpfsFile): PageRecord[] {
  return [...f.cache.pages.entries()].sort((a, b) => a[0] - b[0]).map(([index, fr]) => ({ index, data: fr.data }));
}

export class FilesCollector {
  readonly inodes: InodeRecord[] = [];
  readonly tree: DentryRecord[] = [];
  readonly pipes: PipeRecord[] = [];
  readonly files: FileRecord[] = [];
  readonly fdTables: FilesRecord[] = [];
  readonly fsContexts: FsRecord[] = [];
  private readonly inodeIds = new IdMap<Inode>();
  private readonly pipeIds = new IdMap<PipeInode>();
  private readonly fileIds = new IdMap<File>();
  /** Inode records of linked host files outside the tree: kept by path, reopened read-only. */
  private readonly externalInodes = new Set<number>();
  private readonly filesIds = new IdMap<FilesStruct>();
  private readonly fsIds = new IdMap<FsStruct>();
  /** Fd-table slots of the container naming each file (to find files shared with outsiders). */
  private readonly slots = new Map<File, number>();
  /** Inotify instances' watches, resolved to inode ids once every file is in (checkClosed). */
  private readonly watchers: (() => void)[] = [];
  /** Pseudo-terminals (set by the collector, which knows the pids their sessions name). */
  ttys: TtyCollector | null = null;
  /** Files some epoll set of the container watches: they must be the container's too. */
  private readonly watched = new Set<File>();
  /** Container files reading and writing each pipe. */
  private readonly pipeEnds = new Map<PipeInode, { readers: number; writers: number }>();
  readonly sockets: SocketCollector;
  /** The fd each collected file was first met under (where its O_ASYNC registration is looked for). */
  private readonly firstFd = new Map<File, number>();
  /** Files whose owner, locks and lease were collected (at the first fd holding them). */
  private readonly stateCollected = new Set<File>();

  /** The model id of the container's pid namespace with that nsfs inode number, or null. */
  pidNsIdByInum: (inum: number) => number | null = () => null;

  constructor(
    private readonly k: Kernel,
    private readonly vfs: Vfs,
    /** The container's pid namespace: credentials on sockets name pids as it numbers them. */
    ns: PidNamespace,
    /** A pid's model id (the collector's, which refuses a pid outside the container). */
    readonly pidId: (p: Pid, what: string) => number,
    /** An fd left out of the image: a self-checkpointing caller's image fd. */
    private readonly skip?: { files: FilesStruct; fd: number },
  ) {
    this.sockets = new SocketCollector({
      fileId: (f) => this.fileId(f),
      treeInodeId: (inode) => (this.treeInodes.has(inode) ? this.inodeIds.get(inode) : undefined),
    }, ns);
  }

  /** Inodes recorded from the container's tree (a socket's path name must be one). */
  private readonly treeInodes = new Set<Inode>();

  /** The model id of an fd table already collected, or undefined (a table outside the container). */
  filesIdOf(files: object): number | undefined {
    return this.filesIds.get(files as FilesStruct);
  }

  /** Every collected file with its record and the fd it was first met under. */
  collected(): { f: File; rec: FileRecord; fd: number }[] {
    return [...this.firstFd].map(([f, fd]) => ({ f, fd, rec: this.files[this.fileIds.get(f)! - 1] }));
  }

  /**
   * Another fd of the self-checkpointing caller open for writing on the very file the image is
   * being written to: left out like the image fd itself. It happens when a checkpoint follows the
   * previous one before the caller closed that one's fd (--iters in continue mode): the image
   * cannot hold a file it is overwriting, and a restart would refuse a host file open for writing.
   */
  private isImage(f: File): boolean {
    const img = this.skip?.files.get(this.skip.fd);
    return img !== undefined && f !== img && f.inode === img.inode && f.writable;
  }

  /** An absolute name for a path, as the machine's root sees it. */
  name(p: Path): string {
    return dPath(p, this.vfs.root).name;
  }

  /** Record the subtree under `root` (parents before children). */
  collectTree(root: Dentry): void {
    const walk = (d: Dentry, rel: string): void => {
      const id = this.inodeRecord(d.inode, null, this.name({ mnt: this.vfs.rootMount, dentry: d }));
      this.treeInodes.add(d.inode);
      this.tree.push({ path: rel, inodeId: id });
      const dir = d.inode;
      if (!(dir instanceof TmpfsDir)) return;
      // Creation order, so that a restore recreates the same listing order.
      for (const child of dir.children.values()) {
        if (this.vfs.isMountpoint(child)) throw new CrError(EOPNOTSUPP, `a file system is mounted at ${this.name({ mnt: this.vfs.rootMount, dentry: child })} inside the container's tree: mounts are not checkpointed`);
        walk(child, rel === "" ? child.name : `${rel}/${child.name}`);
      }
    };
    walk(root, "");
  }

  /** The inode's id; a linked inode outside the tree is kept by path only. */
  inodeId(inode: Inode, path: string): number {
    return this.inodeRecord(inode, path);
  }

  /** The kernel's clock (cycles): times left are taken against it. */
  clock(): number {
    return this.k.clock;
  }

  /** Whether the inode record is a linked host file outside the tree (kept by path, not by content). */
  isExternal(inodeId: number): boolean {
    return this.externalInodes.has(inodeId);
  }

  /** `shownAs`: its name in a refusal (a tree inode has no external path). */
  private inodeRecord(inode: Inode, externalPath: string | null, shownAs = externalPath): number {
    const { id, fresh } = this.inodeIds.lookup(inode);
    if (!fresh) return id;
    // A socket's name is carried as part of the tree only (its socket links to it by inode id).
    if ((inode instanceof UnixNodeInode || (inode instanceof NoDeviceInode && (inode.mode & S_IFMT) === S_IFSOCK)) && externalPath !== null) throw new CrError(EOPNOTSUPP, `${externalPath} is the name of an AF_UNIX socket outside the container's tree: it cannot be checkpointed`);
    const fifo = inode instanceof PipeInode && inode.fifo && inode.sb === this.vfs.tmpfs;
    const dev = inode instanceof CharDevInode && inode.sb === this.vfs.tmpfs;
    // mknod(S_IFSOCK) makes a socket's name with no socket bound to it: what a bound socket
    // leaves when it is closed, and carried as such.
    const sockName = inode instanceof UnixNodeInode || (inode instanceof NoDeviceInode && (inode.mode & S_IFMT) === S_IFSOCK && inode.sb === this.vfs.tmpfs);
    const kind = inode instanceof TmpfsDir ? "dir" : inode instanceof TmpfsSymlink ? "symlink" : inode instanceof TmpfsFile ? "file" : sockName ? "sock" : fifo ? "fifo" : dev ? "chr" : null;
    if (kind === null && inode instanceof NoDeviceInode && (inode.mode & S_IFMT) === S_IFBLK) {
      throw new CrError(EOPNOTSUPP, `${shownAs ?? `inode ${inode.ino}`} is a block device node ${devName(inode.rdev)}: a restart makes no block device nodes`);
    }
    if (kind === null) throw new CrError(EOPNOTSUPP, `inode ${inode.ino} (${inode.sb.type}) at ${shownAs ?? "?"} is not a tmpfs file: it cannot be checkpointed`);
    // A memfd is never linked (it lives on the internal shm mount): kept whole, with its name and seals.
    const external = !(inode instanceof MemfdInode) && externalPath !== null && inode.nlink > 0 && !externalPath.endsWith(" (deleted)");
    // A device node of the container (in its tree, or unlinked while open) is made anew at the
    // restart by its number, which only the harmless devices may have; the machine's are reopened
    // by path (target()), never recorded as inodes.
    if (dev && external) throw new CrError(EOPNOTSUPP, `${externalPath} is a device node outside the container's tree: it cannot be checkpointed as an inode`);
    if (dev && !CARRIED_RDEV.has(inode.rdev)) {
      throw new CrError(EOPNOTSUPP, `${shownAs ?? `inode ${inode.ino}`} is a character device node ${devName(inode.rdev)} of the container: a restart makes only 1:3 (null), 1:5 (zero), 1:7 (full) and 5:1 (console) anew`);
    }
    // A linked FIFO outside the tree is the machine's: its other ends may be anyone's.
    if (fifo && external) throw new CrError(EOPNOTSUPP, `${externalPath} is a FIFO outside the container's tree: only the container's own FIFOs can be checkpointed`);
    const rec: InodeRecord = {
      id, ino: inode.ino, kind, mode: inode.mode, uid: inode.uid, gid: inode.gid, nlink: inode.nlink, size: inode.size,
      atimeNs: inode.atimeNs, mtimeNs: inode.mtimeNs, ctimeNs: inode.ctimeNs,
      pages: !external && inode instanceof TmpfsFile ? cachePages(inode) : [],
    };
    if (inode instanceof TmpfsSymlink) rec.target = inode.target;
    if (!external && inode instanceof TmpfsFile && inode.unwritten !== null) rec.unwritten = [...inode.unwritten].sort((a, b) => a - b);
    if (external) {
      rec.externalPath = externalPath;
      this.externalInodes.add(id);
    }
    if (inode instanceof MemfdInode) rec.memfd = { name: inode.memfdName, seals: inode.seals };
    if (dev) rec.rdev = inode.rdev;
    this.inodes.push(rec);
    return id;
  }

  fileId(f: File, fd = -1): number {
    this.slots.set(f, (this.slots.get(f) ?? 0) + 1);
    const id = this.fileRecordId(f);
    // A file met first as an epoll item or in flight on a socket gets its fd when a table has it.
    if (fd >= 0 && (this.firstFd.get(f) ?? -1) < 0) this.firstFd.set(f, fd);
    return id;
  }

  /** The file's record, made on first sight; an fd slot, an epoll item or a message in flight may be that. */
  private fileRecordId(f: File): number {
    const { id, fresh } = this.fileIds.lookup(f);
    if (!fresh) return id;
    this.firstFd.set(f, -1);
    const rec: FileRecord = { id, flags: f.flags, pos: f.pos, target: { kind: "device", path: "" } };
    this.files.push(rec);
    rec.target = this.target(f);
    return id;
  }

  private target(f: File): FileTargetRecord {
    const inode = f.inode;
    const path = this.name(f.path);
    const event = eventTarget(this.k, f, (wf, fd) => {
      refuseWatched(`an epoll instance (${path})`, wf, fd);
      this.watched.add(wf);
      return this.fileRecordId(wf);
    });
    if (event !== null) return event;
    if (inode instanceof SocketInode) return { kind: "socket", sockId: this.sockets.fileSock(inode.sock, f, path) };
    if (isTtyFile(f)) {
      if (this.ttys === null) throw new CrError(EOPNOTSUPP, `${path} is a pseudo-terminal, which this collector cannot record`);
      return this.ttys.target(f, path);
    }
    if (inode instanceof PipeInode) {
      const { id, fresh } = this.pipeIds.lookup(inode);
      if (fresh) {
        const bufs = inode.pipe.bufs;
        const buffered = new Uint8Array(inode.pipe.bytes);
        let off = 0;
        for (const b of bufs) {
          buffered.set(b.frame.data.subarray(b.offset, b.offset + b.len), off);
          off += b.len;
        }
        const rec: PipeRecord = { id, buffered };
        // F_SETPIPE_SZ's ring size: what F_GETPIPE_SZ says and when writers block.
        if (inode.pipe.maxUsage !== PIPE_DEF_BUFFERS) rec.sizePages = inode.pipe.maxUsage;
        // A FIFO's ends share its inode's one pipe, named in the tree or unlinked while open.
        if (inode.fifo) rec.inodeId = this.inodeRecord(inode, path);
        this.pipes.push(rec);
        this.pipeEnds.set(inode, { readers: 0, writers: 0 });
      }
      const ends = this.pipeEnds.get(inode)!;
      if (f.readable) ends.readers++;
      if (f.writable) ends.writers++;
      // A FIFO's end is opened on its inode again (by the name it had); its pipe names the inode.
      if (inode.fifo) return { kind: "inode", inodeId: this.inodeRecord(inode, path), path };
      return { kind: "pipe", pipeId: id };
    }
    if (inode instanceof CharDevInode) {
      if (inode.rdev === DEV_CONSOLE) {
        const stream = (f.flags & O_ACCMODE) === O_RDONLY ? 0 : (f.priv === 2 ? 2 : 1);
        return { kind: "console", stream };
      }
      // A node of the container's own tree, or one unlinked while open (ZDTM's deleted_dev):
      // its inode, made anew at the restart. The machine's nodes (/dev/null) are reopened by path.
      if (inode.sb === this.vfs.tmpfs && (this.treeInodes.has(inode) || inode.nlink === 0)) return { kind: "inode", inodeId: this.inodeRecord(inode, path), path };
      return { kind: "device", path };
    }
    if (inode.sb === this.vfs.proc) {
      // Reopened by path, looked up as the container's init sees /proc (pids are the same
      // numbers after the restart).
      if (/\/(self|thread-self)(\/|$)/.test(path)) throw new CrError(EOPNOTSUPP, `an open file on ${path} cannot be checkpointed: its name depends on who reads it`);
      // Read in part: the contents its first read made (procfs's single_open snapshot), so that
      // the rest of that read is what it would have been.
      if (f.pos > 0 && f.priv instanceof Uint8Array) return { kind: "proc", path, snapshot: f.priv.slice() };
      return { kind: "proc", path };
    }
    if (inode instanceof MemfdInode) return { kind: "inode", inodeId: this.inodeRecord(inode, path), path };
    const pid = pidfdPid(f);
    if (pid !== null) return { kind: "pidfd", pidId: this.pidId(pid, `the process fd's pidfd refers to`) };
    if (f.ops === inotifyOps) return this.inotify(f, path);
    if (inode.sb === this.vfs.nsfs.sb) return this.nsFile(f);
    if (inode.sb !== this.vfs.tmpfs) throw new CrError(EOPNOTSUPP, `an open file on ${path} (${inode.sb.type}) cannot be checkpointed: only tmpfs files, pipes and devices can`);
    const inodeId = this.inodeRecord(inode, path);
    // The restart's confinement rule (restore/confine.ts), applied where it can still be a clean
    // refusal: a host file is reopened by path, and never for writing, so an image that needs
    // one open for writing could only fail at restart.
    const readOnly = (f.flags & O_PATH) !== 0 || (f.flags & O_ACCMODE) === O_RDONLY;
    if (this.externalInodes.has(inodeId) && !readOnly) {
      throw new CrError(EOPNOTSUPP, `${path} is outside the container's tree and open for writing: a restart never opens host files for writing, so it cannot be checkpointed`);
    }
    return { kind: "inode", inodeId, path };
  }

  /**
   * An inotify instance: its watches name inodes the model carries anyway (the container's tree,
   * its open or mapped files, memfds, and linked host files it holds open by path). A watch on
   * any other inode is refused: the mark holds no path, and a host file only watched (not open)
   * has no name the model could keep it by.
   */
  private inotify(f: File, path: string): FileTargetRecord {
    const g = inotifyGroupOf(f);
    const rec: FileTargetRecord = { kind: "inotify", lastWd: g.lastWd, lastCookie: lastCookie(this.vfs.tmpfs), watches: [], events: g.events.map((e) => ({ wd: e.wd, mask: e.mask >>> 0, cookie: e.cookie >>> 0, name: e.name })) };
    // The watches once every task's files are in: a watched inode may be one a later fd opens.
    this.watchers.push(() => {
      rec.watches = [...g.marks.values()].sort((a, b) => a.wd - b.wd).map((m) => {
        const id = this.inodeIds.get(m.inode);
        if (id === undefined) throw new CrError(EOPNOTSUPP, `${path} watches inode ${m.inode.ino} (${m.inode.sb.type}), which is neither in the container's tree nor open or mapped by it: checkpoint/restart of such a watch is not implemented`);
        return { wd: m.wd, inodeId: id, mask: m.mask >>> 0 };
      });
    });
    return rec;
  }

  /** A namespace file: its kind, and for a pid namespace the container's namespace it names. */
  private nsFile(f: File): FileTargetRecord {
    const m = /^([a-z]+):\[(\d+)\]$/.exec(f.path.dentry.name);
    const kind = NS_KINDS.find((k) => k === m?.[1]);
    if (m === null || kind === undefined) throw new CrError(EOPNOTSUPP, `${f.path.dentry.name} is no namespace file the model knows`);
    const inum = Number(m[2]);
    if (kind !== "pid") {
      if (inum !== INIT_INUM[kind]) throw new CrError(EOPNOTSUPP, `${f.path.dentry.name} is not the machine's initial ${kind} namespace: checkpoint/restart of other ${kind} namespaces is not implemented`);
      return { kind: "ns", nsKind: kind };
    }
    const id = this.pidNsIdByInum(inum);
    if (id === null) throw new CrError(EOPNOTSUPP, `${f.path.dentry.name} is a pid namespace outside the container (or one none of its tasks is in)`);
    return { kind: "ns", nsKind: kind, pidNsId: id };
  }

  filesId(files: FilesStruct): number {
    const { id, fresh } = this.filesIds.lookup(files);
    if (!fresh) return id;
    const rec: FilesRecord = { id, fds: [], maxFds: files.maxFds };
    this.fdTables.push(rec);
    for (const fd of files.fds()) {
      const f = files.get(fd)!;
      if (files === this.skip?.files && (fd === this.skip.fd || this.isImage(f))) continue;
      // Kinds of file whose state the model has no record for yet (eventfd, epoll...): refused
      // by name rather than saved wrong.
      const what = f.ops.noCheckpoint;
      if (what !== undefined) throw new CrError(EOPNOTSUPP, `fd ${fd} is ${what}: checkpoint/restart of ${what} is not implemented yet`);
      // Its owner, locks and lease once, at the first fd that holds it (it may have been met
      // before as an epoll item or a file in flight, which have no fd).
      const first = !this.stateCollected.has(f);
      const fileId = this.fileId(f, fd);
      if (first) {
        this.stateCollected.add(f);
        collectFileState(this, f, fd, this.files[fileId - 1]);
      }
      rec.fds.push({ fd, fileId, cloexec: files.getCloexec(fd) });
    }
    return id;
  }

  fsId(fs: FsStruct): number {
    const { id, fresh } = this.fsIds.lookup(fs);
    if (!fresh) return id;
    for (const p of [fs.root, fs.pwd]) {
      if (p.mnt !== this.vfs.rootMount) throw new CrError(EOPNOTSUPP, `a root or working directory on ${p.mnt.sb.type} (${this.name(p)}) cannot be checkpointed`);
    }
    const rec: FsRecord = { id, root: this.name(fs.root), cwd: this.name(fs.pwd), umask: fs.umask };
    // restore/confine.ts puts every working directory inside the tree: one outside it (a task's
    // chdir("/")) is refused here, where it is a clean "unsupported", not a failed restart.
    if (this.treeInodes.size > 0 && !fs.pwd.dentry.deleted && !this.treeInodes.has(fs.pwd.dentry.inode)) {
      throw new CrError(EOPNOTSUPP, `a working directory outside the container's tree (${rec.cwd}) cannot be checkpointed: a restart puts every working directory inside the tree`);
    }
    this.fsContexts.push(rec);
    // A removed root or working directory: kept as the unlinked directory inode it is, under the
    // name it had (the dentry's " (deleted)" is Linux's way of showing it, not part of the name).
    if (fs.root.dentry.deleted) {
      rec.rootInodeId = this.inodeRecord(fs.root.dentry.inode, rec.root);
      rec.root = rec.root.replace(/ \(deleted\)$/, "");
    }
    if (fs.pwd.dentry.deleted) {
      rec.cwdInodeId = this.inodeRecord(fs.pwd.dentry.inode, rec.cwd);
      rec.cwd = rec.cwd.replace(/ \(deleted\)$/, "");
    }
    return id;
  }

  /**
   * After every task: a file or pipe end that a task outside the container also holds cannot be
   * restored as shared, so the checkpoint refuses it (the console is the machine's, and fine).
   */
  checkClosed(): void {
    // Sockets first: the files in flight on their queues are container references too; then the
    // inotify watches, once every file (and so every inode the model carries) is in.
    this.sockets.finish();
    for (const w of this.watchers) w();
    this.ttys?.checkClosed(this.slots, (f) => this.name(f.path));
    collectLocks(this);
    // An epoll item lives as long as its file: one no fd of the container holds is held by an
    // outsider (or only in flight), and the set could not be restored without it.
    for (const f of this.watched) {
      if ((this.firstFd.get(f) ?? -1) < 0) throw new CrError(EBUSY, `an epoll instance of the container watches ${this.name(f.path)}, which no task of the container holds open`);
    }
    for (const [f, n] of this.slots) {
      if (f.inode instanceof CharDevInode) continue;
      if (f.refcount > n) throw new CrError(EBUSY, `open file ${this.name(f.path)} is shared with a task outside the container (${f.refcount} references, ${n} inside)`);
    }
    for (const [inode, ends] of this.pipeEnds) {
      const p = inode.pipe;
      if (p.readers !== ends.readers || p.writers !== ends.writers) {
        throw new CrError(EBUSY, `pipe:[${inode.ino}] has an end outside the container (readers ${p.readers}, ${ends.readers} inside; writers ${p.writers}, ${ends.writers} inside)`);
      }
    }
  }
}
