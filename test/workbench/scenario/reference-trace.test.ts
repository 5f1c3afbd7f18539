// Watching a run in slices must not change it: Kernel.run paused seamlessly at a limit goes on
// with the cut stretch of user code as if it had never stopped, so a machine run 1,000 (or 1) instructions at
// a time makes the same scheduling decisions — the same traceHash — as one run in one go, and
// the reference run's schedule is the one `cptbench exec` gets for the same seed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../../src/machine/machine.ts";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { designOf } from "../../../src/workbench/scenario/runner.ts";
import { bootMachine, startRun } from "../../../src/workbench/scenario/setup.ts";
import { experiment, workloadRef } from "../../support/cr.ts";

const WORKLOADS = join(import.meta.dirname, "..", "..", "..", "workloads", "bin");

interface Outcome {
  trace: string;
  stdout: string;
  instructions: number;
  switches: number;
}

/** Run an ELF to its end on a fresh machine, `slice` instructions per Kernel.run (Infinity: one go). */
function runSliced(elf: Uint8Array, argv: string[], slice: number, cpus: number, quantum: number): Outcome {
  const m = new Machine({ seed: 5, cpus, quantum });
  m.kernel.spawn(elf, argv, [], argv[0]);
  let instructions = 0;
  if (slice === Infinity) instructions = m.kernel.run();
  else {
    for (;;) {
      const n = m.kernel.run(slice, true, true);
      instructions += n;
      if (n === 0) break;
    }
    instructions += m.kernel.run();
  }
  m.kernel.shutdown();
  return {
    trace: m.kernel.sched.trace.hex(),
    stdout: Buffer.from(m.console.stdout).toString("latin1"),
    instructions,
    switches: m.kernel.sched.contextSwitches,
  };
}

// One CPU here; several CPUs (where libc-basics used to diverge when paused every 1,000
// instructions) are test/machine/kernel/run-seamless.test.ts's.
describe("a run paused every N instructions", () => {
  it("schedules a threaded musl program exactly as one uninterrupted run (one CPU, short quanta)", () => {
    const elf = readFileSync(join(WORKLOADS, "libc-basics.elf"));
    const whole = runSliced(elf, ["libc-basics"], Infinity, 1, 5_000);
    const sliced = runSliced(elf, ["libc-basics"], 1_000, 1, 5_000);
    expect(whole.switches).toBeGreaterThan(10);
    expect(sliced).toEqual(whole);
  }, 120_000);

  it("is unchanged even when paused after every instruction", () => {
    const elf = readFileSync(join(WORKLOADS, "fork-tree.elf"));
    const whole = runSliced(elf, ["fork-tree"], Infinity, 1, 100_000);
    expect(runSliced(elf, ["fork-tree"], 1, 1, 100_000)).toEqual(whole);
  }, 120_000);
});

describe("the reference run", () => {
  it("has the schedule of the same machine run in one go", () => {
    const w = workloadRef("pipes");
    const exp = experiment({ workloads: [w], points: { kind: "random", count: 2 }, modes: ["kill"], targets: ["same"] });
    const design = designOf(exp, builtinRegistry());
    const ref = referenceRun(exp, w, design.module(), design.trigger);
    const m = bootMachine(exp, w, design.module());
    startRun(m, w, 0, design.trigger);
    const n = m.kernel.run();
    m.kernel.shutdown();
    expect(ref.instructions).toBe(n);
    expect(ref.traceHash).toBe(m.kernel.sched.trace.hex());
    expect(Buffer.from(ref.stdout)).toEqual(Buffer.from(m.console.stdout));
  }, 120_000);
});
