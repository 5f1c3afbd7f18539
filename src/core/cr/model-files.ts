// The file side of the model (split from model.ts, which re-exports it): inodes and the tree,
// pipes, open files and what they point at, fd tables and fs contexts.
import type { EventFileTargetRecord } from "./model-events.ts";
import type { FileLockRecord, FownRecord, LeaseRecord } from "./model-file-state.ts";
import type { PageRecord } from "./model.ts";

/**
 * "sock": the name of a bound AF_UNIX socket in the tree (S_IFSOCK; it leads connect() to its socket).
 * "fifo": a named pipe (mkfifo); its buffered bytes and ring size are its PipeRecord's.
 * "chr": a character device node of the container's own tree (mknod), linked or unlinked while
 * open; its device number is `rdev`, and a restart makes it anew only for the harmless devices
 * (1:3 null, 1:5 zero, 1:7 full) and the console (5:1).
 */
export type InodeKind = "file" | "dir" | "symlink" | "sock" | "fifo" | "chr";

/** A tmpfs inode the container uses: a file in its tree, an open file, a mapped file. */
export interface InodeRecord {
  id: number;
  /** The inode number (st_ino) it had: a restart gives it back, so remembered numbers still match. */
  ino: number;
  kind: InodeKind;
  mode: number;
  uid: number;
  gid: number;
  /** Names in the tree (hard links); 0 for an unlinked file still open or mapped. */
  nlink: number;
  size: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Regular files: their page cache (holes are absent). */
  pages: PageRecord[];
  /** Symlinks: the target. */
  target?: string;
  /**
   * A file outside the container's tree that is still linked: it belongs to the machine, not the
   * container (like the host files an OpenVZ container sees), so only its path is kept and the
   * restart finds it there again. Its pages are then empty.
   */
  externalPath?: string;
  /**
   * A memfd (memfd_create): not a file of any tree but an unlinked file on the internal shm
   * mount, named "memfd:NAME" and carrying its seals. Absent for every other inode.
   */
  memfd?: MemfdRecord;
  /** A device node (kind "chr"): its device number as the kernel keeps it (mkdev: major << 20 | minor). */
  rdev?: number;
  /**
   * Regular files: the indices of pages fallocate allocated and nothing has written yet, in
   * increasing order, each one of `pages` (TmpfsFile.unwritten). They read as zeros and count in
   * st_blocks, but SEEK_DATA and SEEK_HOLE see holes there. Absent when there are none.
   */
  unwritten?: number[];
}

/** What makes an unlinked tmpfs file a memfd (Linux's shmem inode with its memfd name and seals). */
export interface MemfdRecord {
  /** The name given to memfd_create, without the "memfd:" prefix. */
  name: string;
  /** F_SEAL_* bits (F_GET_SEALS). */
  seals: number;
}

/** One inotify watch (inotify_inode_mark): its watch descriptor, the watched inode, its mask. */
export interface InotifyWatchRecord {
  wd: number;
  inodeId: number;
  /** IN_* event bits with IN_ONESHOT / IN_EXCL_UNLINK, as inotify_add_watch kept them. */
  mask: number;
}

/** An event queued and not yet read (struct inotify_event). */
export interface InotifyEventRecord {
  wd: number;
  mask: number;
  cookie: number;
  /** The entry's name for an event about an entry of a watched directory, else null. */
  name: string | null;
}

/** InodeRecord's optional fields, in their order in both codecs' extension (writeExt). */
export const INODE_EXT = ["rdev"] as const;

/** The extension mask's bit after INODE_EXT's: a count and the `unwritten` page indices follow. */
export const INODE_EXT_UNWRITTEN = 1 << INODE_EXT.length;

/** One name in the container's file tree (under its root directory), parents before children. */
export interface DentryRecord {
  /** Path relative to the tree's root, "" for the root itself. */
  path: string;
  inodeId: number;
}

export interface PipeRecord {
  id: number;
  /** The bytes waiting in the pipe, in order. */
  buffered: Uint8Array;
  /** The ring's size in pages (max_usage) when F_SETPIPE_SZ changed it from 16. */
  sizePages?: number;
  /** A FIFO's pipe: the FIFO inode (kind "fifo") its ends were opened on. */
  inodeId?: number;
}

/** PipeRecord's optional fields, in their order in both codecs' extension. */
export const PIPE_EXT = ["sizePages", "inodeId"] as const;

