// The VFS's core objects (Linux's super_block, inode, dentry, vfsmount, path).
//
// Ownership: a directory's entries are dentries held by the directory (tmpfs keeps its whole tree
// in them, as Linux's tmpfs lives in the dcache); a dentry holds its inode. Inodes are not kref
// objects: an inode's data lives while it has a name (nlink > 0) or a user (`users`: open files,
// and the mm's file mappings later), and is evicted when both are gone — which is how a file
// unlinked while open stays usable until its last close.
// Proc's dentries are made afresh at each lookup (nothing is cached), so they may be dropped at
// any time; everything they point at is reached through weak lookups (kobj.tryGet).
import type { Kernel } from "../kernel/kernel.ts";
import type { Task } from "../kernel/task.ts";
import { EACCES, EOPNOTSUPP, EPERM } from "./errno.ts";
import { fsnotifyInodeRemove, type FsnotifyMark } from "./notify/fsnotify.ts";
import { CAP_FSETID, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_ISGID, S_ISUID } from "./constants.ts";
import type { File } from "./file.ts";
import type { FileLockContext } from "./locks.ts";

/** The machine's CLOCK_REALTIME as an inode timestamp. */
export const timeNow = (k: Kernel): bigint => BigInt(Math.floor(k.realtimeNs()));

/** Who is acting: the calling task (for credentials, namespaces, sleeping) on its machine. */
export interface FsCtx {
  readonly k: Kernel;
  readonly t: Task;
  /**
   * Never sleep: answer EAGAIN where the call would block. Kernel callers outside a syscall (a
   * checkpoint writing its image to a pipe) must set it, since only a syscall can be restarted.
   */
  readonly nonblock?: boolean;
}

/**
 * file_remove_privs: a write or truncate by someone without CAP_FSETID clears set-user-ID, and
 * set-group-ID when the file is group-executable.
 */
export function removePrivs(c: FsCtx, inode: Inode): void {
  const kill = (inode.mode & S_ISUID) !== 0 || (inode.mode & (S_ISGID | 0o010)) === (S_ISGID | 0o010);
  if (kill && !c.t.cred.capable(CAP_FSETID)) inode.mode &= ~(S_ISUID | S_ISGID);
}

export interface SuperBlock {
  /** The file-system type, as /proc/<pid>/mountinfo would name it. */
  readonly type: string;
  /** st_dev of every inode (an anonymous device 0:N, as Linux gives virtual file systems). */
  readonly dev: number;
  /** statfs f_type. */
  readonly magic: number;
  /** Per-superblock inode numbers (tmpfs's next_ino); pseudo file systems use get_next_ino. */
  nextIno: number;
}

export abstract class Inode {
  mode: number;
  uid = 0;
  gid = 0;
  nlink = 1;
  /** Device number of a device special file. */
  rdev = 0;
  /** Timestamps in ns since the epoch, exact (bigint: a number cannot hold today's ns exactly). */
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  readonly btimeNs: bigint;
  /**
   * An error every permission check on the inode gives before its mode is looked at: a
   * /proc/<pid> directory whose task was reaped answers ESRCH (proc_pid_permission). Unset: none.
   */
  gone?: () => number;
  /** Open files (and, later, mappings) using the inode: Linux's i_count minus the dentries. */
  users = 0;
  /** i_writecount / i_readcount: files open for writing, and open read-only (lease conflicts). */
  writeCount = 0;
  readCount = 0;
  /** i_fsnotify_marks: the watches on this inode (notify/fsnotify.ts); null while there are none. */
  fsnotifyMarks: FsnotifyMark[] | null = null;
  /** I_LINKABLE: an O_TMPFILE file opened without O_EXCL, which linkat may still give a name. */
  linkable = false;
  /** The inode's file locks (i_flctx), made by the first lock request; null before (locks.ts). */
  flctx: FileLockContext | null = null;

  constructor(
    readonly sb: SuperBlock,
    readonly ino: number,
    mode: number,
    now: bigint,
  ) {
    this.mode = mode;
    this.atimeNs = this.mtimeNs = this.ctimeNs = this.btimeNs = now;
  }

  get type(): number {
    return this.mode & S_IFMT;
  }

  /** i_size. */
  get size(): number {
    return 0;
  }

  /** Bytes allocated, in 512-byte blocks (st_blocks). */
  get blocks(): number {
    return 0;
  }

  /**
   * Prepare a file opened on this inode: set its operations (and private state). Returns 0 or
   * -errno. Called after the permission checks, with the file's flags already set.
   */
  abstract open(c: FsCtx, f: File): number;

  /** A new user (an open file): the data must stay even if the last name goes. */
  get(): void {
    this.users++;
  }

  put(): void {
    if (--this.users === 0 && this.nlink === 0) this.destroy();
  }

  /** The last name went while nobody used the inode, or the last user went after it. */
  dropLink(): void {
    if (this.nlink > 0) this.nlink--;
    if (this.nlink === 0 && this.users === 0) this.destroy();
  }

