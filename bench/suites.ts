// The benchmark definitions. Each returns its median figure and the individual runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram } from "../src/machine/machine.ts";
import { CR_BENCHMARKS } from "./suites-cr.ts";

export interface BenchResult {
  value: number;
  unit: string;
  runs: number[];
  [detail: string]: unknown;
}

export interface Benchmark {
  name: string;
  run: () => BenchResult;
}

const WORKLOADS = join(import.meta.dirname, "..", "workloads", "bin");
const GUEST = join(import.meta.dirname, "guest");
const elf = (name: string): Uint8Array => readFileSync(join(WORKLOADS, `${name}.elf`));
const benchElf = (name: string): Uint8Array => readFileSync(join(GUEST, `${name}.elf`));

/**
 * Run a bench guest program `reps` times and report `count` events per wall-clock second of the
 * machine's run (boot and load excluded), median of the repetitions.
 */
function rate(name: string, args: string[], count: (r: ReturnType<typeof runProgram>) => number, unit: string, reps = 5, cpus = 1): BenchResult {
  const image = benchElf(name);
  const runs: number[] = [];
  let last: ReturnType<typeof runProgram> | undefined;
  for (let i = 0; i < reps; i++) {
    const r = runProgram(image, { argv: [name, ...args], capture: false, cpus });
    if (r.exitCode !== 0 || r.oopses !== 0) throw new Error(`${name} exited with ${r.exitCode}, ${r.oopses} oopses`);
    runs.push(Math.round(count(r) / (r.wallMs / 1000)));
    last = r;
  }
  return { value: median(runs), unit, runs, events: count(last!), virtualNs: last!.virtualNs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Guest MIPS of one workload: instructions / wall time of the run, median of `reps`. */
function mips(name: string, args: string[], reps: number): BenchResult {
  const image = elf(name);
  const runs: number[] = [];
  let instructions = 0;
  for (let i = 0; i < reps; i++) {
    const r = runProgram(image, { argv: [name, ...args], capture: false });
    if (r.exitCode !== 0) throw new Error(`${name} exited with ${r.exitCode}`);
    instructions = r.instructions;
    runs.push(Math.round(r.mips * 10) / 10);
  }
  return { value: median(runs), unit: "MIPS", runs, instructions };
}

export const BENCHMARKS: Benchmark[] = [
  // Issue "tasks, memory, signals": the kernel's own costs, in events per wall-clock second.
  { name: "kernel.fork-exit-wait-per-sec", run: () => rate("forkbench", ["2000"], (r) => r.tasksCreated - 1, "forks/s") },
  { name: "kernel.cow-faults-per-sec", run: () => rate("cowbench", ["1024", "20"], () => 1024 * 20, "faults/s") },
  { name: "kernel.context-switches-per-sec", run: () => rate("ctxbench", ["20000"], (r) => r.contextSwitches, "switches/s") },
  // Issue "VFS, pipes, procfs...": file system costs.
  {
    name: "fs.pipe-throughput",
    run: () => rate("fsbench", ["pipe", "64"], () => 64, "MiB/s"),
  },
  // Issue "Real programs": one epoll_wait sleep and callback wake-up per ping of a pipe ping-pong.
  { name: "fs.epoll-wakeups-per-sec", run: () => rate("epollbench", ["20000"], () => 20_000, "wake-ups/s") },
  // Issue 15 ("Real programs"): the same traffic over an AF_UNIX stream socketpair.
  {
    name: "net.unix-stream-throughput",
    run: () => rate("unixbench", ["64"], () => 64, "MiB/s"),
  },
  { name: "fs.open-close-per-sec", run: () => rate("fsbench", ["open", "50000"], () => 50_000, "open+close/s") },
  { name: "fs.stat-per-sec", run: () => rate("fsbench", ["stat", "50000"], () => 50_000, "statx/s") },
  // Issue 15 ("Real programs"): a record lock taken and released (two fcntl64 F_SETLK64 calls).
  { name: "fs.lock-unlock-per-sec", run: () => rate("fsbench", ["lock", "50000"], () => 50_000, "lock+unlock/s") },
  {
    name: "kernel.mips-4-threads-2-cpus",
    run: () => {
      const r = rate("threadbench", ["5000000"], (x) => x.instructions, "instructions/s", 3, 2);
      return { ...r, value: Math.round(r.value / 1e5) / 10, unit: "MIPS", runs: r.runs.map((v) => Math.round(v / 1e5) / 10) };
    },
  },
  // Target (issue "Guest machine"): at least 100 M guest instructions per second on an integer workload.
  { name: "hart.int-mips", run: () => mips("intbench", ["400"], 5) },
  { name: "hart.fp-mips", run: () => mips("nbody-double", [], 5) },
  {
    name: "exec.spawn-per-sec",
    run: () => {
      // Boot a machine, load a small ELF, run it to exit: how many per second.
      const image = elf("args-env");
      const runs: number[] = [];
      for (let rep = 0; rep < 5; rep++) {
        const n = 200;
        const t0 = performance.now();
        for (let i = 0; i < n; i++) runProgram(image, { argv: ["args-env"], capture: false });
        runs.push(Math.round((n / (performance.now() - t0)) * 1000));
      }
      return { value: median(runs), unit: "runs/s", runs };
    },
  },
  // Issue "benchmarks for C/R": throughput, cost per task, peak memory (bench/suites-cr.ts).
  ...CR_BENCHMARKS,
];
