// Records what test/machine/cpu/jit-trace.test.ts pins: for every workload under a few
// schedules, the scheduler's trace hash, the instruction count, the exit code and a digest of
// the output. Recorded with the interpreter (CPTBENCH_JIT=0), so the translator is held to it.
// Usage: CPTBENCH_JIT=0 node bin/run-ts.mjs scripts/record-jit-trace.ts > test/fixtures/jit-trace.json
import { createHash } from "node:crypto";
import { runProgram } from "../src/machine/machine.ts";
import { loadWorkloads, workloadElf, workloadFiles } from "../test/support/workloads.ts";

/** (seed, virtual CPUs, mean quantum): a small quantum, so slices end mid-block often. */
export const JIT_SCHEDULES: [number, number, number][] = [
  [1, 1, 20_000],
  [2, 2, 7_000],
];

const out: Record<string, unknown[]> = {};
for (const w of loadWorkloads()) {
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
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
