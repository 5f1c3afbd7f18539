// Records what test/machine/cpu/jit-trace.test.ts pins: for every workload under a few
// schedules, the scheduler's trace hash, the instruction count, the exit code and a digest of
// the output. Recorded with the interpreter (CPTBENCH_JIT=0), so the translator is held to it.
// Usage: CPTBENCH_JIT=0 node bin/run-ts.mjs scripts/record-jit-trace.ts > test/fixtures/jit-trace.json
//        CPTBENCH_JIT=0 node bin/run-ts.mjs scripts/record-jit-trace.ts NAME...
// With names, only those workloads are recorded again and the fixture is updated in place
// (a rebuilt or new workload should not need every other entry re-run).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { runProgram } from "../src/machine/machine.ts";
import { loadWorkloads, workloadElf, workloadFiles } from "../test/support/workloads.ts";

/** (seed, virtual CPUs, mean quantum): a small quantum, so slices end mid-block often. */
export const JIT_SCHEDULES: [number, number, number][] = [
  [1, 1, 20_000],
  [2, 2, 7_000],
];

const FIXTURE = new URL("../test/fixtures/jit-trace.json", import.meta.url);
const only = process.argv.slice(2);
const all = loadWorkloads();
for (const n of only) {
  if (!all.some((w) => w.name === n)) throw new Error(`record-jit-trace: no workload named ${n} in workloads/manifest.json`);
}
const out: Record<string, unknown[]> = only.length ? JSON.parse(readFileSync(FIXTURE, "utf8")) : {};
for (const w of all.filter((w) => !only.length || only.includes(w.name))) {
  out[w.name] = JIT_SCHEDULES.map(([seed, cpus, quantum]) => {
    const t0 = performance.now();
    const r = runProgram(workloadElf(w.name), {
      argv: [w.name, ...w.args], env: w.env, seed, cpus, quantum, maxInstructions: 2e9,
      files: workloadFiles(w), asInit: w.init ?? false, capture: true,
    });
    const digest = createHash("sha256").update(r.stdout).update(r.stderr).digest("hex").slice(0, 16);
    process.stderr.write(`${w.name} seed ${seed} cpus ${cpus}: ${r.instructions} in ${Math.round(performance.now() - t0)} ms\n`);
    return { seed, cpus, quantum, traceHash: r.traceHash, instructions: r.instructions, exitCode: r.exitCode, output: digest };
  });
}
const text = JSON.stringify(out, null, 1) + "\n";
if (only.length) writeFileSync(FIXTURE, text);
else process.stdout.write(text);
