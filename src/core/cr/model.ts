// The CheckpointModel: an image-independent object graph of one container, as the collector
// takes it from a frozen kernel and the restore helpers rebuild it. Codecs turn it into bytes and
// back; nothing in it points at live kernel objects, so it can cross machines.
//
// Identity: every shared kernel object (thread group, sighand, cred, mm, fd table, fs context,
// open file, pipe, inode, shared-memory object, pid) appears once, in its own list, with an `id`
// unique within that list; whoever uses it refers to it by that id. That is how sharing survives:
// two threads name the same mm id, two fds the same file id, a file and a mapping the same inode
// id. Ids are assigned in collection order (deterministic: tasks are walked by namespace pid).
//
// Time: absolute deadlines become cycles left at checkpoint time (`...Left`), so a restart on a
// machine whose clock reads differently re-arms them relative to its own clock.
//
// Page contents are Uint8Array views of 4096 bytes. The collector hands out views of the frozen
// frames (no copy); a decoder hands out views into the image buffer. Zero pages carry no bytes:
// a page absent from a list reads as zeros.

import type { EventFileTargetRecord } from "./model-events.ts";

export const MODEL_VERSION = 1;
export const MODEL_ARCH = "riscv32";
export const MODEL_PAGE_SIZE = 4096;

/** A page of an address space, shared-memory object or file: its index and 4096 bytes. */
export interface PageRecord {
  /** Virtual page number (anonymous memory) or page offset in the object (shmem, file). */
  index: number;
  data: Uint8Array;
}

/** A pid's number in each pid namespace of the container, outermost (the container's) first. */
export interface PidRecord {
  id: number;
  /** numbers[i] is the number in the namespace `nsIds[i]`. */
  numbers: number[];
  nsIds: number[];
}

export interface PidNsRecord {
  id: number;
  /** null for the container's own namespace (its parent is outside the container). */
  parentId: number | null;
  /** The last pid allocated (ns_last_pid), so numbering continues where it left off. */
  lastPid: number;
  /** False once the namespace's init has died. */
  allocating: boolean;
}

export interface SigInfoRecord {
  signo: number;
  code: number;
  errno?: number;
  /** The sender as seen in the container's pid namespace (0: outside it, or no sender). */
  pidNr?: number;
  uid?: number;
  status?: number;
  addr?: number;
  value?: number;
  /** Bytes queued verbatim (rt_sigqueueinfo), if any. */
  raw?: Uint8Array;
}

export interface SigPendingRecord {
  /** Bit n-1 for signal n. */
  signals: bigint;
  queue: SigInfoRecord[];
}

export interface SigActionRecord {
  handler: number;
  flags: number;
  restorer: number;
  mask: bigint;
}

export interface SigHandRecord {
  id: number;
  /** 65 entries, index = signal number (0 unused). */
  actions: SigActionRecord[];
}

export interface CredRecord {
  id: number;
  uid: number; euid: number; suid: number; fsuid: number;
  gid: number; egid: number; sgid: number; fsgid: number;
  capEffective: number;
  capPermitted: number;
  /**
   * The capability sets a task changes only through capset and prctl. Absent means Linux's
   * default for a process that never touched them (inheritable and ambient empty, bounding set
   * full): an image of such tasks has the bytes it had before these fields existed.
   */
  capInheritable?: number;
  capBset?: number;
  capAmbient?: number;
  /**
   * Supplementary groups (group_info), in ascending order as setgroups leaves them;
   * absent when there are none (so an image of a task without groups keeps its old bytes).
   */
  groups?: number[];
}

/**
 * Which of a record's optional fields are present, as a mask over `keys` (0: none). Both codecs
 * write, after a record's fixed fields, nothing when it is 0, else the mask and each present
 * field in `keys` order: an image of records without them has the bytes it had before.
 */
export function extMask<K extends string>(rec: { readonly [k in K]?: number }, keys: readonly K[]): number {
  return keys.reduce((m, k, i) => (rec[k] !== undefined ? m | (1 << i) : m), 0);
}

/** What writeExt needs of a codec's writer (both codecs' writers have it). */
export interface ExtWriter {
  u32(v: number, what: string): void;
  num(v: number, what: string): void;
}

/** What readExt needs of a codec's field reader. */
export interface ExtReader {
  flags(what: string, known: number): number;
  num(what: string): number;
}

/**
 * A record's optional fields, the same in both codecs: nothing when none is present (and no
 * `extra` bit is set), else a mask (u32, then a zero u32) and each present field as a num, in
 * `keys` order. Returns the mask, so a caller can append what an `extra` bit announces.
 */
export function writeExt<K extends string>(w: ExtWriter, rec: { readonly [k in K]?: number }, keys: readonly K[], extra = 0): number {
  const mask = extMask(rec, keys) | extra;
  if (mask === 0) return 0;
  w.u32(mask, "extension mask");
  w.u32(0, "extension pad");
  for (const k of keys) {
    const v = rec[k];
    if (v !== undefined) w.num(v, k);
  }
  return mask;
}

