// CLI start-up (issue 18, "fast start"): the wall time of a whole `cptbench` process as a user
// starts it, from spawn to exit. Targets on an idle machine: `--version` within 300 ms, `exec` of
// a small program (args-env: 89k guest instructions) within 500 ms. Each figure says which code
// ran: "dist" (compiled, the normal case after `npm ci`) or "tsx" (dist/ missing or older than a
// source file, see bin/dist.mjs), and bare Node's own start gives the floor on this machine.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { distIsFresh } from "../bin/dist.mjs";
import type { Benchmark, BenchResult } from "./suites.ts";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "cptbench.mjs");
const REPS = 7;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median wall ms of `node args...` over REPS runs after one warm-up (the OS file cache). */
function wallMs(args: string[], expectStatus: number): BenchResult {
  const runs: number[] = [];
  for (let i = 0; i <= REPS; i++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    const ms = performance.now() - t0;
    if (p.status !== expectStatus) {
      throw new Error(`node ${args.join(" ")} exited with ${p.status ?? p.signal}, expected ${expectStatus}: ${p.stderr}`);
    }
    if (i > 0) runs.push(Math.round(ms));
  }
  return { value: median(runs), unit: "ms", runs, runtime: distIsFresh() ? "dist" : "tsx" };
}

export const CLI_BENCHMARKS: Benchmark[] = [
  { name: "cli.node-bare-ms", run: () => ({ ...wallMs(["-e", "0"], 0), runtime: "node" }) },
  { name: "cli.version-ms", run: () => wallMs([BIN, "--version"], 0) },
  // args-env ends with exit(3) on purpose (it tests exit paths).
  { name: "cli.exec-args-env-ms", run: () => wallMs([BIN, "exec", join(ROOT, "workloads", "bin", "args-env.elf")], 3) },
];
