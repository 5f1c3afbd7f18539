// The benchmark definitions. Each returns its median figure and the individual runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram } from "../src/core/machine.ts";

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
const elf = (name: string): Uint8Array => readFileSync(join(WORKLOADS, `${name}.elf`));

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
];
