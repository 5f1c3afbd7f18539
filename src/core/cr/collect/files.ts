// Files into the model: the container's own file tree (the subtree of its working directory),
// every open file with its offset and flags, fd tables and fs contexts by identity, pipes with
// the bytes in their buffers, and the inodes all of these name. Objects the model cannot carry
// (a /proc file, a pipe end held outside the container, a file shared with a task outside it)
// make the checkpoint fail with the reason.
import { MemfdInode } from "../../../machine/fs/memfd.ts";
import type { FilesStruct } from "../../../machine/fs/fdtable.ts";
import type { File } from "../../../machine/fs/file.ts";
import type { FsStruct } from "../../../machine/fs/fs-struct.ts";
import { dPath } from "../../../machine/fs/dpath.ts";
import type { Dentry, Inode, Path } from "../../../machine/fs/inode.ts";
import { holdsLocks } from "../../../machine/fs/locks.ts";
import { PIPE_DEF_BUFFERS, PipeInode } from "../../../machine/fs/pipe.ts";
import { PAGE_SIZE } from "../../../machine/mm/frame.ts";
import { CharDevInode, DEV_CONSOLE } from "../../../machine/fs/devices.ts";
import { UnixNodeInode } from "../../../machine/net/af-unix.ts";
import { SocketInode } from "../../../machine/net/socket.ts";
import { TmpfsDir, TmpfsFile, TmpfsSymlink } from "../../../machine/fs/tmpfs/tmpfs.ts";
import type { Vfs } from "../../../machine/fs/vfs.ts";
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { FASYNC, O_ACCMODE, O_RDONLY } from "../../../machine/fs/constants.ts";
import { CrError, EBUSY, EOPNOTSUPP } from "../errors.ts";
import type {
  DentryRecord, FileRecord, FilesRecord, FileTargetRecord, FsRecord, InodeRecord, PageRecord, PipeRecord,
} from "../model.ts";
import { eventTarget, refuseWatched } from "./events.ts";
import { IdMap } from "./ids.ts";

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
  private readonly filesIds = new IdMap<FilesStruct>();
  private readonly fsIds = new IdMap<FsStruct>();
  /** Fd-table slots of the container naming each file (to find files shared with outsiders). */
  private readonly slots = new Map<File, number>();
  /** Files some epoll set of the container watches: they must be the container's too. */
  private readonly watched = new Set<File>();
  /** Container files reading and writing each pipe. */
  private readonly pipeEnds = new Map<PipeInode, { readers: number; writers: number }>();

  constructor(
    private readonly k: Kernel,
    private readonly vfs: Vfs,
    /** An fd left out of the image: a self-checkpointing caller's image fd. */
    private readonly skip?: { files: FilesStruct; fd: number },
  ) {}

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
      if (d.inode instanceof UnixNodeInode) throw new CrError(EOPNOTSUPP, `${rel} in the container's tree is the name of an AF_UNIX socket: checkpoint/restart of sockets is not implemented yet`);
      const id = this.inodeRecord(d.inode, null);
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

  private inodeRecord(inode: Inode, externalPath: string | null): number {
    const { id, fresh } = this.inodeIds.lookup(inode);
    if (!fresh) return id;
    if (inode instanceof UnixNodeInode) throw new CrError(EOPNOTSUPP, `${externalPath ?? `inode ${inode.ino}`} is the name of an AF_UNIX socket: checkpoint/restart of sockets is not implemented yet`);
    if (inode instanceof PipeInode) throw new CrError(EOPNOTSUPP, `${externalPath ?? "a file in the container's tree"} is a FIFO: checkpoint/restart of FIFOs is not implemented yet`);
    // A memfd restored as a plain deleted tmpfs file would lose its seals and its memfd: name.
    if (inode instanceof MemfdInode) throw new CrError(EOPNOTSUPP, `${externalPath ?? `inode ${inode.ino}`} is a memfd: checkpoint/restart of memfds is not implemented yet`);
    const kind = inode instanceof TmpfsDir ? "dir" : inode instanceof TmpfsSymlink ? "symlink" : inode instanceof TmpfsFile ? "file" : null;
    if (kind === null) throw new CrError(EOPNOTSUPP, `inode ${inode.ino} (${inode.sb.type}) at ${externalPath ?? "?"} is not a tmpfs file: it cannot be checkpointed`);
    const external = externalPath !== null && inode.nlink > 0 && !externalPath.endsWith(" (deleted)");
    const rec: InodeRecord = {
      id, ino: inode.ino, kind, mode: inode.mode, uid: inode.uid, gid: inode.gid, nlink: inode.nlink, size: inode.size,
      atimeNs: inode.atimeNs, mtimeNs: inode.mtimeNs, ctimeNs: inode.ctimeNs,
      pages: !external && inode instanceof TmpfsFile ? cachePages(inode) : [],
    };
    if (inode instanceof TmpfsSymlink) rec.target = inode.target;
    if (external) rec.externalPath = externalPath;
    this.inodes.push(rec);
    return id;
  }

  fileId(f: File): number {
    this.slots.set(f, (this.slots.get(f) ?? 0) + 1);
    return this.fileRecordId(f);
  }

  /** The file's record, made on first sight; an fd slot or an epoll item may be that. */
  private fileRecordId(f: File): number {
    const { id, fresh } = this.fileIds.lookup(f);
    if (!fresh) return id;
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
    if (inode instanceof SocketInode) throw new CrError(EOPNOTSUPP, `${path} is an AF_UNIX socket: checkpoint/restart of sockets is not implemented yet`);
    if (inode instanceof PipeInode && inode.fifo) throw new CrError(EOPNOTSUPP, `an open file on ${path} is a FIFO: checkpoint/restart of FIFOs is not implemented yet`);
    if (inode instanceof PipeInode) {
      const { id, fresh } = this.pipeIds.lookup(inode);
      if (fresh) {
        // The model has no field for the ring size yet: restoring a resized pipe at 64 KiB
        // would change what F_GETPIPE_SZ says and when writers block.
        if (inode.pipe.maxUsage !== PIPE_DEF_BUFFERS) throw new CrError(EOPNOTSUPP, `${path} has a size set by F_SETPIPE_SZ (${inode.pipe.maxUsage * PAGE_SIZE} bytes): checkpoint/restart of pipe sizes is not implemented yet`);
        const bufs = inode.pipe.bufs;
        const buffered = new Uint8Array(inode.pipe.bytes);
        let off = 0;
        for (const b of bufs) {
          buffered.set(b.frame.data.subarray(b.offset, b.offset + b.len), off);
          off += b.len;
        }
        this.pipes.push({ id, buffered });
        this.pipeEnds.set(inode, { readers: 0, writers: 0 });
      }
      const ends = this.pipeEnds.get(inode)!;
      if (f.readable) ends.readers++;
      if (f.writable) ends.writers++;
      return { kind: "pipe", pipeId: id };
    }
    if (inode instanceof CharDevInode) {
      if (inode.rdev === DEV_CONSOLE) {
        const stream = (f.flags & O_ACCMODE) === O_RDONLY ? 0 : (f.priv === 2 ? 2 : 1);
        return { kind: "console", stream };
      }
      return { kind: "device", path };
    }
    if (inode.sb === this.vfs.proc) {
      // Reopened by path, looked up as the container's init sees /proc (pids are the same
      // numbers after the restart).
      if (/\/(self|thread-self)(\/|$)/.test(path)) throw new CrError(EOPNOTSUPP, `an open file on ${path} cannot be checkpointed: its name depends on who reads it`);
      return { kind: "proc", path };
    }
    if (inode.sb !== this.vfs.tmpfs) throw new CrError(EOPNOTSUPP, `an open file on ${path} (${inode.sb.type}) cannot be checkpointed: only tmpfs files, pipes and devices can`);
    return { kind: "inode", inodeId: this.inodeRecord(inode, path), path };
  }

  filesId(files: FilesStruct): number {
    const { id, fresh } = this.filesIds.lookup(files);
    if (!fresh) return id;
    const rec: FilesRecord = { id, fds: [], maxFds: files.maxFds };
    this.fdTables.push(rec);
    for (const fd of files.fds()) {
      const f = files.get(fd)!;
      if (files === this.skip?.files && (fd === this.skip.fd || this.isImage(f))) continue;
      // Kinds of file whose state the model has no record for yet (sockets, eventfd, epoll...):
      // refused by name rather than saved wrong.
      if (f.inode instanceof SocketInode) {
        throw new CrError(EOPNOTSUPP, `fd ${fd} is an AF_UNIX socket: checkpoint/restart of sockets is not implemented yet`);
      }
      const what = f.ops.noCheckpoint;
      if (what !== undefined) throw new CrError(EOPNOTSUPP, `fd ${fd} is ${what}: checkpoint/restart of ${what} is not implemented yet`);
      // The model has no fown_struct or fasync list yet: the owner, F_SETSIG's signal and
      // O_ASYNC's registration would silently be lost.
      if ((f.fown !== null && (f.fown.pid !== null || f.fown.signum !== 0)) || (f.flags & FASYNC) !== 0) {
        throw new CrError(EOPNOTSUPP, `fd ${fd} has a SIGIO owner, F_SETSIG signal or O_ASYNC: checkpoint/restart of file owners is not implemented yet`);
      }
      const lock = holdsLocks(f, files);
      if (lock !== null) {
        const kind = lock === "posix" ? "a POSIX record lock" : lock === "ofd" ? "an OFD lock" : lock === "lease" ? "a lease" : "a flock lock";
        throw new CrError(EOPNOTSUPP, `fd ${fd} holds ${kind}: checkpoint/restart of file locks is not implemented yet`);
      }
      rec.fds.push({ fd, fileId: this.fileId(f), cloexec: files.getCloexec(fd) });
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
    // An epoll item lives as long as its file: one no fd of the container holds is held by an
    // outsider (or in flight), and the set could not be restored without it.
    for (const f of this.watched) {
      if (!this.slots.has(f)) throw new CrError(EBUSY, `an epoll instance of the container watches ${this.name(f.path)}, which no task of the container holds open`);
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
