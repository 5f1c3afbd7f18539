// The emulated kernel: the task table, traps, sleeping and waking, and the main loop that steps
// the scheduler's CPUs (the syscall path is syscalls/dispatch.ts, the option and event types
// kernel-types.ts). It stays one file past 500 lines because the run loop, the split-slice
// resumption and sleep/wake share the scheduler state they keep private; splitting them would
// make that state public for every caller.
//
// Virtual time: one guest instruction is one cycle of a 1 GHz nominal clock, and kernel work
// charges cycles from COSTS. Each virtual CPU has its own clock; `clock` is the clock of the CPU
// the kernel is acting on (or the latest of them, outside any task). Nothing reads the host
// clock, so the same seed and input give the same run.
//
// Blocking follows Linux's -ERESTARTSYS model: a syscall that must wait puts the task to sleep
// and returns a restart code; the pc stays on the ecall and the registers are untouched, so
// when the task is woken it re-executes the call. Signal delivery decides, from the restart
// code and SA_RESTART, whether an interrupted call restarts or returns -EINTR (signal.ts).
import { Hart } from "../cpu/hart.ts";
import { TRAP_BUDGET, TRAP_ECALL } from "../cpu/hart-mem.ts";
import type { CrTrace } from "../../core/cr/trace.ts";
import { initTaskFiles } from "../fs/task-files.ts";
import { Vfs } from "../fs/vfs.ts";
import { FrameAllocator } from "../mm/frame.ts";
import { collectAfterMachine } from "../mm/host-gc.ts";
import type { Mm } from "../mm/mm.ts";
import { Console } from "./console.ts";
import { Cred } from "./cred.ts";
import { COSTS } from "./costs.ts";
import { ERESTARTNOINTR, ERESTARTSYS } from "./errno.ts";
import { loadProgram } from "./exec.ts";
import { doExit, doGroupExit, releaseTask } from "./exit.ts";
import { Futexes } from "./futex.ts";
import { Freezer } from "./freezer.ts";
import { KObjectRegistry } from "./kref.ts";
import { kthreadRun, type KthreadYield } from "./kthread.ts";
import { Modules } from "./module.ts";
import { formatOops, Oopses } from "./oops.ts";
import { allocPid, PidNamespace, type Pid } from "./pid.ts";
import { Prng } from "./prng.ts";
import { Scheduler, type Cpu } from "./sched.ts";
import { doSignal, handleTrap, sendSignal, signalDeliverable } from "./signal.ts";
import { checkCpuRlimit, cpuRlimitLeft } from "./cpu-rlimit.ts";
import { SIGKILL } from "./signal-names.ts";
import { Nsproxy, SigHand, Task, ThreadGroup, type ExitStatus } from "./task.ts";
import { TimerQueue } from "./timers.ts";
import { leaveWaitQueues, WaitQueue } from "./wait-queue.ts";
import { unixGc } from "../net/gc.ts";
import { doSyscall } from "./syscalls/dispatch.ts";
import type { CptOperations, KernelEvent, KernelOptions } from "./kernel-types.ts";

export type { CptOperations, KernelEvent, KernelOptions } from "./kernel-types.ts";

/** Nanoseconds per virtual cycle (1 GHz nominal). */
const NS_PER_CYCLE = 1;
/** CLOCK_REALTIME at boot: 2025-01-01T00:00:00Z, fixed so that runs are reproducible. */
const BOOT_REALTIME_NS = 1_735_689_600 * 1e9;
/** CLOCK_MONOTONIC at boot, so it never reads zero (Linux's starts at boot uptime). */
const BOOT_MONOTONIC_NS = 1e9;

