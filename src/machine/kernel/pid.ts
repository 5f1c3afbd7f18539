// Pids and pid namespaces (Linux's struct pid and struct pid_namespace).
//
// A task has one number in its own namespace and in every ancestor namespace; getpid() answers
// the number at the caller's level (pid_vnr). A Pid also names a process group or a session,
// so it outlives its task while a group or session still uses it.
import { KObject, type KObjectRegistry } from "./kref.ts";
import { PidBitmap } from "./pid-bitmap.ts";
import type { SigInfo } from "./siginfo.ts";
import type { Task, ThreadGroup } from "./task.ts";
import type { WaitQueue } from "./wait-queue.ts";

export const PID_MAX_DEFAULT = 32768;
/** After wrapping, Linux skips the low pids reserved for daemons (RESERVED_PIDS). */
export const RESERVED_PIDS = 300;

export class PidNamespace extends KObject {
  /** Numbers in use. Change it only through claim and unclaim, which keep `used` in step. */
  readonly pids = new Map<number, Pid>();
  private readonly used = new PidBitmap();
  /** The last pid allocated (what /proc/sys/kernel/ns_last_pid reads and writes). */
  lastPid = 0;
  pidMax = PID_MAX_DEFAULT;
  /** The namespace's init (child_reaper): pid 1 once it exists. */
  reaper: Task | null = null;
  /** False once the init has died: no new pids (fork fails with ENOMEM, as in Linux). */
  allocating = true;
  /** Set while a user-space restart rebuilds the container this is the namespace of. */
  restarting: RestartingState | null = null;
  readonly level: number;

  /** The caller owns the new namespace's one reference; it takes one on its parent. */
  constructor(
    registry: KObjectRegistry,
    readonly parent: PidNamespace | null,
    readonly id: number,
    createdAt: string,
  ) {
    super(registry, "pid_namespace", createdAt);
    this.level = parent === null ? 0 : parent.level + 1;
    if (parent !== null) registry.get(parent);
  }

  protected override release(): void {
    if (this.parent !== null) this.kobjRegistry.put(this.parent);
  }

  /** This namespace and its ancestors, innermost first. */
  chain(): PidNamespace[] {
    const out: PidNamespace[] = [this];
    for (let p = this.parent; p !== null; p = p.parent) out.push(p);
    return out;
  }

  /** Whether `other` is this namespace or one of its descendants. */
  contains(other: PidNamespace): boolean {
    for (let ns: PidNamespace | null = other; ns !== null; ns = ns.parent) if (ns === this) return true;
    return false;
  }

  /** The next free number after lastPid, cyclically (idr_alloc_cyclic), or 0 if none. */
  nextFree(): number {
    const min = this.lastPid >= RESERVED_PIDS ? RESERVED_PIDS : 1;
    let start = this.lastPid + 1;
    if (start >= this.pidMax) start = min;
    let nr = this.used.findFree(start, this.pidMax);
    if (nr < 0) nr = this.used.findFree(min, start);
    return nr < 0 ? 0 : nr;
  }

  claim(nr: number, pid: Pid): void {
    this.pids.set(nr, pid);
    this.used.set(nr);
  }

  unclaim(nr: number): void {
    this.pids.delete(nr);
    this.used.clear(nr);
  }
}

/**
 * A container being restarted from user space (the userspace-fork creator): its tasks are
 * forked by a restarter program, each with the pid it had (clone-with-pid is allowed in such a
 * namespace without CAP_SYS_ADMIN), and then each restores itself. Meanwhile signals sent from
 * outside the container can be held back, and delivered once the restart is over.
 */
export interface RestartingState {
  /** The container's namespace (the one this state is set on). */
  readonly ns: PidNamespace;
  /** Where a task numbered `nr` in the container's namespace belongs: its namespace (maybe nested) and set_tid there, innermost first. */
  place(nr: number): { ns: PidNamespace; setTid: number[] } | null;
  /** Whether signals from outside the container are held until the restart completes. */
  readonly holdSignals: boolean;
  /** A signal from outside the container, held. */
  hold(target: Task, info: SigInfo, group: boolean): void;
}

