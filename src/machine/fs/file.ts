// Open files (Linux's struct file): what an fd points at. Shared by dup and fork, so the offset
// and the status flags are shared too. A file is a kref object ("file"): every fd-table slot
// holds one reference, and the kernel takes one for as long as it uses a file it did not get
// from a table; the last put runs the file's release (a pipe end closes, an unlinked inode
// whose last user this was is freed).
import type { KObjectRegistry } from "../kernel/kref.ts";
import { KObject } from "../kernel/kref.ts";
import { EINVAL, ENXIO, ESPIPE } from "./errno.ts";
import { FASYNC, O_ACCMODE, O_OPEN_ONLY, O_PATH, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from "./constants.ts";
import type { FownStruct } from "./fown.ts";
import type { FsCtx, Inode, Path } from "./inode.ts";
import type { IoIter } from "./iov.ts";
import { removeFileLease } from "./leases.ts";
import { fsnotifyClose } from "./notify/fsnotify.ts";
import { locksRemoveFile } from "./locks.ts";
import type { PollTable } from "./poll.ts";
import type { Task } from "../kernel/task.ts";

/** A file position passed by reference (loff_t *): read(2) passes the file's, pread a copy. */
export interface Pos {
  value: number;
}

export interface FileOperations {
  /** Read into `to` at pos.value, advancing it. Bytes read, 0 at EOF, or -errno (-ERESTARTSYS after sleeping). */
  read?(c: FsCtx, f: File, to: IoIter, pos: Pos): number;
  /** Write from `from` at pos.value, advancing it. Bytes written or -errno. */
  write?(c: FsCtx, f: File, from: IoIter, pos: Pos): number;
  /** lseek; without it the file is not seekable (ESPIPE). Returns the new position or -errno. */
  llseek?(c: FsCtx, f: File, offset: number, whence: number): number;
  /** pread/pwrite are allowed (FMODE_PREAD | FMODE_PWRITE): false for pipes and the console. */
  readonly positional: boolean;
  ioctl?(c: FsCtx, f: File, cmd: number, arg: number): number;
  /** fsync is meaningful (it is a no-op for tmpfs); without it fsync is EINVAL. */
  readonly fsync?: boolean;
  /**
   * The events ready now (POLLIN, POLLOUT, POLLHUP... from poll.ts); registers the wait queues
   * whose wake-up may change them with pt (poll.ts). Without it a file is DEFAULT_POLLMASK.
   */
  poll?(c: FsCtx, f: File, pt: PollTable | null): number;
  /** The last reference is gone. */
  release?(f: File): void;
  /**
   * O_ASYNC turned on or off through fd (F_SETFL, FIOASYNC), or off at the last close (fd -1):
   * join or leave the object's fasync list (fown.ts's fasyncHelper). Without it O_ASYNC is a
   * flag that signals nothing, as for Linux's regular files.
   */
  fasync?(f: File, fd: number, on: boolean): number;
  /**
   * The kind-specific lines of /proc/<pid>/fdinfo/N after pos/flags/mnt_id/ino, exactly as Linux
   * prints them (each ending in a newline): "eventfd-count: ...", "tfd: ... events: ..." ...
   * owner is the task whose fd it is (a pidfd prints its pid in that task's namespace).
   */
  fdinfo?(f: File, owner?: Task): string;
  /**
   * Set for kinds of open file that checkpoint/restart cannot carry yet: what the file is, as
   * the collector's refusal names it ("an eventfd").
   */
  readonly noCheckpoint?: string;
}

/** An epoll item watching a file (Linux's f_ep list): dropped when the file is released. */
export interface FileWatch {
  detach(): void;
}

export class File extends KObject {
  /** f_pos. */
  pos = 0;
  /** f_flags: the access mode and status flags (O_APPEND, O_NONBLOCK...); not O_CREAT & co. */
  flags: number;
  /** Per-kind state (a directory cursor, a proc snapshot, a pipe end), owned by `ops`. */
  priv: unknown = undefined;
  ops: FileOperations = NO_OPS;
  readonly inode: Inode;
  /**
   * The epoll items registered on this file (epoll watches a file, not an fd): the last put
   * removes them from their epoll sets, as eventpoll_release does. null until one is added.
   */
  epWatches: Set<FileWatch> | null = null;
  /** f_owner: who gets SIGIO for this file (F_SETOWN, leases); null until first set (fown.ts). */
  fown: FownStruct | null = null;
  /** FMODE_NONOTIFY: no fsnotify events for this file (the inotify files themselves). */
  noNotify = false;
  /** Which of the inode's open counts this file is in, fixed at open (get_write_access, i_readcount_inc). */
  private readonly counted: "write" | "read" | null;

  constructor(
    registry: KObjectRegistry,
    readonly path: Path,
    flags: number,
    createdAt: string,
  ) {
    super(registry, "file", createdAt);
    this.flags = flags & ~O_OPEN_ONLY;
    this.inode = path.dentry.inode;
    this.inode.get();
    this.counted = this.writable ? "write" : this.readable ? "read" : null;
    if (this.counted === "write") this.inode.writeCount++;
    else if (this.counted === "read") this.inode.readCount++;
  }

  /** FMODE_READ: opened O_RDONLY or O_RDWR (and not O_PATH). */
  get readable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return !this.isPath && (acc === O_RDONLY || acc === O_RDWR);
  }

  /** FMODE_WRITE. */
  get writable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return !this.isPath && (acc === O_WRONLY || acc === O_RDWR);
  }

  /** An O_PATH file: a location only, no I/O. */
  get isPath(): boolean {
    return (this.flags & O_PATH) !== 0;
  }

  protected override release(): void {
    try {
      if (this.epWatches !== null) for (const w of [...this.epWatches]) w.detach();
      fsnotifyClose(this);
      if ((this.flags & FASYNC) !== 0) this.ops.fasync?.(this, -1, false);
      if (this.inode.flctx !== null) {
        removeFileLease(this);
        locksRemoveFile(this);
      }
      this.ops.release?.(this);
    } finally {
      if (this.counted === "write") this.inode.writeCount--;
      else if (this.counted === "read") this.inode.readCount--;
      this.inode.put();
    }
  }
}

/** The operations of an O_PATH file (and the default before open sets real ones). */
export const NO_OPS: FileOperations = { positional: false };

/**
 * generic_file_llseek_size: SEEK_SET/CUR/END plus SEEK_DATA/HOLE treating the whole file as
 * data. A position beyond maxBytes or below zero is EINVAL.
 */
export function genericLlseek(f: File, offset: number, whence: number, maxBytes: number, eof: number): number {
  switch (whence) {
    case SEEK_SET:
      break;
    case SEEK_CUR:
      if (offset === 0) return f.pos;
      offset += f.pos;
      break;
    case SEEK_END:
      offset += eof;
      break;
    case SEEK_DATA:
      if (offset < 0 || offset >= eof) return -ENXIO;
      break;
    case SEEK_HOLE:
      if (offset < 0 || offset >= eof) return -ENXIO;
      offset = eof;
      break;
    default:
      return -EINVAL;
  }
  if (offset < 0 || offset > maxBytes) return -EINVAL;
  f.pos = offset;
  return offset;
}

/** lseek on something without a position (pipes, the console). */
export const noLlseek = (): number => -ESPIPE;
