// Per-task C/R cost at scale (issue 19 item 4: "checkpoint and restart ≤ 0.1 ms per task at
// 10,000 tasks for the kernel creator and ≤ 0.2 ms for the user-space one, linear: per-task cost
// at 10,000 within 1.2× of that at 1,000, alternated in one process").
//
// One benchmark per creator × codec, `cr.scale.<creator>.<codec>`: cells of bench/guest/tasktree
// at 1,000 and 10,000 tasks, alternated (1k, 10k, 1k, 10k, ...) after one uncounted warm-up cell
// at 1,000, so that a change of load on a shared machine falls on both sizes alike. Each cell is
// a C/R through the scenario runner as `cptbench run` makes it (external initiator, kill mode,
// restart on a fresh machine, one checkpoint at the guest's cpt_mark). Per size: the median
// checkpoint and restart wall ms per task (to the end of the runner's slice, and to the end of the
// operation itself), the CPU ms per task (this process's user + system time: the wall time also
// counts other jobs' turns), and the 10k/1k ratio of each. `value` is the restart's wall ms per task at 10,000. The load average before
// and after each benchmark is in its result. A cell whose verdict is not "pass" is an error.
import "reflect-metadata";
import { loadavg } from "node:os";
import { builtinRegistry } from "../src/workbench/plugins.ts";
import { runPoint } from "../src/workbench/scenario/cell.ts";
import { referenceRun, type Reference } from "../src/workbench/scenario/reference.ts";
import { designOf } from "../src/workbench/scenario/runner.ts";
import type { CellResult, Experiment, PhaseMetrics, WorkloadRef } from "../src/workbench/scenario/types.ts";
import { crExperiment, guestWorkload } from "./suites-cr.ts";
import type { Benchmark, BenchResult } from "./suites.ts";

const SIZES = [1000, 10_000] as const;
/** Counted rounds of (1k cell, 10k cell). */
const ROUNDS = 3;
const CREATORS = ["kernel", "userspace"] as const;
const CODECS = ["cpt", "ckpt"] as const;
/** The targets, ms per task at 10,000 tasks, by creator. */
const TARGET_MS: Record<(typeof CREATORS)[number], number> = { kernel: 0.1, userspace: 0.2 };
const LINEAR_WITHIN = 1.2;

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = (): number => round(loadavg()[0], 2);

function experiment(creator: string, codec: string, w: WorkloadRef): Experiment {
  return { ...crExperiment(w), creator, codec };
}

/** The reference run of `w` under the design (the oracle of its cells); throws if it is unusable. */
function reference(exp: Experiment, w: WorkloadRef): Reference {
  const design = designOf(exp, builtinRegistry());
  const ref = referenceRun(exp, w, design.module(), design.trigger);
  if (ref.problems.length > 0 || ref.exitCode !== 0 || ref.marks !== 1) {
    throw new Error(`${exp.creator}/${exp.codec}: ${w.name} ${w.args.join(" ")}: unusable reference run (exit ${ref.exitCode}, ${ref.marks} marks): ${ref.problems.join("; ")}`);
  }
  return ref;
}

function cell(exp: Experiment, w: WorkloadRef, ref: Reference): CellResult {
  const [r] = runPoint(exp, w, ref, designOf(exp, builtinRegistry()), { kind: "mark", n: 1 }, "kill", ["fresh"]);
  if (r.verdict !== "pass" || r.checkpoint === null || r.restart === null) {
    throw new Error(`${exp.creator}/${exp.codec}: C/R of ${w.name} ${w.args.join(" ")} did not pass: ${r.verdict}: ${r.reason ?? "no metrics"}`);
  }
  return r;
}

/**
 * Ms per task of one cell. checkpointMs/restartMs: the runner's wallMs (to the end of the slice
 * in which the operation ended, as cr.per-task-* reports); *OpMs: to the operation's own end
 * (PhaseMetrics.opWallMs), without the guest code that ran after it in that slice; *CpuMs: this
 * process's CPU time in the wallMs window.
 */
interface PerTask {
  checkpointMs: number;
  restartMs: number;
  checkpointOpMs: number;
  restartOpMs: number;
  checkpointCpuMs: number;
  restartCpuMs: number;
}

const KEYS = ["checkpointMs", "restartMs", "checkpointOpMs", "restartOpMs", "checkpointCpuMs", "restartCpuMs"] as const;

function perTask(c: CellResult): PerTask {
  const ms = (p: PhaseMetrics, k: "wallMs" | "opWallMs" | "cpuMs"): number => round((p[k] ?? NaN) / c.tasks, 4);
  const cp = c.checkpoint!;
  const rs = c.restart!;
  return {
    checkpointMs: ms(cp, "wallMs"), restartMs: ms(rs, "wallMs"), checkpointOpMs: ms(cp, "opWallMs"), restartOpMs: ms(rs, "opWallMs"),
    checkpointCpuMs: ms(cp, "cpuMs"), restartCpuMs: ms(rs, "cpuMs"),
  };
}

function scale(creator: (typeof CREATORS)[number], codec: string): BenchResult {
  const loadBefore = load();
  const designs = new Map(SIZES.map((n) => {
    const w = guestWorkload("tasktree", [String(n)]);
    const exp = experiment(creator, codec, w);
    return [n as number, { w, exp, ref: reference(exp, w) }];
  }));
  const run = (n: number): CellResult => {
    const d = designs.get(n)!;
    return cell(d.exp, d.w, d.ref);
  };
  run(SIZES[0]); // warm-up, not counted
  const runs = new Map<number, PerTask[]>(SIZES.map((n) => [n, []]));
  const tasks = new Map<number, number>();
  for (let i = 0; i < ROUNDS; i++) {
    for (const n of SIZES) {
      const c = run(n);
      runs.get(n)!.push(perTask(c));
      tasks.set(n, c.tasks);
    }
  }
  const med = (n: number): PerTask => {
    const rs = runs.get(n)!;
    return Object.fromEntries(KEYS.map((k) => [k, median(rs.map((r) => r[k]))])) as unknown as PerTask;
  };
  const [small, big] = SIZES.map(med) as [PerTask, PerTask];
  const ratios = Object.fromEntries(KEYS.map((k) => [k, round(big[k] / small[k], 2)])) as unknown as PerTask;
  const target = TARGET_MS[creator];
  return {
    value: big.restartMs, unit: "ms/task (restart wall at 10,000 tasks)", runs: runs.get(SIZES[1])!.map((r) => r.restartMs),
    creator, codec,
    target: `checkpoint and restart <= ${target} ms/task at 10,000; 10k/1k ratio <= ${LINEAR_WITHIN}`,
    withinTarget: big.checkpointMs <= target && big.restartMs <= target,
    linear: ratios.checkpointMs <= LINEAR_WITHIN && ratios.restartMs <= LINEAR_WITHIN,
    perTask: { [SIZES[0]]: small, [SIZES[1]]: big },
    ratio10kTo1k: ratios,
    tasks: Object.fromEntries(tasks),
    rounds: ROUNDS, order: "1k, 10k alternated after one 1k warm-up cell",
    runsPerSize: Object.fromEntries(runs),
    load: { before: loadBefore, after: load() },
  };
}

/** Names `cr.scale.<creator>.<codec>`. */
export const SCALE_BENCHMARKS: Benchmark[] = CREATORS.flatMap((creator) =>
  CODECS.map((codec) => ({ name: `cr.scale.${creator}.${codec}`, run: () => scale(creator, codec) })),
);