/**
 * The optional fields, if the record's fields go on after the fixed ones by at least a mask's
 * 8 bytes (`left`: fewer are left for the record's own length check to report as unexplained).
 * Returns the mask (0: none); bits outside `keys` and `extraKnown` are damage.
 */
export function readExt<K extends string>(r: ExtReader, left: number, rec: { [k in K]?: number }, keys: readonly K[], extraKnown = 0): number {
  if (left < 8) return 0;
  const mask = r.flags("extension mask", (2 ** keys.length - 1) | extraKnown);
  r.flags("extension pad", 0);
  keys.forEach((k, i) => {
    if ((mask & (1 << i)) !== 0) rec[k] = r.num(k);
  });
  return mask;
}

/** CredRecord's optional fields, in their order in both codecs' extension (extMask). */
export const CRED_EXT = ["capInheritable", "capBset", "capAmbient"] as const;
/** The extension bit after CRED_EXT's: supplementary groups follow the fields (a count and the gids). */
export const CRED_EXT_GROUPS = 1 << CRED_EXT.length;

export interface ExitStatusRecord {
  code?: number;
  signal?: number;
  core?: boolean;
}

/** signal_struct: what the threads of one process share. */
export interface ThreadGroupRecord {
  id: number;
  leaderTaskId: number;
  /** Pid ids (a process group or session whose leader is gone still has its pid). */
  pgrpPidId: number;
  sessionPidId: number;
  sharedPending: SigPendingRecord;
  groupExit: boolean;
  groupExitStatus?: ExitStatusRecord;
  stopped: boolean;
  notifyStop: boolean;
  notifyContinue: boolean;
  stopSignal: number;
  isChildSubreaper: boolean;
  hasChildSubreaper: boolean;
  didExec: boolean;
  /** ITIMER_REAL: cycles left (0 = disarmed) and the reload interval in cycles. */
  itimerRealLeft: number;
  itimerRealInterval: number;
  itimerVirt: { left: number; interval: number };
  itimerProf: { left: number; interval: number };
  /** /proc/<pid>/oom_score_adj and its floor; absent: 0 (never written). */
  oomScoreAdj?: number;
  oomScoreAdjMin?: number;
  /**
   * signal->rlim, all RLIM_NLIMITS of them, once the process set one (setrlimit/prlimit64);
   * absent while it uses the machine's defaults, which a restart on another machine recomputes.
   */
  rlimits?: RlimitRecord[];
}

/** One resource limit (struct rlimit64): RLIM_INFINITY is 2^64 - 1. */
export interface RlimitRecord {
  cur: bigint;
  max: bigint;
}

/** ThreadGroupRecord's optional fields, in their order in both codecs' extension. */
export const GROUP_EXT = ["oomScoreAdj", "oomScoreAdjMin"] as const;

export interface RegsRecord {
  /** x0..x31 as signed 32-bit values. */
  x: number[];
  pc: number;
  /** f0..f31, each as its two 32-bit halves (lo, hi): 64 numbers, NaN-boxing preserved. */
  f: number[];
  fcsr: number;
}

/**
 * A task inside a system call it will re-execute: pc is on the ecall and its registers hold the
 * arguments; the restart block carries what the call remembers across its restarts.
 */
export interface SyscallRecord {
  /** Linux's internal restart code (ERESTARTSYS...). */
  restartCode: number;
  /** The restart block's plain fields (nr, woken, rwDone...), without `deadline`. */
  block: Record<string, number | string | boolean> | null;
  /** The block's deadline as cycles left, if it had one. */
  deadlineLeft?: number;
  /** The block refers to a task of the container (vfork's child): its task id. */
  vforkChildTaskId?: number;
  /** A partial pipe write's count kept aside across a signal handler (rw-restart.ts). */
  afterHandler?: { sig: string; done: number };
}

export type TaskStateRecord = "running" | "stopped" | "zombie";

export interface TaskRecord {
  id: number;
  pidId: number;
  /** The task's parent inside the container; null for the container's init (its parent is the restarter). */
  parentTaskId: number | null;
  threadGroupId: number;
  sighandId: number;
  credId: number;
  /** null for a zombie (exit_mm, exit_files and exit_fs have run). */
  mmId: number | null;
  filesId: number | null;
  fsId: number | null;
  /** The namespace its children are created in (nsproxy); null once exited. */
  pidNsForChildrenId: number | null;
  comm: string;
  /** "running" includes tasks asleep in a syscall: they restart it (see syscall). */
  state: TaskStateRecord;
  exit?: ExitStatusRecord;
  exitSignal: number;
  pdeathSignal: number;
  regs: RegsRecord | null;
  syscall: SyscallRecord | null;
  blocked: bigint;
  savedMask: bigint | null;
  pending: SigPendingRecord;
  sas: { sp: number; size: number; flags: number };
  clearChildTid: number;
  sigWaitSet: bigint;
  /** Kernel time charged to the task, in cycles; and guest instructions retired. */
  cpuCycles: number;
  instret: number;
  /** Freezer cgroup path relative to the container's group ("" = the container's group itself). */
  freezerPath: string;
  /** A vfork parent this task must wake when it execs or exits. */
  vforkParentTaskId: number | null;
  /** The audit login uid and session id; absent: unset (4294967295). */
  loginuid?: number;
  sessionid?: number;
  /** set_robust_list's head address; absent: 0 (none). */
  robustList?: number;
}

