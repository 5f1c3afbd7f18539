// Differential test: every workload runs under cptbench and must match qemu-riscv32 on the real
// Linux kernel byte for byte (stdout, stderr, exit status). The recorded qemu outputs are always
// checked; a live qemu run is compared too when qemu is installed.
import { describe, expect, it } from "vitest";
import { runProgram } from "../../src/core/machine.ts";
import { hasQemu, loadManifest, recordedOutcome, runUnderQemu, workloadElf, type Outcome } from "../support/workloads.ts";

const manifest = loadManifest();

function runCptbench(name: string, args: string[], env: string[], seed: number): Outcome {
  const r = runProgram(workloadElf(name), { argv: [name, ...args], env, seed, maxInstructions: 2e9 });
  expect(r.events.filter((e) => e.kind !== "fatal-signal")).toEqual([]);
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
    it("matches the recorded qemu output", () => {
      const ours = runCptbench(w.name, w.args, w.env, 1);
      const want = recordedOutcome(w.name);
      expect(ours.stdout).toBe(want.stdout);
      expect(ours.stderr).toBe(want.stderr);
      expect(ours.exitCode).toBe(want.exitCode);
    });

    it.runIf(hasQemu)("matches a live qemu-riscv32 run", () => {
      const want = runUnderQemu(w);
      const ours = runCptbench(w.name, w.args, w.env, 7);
      expect(ours).toEqual(want);
    });
  });
});
