// Differential test: every workload runs under cptbench and must match qemu-riscv32 on the real
// Linux kernel byte for byte (stdout, stderr, exit status), under several scheduler seeds and
// virtual CPU counts, since guest-visible behaviour must not depend on the schedule.
//
// The recorded qemu outputs (workloads/expected) are always checked; a live qemu run is compared
// too when qemu is installed. Workloads whose manifest says `"oracle": "hand"` have expectations
// written from Linux's semantics because qemu-riscv32 7.2 deviates there (the manifest's `why`
// says how): they are compared with the recording only. The controller (`"role": "controller"`,
// cptbench-ctl) is not a workload and has no oracle: test/workloads covers it. Entries with
// `"init": true` run as the first process (asInit), as they were recorded under unshare -p -f;
// `"files"` puts the named workloads' ELFs at their paths.
import { describe, expect, it } from "vitest";
import { runProgram } from "../../src/machine/machine.ts";
import {
  hasQemu,
  hasUnshare,
  loadWorkloads,
  recordedOutcome,
  runUnderQemu,
  workloadElf,
  workloadFiles,
  type Outcome,
  type WorkloadEntry,
} from "../support/workloads.ts";

const manifest = loadWorkloads();

/** (seed, virtual CPUs, mean quantum): one plain schedule and two that interleave more. */
const SCHEDULES: [number, number, number][] = [
  [1, 1, 100_000],
  [2, 2, 20_000],
  [3, 4, 5_000],
];

function runCptbench(w: WorkloadEntry, seed: number, cpus: number, quantum: number): Outcome {
  const r = runProgram(workloadElf(w.name), {
    argv: [w.name, ...w.args],
    env: w.env,
    seed,
    cpus,
    quantum,
    maxInstructions: 2e9,
    files: workloadFiles(w),
    asInit: w.init ?? false,
  });
  expect(r.events.filter((e) => e.kind !== "fatal-signal")).toEqual([]);
  expect(r.oopses).toBe(0);
  return {
    stdout: Buffer.from(r.stdout).toString("latin1"),
    stderr: Buffer.from(r.stderr).toString("latin1"),
    exitCode: r.exitCode,
  };
}

if (!hasQemu) {
  console.warn("differential: qemu-riscv32 not found (apt-get install qemu-user): comparing against the recorded qemu outputs only");
}

describe("workloads match qemu-riscv32", () => {
  it("has at least 8 workloads", () => {
    expect(manifest.length).toBeGreaterThanOrEqual(8);
  });

  describe.each(manifest)("$name", (w) => {
    it.each(SCHEDULES)("matches the recorded output (seed %i, %i CPUs, quantum %i)", (seed, cpus, quantum) => {
      const ours = runCptbench(w, seed, cpus, quantum);
      const want = recordedOutcome(w.name);
      expect(ours.stdout).toBe(want.stdout);
      expect(ours.stderr).toBe(want.stderr);
      expect(ours.exitCode).toBe(want.exitCode);
    });

    if (w.oracle === "hand") {
      // Not compared with a live qemu run: qemu 7.2 deviates from Linux here (the manifest says how).
      it(`has its expectation written from Linux semantics: ${w.why ?? "(no reason given)"}`, () => {
        expect(w.why?.length ?? 0).toBeGreaterThan(10);
      });
      return;
    }
    it.runIf(hasQemu && (!w.init || hasUnshare))("matches a live qemu-riscv32 run", () => {
      const want = runUnderQemu(w);
      const ours = runCptbench(w, 7, 2, 50_000);
      expect(ours).toEqual(want);
    });
  });
});