/** The restarting state of the container `ns` belongs to, if it is being restarted. */
export function restartingOf(ns: PidNamespace): RestartingState | null {
  for (let p: PidNamespace | null = ns; p !== null; p = p.parent) if (p.restarting !== null) return p.restarting;
  return null;
}

export interface UPid {
  nr: number;
  ns: PidNamespace;
}

/** "alloc_pid 1042/12": the numbers root first, without an array of them. */
function allocPidWhy(numbers: UPid[]): string {
  let s = `alloc_pid ${numbers[0].nr}`;
  for (let i = 1; i < numbers.length; i++) s += `/${numbers[i].nr}`;
  return s;
}

/**
 * References are held by the task whose pid it is, and by every process group or session named
 * after it. The last put takes its numbers out of every namespace (free_pid).
 */
export class Pid extends KObject {
  /** Task whose pid this is (PIDTYPE_PID), while it lives. */
  task: Task | null = null;
  /** pgrpGroups' set, made when the pid first names a process group (most never do). */
  private pgrpSet: Set<ThreadGroup> | null = null;
  /**
   * Pollers of pidfds on this pid (wait_pidfd): woken when the process exits and when it is
   * reaped (pidfd.ts). Made by the first pidfd poll.
   */
  pidfdWait: WaitQueue | null = null;

  constructor(
    registry: KObjectRegistry,
    /** numbers[i] is the number in the namespace at level i (root first). */
    readonly numbers: UPid[],
  ) {
    super(registry, "pid", allocPidWhy(numbers));
    registry.get(this.ns);
  }

  /** Thread groups whose process group this is (PIDTYPE_PGID); kept by ThreadGroup. */
  get pgrpGroups(): Set<ThreadGroup> {
    return (this.pgrpSet ??= new Set());
  }

  protected override release(): void {
    for (const up of this.numbers) if (up.ns.pids.get(up.nr) === this) up.ns.unclaim(up.nr);
    this.kobjRegistry.put(this.ns);
  }

  get ns(): PidNamespace {
    return this.numbers[this.numbers.length - 1].ns;
  }

  /** The number in ns, or 0 if the pid is not visible there (pid_nr_ns). */
  nrIn(ns: PidNamespace): number {
    const up = this.numbers[ns.level];
    return up !== undefined && up.ns === ns ? up.nr : 0;
  }
}

/**
 * Allocate a pid in ns and all its ancestors (alloc_pid). setTid optionally gives the number to
 * take at each level, innermost first (clone3's set_tid); 0 means "any". Returns a Pid, or a
 * negative errno: -ENOMEM (namespace dead or full), -EEXIST (a requested number is taken).
 */
export function allocPid(ns: PidNamespace, setTid: number[] = []): Pid | number {
  // Filled from the innermost level outwards into an array of its final size, with plain loops:
  // fork runs this 1,000 times in a fork bomb's slice, mostly before V8 optimises it.
  const numbers = new Array<UPid>(ns.level + 1);
  let i = 0;
  for (let level: PidNamespace | null = ns; level !== null; level = level.parent) {
    if (!level.allocating) return -12; // ENOMEM
    const want = setTid[i++] ?? 0;
    let nr: number;
    if (want > 0) {
      if (want >= level.pidMax) return -22; // EINVAL
      if (level.pids.has(want)) return -17; // EEXIST
      nr = want;
    } else {
      nr = level.nextFree();
      if (nr === 0) return -11; // EAGAIN: pid space exhausted
    }
    numbers[level.level] = { nr, ns: level };
  }
  const pid = new Pid(ns.kobjRegistry, numbers);
  for (let j = 0; j < numbers.length; j++) {
    const up = numbers[j];
    up.ns.claim(up.nr, pid);
    // A requested number (set_tid, innermost first) does not move the cyclic cursor, as
    // idr_alloc does not.
    if ((setTid[ns.level - j] ?? 0) === 0) up.ns.lastPid = up.nr;
  }
  return pid;
}