export type FileTargetRecord =
  /** A tmpfs file, directory or symlink (O_PATH), by inode; path is where it was opened. */
  | { kind: "inode"; inodeId: number; path: string }
  | { kind: "pipe"; pipeId: number }
  /** The console: 0 = stdin, 1 = stdout, 2 = stderr stream. */
  | { kind: "console"; stream: 0 | 1 | 2 }
  /** A device node other than the console, reopened by path (/dev/null, /dev/zero). */
  | { kind: "device"; path: string }
  /**
   * A procfs file (/proc/sys/kernel/ns_last_pid, /proc/2/status): reopened by path at its offset,
   * looked up as the container's init sees /proc (pids keep their numbers); its contents are
   * generated again, as after any reopen.
   */
  /**
   * A /proc file, reopened by path. `snapshot`: its contents as made at its first read (seq_file's
   * buffer), when it was read in part (pos > 0): the restart serves the rest of that read from
   * them, as the open file would have, instead of contents made again (which differ when pid or
   * inode numbers do).
   */
  | { kind: "proc"; path: string; snapshot?: Uint8Array }
  /**
   * An end of pty `ttyId` (CheckpointModel.ttys). path is how it was opened: the master through
   * /dev/ptmx or /dev/pts/ptmx, the slave through /dev/pts/N (" (deleted)" once the master
   * closed) or /dev/tty (the opener's controlling terminal); the restart opens it the same way.
   */
  | { kind: "pty"; ttyId: number; master: boolean; path: string }
  /** An AF_UNIX socket file, by its socket (unixSocks). */
  | { kind: "socket"; sockId: number }
  /**
   * A pidfd: the pid it refers to (a pid of the container, possibly one no task has any more: a
   * pidfd of a reaped process keeps its struct pid, and reads as reaped after the restart too).
   */
  | { kind: "pidfd"; pidId: number }
  /**
   * An inotify instance, which only its one file holds: its watches (by inode id), the last
   * watch descriptor handed out (idr_alloc_cyclic's cursor), the events queued but not read, and
   * the last rename cookie of the machine's tmpfs (a restart continues above it: the program
   * may compare a new cookie with one it read).
   *
   * Unlike CRIU (which can only read the queue by consuming it, so it drops queued events), the
   * collector reads the frozen queue in place and the restart gives it back: a program that was
   * about to read an event still reads it. A watched inode must be one the model carries for its
   * own sake (the tree, an open or mapped file, a memfd, or a host file held open and kept by
   * its path like any externalPath inode); a watch on any other host file is refused, because a
   * mark names an inode, not a path, and a restart could only guess where to find it.
   */
  | { kind: "inotify"; lastWd: number; lastCookie: number; watches: InotifyWatchRecord[]; events: InotifyEventRecord[] }
  /**
   * A namespace file (/proc/<pid>/ns/<kind>), reopened by kind in the restored container: a pid
   * namespace by its id (the restart makes new ones), any other kind is the machine's initial
   * namespace of that kind (the only one this kernel has).
   */
  | { kind: "ns"; nsKind: NsKindName; pidNsId?: number }
  /** An eventfd, timerfd, signalfd or epoll file with its state (model-events.ts). */
  | EventFileTargetRecord;

/** The kinds of namespace file /proc/<pid>/ns has. */
export const NS_KINDS = ["net", "uts", "ipc", "pid", "user", "mnt", "cgroup", "time"] as const;
export type NsKindName = (typeof NS_KINDS)[number];

export interface FileRecord {
  id: number;
  flags: number;
  pos: number;
  target: FileTargetRecord;
  /** Its SIGIO owner, F_SETSIG signal and O_ASYNC registration, if any was set. */
  fown?: FownRecord;
  /** The locks held through it (model-file-state.ts), if any. */
  locks?: FileLockRecord[];
  lease?: LeaseRecord;
}

export interface FdRecord {
  fd: number;
  fileId: number;
  cloexec: boolean;
}

export interface FilesRecord {
  id: number;
  fds: FdRecord[];
  maxFds: number;
}

export interface FsRecord {
  id: number;
  /**
   * Absolute paths on the source machine (the tree is restored at the same place). For a removed
   * directory, the path it had (without " (deleted)"): its name, never a place to look it up.
   */
  root: string;
  cwd: string;
  umask: number;
  /**
   * Present only when that directory was removed (rmdir) while this context held it: the inode
   * it still is in Linux (kind "dir", nlink 0, in `inodes`; Linux's /proc/<pid>/cwd reads
   * "<path> (deleted)"). Several contexts and open files naming one removed directory share the
   * id, and come back sharing one unlinked inode (CRIU's dead/ghost directory).
   */
  rootInodeId?: number;
  cwdInodeId?: number;
}