/** TaskRecord's optional fields, in their order in both codecs' extension. */
export const TASK_EXT = ["loginuid", "sessionid", "robustList"] as const;

export type VmaBackingRecord =
  | { kind: "anon" }
  | { kind: "shmem"; shmemId: number }
  | { kind: "file"; inodeId: number; path: string };

export interface VmaRecord {
  start: number;
  end: number;
  prot: number;
  flags: number;
  kind: "anon" | "stack" | "heap" | "elf" | "vdso";
  backing: VmaBackingRecord;
  pgoff: number;
}

export interface MmRecord {
  id: number;
  vmas: VmaRecord[];
  /**
   * Private pages with contents that only this mm maps: anonymous pages and private copies of
   * file pages. Pages still mapping a shared object's or a file's page cache are not here: they
   * re-fault from it.
   */
  pages: PageRecord[];
  /**
   * Private pages shared copy-on-write with other mms (after fork, until one writes): the virtual
   * page and the id of its page in CheckpointModel.cowPages. Restored shared again, read-only
   * until a write copies it — as fork left them.
   */
  cowRefs: { index: number; pageId: number }[];
  startBrk: number;
  brk: number;
  startStack: number;
  mmapBase: number;
}

/** MAP_SHARED|MAP_ANONYMOUS memory: its own pages, mapped by VMAs of one or more mms. */
export interface ShmemRecord {
  id: number;
  /** Size in pages. */
  size: number;
  pages: PageRecord[];
}

export type InodeKind = "file" | "dir" | "symlink";

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
}

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
}

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
  | { kind: "proc"; path: string }
  /** An eventfd, timerfd, signalfd or epoll file with its state (model-events.ts). */
  | EventFileTargetRecord;

export interface FileRecord {
  id: number;
  flags: number;
  pos: number;
  target: FileTargetRecord;
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

export interface ContainerRecord {
  /** The init's pid in the container's namespace (always 1) and its task id. */
  initTaskId: number;
  /** The container's pid namespace. */
  pidNsId: number;
  /**
   * Absolute path of the directory whose subtree is the container's own files (the init's working
   * directory at checkpoint); "/" means the container has no private tree.
   */
  treeRoot: string;
  /** The container's freezer cgroup path ("" = the root group). */
  freezerGroup: string;
}

export interface ModelMeta {
  /** Virtual time (cycles) of the checkpoint on the source machine. */
  clock: number;
  /** Free text: who made the image (initiator) and from which machine seed. */
  producer: string;
}

export interface CheckpointModel {
  version: typeof MODEL_VERSION;
  arch: typeof MODEL_ARCH;
  pageSize: typeof MODEL_PAGE_SIZE;
  meta: ModelMeta;
  container: ContainerRecord;
  pidNamespaces: PidNsRecord[];
  pids: PidRecord[];
  /** In creation order for a restart: parents before children, group leaders before threads. */
  tasks: TaskRecord[];
  threadGroups: ThreadGroupRecord[];
  sighands: SigHandRecord[];
  creds: CredRecord[];
  mms: MmRecord[];
  /** Pages shared copy-on-write between mms, each once; `index` is the page's id. */
  cowPages: PageRecord[];
  shmem: ShmemRecord[];
  inodes: InodeRecord[];
  tree: DentryRecord[];
  pipes: PipeRecord[];
  files: FileRecord[];
  fdTables: FilesRecord[];
  fsContexts: FsRecord[];
}

/** How many objects and pages a model holds: what C/R work is charged by (COSTS.crObject/crPage). */
export function modelWork(m: CheckpointModel): { objects: number; pages: number } {
  const c = modelCounts(m);
  const objects = m.tasks.length + m.threadGroups.length + m.sighands.length + m.creds.length + m.pids.length +
    m.mms.length + m.shmem.length + m.inodes.length + m.pipes.length + m.files.length + m.fdTables.length + m.fsContexts.length +
    m.mms.reduce((s, x) => s + x.vmas.length, 0);
  return { objects, pages: c.pages };
}

/** Object counts of a model, for metrics and tables. */
export function modelCounts(m: CheckpointModel): Record<string, number> {
  const pages =
    m.mms.reduce((s, x) => s + x.pages.length, 0) + m.cowPages.length +
    m.shmem.reduce((s, x) => s + x.pages.length, 0) +
    m.inodes.reduce((s, x) => s + x.pages.length, 0);
  return {
    tasks: m.tasks.length, threadGroups: m.threadGroups.length, mms: m.mms.length, files: m.files.length,
    fdTables: m.fdTables.length, pipes: m.pipes.length, inodes: m.inodes.length, shmem: m.shmem.length, pages,
  };
}