export class Kernel {
  readonly frames: FrameAllocator;
  readonly prng: Prng;
  readonly console: Console;
  readonly sched: Scheduler;
  readonly timers = new TimerQueue();
  readonly futexes = new Futexes();
  readonly oopses: Oopses;
  /** Every reference-counted kernel object of this machine (kref.ts). */
  readonly kobj: KObjectRegistry;
  readonly initNs: PidNamespace;
  readonly freezer: Freezer;
  readonly modules: Modules;
  /** Registered by a loaded C/R module; sys_checkpoint/sys_restart dispatch to it. */
  cptOps: CptOperations | null = null;
  /** What each checkpoint and restart did: made by the first of them (core/cr/trace.ts, crTrace). */
  crTrace: CrTrace | null = null;
  /**
   * Called by cpt_mark(label) (syscall 802): the scenario runner's checkpoint points. true = hold
   * t there; { checkpoint: flags } = the call returns 1 + flags, asking a self-checkpointing
   * program to checkpoint itself with those flags.
   */
  onCptMark: ((t: Task, label: string) => boolean | { checkpoint: number } | void) | null = null;
  /**
   * Asked by a paused run() when nothing is runnable, before it idles to the next timer: true
   * makes run() return instead. A scenario holding a task at a cpt_mark sets it so that, once
   * the checkpoint is over, it releases the task before virtual time jumps (in a run without the
   * hold the marked task would be running then, and a far timer — an hour-long alarm — would not
   * fire yet).
   */
  idleStop: (() => boolean) | null = null;
  /** Tasks held at a cpt_mark, asleep on cptMarkWait until releaseCptMarks(). */
  readonly cptMarkHeld = new Set<Task>();
  readonly cptMarkWait = new WaitQueue();
  /** Every task not yet reaped, by global id. */
  readonly tasks = new Map<number, Task>();
  /**
   * ELF images execve runs when the VFS walk finds nothing (ENOENT) at exactly this path: only
   * for paths that cannot be tmpfs files, such as /proc/self/exe (no exe_file link yet).
   * Everything else is a real file in tmpfs (runProgram's `files`).
   */
  readonly programs = new Map<string, Uint8Array>();
  readonly events: KernelEvent[] = [];
  /** The clock of the CPU the kernel is acting on, in cycles. */
  clock = 0;
  /** The CPU currently executing (its task is the one in a syscall). */
  cpu: Cpu | null = null;
  readonly stats = { syscalls: 0, enosys: new Map<number, number>(), tasksCreated: 0, tasksExited: 0 };
  /** Whether a core-dumping signal reports a dumped core (RLIMIT_CORE > 0). Default off, as Linux's default soft limit. */
  coreDumps = false;
  /** getrandom's generator, seeded from `prng` at the first call (syscalls/sys-resource.ts). */
  entropy: Prng | null = null;
  /** Why a task is dying of a signal, for the event reported when it is gone. */
  readonly lastFatal = new Map<Task, string>();
  private nextNsId = 1;
  /** The last audit session id handed out by a write to /proc/<pid>/loginuid (session_id). */
  lastAuditSession = 0;
  /** One formatted line per syscall goes here when set (KernelOptions.strace). */
  readonly strace?: (line: string) => void;
  private vfsTree: Vfs | null = null;

  constructor(opts: KernelOptions) {
    this.frames = new FrameAllocator(opts.memoryPages);
    this.prng = new Prng(opts.seed);
    this.console = opts.console;
    this.strace = opts.strace;
    this.sched = new Scheduler(this.prng, { cpus: opts.cpus ?? 1, quantum: opts.quantum ?? 100_000 });
    this.oopses = new Oopses({
      now: () => this.clock,
      onOops: (e) => this.events.push({ kind: "oops", pid: 0, message: formatOops(e) }),
    });
    this.kobj = new KObjectRegistry(this.oopses);
    this.initNs = new PidNamespace(this.kobj, null, 0, "boot (init_pid_ns)");
    this.freezer = new Freezer(this);
    this.modules = new Modules(this);
  }

  /** The file-system tree, made on first use (the first spawn, or the host installing files). */
  get vfs(): Vfs {
    return (this.vfsTree ??= new Vfs(this));
  }

  cyclesToNs(c: number): number {
    return c * NS_PER_CYCLE;
  }

  nsToCycles(ns: number): number {
    return Math.ceil(ns / NS_PER_CYCLE);
  }

  monotonicNs(): number {
    return BOOT_MONOTONIC_NS + this.cyclesToNs(this.clock);
  }

  realtimeNs(): number {
    return BOOT_REALTIME_NS + this.cyclesToNs(this.clock);
  }

  /** A new pid namespace below parent; the caller owns its one reference. */
  newPidNamespace(parent: PidNamespace, createdAt: string): PidNamespace {
    return new PidNamespace(this.kobj, parent, this.nextNsId++, createdAt);
  }

  /** A task by its number in ns, if alive or a zombie there. */
  findTask(ns: PidNamespace, nr: number): Task | undefined {
    const t = ns.pids.get(nr)?.task ?? undefined;
    return t ?? undefined;
  }

