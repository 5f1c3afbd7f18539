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


export type { FileLockRecord, FownRecord, LeaseRecord, LockKindRecord } from "./model-file-state.ts";
export { LEASE_EXT, LOCK_KINDS } from "./model-file-state.ts";
import type { TtyRecord } from "./model-tty.ts";
import type { UnixSockRecord } from "./model-sockets.ts";

export type { TermiosRecord, TtyEndRecord, TtyRecord } from "./model-tty.ts";
export { TTY_IO_ERROR, TTY_OTHER_CLOSED, TTY_HUPPED, TTY_STOPPED, TTY_TCO_STOPPED, TTY_LNEXT, TTY_ERASING, TTY_STATE_KNOWN } from "./model-tty.ts";
export type { SockCredRecord, UnixSkbRecord, UnixSockRecord } from "./model-sockets.ts";
export { SOCK_F_PASSCRED, SOCK_F_DEAD, SOCK_F_NAME_OWNER, SOCK_F_KNOWN } from "./model-sockets.ts";
export type { ExtWriter, ExtReader } from "./model-ext.ts";
export { extMask, writeExt, readExt, writeExtIndices, readExtIndices } from "./model-ext.ts";
import type { DentryRecord, FileRecord, FilesRecord, FsRecord, InodeRecord, PipeRecord } from "./model-files.ts";
export type { DentryRecord, FdRecord, FileRecord, FileTargetRecord, FilesRecord, FsRecord, InodeKind, InodeRecord, InotifyEventRecord, InotifyWatchRecord, MemfdRecord, NsKindName, PipeRecord } from "./model-files.ts";
export { INODE_EXT, INODE_EXT_UNWRITTEN, NS_KINDS, PIPE_EXT } from "./model-files.ts";

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
  /**
   * SI_TIMER: the POSIX timer's id (si_tid) and the expiries missed while this one waited
   * (si_overrun). Both present or both absent.
   */
  timerId?: number;
  overrun?: number;
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
  /** The controlling terminal (signal->tty): the slave of pty `ttyId` in `ttys`; absent: none. */
  ttyId?: number;
  /** PR_SET_DUMPABLE (SUID_DUMP_*); absent: 1, what fork and execve give. */
  dumpable?: number;
  /** The next POSIX timer id timer_create tries (posix_timer_add); absent: 0 (never created one). */
  nextPosixTimerId?: number;
  /** The process's POSIX timers (timer_create), in id order; absent when it has none. */
  posixTimers?: PosixTimerRecord[];
}

/**
 * One POSIX interval timer (struct k_itimer). Times are cycles, the expiry as cycles left (0:
 * disarmed), like itimerRealLeft. CRIU's posix_timer_entry (images/timer.proto) carries the same:
 * id, clock, notify kind, signal, value, target thread, interval and value left, overrun.
 */
export interface PosixTimerRecord {
  id: number;
  /** The clockid_t it was created on (CLOCK_REALTIME, MONOTONIC, BOOTTIME or TAI). */
  clock: number;
  /** SIGEV_SIGNAL (0), SIGEV_NONE (1) or SIGEV_THREAD_ID (4); SIGEV_THREAD was made SIGEV_SIGNAL at creation. */
  notify: number;
  signo: number;
  /** sigev_value. */
  value: number;
  /** The thread the signal goes to (SIGEV_THREAD_ID), or through which its process gets it. */
  targetTaskId: number;
  left: number;
  interval: number;
  /** it_overrun_last: what timer_getoverrun says while no later expiry's signal was delivered. */
  overrunLast: number;
  /**
   * The siginfo of its last expiry is still queued (in its target's or its process's queue, the
   * last one there with this timer's id): further expiries count overruns on it, not queue more.
   */
  signalQueued: boolean;
}

/** One resource limit (struct rlimit64): RLIM_INFINITY is 2^64 - 1. */
export interface RlimitRecord {
  cur: bigint;
  max: bigint;
}

/** ThreadGroupRecord's optional fields, in their order in both codecs' extension. */
export const GROUP_EXT = ["oomScoreAdj", "oomScoreAdjMin", "ttyId", "dumpable", "nextPosixTimerId"] as const;
/** The extension bit after GROUP_EXT's: POSIX timers follow the fields (a count, then each timer record). */
export const GROUP_EXT_TIMERS = 1 << GROUP_EXT.length;

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
  /** setpriority's nice value (-20..19); absent: 0. */
  nice?: number;
  /** sched_getscheduler's answer: the policy, with SCHED_RESET_ON_FORK (0x40000000) ORed in; absent: SCHED_OTHER (0). */
  schedPolicy?: number;
  /** The real-time priority (sched_param.sched_priority, 1..99 under FIFO/RR); absent: 0. */
  schedPriority?: number;
  /** sched_setaffinity's mask (bit n = CPU n, as a u32); absent: every CPU. */
  cpusAllowed?: number;
  /** task->atomic_flags: PFA_NO_NEW_PRIVS (bit 0); absent: 0. */
  atomicFlags?: number;
  /** Securebits: SECBIT_KEEP_CAPS (bit 4, PR_SET_KEEPCAPS); absent: 0. */
  securebits?: number;
}

