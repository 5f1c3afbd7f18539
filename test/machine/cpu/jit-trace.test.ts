// The translating hart against the interpreter on whole programs: every workload, under the
// schedules recorded in test/fixtures/jit-trace.json (by scripts/record-jit-trace.ts, with the
// interpreter, on main before the translator existed), must give the same scheduler trace hash,
// instruction count, exit code and output. The trace hash folds in every scheduling decision,
// so a slice, timer or signal landing one instruction off shows up here.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translator } from "../../../src/machine/cpu/translate.ts";
import { runProgram } from "../../../src/machine/machine.ts";
import { loadWorkloads, workloadElf, workloadFiles } from "../../support/workloads.ts";

interface Recorded {
  seed: number; cpus: number; quantum: number; traceHash: string; instructions: number; exitCode: number; output: string;
}

const expected = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../fixtures/jit-trace.json"), "utf8"),
) as Record<string, Recorded[]>;
const workloads = loadWorkloads();

describe("translated execution matches the interpreter's trace", () => {
  // Translate at the first threshold, as before the threshold of work existed: the more code
  // runs in blocks, the more this compares.
  const saved = { ...translator };
  beforeAll(() => { Object.assign(translator, { enabled: true, work: 0 }); });
  afterAll(() => { Object.assign(translator, saved); });

  it("has a recording for every workload, with at least 2 seeds and 2 cpu counts", () => {
    expect(Object.keys(expected).sort()).toEqual(workloads.map((w) => w.name).sort());
    for (const runs of Object.values(expected)) {
      expect(new Set(runs.map((r) => r.seed)).size).toBeGreaterThanOrEqual(2);
      expect(new Set(runs.map((r) => r.cpus)).size).toBeGreaterThanOrEqual(2);
    }
  });

  it.each(workloads.map((w) => [w.name, w] as const))("%s", (_name, w) => {
    for (const rec of expected[w.name]) {
      const r = runProgram(workloadElf(w.name), {
        argv: [w.name, ...w.args], env: w.env, seed: rec.seed, cpus: rec.cpus, quantum: rec.quantum,
        maxInstructions: 2e9, files: workloadFiles(w), asInit: w.init ?? false, capture: true,
      });
      const output = createHash("sha256").update(r.stdout).update(r.stderr).digest("hex").slice(0, 16);
      expect({ seed: rec.seed, cpus: rec.cpus, quantum: rec.quantum, traceHash: r.traceHash, instructions: r.instructions, exitCode: r.exitCode, output })
        .toEqual(rec);
    }
  }, 120_000);
});
