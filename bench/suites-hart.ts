// Hart speed, paired: each figure alternates its two sides run by run (A/B/A/B), so the load
// of a shared machine hits both alike. Sides: the interpreter and the translating hart
// (translate.ts), in one warm process and from cold processes; and the translating hart
// against qemu-riscv32 on the same ELF, when qemu is installed.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { translator } from "../src/machine/cpu/translate.ts";
import { runProgram } from "../src/machine/machine.ts";
import type { Benchmark, BenchResult } from "./suites.ts";

const ROOT = join(import.meta.dirname, "..");
const ELF = (name: string): string => join(ROOT, "workloads", "bin", `${name}.elf`);
const QEMU = process.env.QEMU_RISCV32 ?? "qemu-riscv32";
const REPS = 4;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (v: number): number => Math.round(v * 10) / 10;

/** MIPS of one in-process run, with the translator on or off. */
function warmRun(name: string, args: string[], jit: boolean): { mips: number; instructions: number } {
  const saved = translator.enabled;
  translator.enabled = jit;
  try {
    const r = runProgram(readFileSync(ELF(name)), { argv: [name, ...args], capture: false });
    if (r.exitCode !== 0) throw new Error(`${name} exited with ${r.exitCode}`);
    return { mips: r.mips, instructions: r.instructions };
  } finally {
    translator.enabled = saved;
  }
}

/** MIPS of one run in a fresh node process. */
function coldRun(name: string, args: string[], jit: boolean): number {
  const p = spawnSync(process.execPath, [join(ROOT, "bin", "run-ts.mjs"), join(ROOT, "bench", "cold-run.ts"), name, ...args], {
    encoding: "utf8", env: { ...process.env, CPTBENCH_JIT: jit ? "1" : "0" },
  });
  if (p.status !== 0) throw new Error(`cold run of ${name} failed: ${p.stderr}`);
  return (JSON.parse(p.stdout) as { mips: number }).mips;
}

function paired(a: () => number, b: () => number, unit: string, names: [string, string]): BenchResult {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    as.push(round1(a()));
    bs.push(round1(b()));
  }
  const ratios = as.map((v, i) => Math.round((bs[i] / v) * 100) / 100);
  return { value: median(ratios), unit, runs: ratios, [names[0]]: as, [names[1]]: bs };
}

function qemuMips(name: string, args: string[], instructions: number): number {
  const t0 = performance.now();
  const p = spawnSync(QEMU, [ELF(name), ...args], { stdio: "ignore" });
  const ms = performance.now() - t0;
  if (p.status !== 0) throw new Error(`${QEMU} ${name} exited with ${p.status}`);
  return instructions / ms / 1000;
}

const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;

/** The hart benchmarks' ELFs, for `--compare qemu`: name, arguments, warm or cold process. */
const COMPARED: { workload: string; args: string[]; cold: boolean }[] = [
  { workload: "intbench", args: ["400"], cold: false },
  { workload: "intbench", args: [], cold: true },
  { workload: "nbody-double", args: [], cold: false },
];

/**
 * `npm run bench -- --compare qemu`: each hart ELF under qemu-riscv32 and under cptbench,
 * alternated run by run (qemu, cptbench, qemu, ...), as the ratio cptbench MIPS / qemu MIPS.
 * qemu's MIPS counts cptbench's instruction count over qemu's wall time, its process start
 * included; cptbench's is the run's own (boot and load excluded), warm in this process or from
 * a cold one.
 */
export function qemuComparisons(): Benchmark[] {
  return COMPARED.map(({ workload, args, cold }) => ({
    name: `compare.qemu.${workload}${args.length > 0 ? `-${args.join("-")}` : ""}${cold ? "-cold" : ""}`,
    run: (): BenchResult => {
      const unit = "x (cptbench MIPS / qemu MIPS)";
      if (!hasQemu) {
        console.warn(`--compare qemu: ${QEMU} not found, nothing measured`);
        return { value: 0, unit, runs: [], skipped: "qemu-riscv32 not installed" };
      }
      const { instructions } = warmRun(workload, args, true);
      const ours = cold ? (): number => coldRun(workload, args, true) : (): number => warmRun(workload, args, true).mips;
      return paired(() => qemuMips(workload, args, instructions), ours, unit, ["qemuMips", "cptbenchMips"]);
    },
  }));
}

export const HART_BENCHMARKS: Benchmark[] = [
  {
    // Warm: a 72 M-instruction run, translator off then on, in this process.
    name: "hart.int-jit-vs-interp",
    run: () => {
      warmRun("intbench", ["400"], false);
      warmRun("intbench", ["400"], true);
      return paired(() => warmRun("intbench", ["400"], false).mips, () => warmRun("intbench", ["400"], true).mips,
        "x (translator MIPS / interpreter MIPS)", ["interpMips", "jitMips"]);
    },
  },
  {
    // Cold: the default 20 M-instruction intbench, each run in a new process.
    name: "hart.int-cold-jit-vs-interp",
    run: () => paired(() => coldRun("intbench", [], false), () => coldRun("intbench", [], true),
      "x (translator MIPS / interpreter MIPS)", ["interpMips", "jitMips"]),
  },
  {
    // qemu's MIPS counts cptbench's instruction count over qemu's wall time (process start included).
    name: "hart.int-vs-qemu",
    run: () => {
      if (!hasQemu) {
        console.warn(`hart.int-vs-qemu: ${QEMU} not found, nothing measured`);
        return { value: 0, unit: "x (cptbench MIPS / qemu MIPS)", runs: [], skipped: "qemu-riscv32 not installed" };
      }
      const { instructions } = warmRun("intbench", ["400"], true);
      return paired(() => qemuMips("intbench", ["400"], instructions), () => warmRun("intbench", ["400"], true).mips,
        "x (cptbench MIPS / qemu MIPS)", ["qemuMips", "cptbenchMips"]);
    },
  },
];
