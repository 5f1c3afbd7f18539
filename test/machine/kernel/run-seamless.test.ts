// Kernel.run(limit, pause = true, seamless = true) on several virtual CPUs: a run paused every N
// instructions must make the decisions of one uninterrupted run — same traceHash, instruction
// count, output and final clocks — so that the reference run's random checkpoint points land
// where `cptbench exec`'s trace says. Two ways a pause used to change that with 2+ CPUs:
//   - the pause came after a CPU was picked and given a task (fill), and the next run() picked
//     again: fill had moved that CPU's clock on to when its task became ready (and fired the
//     timers due), so another CPU with an earlier clock could win;
//   - going on after such a pause, the kernel clock was read from the CPU's moved clock, where
//     the uninterrupted run still had the older one: what the task did next was charged at
//     another time (a wait4 woken by a child's exit on the other CPU, in libc-rmdir-cwd).
// The full sweep (every workload x seeds 1..3 x 1, 2, 4 CPUs x N = 1, 7, 1000, 20000) is in the
// commit that added this; these are small cases that failed before it (libc-basics, whose 2-CPU
// divergence reference-trace.test.ts noted as a known gap, was one too, but takes far longer).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../../src/machine/machine.ts";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { referenceRun, WINDOW_SLICE } from "../../../src/workbench/scenario/reference.ts";
import { designOf, pointsOf } from "../../../src/workbench/scenario/runner.ts";
import { bootMachine, startRun } from "../../../src/workbench/scenario/setup.ts";
import type { WorkloadRef } from "../../../src/workbench/scenario/types.ts";
import { experiment, workloadRef } from "../../support/cr.ts";
import { loadWorkloads } from "../../support/workloads.ts";

const BIN = join(import.meta.dirname, "..", "..", "..", "workloads", "bin");

interface Outcome {
  trace: string;
  instructions: number;
  stdout: string;
  switches: number;
  clocks: number[];
}

/** Run a workload to its end, `slice` instructions per seamless Kernel.run (Infinity: in one go). */
function runSliced(name: string, slice: number, seed: number, cpus: number, quantum: number): Outcome {
  const w = loadWorkloads().find((x) => x.name === name)!;
  const m = new Machine({ seed, cpus, quantum, capture: true });
  const k = m.kernel;
  k.spawn(readFileSync(join(BIN, `${name}.elf`)), [name, ...w.args], w.env, name, w.init ?? false);
  let instructions = 0;
  if (slice === Infinity) instructions = k.run();
  else {
    for (;;) {
      const n = k.run(slice, true, true);
      instructions += n;
      if (n < slice) break;
    }
    instructions += k.run();
  }
  k.shutdown();
  return {
    trace: k.sched.trace.hex(),
    instructions,
    stdout: Buffer.from(m.console.stdout).toString("latin1"),
    switches: k.sched.contextSwitches,
    clocks: k.sched.cpus.map((c) => c.clock),
  };
}

describe("a run paused every N instructions on several CPUs", () => {
  it.each([
    // [workload, seed, cpus, quantum, N]: each differed from the uninterrupted run before.
    ["pid-forest", 1, 4, 20_000, 7],
    ["args-env", 1, 2, 100_000, 7],
    ["thread-signals", 1, 4, 20_000, 7],
    ["libc-rmdir-cwd", 1, 2, 100_000, 1],
  ] as const)("%s (seed %i, %i CPUs, quantum %i) paused every %i schedules as one uninterrupted run", (name, seed, cpus, quantum, n) => {
    const whole = runSliced(name, Infinity, seed, cpus, quantum);
    expect(whole.switches).toBeGreaterThan(2);
    expect(runSliced(name, n, seed, cpus, quantum)).toEqual(whole);
  }, 120_000);
});

describe("the reference run on several CPUs", () => {
  it("has the schedule of the same machine run in one go", () => {
    const w = workloadRef("libc-rmdir-cwd");
    const exp = experiment({ cpus: 2, workloads: [w] });
    const design = designOf(exp, builtinRegistry());
    const ref = referenceRun(exp, w, design.module(), design.trigger);
    const m = bootMachine(exp, w, design.module());
    startRun(m, w, 0, design.trigger);
    const n = m.kernel.run();
    m.kernel.shutdown();
    expect(ref.problems).toEqual([]);
    expect(ref.instructions).toBe(n);
    expect(ref.traceHash).toBe(m.kernel.sched.trace.hex());
    expect(Buffer.from(ref.stdout)).toEqual(Buffer.from(m.console.stdout));
  }, 120_000);

  it("gives a program shorter than one reference slice its random points", () => {
    // quick-exit returns at once: its container lives less than one 1,000-instruction slice.
    const elf = readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "guest", "quick-exit.elf"));
    const w: WorkloadRef = { name: "quick-exit", elf, args: [], env: [] };
    const exp = experiment({ cpus: 4, workloads: [w], points: { kind: "random", count: 3 } });
    const design = designOf(exp, builtinRegistry());
    const ref = referenceRun(exp, w, design.module(), design.trigger);
    expect(ref.problems).toEqual([]);
    expect(ref.window[1] - ref.window[0]).toBeGreaterThan(2);
    expect(ref.window[1] - ref.window[0]).toBeLessThan(2 * WINDOW_SLICE);
    const points = pointsOf(exp, w, ref);
    expect(points.length).toBe(3);
    for (const p of points) expect(p.kind === "insn" && p.n >= ref.window[0] && p.n <= ref.window[1]).toBe(true);
  }, 120_000);
});