  /**
   * Boot the root namespace's init (pid 1): a kernel thread that reaps whatever it inherits,
   * as a real init's wait loop does. The program then runs as an ordinary process below it, the
   * way qemu-riscv32's guest runs below a shell: not pid 1, so not unkillable (SIGNAL_UNKILLABLE),
   * with a parent, and not a session or process group leader.
   */
  private bootInit(): Task {
    const init = kthreadRun(this, function* (k, self) {
      for (;;) {
        for (const c of [...self.children]) {
          if (c.state === "zombie" && c.isLeader && c.group.threads.size === 0) releaseTask(k, c);
        }
        yield { sleep: self.group.childWait };
      }
    }, "init") as Task;
    this.initNs.reaper = init;
    return init;
  }

  /**
   * Create the program's first task from an ELF image: pid 2, a child of init; or, with
   * `asInit`, pid 1 itself — the init of the root namespace, like a program started with
   * `unshare -p -f` (unkillable by its own default signals, its orphans' reaper).
   */
  spawn(elf: Uint8Array, argv: string[], envp: string[], execfn = argv[0] ?? "a.out", asInit = false): Task {
    const init = asInit ? null : (this.initNs.reaper ?? this.bootInit());
    const prog = loadProgram(this.frames, this.kobj, elf, argv, envp, execfn, this.prng);
    const hart = new Hart(prog.mm);
    hart.pc = prog.entry;
    hart.x[2] = prog.sp;
    const pid = allocPid(this.initNs) as Pid;
    const comm = (execfn.split("/").pop() ?? execfn).slice(0, 15);
    const r = this.kobj;
    const why = `exec of ${execfn} at boot`;
    const group = new ThreadGroup(r, null as unknown as Task, init?.group.pgrp ?? pid, init?.group.session ?? pid, why);
    const sighand = new SigHand(r, why);
    const cred = Cred.root(r);
    const nsproxy = new Nsproxy(r, this.initNs, why);
    const task = new Task(r, pid, group, sighand, cred, nsproxy, comm, hart, why);
    for (const o of [pid, group, sighand, cred, nsproxy]) r.put(o); // the task holds them now
    group.leader = task;
    group.threads.add(task);
    pid.task = task;
    task.parent = init;
    if (init !== null) init.children.add(task);
    else this.initNs.reaper = task;
    initTaskFiles(this, task); // the task owns the mm's first reference (through its hart)
    this.registerTask(task);
    return task;
  }

  /** Add a new task to the table and make it runnable. */
  registerTask(t: Task): void {
    this.tasks.set(t.id, t);
    this.stats.tasksCreated++;
    this.sched.enqueue(t, this.clock);
  }

