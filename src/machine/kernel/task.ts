// Tasks (Linux's task_struct) and what threads share: the thread group (signal_struct) and the
// signal handlers (sighand_struct).
//
// Each task owns a Hart: its user registers plus the hart's TLBs. A real kernel saves registers
// into the task and reloads them on the next CPU; here the scheduler runs the task's own hart,
// which keeps the TLBs warm across context switches for free.
// Reference counting (kref.ts): every constructor here takes its own reference on each object it
// stores, and release() puts them; whoever creates an object and stores it elsewhere puts the
// creation reference afterwards.
import type { CrJob } from "../../core/cr/job.ts";
import type { Hart } from "../cpu/hart.ts";
import type { FilesStruct } from "../fs/fdtable.ts";
import type { FsStruct } from "../fs/fs-struct.ts";
import type { TtyStruct } from "../fs/tty/tty-struct.ts";
import type { Cred } from "./cred.ts";
import type { FreezerCgroup } from "./freezer.ts";
import { KObject, type KObjectRegistry } from "./kref.ts";
import type { KthreadInfo } from "./kthread.ts";
import type { Pid, PidNamespace } from "./pid.ts";
import type { PosixTimer } from "./posix-timers.ts";
import type { Rlimit } from "./rlimit.ts";
import type { SigInfo } from "./siginfo.ts";
import { WaitQueue } from "./wait-queue.ts";

/**
 * running: runnable or on a CPU. sleeping: interruptible sleep inside a syscall (pc on the ecall).
 * stopped: job-control stop. zombie: exited, not yet reaped. dead: reaped (or autoreaped).
 */
export type TaskState = "running" | "sleeping" | "stopped" | "zombie" | "dead";

/** How a task ended, as the low 16 bits of a Linux wait status encode it. */
export interface ExitStatus {
  /** exit(code) & 0xff, when it exited. */
  code?: number;
  /** The fatal signal, when one killed it. */
  signal?: number;
  /** A core-dumping signal (WCOREDUMP). */
  core?: boolean;
}

export const SIG_DFL = 0;
export const SIG_IGN = 1;

export interface SigAction {
  /** SIG_DFL, SIG_IGN or the handler's address. */
  handler: number;
  flags: number;
  restorer: number;
  /** Signals blocked while the handler runs (bit n-1 for signal n). */
  mask: bigint;
}

/** Pending signals: a bitmask and the queued siginfo (real-time signals queue; others coalesce). */
export class SigPending {
  signals = 0n;
  readonly queue: SigInfo[] = [];
}

const SIG_DFL_TABLE: readonly SigAction[] = Array.from({ length: 65 }, () => ({ handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n }));

/** sighand_struct: the handler table, shared by CLONE_SIGHAND. */
export class SigHand extends KObject {
  /**
   * The entries, copy-on-write: a table made as a copy (fork, exec's unshare_sighand) or fresh
   * starts out sharing its source's (or the defaults), and makes its own on the first access
   * through `actions`. A fork bomb's tasks then never copy 65 entries each (issue 17: the
   * garbage collector's pauses were its slowest slices).
   */
  private table: readonly SigAction[];
  /** Whether `table` may be another table's too (then it must not be changed). */
  private shared = true;
  /** signalfd_wqh: signalfd readers and pollers of the tasks sharing these handlers. */
  readonly signalfdWqh = new WaitQueue();

  /** Copies of `from`'s actions (fork, execve), or of a restored table; every action SIG_DFL without. */
  constructor(registry: KObjectRegistry, createdAt: string, from?: SigHand | readonly SigAction[]) {
    super(registry, "sighand_struct", createdAt);
    if (from === undefined) this.table = SIG_DFL_TABLE;
    else if (from instanceof SigHand) {
      this.table = from.table;
      // From now on the source changes only a copy too.
      from.shared = true;
    } else {
      // A restored table: copied once here, with a plain loop (a restart of thousands of tasks
      // makes one each), and this set's own from the start.
      const actions = new Array<SigAction>(65);
      for (let i = 0; i < 65; i++) {
        const a = from[i];
        actions[i] = a === undefined ? { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n } : { handler: a.handler, flags: a.flags, restorer: a.restorer, mask: a.mask };
      }
      this.table = actions;
      this.shared = false;
    }
  }

