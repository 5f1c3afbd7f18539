// A Machine: one kernel with its console, memory and seed — what one run (or one matrix cell)
// boots. runProgram() is the whole of `cptbench exec` minus the command line.
import { performance } from "node:perf_hooks";
import { Console, type ConsoleOptions } from "./kernel/console.ts";
import { Kernel, type KernelEvent } from "./kernel/kernel.ts";
import type { ModuleDef } from "./kernel/module.ts";
import { shellStatus, type ExitStatus } from "./kernel/task.ts";
import { PAGE_SIZE } from "./mm/frame.ts";

export interface MachineOptions extends ConsoleOptions {
  seed?: number;
  /** Guest memory in MiB (default 1024). */
  memoryMiB?: number;
  strace?: (line: string) => void;
  /** Virtual CPUs (default 1). */
  cpus?: number;
  /** Mean scheduling quantum in instructions (default 100,000). */
  quantum?: number;
}

export interface RunOptions extends MachineOptions {
  argv: string[];
  env?: string[];
  /**
   * Files (ELF images the program may execve, data) put into tmpfs at these absolute paths, mode
   * 0755, parent directories made as needed. Paths under /proc go to Kernel.programs instead.
   */
  files?: Record<string, Uint8Array>;
  /** Run the program as pid 1, the root namespace's init (as under `unshare -p -f`). */
  asInit?: boolean;
  /** Kernel modules the program may load (init_module/finit_module), by their names. */
  modules?: ModuleDef[];
  /** Stop (killing the program with SIGKILL) after this many instructions. */
  maxInstructions?: number;
}

export interface RunResult {
  /** Shell-style status: the exit code, or 128 + the fatal signal. */
  exitCode: number;
  exit: ExitStatus;
  stdout: Uint8Array;
  stderr: Uint8Array;
  instructions: number;
  syscalls: number;
  /** Syscalls answered ENOSYS, by number. */
  enosys: Record<number, number>;
  /** Virtual time at exit, in ns. */
  virtualNs: number;
  wallMs: number;
  /** Millions of guest instructions per wall-clock second. */
  mips: number;
  peakPages: number;
  events: KernelEvent[];
  /** Kernel bugs found (refcount underflow, use after free, leaks): the machine is tainted. */
  oopses: number;
  /** Hash over every scheduling decision: equal for equal seeds and inputs. */
  traceHash: string;
  contextSwitches: number;
  tasksCreated: number;
}

export class Machine {
  readonly kernel: Kernel;
  readonly console: Console;

  constructor(opts: MachineOptions = {}) {
    this.console = new Console(opts);
    this.kernel = new Kernel({
      seed: opts.seed ?? 1,
      memoryPages: Math.floor(((opts.memoryMiB ?? 1024) * 1024 * 1024) / PAGE_SIZE),
      console: this.console,
      strace: opts.strace,
      cpus: opts.cpus,
      quantum: opts.quantum,
    });
  }
}

/** Boot a machine, run one program to its end, and report. Throws ElfError/ExecError on a bad program. */
export function runProgram(elf: Uint8Array, opts: RunOptions): RunResult {
  const m = new Machine(opts);
  for (const mod of opts.modules ?? []) m.kernel.modules.catalogue.set(mod.name, mod);
  const vfs = m.kernel.vfs;
  for (const [path, bytes] of Object.entries(opts.files ?? {})) {
    // A path on another mount (tests name "/proc/self/exe", which has no exe_file behind it
    // yet) goes to the kernel's fallback table instead.
    if (vfs.installFile(path, bytes, 0o755) === null) m.kernel.programs.set(path, bytes);
  }
  const task = m.kernel.spawn(elf, opts.argv, opts.env ?? [], opts.argv[0] ?? "a.out", opts.asInit ?? false);
  const t0 = performance.now();
  const instructions = m.kernel.run(opts.maxInstructions ?? Infinity);
  const wallMs = performance.now() - t0;
  m.kernel.shutdown();
  const exit = task.exit ?? { signal: 9 };
  return {
    exitCode: shellStatus(exit),
    exit,
    stdout: m.console.stdout,
    stderr: m.console.stderr,
    instructions,
    syscalls: m.kernel.stats.syscalls,
    enosys: Object.fromEntries(m.kernel.stats.enosys),
    virtualNs: m.kernel.cyclesToNs(m.kernel.sched.maxClock()),
    wallMs,
    mips: wallMs > 0 ? instructions / wallMs / 1000 : 0,
    peakPages: m.kernel.frames.peak,
    events: m.kernel.events,
    oopses: m.kernel.oopses.count,
    traceHash: m.kernel.sched.trace.hex(),
    contextSwitches: m.kernel.sched.contextSwitches,
    tasksCreated: m.kernel.stats.tasksCreated,
  };
}