  /**
   * Run until every task has exited, all are asleep with nothing to wake them, or `limit`
   * instructions have executed in all. Returns the number of instructions executed.
   * At the limit, or with nothing left to run, the machine's tasks are killed (the run is over)
   * unless `pause` is set: then run() just returns, and the caller may change things (freeze,
   * thaw, signal, load a module) and call run() again. A pause at the limit ends the running
   * task's turn, unless `seamless` is set: then the next run() goes on exactly where this one
   * stopped, and a machine watched in slices schedules as one run in one go (the reference run).
   */
  run(limit = Infinity, pause = false, seamless = false): number {
    let executed = 0;
    this.seamless = seamless;
    for (;;) {
      // A seamless run that stopped at its limit in the middle of a task's stretch of user code
      // goes on with that stretch first, as if it had never stopped: no other CPU, timer or
      // signal gets a look-in that an uninterrupted run would not give it (so a watcher pausing
      // every N instructions leaves the schedule, and traceHash, as `exec` has them).
      const split = this.takeSplit();
      if (split !== null) {
        if (executed >= limit) {
          this.split = split;
          if (pause) return executed;
          return this.limitReached(split.current!, limit, executed);
        }
        executed += this.runUser(split, split.current!, limit - executed, true);
        continue;
      }
      // A seamless pause after a CPU was picked and filled goes on with that CPU: picking again
      // could choose another one, since filling moved this CPU's clock (to when its task became
      // ready) and fired the timers due then (which may have queued a task for an idle CPU).
      const resumed = this.takeResume();
      const cpu = resumed ?? this.sched.nextCpu();
      if (cpu === null) {
        // The caller may want to act before the clock jumps (see idleStop).
        if (pause && this.idleStop?.() === true) return executed;
        // Nothing runnable: jump to the next timer, or stop.
        const next = this.timers.nextDeadline();
        if (next === undefined) {
          if (!pause) this.reportDeadlock();
          return executed;
        }
        this.sched.advanceIdle(next);
        this.clock = next;
        this.timers.fire(this, next);
        continue;
      }
      this.cpu = cpu;
      // Resumed, the kernel clock stays as the pause left it: the CPU's clock from before fill(),
      // which may have moved the CPU's clock on to when its task became ready; the uninterrupted
      // run charges what the task does next from that older time, so the resumed one must too.
      if (resumed === null) {
        this.clock = cpu.clock;
        this.timers.fire(this, cpu.clock);
      }
      const t = this.sched.fill(cpu);
      if (t === null) continue;
      if (executed >= limit) {
        // Seamless: the next run() starts with this CPU and task (takeResume), leaving the task
        // on its CPU with its quantum. Otherwise the pause ends the task's turn, as callers
        // stepping a race expect.
        if (pause) {
          if (seamless) this.resume = cpu;
          else this.sched.preempt(cpu);
          return executed;
        }
        return this.limitReached(t, limit, executed);
      }
      if (this.freezer.shouldFreeze(t)) {
        this.freezer.refrigerate(t);
        continue;
      }
      if (t.kthread !== null) {
        this.stepKthread(cpu, t);
        executed++; // a kthread step counts as one unit against the budget
        continue;
      }
      if (t.restartCode !== 0) {
        // Woken inside a syscall: like a kernel wait loop, it re-checks its condition before it
        // looks at signals, so a wake-up that satisfied it wins over a signal that came with it.
        doSyscall(this, t);
        if (t.state !== "running" || cpu.current !== t) {
          this.sched.preempt(cpu);
          continue;
        }
      }
      // Kernel time (the syscall just made, setrlimit itself) may have used up RLIMIT_CPU.
      if (t.group.rlimits !== null) checkCpuRlimit(this, t);
      if (t.sigPending || t.restartCode !== 0) doSignal(this, t);
      if (t.state !== "running" || cpu.current !== t) {
        this.sched.preempt(cpu);
        continue;
      }
      executed += this.runUser(cpu, t, limit - executed);
    }
  }

  /** run(..., seamless): a pause leaves no trace in the schedule (see run). */
  private seamless = false;
  /** The CPU whose stretch of user code the last seamless run() cut at its limit (see run). */
  private split: Cpu | null = null;
  /** Instructions of the cut stretch run so far (the CPU-time timers are charged at its end). */
  private splitRan = 0;

  /** The CPU a seamless run() paused on after picking and filling it, before its task ran. */
  private resume: Cpu | null = null;

  /** The CPU to go on with after a seamless pause, if it still has a task (else null: pick one). */
  private takeResume(): Cpu | null {
    const cpu = this.resume;
    this.resume = null;
    return cpu !== null && cpu.current !== null ? cpu : null;
  }

  /** The cut CPU, if its task is still there to go on with, unchanged (else null: start afresh). */
  private takeSplit(): Cpu | null {
    const cpu = this.split;
    this.split = null;
    if (cpu === null) return null;
    const t = cpu.current;
    // Whoever paused the run may have changed things (a signal, a freeze, a kill): then the
    // loop's usual checks must see the task before it runs again.
    if (t === null || t.state !== "running" || t.sigPending || t.restartCode !== 0 || t.kthread !== null || this.freezer.shouldFreeze(t)) {
      this.splitRan = 0;
      return null;
    }
    this.cpu = cpu;
    this.clock = cpu.clock;
    return cpu;
  }

  private limitReached(t: Task, limit: number, executed: number): number {
    this.events.push({ kind: "instruction-limit", pid: t.id, message: `instruction limit of ${limit} reached: killed pid ${t.id} (${t.comm})` });
    this.killAll();
    return executed;
  }