  /** The table, this handler set's own (copied on first use): entries may be read, replaced or changed. */
  get actions(): SigAction[] {
    if (this.shared) {
      this.table = this.table.map((a) => ({ handler: a.handler, flags: a.flags, restorer: a.restorer, mask: a.mask }));
      this.shared = false;
    }
    return this.table as SigAction[];
  }

  /**
   * The entries as they are, read-only and without copying a shared table: the same array for
   * handler sets that share one (a checkpoint records such sets' actions once).
   */
  get entries(): readonly Readonly<SigAction>[] {
    return this.table;
  }

  /** One entry, read-only, without copying a shared table (for the paths every signal and exit take). */
  action(sig: number): Readonly<SigAction> {
    return this.table[sig];
  }
}

/** nsproxy: the namespaces a task's children are created in (only the pid namespace so far). */
export class Nsproxy extends KObject {
  constructor(
    registry: KObjectRegistry,
    readonly pidNsForChildren: PidNamespace,
    createdAt: string,
  ) {
    super(registry, "nsproxy", createdAt);
    registry.get(pidNsForChildren);
  }

  protected override release(): void {
    this.kobjRegistry.put(this.pidNsForChildren);
  }
}

export interface ITimer {
  /** Absolute expiry on the machine clock, in cycles; 0 = disarmed. */
  deadline: number;
  /** Reload interval in cycles; 0 = one-shot. */
  interval: number;
  /** The armed TimerQueue entry, for cancelling. */
  timerId: number;
}

/** An unset audit login uid or session id ((unsigned)-1). */
export const AUDIT_UNSET = 0xffffffff;

/**
 * signal_struct: what a thread group (a process) shares. Each thread holds a reference. What C/R
 * does with each field: core/cr/task-fields.ts.
 */
export class ThreadGroup extends KObject {
  readonly threads = new Set<Task>();
  readonly sharedPending = new SigPending();
  /** Set by exit_group or a fatal signal: every thread is on its way out. */
  groupExit = false;
  groupExitStatus: ExitStatus | undefined = undefined;
  /** A group stop is in progress (SIGSTOP and friends). */
  stopped = false;
  /** What the parent's waitid should report next: a stop or a continue, once each. */
  notifyStop = false;
  notifyContinue = false;
  stopSignal = 0;
  isChildSubreaper = false;
  hasChildSubreaper = false;
  /** Whether the group leader has exec'd (setpgid on the child then fails with EACCES). */
  didExec = false;
  itimerReal: ITimer = { deadline: 0, interval: 0, timerId: 0 };
  /** ITIMER_VIRTUAL and ITIMER_PROF: CPU time left (cycles, 0 = disarmed) and the reload. */
  itimerVirt = { left: 0, interval: 0 };
  itimerProf = { left: 0, interval: 0 };
  /**
   * PR_SET_DUMPABLE (Linux keeps it in mm->flags): 1, or 0 after a change of effective ids
   * (suid_dumpable is 0). Reset to 1 by execve, inherited by fork.
   */
  dumpable = 1;
  /**
   * /proc/<pid>/oom_score_adj (-1000..1000) and the floor an unprivileged writer may not go
   * below (raised to whatever a CAP_SYS_RESOURCE writer sets). Inherited by fork.
   */
  oomScoreAdj = 0;
  oomScoreAdjMin = 0;
  /** Resource limits (rlimit.ts); null = the machine's defaults, never set. Shared with a forked child until set. */
  rlimits: readonly Rlimit[] | null = null;
  /** CPU time of the group's threads that are gone, and of its reaped children (cycles; user and kernel). */
  deadUtime = 0;
  deadStime = 0;
  childUtime = 0;
  childStime = 0;
  /** The largest resident set of a reaped child or its descendants (KiB), for RUSAGE_CHILDREN. */
  childMaxRss = 0;
  /** The largest resident set (KiB) of the group's threads seen at their exit. */
  maxRss = 0;
  /** POSIX timers by id (posix-timers.ts), and the next id to try. */
  readonly posixTimers = new Map<number, PosixTimer>();
  nextPosixTimerId = 0;
  /**
   * The controlling terminal (signal->tty): inherited by fork, dropped by setsid, TIOCNOTTY, a
   * hang-up or the session leader's exit (fs/tty/tty-jobctrl.ts). Not a counted reference.
   */
  tty: TtyStruct | null = null;
  /** Where this group's threads sleep in waitid (wait_chldexit). */
  readonly childWait = new WaitQueue();

