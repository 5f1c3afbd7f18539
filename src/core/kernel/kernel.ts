// The emulated kernel: tasks, the syscall entry path, traps, and virtual time.
//
// Virtual time: one guest instruction is one cycle of a 1 GHz nominal clock, and kernel work
// charges cycles from COSTS. `clock` is the machine's time in cycles; it only moves forward, and
// nothing reads the host clock, so the same seed and input give the same run.
import { Hart } from "../cpu/hart.ts";
import {
  TRAP_BUDGET, TRAP_EBREAK, TRAP_ECALL, TRAP_FETCH_FAULT, TRAP_ILLEGAL, TRAP_LOAD_FAULT, TRAP_MISALIGNED,
  TRAP_STORE_FAULT,
} from "../cpu/hart-mem.ts";
import { FrameAllocator } from "../mm/frame.ts";
import { FAULT_OOM, SEGV_ACCERR } from "../mm/mm.ts";
import { Console } from "./console.ts";
import { ENOSYS, errnoName } from "./errno.ts";
import { loadProgram } from "./exec.ts";
import { Prng } from "./prng.ts";
import { SIGBUS, SIGILL, SIGKILL, SIGSEGV, SIGTRAP, signalName } from "./signal-names.ts";
import { formatSyscall } from "./strace.ts";
import { SYSCALLS } from "./syscalls/table.ts";
import { Task, type ExitStatus } from "./task.ts";

/** Cycle costs of kernel work (the cost model). */
export const COSTS = {
  syscall: 100,
  trap: 200,
};

/** Nanoseconds per virtual cycle (1 GHz nominal). */
const NS_PER_CYCLE = 1;
/** CLOCK_REALTIME at boot: 2025-01-01T00:00:00Z, fixed so that runs are reproducible. */
const BOOT_REALTIME_NS = 1_735_689_600 * 1e9;
/** CLOCK_MONOTONIC at boot, so it never reads zero (Linux's starts at boot uptime). */
const BOOT_MONOTONIC_NS = 1e9;

/** Something the kernel reports beyond the guest's own output. */
export interface KernelEvent {
  kind: "fatal-signal" | "instruction-limit" | "oops";
  pid: number;
  message: string;
}

export interface KernelOptions {
  seed: number;
  /** Page frames the machine may allocate (its memory size). */
  memoryPages: number;
  console: Console;
  /** Receives one formatted line per syscall when set. */
  strace?: (line: string) => void;
}

export class Kernel {
  readonly frames: FrameAllocator;
  readonly prng: Prng;
  readonly console: Console;
  readonly tasks = new Map<number, Task>();
  readonly events: KernelEvent[] = [];
  /** Machine time in virtual cycles. */
  clock = 0;
  readonly stats = { syscalls: 0, enosys: new Map<number, number>(), contextSwitches: 0 };
  private nextPid = 1;
  private readonly strace?: (line: string) => void;

  constructor(opts: KernelOptions) {
    this.frames = new FrameAllocator(opts.memoryPages);
    this.prng = new Prng(opts.seed);
    this.console = opts.console;
    this.strace = opts.strace;
  }

  cyclesToNs(c: number): number {
    return c * NS_PER_CYCLE;
  }

  monotonicNs(): number {
    return BOOT_MONOTONIC_NS + this.cyclesToNs(this.clock);
  }

  realtimeNs(): number {
    return BOOT_REALTIME_NS + this.cyclesToNs(this.clock);
  }

  /** Create the first task from an ELF image. Throws ElfError/ExecError on bad input. */
  spawn(elf: Uint8Array, argv: string[], envp: string[], execfn = argv[0] ?? "a.out"): Task {
    const prog = loadProgram(this.frames, elf, argv, envp, execfn, this.prng);
    const hart = new Hart(prog.mm);
    hart.pc = prog.entry;
    hart.x[2] = prog.sp;
    const pid = this.nextPid++;
    const comm = (execfn.split("/").pop() ?? execfn).slice(0, 15);
    const task = new Task(pid, pid, 0, comm, hart);
    this.tasks.set(pid, task);
    return task;
  }

  /** The first task that can run (the scheduler proper comes with multiple tasks). */
  private pickNext(): Task | undefined {
    for (const t of this.tasks.values()) if (t.state === "running") return t;
    return undefined;
  }