  /** iput_final: watches hear IN_DELETE_SELF and go, then the data is freed. */
  private destroy(): void {
    if (this.fsnotifyMarks !== null) fsnotifyInodeRemove(this);
    this.evict();
  }

  /** Free the inode's data (its page cache). Runs at most once, when nlink and users are 0. */
  protected evict(): void {}
}

/** One name of a directory listing (what getdents64 returns). */
export interface DirEntry {
  name: string;
  ino: number;
  /** d_type: the inode type >> 12. */
  type: number;
}

/**
 * A directory. Lookups and listings may depend on the caller (proc answers in the reader's pid
 * namespace). Changes default to what Linux's VFS answers when the file system has no such
 * operation; tmpfs overrides them.
 */
export abstract class DirInode extends Inode {
  /** The child called name, or null. name is never "", "." or "..". */
  abstract lookup(c: FsCtx, dir: Dentry, name: string): Dentry | null;
  /** Every entry but "." and "..", in the order getdents64 returns them. */
  abstract list(c: FsCtx, dir: Dentry): DirEntry[];

  /**
   * What creating a name that lookup did not find gives before any other check: 0 (create it),
   * or -errno for file systems whose lookups fail instead of answering "absent" (proc: ENOENT).
   */
  missingErr(): number {
    return 0;
  }

  /** The directory has no entries but "." and "..". */
  isEmpty(c: FsCtx, dir: Dentry): boolean {
    return this.list(c, dir).length === 0;
  }

  create(_c: FsCtx, _dir: Dentry, _name: string, _mode: number): Dentry | number {
    return -EACCES;
  }

  mkdir(_c: FsCtx, _dir: Dentry, _name: string, _mode: number): Dentry | number {
    return -EPERM;
  }

  /**
   * O_TMPFILE: a new regular file in this directory's file system with no name (nlink 0, an
   * unhashed dentry "#<ino>"), freed when its last user goes. EOPNOTSUPP where there is none.
   */
  tmpfile(_c: FsCtx, _dir: Dentry, _mode: number): Dentry | number {
    return -EOPNOTSUPP;
  }

  symlink(_c: FsCtx, _dir: Dentry, _name: string, _target: string): Dentry | number {
    return -EPERM;
  }

  link(_c: FsCtx, _dir: Dentry, _name: string, _old: Dentry): Dentry | number {
    return -EPERM;
  }

  /** Remove the entry (a non-directory, or an empty directory: the caller checked). */
  unlink(_c: FsCtx, _dir: Dentry, _victim: Dentry): number {
    return -EPERM;
  }

  /**
   * Move `from` (an entry of this directory) to `name` in newDir (same file system; the caller
   * removed or checked the target). `exchange` swaps with the existing target instead.
   */
  rename(_c: FsCtx, _from: Dentry, _newDir: Dentry, _name: string, _exchange: Dentry | null): number {
    return -EPERM;
  }
}

export abstract class SymlinkInode extends Inode {
  /** The link's target text, or -errno. */
  abstract readlink(c: FsCtx): string | number;

  /**
   * A "magic" link (/proc/<pid>/fd/N, /proc/<pid>/cwd) resolves to an object directly rather
   * than through its text. Returns undefined for an ordinary link.
   */
  followMagic(_c: FsCtx): Path | number | undefined {
    return undefined;
  }
}

export const isDirInode = (i: Inode): i is DirInode => i.type === S_IFDIR;
export const isSymlinkInode = (i: Inode): i is SymlinkInode => i.type === S_IFLNK;
export const isRegInode = (i: Inode): boolean => i.type === S_IFREG;

export class Dentry {
  private unlinked = false;

  /** Unlinked (Linux: d_unhashed): still usable through open files and cwds, gone from its directory. */
  get deleted(): boolean {
    return this.unlinked || this.stale();
  }

  set deleted(v: boolean) {
    this.unlinked = v;
  }

  /**
   * Whether what the entry names went away without an unlink: proc drops (d_invalidate) the
   * entries of a task it reaps, so a cwd inside /proc/<pid> then reads as deleted.
   */
  protected stale(): boolean {
    return false;
  }

  constructor(
    public name: string,
    /** null for the root of a file system. */
    public parent: Dentry | null,
    public inode: Inode,
  ) {}
}

/** A mounted file system: its root, and where it is mounted (Linux's struct mount). */
export class Mount {
  constructor(
    readonly id: number,
    readonly sb: SuperBlock,
    readonly root: Dentry,
    readonly parent: Mount | null,
    readonly mountpoint: Dentry | null,
  ) {}
}

/** A location in the tree: a dentry as reached through a mount. */
export interface Path {
  readonly mnt: Mount;
  readonly dentry: Dentry;
}

export const samePath = (a: Path, b: Path): boolean => a.mnt === b.mnt && a.dentry === b.dentry;