  private pgrpPid: Pid;

  constructor(
    registry: KObjectRegistry,
    public leader: Task,
    pgrp: Pid,
    public session: Pid,
    createdAt: string,
  ) {
    super(registry, "signal_struct", createdAt);
    this.pgrpPid = pgrp;
    pgrp.pgrpGroups.add(this);
    registry.get(pgrp);
    registry.get(session);
  }

  /** The process group. Its Pid lists the groups in it (PIDTYPE_PGID), so a walk over one
   *  process group (kill_orphaned_pgrp at every exit) does not visit every task. */
  get pgrp(): Pid {
    return this.pgrpPid;
  }

  set pgrp(p: Pid) {
    this.pgrpPid.pgrpGroups.delete(this);
    this.pgrpPid = p;
    p.pgrpGroups.add(this);
  }

  protected override release(): void {
    this.pgrpPid.pgrpGroups.delete(this);
    this.kobjRegistry.put(this.pgrpPid);
    this.kobjRegistry.put(this.session);
  }
}

export interface SigAltStack {
  sp: number;
  size: number;
  flags: number;
}

/** The syscall a sleeping task will re-execute, and what it must remember across the restart. */
export interface RestartBlock {
  nr: number;
  /** Absolute deadline in cycles, for calls with a timeout. */
  deadline?: number;
  /** Called when a handler interrupts the call with EINTR (nanosleep writes the time left). */
  interrupted?: (t: Task) => void;
  [key: string]: unknown;
}

/**
 * task_struct. Each field is either carried by checkpoint/restart or left behind for a stated
 * reason: core/cr/task-fields.ts lists which (a new field does not type-check until it is there).
 */
export class Task extends KObject {
  state: TaskState = "running";
  exit: ExitStatus | undefined = undefined;
  /** Signal sent to the parent when this task exits (SIGCHLD for fork; 0 for threads). */
  exitSignal = 17;
  pdeathSignal = 0;
  parent: Task | null = null;
  /** Tasks this task forked (not threads): their parent is this task. */
  readonly children = new Set<Task>();
  blocked = 0n;
  /** The mask to restore after rt_sigsuspend's handler runs (saved_sigmask), or null. */
  savedMask: bigint | null = null;
  readonly pending = new SigPending();
  sas: SigAltStack = { sp: 0, size: 0, flags: 2 /* SS_DISABLE */ };
  /** set_tid_address / CLONE_CHILD_CLEARTID: user address cleared and futex-woken at exit. */
  clearChildTid = 0;
  /**
   * The audit login uid and session (/proc/<pid>/loginuid, sessionid): unset (-1) until a login
   * program writes loginuid; inherited by fork.
   */
  loginuid = AUDIT_UNSET;
  sessionid = AUDIT_UNSET;
  /** set_robust_list: the user address of its robust futex list head, 0 for none (robust-list.ts). */
  robustList = 0;
  /** Kernel work charged to this task, in virtual cycles (its instructions are hart.instret). */
  cpuCycles = 0;
  /** Linux's internal restart code (ERESTARTSYS...) of the syscall this task is inside, or 0. */
  restartCode = 0;
  restart: RestartBlock | null = null;
  /** The wait queue this task sleeps on, if any. */
  waitingOn: WaitQueue | null = null;
  /**
   * A poller (poll, select, epoll_wait) sleeps on every queue its poll table collected: any of
   * their wake-ups wakes it (wait-queue.ts). Empty otherwise.
   */
  pollWaits: WaitQueue[] = [];
  /** Wake-up time in cycles for a sleep with a timeout (0 = none), and its timer. */
  wakeAt = 0;
  wakeTimer = 0;
  /** A vfork parent sleeping until this child execs or exits. */
  vforkParent: Task | null = null;
  /** Set while signals may need handling before the task returns to user mode (TIF_SIGPENDING). */
  sigPending = false;
  /** While asleep in rt_sigtimedwait: the (blocked) signals that should wake it. */
  sigWaitSet = 0n;
  /** In the freezer's refrigerator: runnable, but held off the CPUs until thawed. */
  frozen = false;
  /** Its freezer cgroup (kernel/freezer.ts keeps it); null = the root group. */
  freezerGroup: FreezerCgroup | null = null;
  /** Set for kernel threads: the generator the scheduler steps instead of the hart. */
  kthread: KthreadInfo | null = null;
  /**
   * files_struct (the fd table) and fs_struct (root, cwd, umask): counted references, shared by
   * CLONE_FILES / CLONE_FS, set and dropped by fs/task-files.ts (clone, execve, unshare, exit).
   * null for a task that has exited (exit_files, exit_fs) or that the VFS never saw.
   */
  files: FilesStruct | null = null;
  fs: FsStruct | null = null;
  /**
   * A blocking write's partial count, kept aside while a signal handler runs (rt_sigreturn
   * clears `restart`): the re-executed call returns it (fs/rw-restart.ts). null otherwise.
   */
  rwAfterHandler: { sig: string; done: number } | null = null;
  /** sched_setaffinity: the CPUs (bit n = CPU n) it may run on; -1 = every CPU. Inherited by fork. */
  cpusAllowed = -1;
  /** The scheduler's (sched.ts): the slot in its run queue while queued, else -1; and when it became ready. */
  rqSlot = -1;
  readyAt = 0;
  /**
   * The scheduling parameters a program sets and reads back (sys-sched.ts): nice (-20..19),
   * policy (SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5), the real-time priority and
   * SCHED_RESET_ON_FORK. Inherited by fork. The scheduler itself ignores them: the seed alone
   * decides who runs, so that a run is the same whatever priorities a program asks for.
   */
  nice = 0;
  schedPolicy = 0;
  rtPriority = 0;
  resetOnFork = false;
  /** PR_SET_NO_NEW_PRIVS: sticky, inherited by fork and kept across execve. */
  noNewPrivs = false;
  /** PR_SET_KEEPCAPS (SECBIT_KEEP_CAPS): keep the permitted set when the uids leave 0; cleared by execve. */
  keepCaps = false;
  /** The C/R job this task waits for inside sys_checkpoint or sys_restart (core/cr/job.ts). */
  crJob: CrJob | null = null;