  /**
   * Run until every task has exited or `limit` instructions have executed in all. Returns the
   * number of instructions executed.
   *
   * A slice is at most `quantum` instructions. Besides bounding a task's turn, short slices let
   * V8 switch to the optimised Hart.run() soon after it is ready: a call already running stays
   * in the code it started in until on-stack replacement, which costs a second compile.
   */
  run(limit = Infinity, quantum = 1 << 16): number {
    let executed = 0;
    for (;;) {
      const t = this.pickNext();
      if (t === undefined) return executed;
      if (executed >= limit) {
        this.events.push({ kind: "instruction-limit", pid: t.pid, message: `instruction limit of ${limit} reached: killed pid ${t.pid} (${t.comm})` });
        for (const task of this.tasks.values()) this.exitTask(task, { signal: SIGKILL });
        return executed;
      }
      const hart = t.hart;
      const before = hart.instret;
      hart.cycles = this.clock;
      const cause = hart.run(Math.min(quantum, limit - executed));
      executed += hart.instret - before;
      this.clock = hart.cycles;
      if (cause !== TRAP_BUDGET) this.trap(t, cause);
    }
  }

  private charge(t: Task, cycles: number): void {
    this.clock += cycles;
    t.cpuCycles += cycles;
  }

  /** Handle a trap out of user mode. */
  private trap(t: Task, cause: number): void {
    if (cause === TRAP_ECALL) {
      this.syscall(t);
      return;
    }
    this.charge(t, COSTS.trap);
    const h = t.hart;
    const pc = `pc 0x${h.pc.toString(16).padStart(8, "0")}`;
    switch (cause) {
      case TRAP_ILLEGAL:
        this.fatalSignal(t, SIGILL, `illegal instruction 0x${(h.trapInst >>> 0).toString(16)} at ${pc}`);
        return;
      case TRAP_EBREAK:
        this.fatalSignal(t, SIGTRAP, `breakpoint (ebreak) at ${pc}`);
        return;
      case TRAP_FETCH_FAULT: case TRAP_LOAD_FAULT: case TRAP_STORE_FAULT: case TRAP_MISALIGNED: {
        const f = h.lastFault!;
        const what = ["", "", "", "instruction fetch", "load", "store"][cause] ?? "atomic";
        const addr = `0x${f.addr.toString(16).padStart(8, "0")}`;
        if (cause === TRAP_MISALIGNED) this.fatalSignal(t, SIGBUS, `misaligned atomic access at ${addr} (BUS_ADRALN), ${pc}`);
        else if (f.code === FAULT_OOM) this.fatalSignal(t, SIGKILL, `out of memory on ${what} at ${addr}: the machine's memory limit is reached`);
        else this.fatalSignal(t, SIGSEGV, `${what} fault at ${addr} (${f.code === SEGV_ACCERR ? "SEGV_ACCERR" : "SEGV_MAPERR"}), ${pc}`);
        return;
      }
      default:
        this.fatalSignal(t, SIGKILL, `unknown trap ${cause} at ${pc}`);
    }
  }

  /**
   * A synchronous signal with no handler: the task dies. Signal delivery to handlers comes with
   * the signals issue; until then every such signal is fatal.
   */
  fatalSignal(t: Task, sig: number, detail: string): void {
    this.events.push({ kind: "fatal-signal", pid: t.pid, message: `pid ${t.pid} (${t.comm}) killed by ${signalName(sig)}: ${detail}` });
    const core = [SIGILL, SIGTRAP, SIGBUS, SIGSEGV, 3, 6, 8].includes(sig);
    this.exitTask(t, { signal: sig, core });
  }

  exitTask(t: Task, status: ExitStatus): void {
    if (t.state !== "running") return;
    t.state = "zombie";
    t.exit = status;
    t.mm.destroy();
  }

  private syscall(t: Task): void {
    const h = t.hart;
    const x = h.x;
    const nr = x[17];
    const entry = SYSCALLS[nr];
    this.stats.syscalls++;
    this.charge(t, COSTS.syscall);
    const args = [x[10], x[11], x[12], x[13], x[14], x[15]];
    let ret: number;
    if (entry === undefined) {
      this.stats.enosys.set(nr, (this.stats.enosys.get(nr) ?? 0) + 1);
      ret = -ENOSYS;
    } else {
      ret = entry.fn(this, t, args[0], args[1], args[2], args[3], args[4], args[5]);
    }
    if (this.strace) this.strace(formatSyscall(t, nr, entry, args, ret, errnoName));
    if (t.state !== "running") return;
    x[10] = ret;
    h.pc = (h.pc + 4) >>> 0;
  }
}