  /** Run t's user code on cpu for the rest of its quantum, at most `budget` instructions; returns how many ran. */
  private runUser(cpu: Cpu, t: Task, budget: number, resume = false): number {
    const hart = t.hart;
    const before = hart.instret;
    hart.cycles = cpu.clock;
    // A stretch ends where the process's CPU time reaches RLIMIT_CPU: that instruction, however
    // the run is cut into pauses, so the signal lands where an uninterrupted run has it.
    const g = t.group;
    const room = Math.min(cpu.quantumLeft, budget);
    const cap = g.rlimits === null ? Infinity : cpuRlimitLeft(g);
    const cause = hart.run(Math.min(room, cap), resume);
    const ran = hart.instret - before;
    const capped = cause === TRAP_BUDGET && cap < room && ran === cap;
    cpu.quantumLeft -= ran;
    cpu.clock = hart.cycles;
    this.clock = cpu.clock;
    if (cause === TRAP_BUDGET && cpu.quantumLeft > 0 && this.seamless && !capped) {
      // Cut by the run's limit, not the quantum: the stretch goes on at the next run(), and the
      // CPU-time timers see it whole then, as they would have without the cut.
      this.split = cpu;
      this.splitRan += ran;
      return ran;
    }
    const stretch = this.splitRan + ran;
    this.splitRan = 0;
    if (g.itimerVirt.left > 0) this.tickCpuTimer(t, g.itimerVirt, 26 /* SIGVTALRM */, stretch);
    if (g.itimerProf.left > 0) this.tickCpuTimer(t, g.itimerProf, 27 /* SIGPROF */, stretch);
    if (g.rlimits !== null) checkCpuRlimit(this, t);
    if (cause !== TRAP_BUDGET) this.trap(t, cause);
    this.clock = Math.max(this.clock, cpu.clock);
    cpu.clock = this.clock;
    if (cpu.quantumLeft <= 0 || t.state !== "running" || cpu.current !== t) this.sched.preempt(cpu);
    return ran;
  }

  /** Run one step of a kernel thread: up to its next yield. */
  private stepKthread(cpu: Cpu, t: Task): void {
    const kt = t.kthread!;
    if (kt.owner !== null && !this.modules.checkText(kt.owner, `kthread ${t.comm} (pid ${t.id})`)) {
      doExit(this, t, { signal: SIGKILL });
    } else {
      let res: IteratorResult<KthreadYield, number>;
      try {
        res = kt.body.next();
      } catch (e) {
        this.oopses.oops("bug", `kthread ${t.comm} (pid ${t.id}) threw: ${e instanceof Error ? e.message : String(e)}`);
        res = { done: true, value: -1 };
      }
      kt.steps++;
      this.charge(t, COSTS.kthreadStep);
      cpu.quantumLeft -= COSTS.kthreadStep;
      if (res.done && kt.resumeUser === true) t.kthread = null; // ret-from-resume: user mode from now on
      else if (res.done) doExit(this, t, { code: res.value & 0xff });
      else if (res.value) this.sleep(t, res.value.sleep, res.value.deadline ?? 0);
    }
    cpu.clock = Math.max(cpu.clock, this.clock);
    if (cpu.quantumLeft <= 0 || t.state !== "running" || cpu.current !== t) this.sched.preempt(cpu);
  }

  private reportDeadlock(): void {
    // Kernel threads asleep with nothing to do (init waiting for orphans) are no deadlock.
    const asleep = [...this.tasks.values()].filter((t) => t.kthread === null && (t.state === "sleeping" || t.state === "stopped"));
    if (asleep.length === 0) return;
    this.events.push({
      kind: "deadlock",
      pid: asleep[0].id,
      message: `every task is asleep or stopped with nothing left to wake them: ${asleep.map((t) => `pid ${t.id} (${t.comm}) ${t.state}`).join(", ")}; killed`,
    });
    this.killAll();
  }

  /**
   * Stop the machine: kill what still runs, reap what nobody will (the root init has no parent),
   * drop the kernel's own references, and report every kernel object still alive as a leak.
   */
  shutdown(): void {
    this.killAll();
    for (const t of [...this.tasks.values()]) if (t.state === "zombie") releaseTask(this, t);
    // Sockets only reachable through messages in flight among themselves are garbage now.
    unixGc(this);
    // Modules unload as at power-off; one still in use stays, and is reported as a leak.
    for (const name of [...this.modules.loaded.keys()]) this.modules.unload(name);
    this.initNs.reaper = null;
    this.kobj.put(this.initNs);
    this.kobj.shutdown();
  }

  /**
   * Power-off, after shutdown() and once the caller has read what it wanted from the machine's
   * files: the files' pages go back to the host's frame pool for the next machine to reuse, and,
   * after a big machine, the host objects that described its pages are collected (host-gc.ts).
   */
  releaseMemory(): void {
    this.vfs.releaseFileMemory();
    collectAfterMachine(this.frames.peak);
  }

  /** SIGKILL every task, and let them die (used when the machine stops). */
  killAll(): void {
    for (const t of [...this.tasks.values()]) {
      if (t.alive) doGroupExit(this, t, { signal: SIGKILL });
    }
  }

