// The cgroup-v1 freezer (Linux kernel/cgroup/legacy_freezer.c), as kernel objects and an API
// for C/R code; the VFS exposes it as /sys/fs/cgroup/freezer/<group>/{tasks,freezer.state}.
//
// Freezing a group marks it FREEZING. A task of the group then stops at a safe point: when it
// would next run user code it enters the "refrigerator" instead (t.frozen), and a task asleep
// inside a syscall already counts as frozen — if it is woken while the group is freezing, it
// goes to the refrigerator rather than back to user mode, its pc still on the ecall. Once every
// task is frozen (or asleep, stopped or dead) the state reads FROZEN. THAWED puts them back on
// the run queue; interrupted syscalls re-execute transparently. SIGKILL still kills a frozen
// task (signal.ts wakes it, and a dying task is never refrigerated).
import type { Kernel } from "./kernel.ts";
import type { Task } from "./task.ts";

export type FreezerState = "THAWED" | "FREEZING" | "FROZEN";

/**
 * The least pids.max a restart gives a restored container's group that has none (Restorer.commit:
 * twice the tasks it has, at least this): an image is untrusted, and one flipped byte can turn a
 * workload into a fork bomb (issue 17). Far below pid_max, so a bomb meets EAGAIN while the
 * machine stays responsive.
 */
export const CONTAINER_PIDS_MAX = 1024;

export class FreezerCgroup {
  readonly children = new Map<string, FreezerCgroup>();
  readonly tasks = new Set<Task>();
  /** This group itself was asked to freeze (a descendant of a frozen group freezes too). */
  selfFreezing = false;
  /**
   * The pids controller co-mounted with the freezer (cgroup v1 `-o freezer,pids`): at most this
   * many tasks in the group and below it (pids.max; Infinity reads "max"). Never on the root.
   */
  pidsMax = Infinity;

  constructor(
    readonly name: string,
    readonly parent: FreezerCgroup | null,
  ) {}

  /** Whether this group or an ancestor is freezing (freezing propagates down the hierarchy). */
  get freezing(): boolean {
    return this.selfFreezing || (this.parent?.freezing ?? false);
  }

  get path(): string {
    return this.parent === null ? "/" : `${this.parent.path === "/" ? "" : this.parent.path}/${this.name}`;
  }

  /** pids.current: the tasks of this group and below it, zombies included until released. */
  pidsCurrent(): number {
    // A plain walk, no generator: a fork bomb at pids.max asks this on every failing fork.
    let n = this.tasks.size;
    for (const c of this.children.values()) n += c.pidsCurrent();
    return n;
  }

  /**
   * How many more tasks this group can take: the tightest pids.max of it and its ancestors. A
   * group at "max" (the root always) bounds nothing, so its subtree is never counted.
   */
  pidsRoom(): number {
    const own = this.pidsMax === Infinity ? Infinity : this.pidsMax - this.pidsCurrent();
    return this.parent === null ? own : Math.min(own, this.parent.pidsRoom());
  }

  /** This group and all below it. */
  *subtree(): Generator<FreezerCgroup> {
    yield this;
    for (const c of this.children.values()) yield* c.subtree();
  }
}

export class Freezer {
  readonly root = new FreezerCgroup("", null);

  constructor(private readonly k: Kernel) {}

  groupOf(t: Task): FreezerCgroup {
    return t.freezerGroup ?? this.root;
  }

  /** The group at `path` below `base` ("a/b"), made as far as it is missing (the deepest one made, on a bad name). */
  groupAt(base: FreezerCgroup, path: string): FreezerCgroup {
    let g = base;
    for (const name of path.split("/").filter((s) => s !== "")) g = g.children.get(name) ?? this.createGroup(g, name) ?? g;
    return g;
  }

  /** The group at `path` below `base`, or null if it does not exist (nothing is made). */
  find(base: FreezerCgroup, path: string): FreezerCgroup | null {
    let g: FreezerCgroup | undefined = base;
    for (const name of path.split("/").filter((s) => s !== "")) if ((g = g.children.get(name)) === undefined) return null;
    return g;
  }

  /** cgroup_can_fork of the pids controller: whether `parent`'s group may take one more task. */
  canFork(parent: Task): boolean {
    const g = this.groupOf(parent);
    return g === this.root || g.pidsRoom() >= 1;
  }

  /** mkdir under a group; null if the name exists or is not a valid directory name. */
  createGroup(parent: FreezerCgroup, name: string): FreezerCgroup | null {
    if (name === "" || name.includes("/") || name === "." || name === ".." || parent.children.has(name)) return null;
    const g = new FreezerCgroup(name, parent);
    parent.children.set(name, g);
    return g;
  }

  /** rmdir: only an empty group without children. */
  removeGroup(g: FreezerCgroup): boolean {
    if (g.parent === null || g.tasks.size > 0 || g.children.size > 0) return false;
    g.parent.children.delete(g.name);
    return true;
  }

  /** Move a task into a group (writing its pid to `tasks`); it takes the group's state. */
  attach(g: FreezerCgroup, t: Task): void {
    this.groupOf(t).tasks.delete(t);
    t.freezerGroup = g === this.root ? null : g;
    g.tasks.add(t);
    if (g.freezing) this.kick(t);
    else if (t.frozen) this.unfreezeTask(t);
  }

  /** A child inherits its parent's group (cgroup_post_fork). */
  fork(parent: Task, child: Task): void {
    const g = this.groupOf(parent);
    if (g !== this.root) this.attach(g, child);
  }

  /** The task is gone (release): drop it from its group. */
  exit(t: Task): void {
    this.groupOf(t).tasks.delete(t);
    t.freezerGroup = null;
  }

  /** Whether t must not run user code now. */
  shouldFreeze(t: Task): boolean {
    return !t.group.groupExit && this.groupOf(t).freezing;
  }

  /** Make a running task stop at its next safe point (the freezer's fake signal). */
  private kick(t: Task): void {
    const cpu = this.k.sched.onCpu.get(t);
    if (cpu !== undefined) cpu.quantumLeft = 0;
  }

  freeze(g: FreezerCgroup): void {
    g.selfFreezing = true;
    for (const sub of g.subtree()) for (const t of sub.tasks) this.kick(t);
  }

  thaw(g: FreezerCgroup): void {
    g.selfFreezing = false;
    for (const sub of g.subtree()) {
      if (sub.freezing) continue; // an ancestor still freezes it
      for (const t of sub.tasks) if (t.frozen) this.unfreezeTask(t);
    }
  }

  /** Put a task into the refrigerator (called by the scheduler instead of running it). */
  refrigerate(t: Task): void {
    t.frozen = true;
    this.k.sched.remove(t);
  }

  private unfreezeTask(t: Task): void {
    t.frozen = false;
    if (t.state === "running") this.k.sched.enqueue(t, this.k.clock);
  }

  /** A task counts as frozen in the refrigerator, asleep in a syscall, stopped, or dead. */
  private isFrozen(t: Task): boolean {
    return t.frozen || t.state === "sleeping" || t.state === "stopped" || !t.alive;
  }

  /** freezer.state, as update_if_frozen computes it. */
  state(g: FreezerCgroup): FreezerState {
    if (!g.freezing) return "THAWED";
    for (const sub of g.subtree()) for (const t of sub.tasks) if (!this.isFrozen(t)) return "FREEZING";
    return "FROZEN";
  }
}