/** TaskRecord's optional fields, in their order in both codecs' extension. */
export const TASK_EXT = ["loginuid", "sessionid", "robustList", "nice", "schedPolicy", "schedPriority", "cpusAllowed", "atomicFlags", "securebits"] as const;
/** TaskRecord.atomicFlags and securebits bits (include/linux/sched.h, uapi/linux/securebits.h). */
export const PFA_NO_NEW_PRIVS = 1;
export const SECBIT_KEEP_CAPS = 1 << 4;
export const SCHED_RESET_ON_FORK = 0x40000000;

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
  /**
   * The executable it runs (Linux's mm->exe_file, what /proc/PID/exe names): an inode of the
   * model, a file of the container's tree or (externalPath) of the machine. Absent for a program
   * started from bytes outside the VFS, and in images from before it was carried.
   */
  exeInodeId?: number;
  /** membarrier registrations (MEMBARRIER_CMD_REGISTER_* bits, mm->membarrier_state); absent: none. */
  membarrierState?: number;
}

/** MmRecord's optional fields, in their order in both codecs' extension (writeExt). */
export const MM_EXT = ["exeInodeId", "membarrierState"] as const;

/** MAP_SHARED|MAP_ANONYMOUS memory: its own pages, mapped by VMAs of one or more mms. */
export interface ShmemRecord {
  id: number;
  /** Size in pages. */
  size: number;
  pages: PageRecord[];
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
  /** Pseudo-terminal pairs some file holds; absent when there are none (older images' bytes). */
  ttys?: TtyRecord[];
  /** AF_UNIX sockets; absent when the container has none (so such images keep their bytes). */
  unixSocks?: UnixSockRecord[];
}

/** How many objects and pages a model holds: what C/R work is charged by (COSTS.crObject/crPage). */
export function modelWork(m: CheckpointModel): { objects: number; pages: number } {
  const c = modelCounts(m);
  const objects = m.tasks.length + m.threadGroups.length + m.sighands.length + m.creds.length + m.pids.length +
    m.mms.length + m.shmem.length + m.inodes.length + m.pipes.length + m.files.length + m.fdTables.length + m.fsContexts.length +
    (m.ttys?.length ?? 0) +
    m.mms.reduce((s, x) => s + x.vmas.length, 0) + (m.unixSocks ?? []).reduce((s, x) => s + 1 + x.queue.length, 0) + fileStateCount(m) +
    (c.inotifyWatches ?? 0) + (c.inotifyEvents ?? 0) +
    m.threadGroups.reduce((s, g) => s + (g.posixTimers?.length ?? 0), 0);
  return { objects, pages: c.pages };
}

/** Object counts of a model, for metrics and tables. */
export function modelCounts(m: CheckpointModel): Record<string, number> {
  const pages =
    m.mms.reduce((s, x) => s + x.pages.length, 0) + m.cowPages.length +
    m.shmem.reduce((s, x) => s + x.pages.length, 0) +
    m.inodes.reduce((s, x) => s + x.pages.length, 0);
  const inotify = m.files.flatMap((f) => (f.target.kind === "inotify" ? [f.target] : []));
  const memfds = m.inodes.filter((i) => i.memfd !== undefined).length;
  const pidfds = m.files.filter((f) => f.target.kind === "pidfd").length;
  // Only when present: the counts of a model without them stay what they were (dump traces).
  const timers = m.threadGroups.reduce((s, g) => s + (g.posixTimers?.length ?? 0), 0);
  const counts: Record<string, number> = {
    tasks: m.tasks.length, threadGroups: m.threadGroups.length, mms: m.mms.length, files: m.files.length,
    fdTables: m.fdTables.length, pipes: m.pipes.length, inodes: m.inodes.length, shmem: m.shmem.length, pages,
    ...(memfds > 0 && { memfds }),
    ...(pidfds > 0 && { pidfds }),
    ...(inotify.length > 0 && {
      inotify: inotify.length,
      inotifyWatches: inotify.reduce((s, t) => s + t.watches.length, 0),
      inotifyEvents: inotify.reduce((s, t) => s + t.events.length, 0),
    }),
    ...(m.ttys !== undefined && m.ttys.length > 0 && { ttys: m.ttys.length }),
    ...(m.unixSocks === undefined ? {} : { unixSocks: m.unixSocks.length }),
    ...(timers > 0 && { posixTimers: timers }),
  };
  // Only when there are some: the counts of a model without them read as they always did.
  const locks = m.files.reduce((s, f) => s + (f.locks?.length ?? 0) + (f.lease !== undefined ? 1 : 0), 0);
  if (locks > 0) counts.locks = locks;
  return counts;
}

/** File owners, locks and leases: objects a restart makes beside the files (model-file-state.ts). */
function fileStateCount(m: CheckpointModel): number {
  return m.files.reduce((s, f) => s + (f.fown !== undefined ? 1 : 0) + (f.locks?.length ?? 0) + (f.lease !== undefined ? 1 : 0), 0);
}