  charge(t: Task, cycles: number): void {
    this.clock += cycles;
    t.cpuCycles += cycles;
    if (t.group.itimerProf.left > 0) this.tickCpuTimer(t, t.group.itimerProf, 27 /* SIGPROF */, cycles);
  }

  /** Count CPU time against an ITIMER_VIRTUAL/ITIMER_PROF timer; on expiry signal and reload. */
  tickCpuTimer(t: Task, it: { left: number; interval: number }, sig: number, cycles: number): void {
    it.left -= cycles;
    if (it.left > 0) return;
    it.left = it.interval;
    sendSignal(this, t.group.leader, { signo: sig, code: 0x80 }, true);
  }

  private trap(t: Task, cause: number): void {
    if (cause === TRAP_ECALL) doSyscall(this, t);
    else {
      this.charge(t, COSTS.trap);
      handleTrap(this, t, cause);
    }
  }

  // --- Sleeping and waking ---------------------------------------------------------------

  /**
   * Put t to sleep (interruptibly) on wq until woken, a signal arrives, or the absolute deadline
   * (cycles) passes. Returns -ERESTARTSYS for the syscall handler to return.
   */
  sleep(t: Task, wq: WaitQueue | null, deadline = 0, restart = ERESTARTSYS): number {
    // As a wait loop does: a signal that would be delivered ends the wait before it starts
    // (only a fatal one ends an uninterruptible-but-killable vfork wait).
    if (restart === ERESTARTNOINTR ? t.group.groupExit : signalDeliverable(t)) return -restart;
    t.state = "sleeping";
    t.waitingOn = wq;
    wq?.waiters.add(t);
    t.wakeAt = deadline;
    if (deadline > 0) t.wakeTimer = this.timers.add(deadline, () => this.wake(t));
    this.sched.remove(t);
    return -restart;
  }

  /**
   * A poller's sleep (poll_schedule_timeout): on every queue in wqs at once, until any of them is
   * woken, a signal arrives or the deadline passes. Returns -restart, as sleep() does.
   */
  pollSleep(t: Task, wqs: Iterable<WaitQueue>, deadline: number, restart: number): number {
    const r = this.sleep(t, null, deadline, restart);
    if (t.state !== "sleeping") return r;
    for (const wq of wqs) {
      wq.waiters.add(t);
      t.pollWaits.push(wq);
    }
    return r;
  }

  /** sched_yield: end the caller's quantum. */
  yieldCpu(t: Task): void {
    const cpu = this.sched.onCpu.get(t);
    if (cpu !== undefined) cpu.quantumLeft = 0;
  }

  /** Make a sleeping task runnable (it will re-execute its syscall). */
  wake(t: Task): void {
    if (t.state !== "sleeping") return;
    this.futexes.dequeue(t);
    if (t.wakeTimer !== 0) this.timers.cancel(t.wakeTimer);
    t.wakeTimer = 0;
    leaveWaitQueues(t);
    t.wakeAt = 0;
    t.state = "running";
    this.sched.enqueue(t, this.clock);
  }

  /** Let every task held at a cpt_mark go on. */
  releaseCptMarks(): void {
    this.cptMarkHeld.clear();
    this.wakeAll(this.cptMarkWait);
  }

  /**
   * wake_up_all: the queue's callbacks (epoll items) newest first, as add_wait_queue puts each at
   * the head (two epoll items on one file report in that order), then its sleeping tasks in the
   * order they came.
   */
  wakeAll(wq: WaitQueue): void {
    if (wq.empty) return;
    for (const cb of [...wq.callbacks].reverse()) cb.wake();
    for (const t of [...wq.waiters]) this.wake(t);
  }

  exitTask(t: Task, status: ExitStatus): void {
    doExit(this, t, status);
  }

  /**
   * do_group_exit, for signal delivery: exit.ts sends signals (SIGCHLD, SIGHUP to an orphaned
   * group), so signal.ts reaches exit through the kernel rather than importing it back.
   */
  groupExit(t: Task, status: ExitStatus): void {
    doGroupExit(this, t, status);
  }

  /** Wake up to n waiters of the futex word at addr (private or shared). Returns how many. */
  futexWake(mm: Mm, addr: number, n: number, bitset = 0xffffffff, priv = false): number {
    const key = this.futexes.key(mm, addr, priv);
    if (key === null) return 0;
    let woken = 0;
    for (const w of this.futexes.take(key, n, bitset)) {
      if (w.task.restart !== null) w.task.restart.woken = true;
      this.wake(w.task);
      woken++;
    }
    return woken;
  }
}
