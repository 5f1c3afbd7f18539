// The deterministic scheduler: N virtual CPUs, each with its own clock, and one run queue.
//
// Every step runs the CPU whose clock is lowest (ties: lowest index), so virtual time advances in
// order across CPUs and work on two CPUs takes half the elapsed time of work on one. A CPU with
// nothing on it takes a task from the run queue; which one, and how long its quantum is, come
// from the machine's seeded PRNG — the only source of choice, so one seed gives one schedule.
// Each decision is folded into traceHash, which two runs with the same seed must agree on.
import type { Prng } from "./prng.ts";
import type { Task } from "./task.ts";
import { RunQueue } from "./runqueue.ts";

export class Cpu {
  clock = 0;
  current: Task | null = null;
  /** Instructions left in the current task's quantum. */
  quantumLeft = 0;

  constructor(readonly id: number) {}
}

/** 64-bit FNV-1a over 32-bit words, kept as two 32-bit halves (hi, lo). */
export class TraceHash {
  private hi = 0xcbf29ce4 | 0;
  private lo = 0x84222325 | 0;

  add(v: number): void {
    // Fold the low and high 32 bits of v (virtual clocks exceed 2^32).
    this.word(v | 0);
    this.word(Math.floor(v / 0x100000000) | 0);
  }

  private word(w: number): void {
    for (let i = 0; i < 4; i++) {
      this.lo ^= (w >>> (8 * i)) & 0xff;
      // Multiply by the FNV prime 2^40 + 0x1b3, in 32-bit halves.
      const lo = this.lo >>> 0;
      const hi = this.hi >>> 0;
      const pLo = lo * 0x1b3;
      const newLo = pLo >>> 0;
      const carry = Math.floor(pLo / 0x100000000);
      const newHi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + carry) | 0;
      this.lo = newLo | 0;
      this.hi = newHi;
    }
  }

  hex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, "0") + (this.lo >>> 0).toString(16).padStart(8, "0");
  }
}

export interface SchedOptions {
  cpus: number;
  /** Mean quantum in instructions; each quantum is drawn from [q/2, 3q/2). */
  quantum: number;
}

export class Scheduler {
  readonly cpus: Cpu[];
  /** Runnable tasks that are not on a CPU. Ordered by arrival; the pick among them is random. */
  readonly runqueue = new RunQueue<Task>();
  readonly trace = new TraceHash();
  contextSwitches = 0;
  /** Where each task on a CPU is (tasks not on a CPU are absent). */
  readonly onCpu = new Map<Task, Cpu>();

  constructor(
    private readonly prng: Prng,
    readonly opts: SchedOptions,
  ) {
    this.cpus = Array.from({ length: Math.max(1, opts.cpus) }, (_, i) => new Cpu(i));
  }

  /** Whether some task has been restricted to some CPUs (sched_setaffinity): until then every pick is the fast one. */
  private restricted = false;

  /** sched_setaffinity: t may run on the CPUs of mask (-1 = all); one on another CPU leaves it at once. */
  setAffinity(t: Task, mask: number): void {
    t.cpusAllowed = mask;
    if (mask !== -1) this.restricted = true;
    const cpu = this.onCpu.get(t);
    if (cpu !== undefined && ((mask >>> cpu.id) & 1) === 0) cpu.quantumLeft = 0;
  }

  private allowed(t: Task, cpu: Cpu): boolean {
    return ((t.cpusAllowed >>> cpu.id) & 1) === 1;
  }

  /** Make a runnable task eligible to run from `now` on. */
  enqueue(t: Task, now: number): void {
    if (this.onCpu.has(t) || this.runqueue.has(t)) return;
    this.runqueue.push(t);
    // The clock at which it became ready, so it never runs in its own past.
    t.readyAt = now;
  }

  /** Take a task off the CPUs and the run queue (it sleeps, stops or dies). */
  remove(t: Task): void {
    const cpu = this.onCpu.get(t);
    if (cpu !== undefined) {
      cpu.current = null;
      this.onCpu.delete(t);
    }
    this.runqueue.delete(t);
  }

  /** The CPU to step next: the lowest clock among those with work, or null if none has any. */
  nextCpu(): Cpu | null {
    let best: Cpu | null = null;
    const anyQueued = this.runqueue.length > 0;
    for (const c of this.cpus) {
      if (c.current === null && !anyQueued) continue;
      if (c.current === null && this.restricted && !this.anyAllowed(c)) continue;
      if (best === null || c.clock < best.clock) best = c;
    }
    return best;
  }

  private anyAllowed(cpu: Cpu): boolean {
    for (const t of this.runqueue) if (this.allowed(t, cpu)) return true;
    return false;
  }

  /** Ensure the CPU has a task, picking one from the run queue. */
  fill(cpu: Cpu): Task | null {
    if (cpu.current !== null) return cpu.current;
    if (this.runqueue.length === 0) return null;
    // Only the tasks this CPU may run: all of them (and the same draw as ever) until a task
    // was restricted by sched_setaffinity.
    let t: Task;
    if (this.restricted) {
      const cand = [...this.runqueue].filter((x) => this.allowed(x, cpu));
      if (cand.length === 0) return null;
      t = cand[cand.length === 1 ? 0 : this.prng.below(cand.length)];
      this.runqueue.delete(t);
    } else {
      const n = this.runqueue.length;
      t = this.runqueue.takeAt(n === 1 ? 0 : this.prng.below(n));
    }
    cpu.current = t;
    this.onCpu.set(t, cpu);
    cpu.clock = Math.max(cpu.clock, t.readyAt);
    const q = this.opts.quantum;
    cpu.quantumLeft = Math.max(1, Math.floor(q / 2) + this.prng.below(q));
    this.contextSwitches++;
    this.trace.add(cpu.id);
    this.trace.add(t.id);
    this.trace.add(cpu.clock);
    return t;
  }

  /** End the task's turn on its CPU; a still-runnable task goes back to the run queue. */
  preempt(cpu: Cpu): void {
    const t = cpu.current;
    if (t === null) return;
    cpu.current = null;
    this.onCpu.delete(t);
    if (t.state === "running") this.enqueue(t, cpu.clock);
  }

  /** The latest clock of any CPU: "now" for events that happen outside any task. */
  maxClock(): number {
    return Math.max(...this.cpus.map((c) => c.clock));
  }

  /** Move every CPU's clock forward to at least `t` (a restart onto a machine whose clock is behind). */
  advanceAll(t: number): void {
    for (const c of this.cpus) if (c.clock < t) c.clock = t;
  }

  /** Move idle CPUs forward to `t` (nothing ran on them meanwhile). */
  advanceIdle(t: number): void {
    for (const c of this.cpus) if (c.current === null && c.clock < t) c.clock = t;
  }
}