  /** Put at exit (exit_task_namespaces), so null afterwards. */
  nsproxy: Nsproxy | null;

  constructor(
    registry: KObjectRegistry,
    readonly pid: Pid,
    public group: ThreadGroup,
    public sighand: SigHand,
    public cred: Cred,
    nsproxy: Nsproxy,
    public comm: string,
    public hart: Hart,
    createdAt: string,
  ) {
    super(registry, "task_struct", createdAt);
    // One call each, not a loop over an array: fork's constructor, run 1,000 times in a fork
    // bomb's slice before V8 optimises it, allocated the array and an iterator every time.
    registry.get(pid);
    registry.get(group);
    registry.get(sighand);
    registry.get(cred);
    registry.get(nsproxy);
    this.nsproxy = nsproxy;
  }

  /** The namespace this task's children are created in (nsproxy->pid_ns_for_children). */
  get pidNsForChildren(): PidNamespace {
    return this.nsproxy?.pidNsForChildren ?? this.pid.ns;
  }

  /** Replace a counted reference field: get the new object, put the old one. */
  setCred(c: Cred): void {
    this.kobjRegistry.get(c);
    this.kobjRegistry.put(this.cred);
    this.cred = c;
  }

  protected override release(): void {
    const r = this.kobjRegistry;
    r.put(this.group);
    r.put(this.sighand);
    r.put(this.cred);
    r.put(this.pid);
    if (this.nsproxy !== null) r.put(this.nsproxy);
  }

  get mm() {
    return this.hart.mm;
  }

  /** The task's global id (its number in the root namespace). */
  get id(): number {
    return this.pid.numbers[0].nr;
  }

  /** The namespace the task lives in (task_active_pid_ns). */
  get pidNs(): PidNamespace {
    return this.pid.ns;
  }

  get isLeader(): boolean {
    return this.group.leader === this;
  }

  get alive(): boolean {
    return this.state !== "zombie" && this.state !== "dead";
  }
}

/** The wait status word Linux reports for an exit status. */
export function waitStatus(s: ExitStatus): number {
  if (s.signal !== undefined) return (s.signal & 0x7f) | (s.core ? 0x80 : 0);
  return ((s.code ?? 0) & 0xff) << 8;
}

/** A shell-style exit code: the exit code, or 128 + the fatal signal. */
export function shellStatus(s: ExitStatus): number {
  return s.signal !== undefined ? 128 + s.signal : (s.code ?? 0) & 0xff;
}
