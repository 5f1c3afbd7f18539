// Restart benchmarks per ProcessCreator (issue "benchmarks for C/R", creator axis): for trees of
// 10 to 10,000 tasks (bench/guest/tasktree.elf), the restart's virtual and wall time per task and
// the kernel objects it created and destroyed, in all, per task and by type, then the marginal
// cost of a task from 1,000 to 10,000 tasks (is the growth linear?).
//
// Every creator the registry binds is measured; a creator whose plugin has modes worth comparing
// gets one variant per mode (userspace-fork: pids eclone and ns_last_pid with signals blocked,
// and eclone with signals open). The rest of the design is the fixed baseline of the other C/R
// benchmarks: initiator "external", codec "cpt", kill mode, restart on a fresh machine, one
// checkpoint at the guest's cpt_mark, through the scenario runner as `cptbench run` does. The
// reference run is made per variant (as runExperimentSync does per design). A cell whose verdict
// is not "pass" is an error carrying the cell's reason verbatim, never a figure.
//
// The userspace creator's "useless creations" (Louis Rilling): what fork made for each task (mm,
// fd table, sighand, ...) is destroyed when sys_restart replaces it, so its `destroyed` counts
// are the price of creating tasks from user space.
import "reflect-metadata";
import type { Registry } from "../src/core/cr/registry.ts";
import { builtinRegistry } from "../src/workbench/plugins.ts";
import { runPoint } from "../src/workbench/scenario/cell.ts";
import { referenceRun, type Reference } from "../src/workbench/scenario/reference.ts";
import { designOf } from "../src/workbench/scenario/runner.ts";
import type { CellResult, Experiment, WorkloadRef } from "../src/workbench/scenario/types.ts";
import { crExperiment, guestWorkload } from "./suites-cr.ts";
import type { Benchmark, BenchResult } from "./suites.ts";

const TREE_SIZES = [10, 100, 1000, 10_000] as const;
/** The fixed rest of the design. */
const BASELINE = { initiator: "external", codec: "cpt" } as const;
/**
 * Measured repetitions of a cell below 10,000 tasks (the median is reported), after one warm-up
 * cell that is not counted: the wall time of small trees is otherwise dominated by JIT warm-up
 * and by the collection of the previous cells' machines (a factor 10 between runs).
 */
const REPS: Record<number, number> = { 10: 11, 100: 11, 1000: 5 };
/** At 10,000 tasks, the first cell counts; it is repeated (3 runs in all) only if it took less than this. */
const REPEAT_BIG_BELOW_MS = 60_000;

/**
 * Plugin modes worth one variant each, by plugin name. A plugin not listed runs with its default
 * options. The options object is the plugin's pluginOptions entry.
 */
const PLUGIN_MODES: Record<string, { label: string; options: Record<string, string> }[]> = {
  "userspace-fork": [
    { label: "eclone-block", options: { pids: "eclone", signals: "block" } },
    { label: "ns_last_pid-block", options: { pids: "ns_last_pid", signals: "block" } },
    { label: "eclone-none", options: { pids: "eclone", signals: "none" } },
  ],
};

export interface CreatorVariant {
  /** "kernel", "userspace-eclone-block", ...: the benchmark names' middle part. */
  label: string;
  creator: string;
  pluginOptions: Record<string, unknown>;
}

/** Every creator `registry` binds, expanded into its plugin's modes (PLUGIN_MODES). */
export function creatorVariants(registry: Registry = builtinRegistry()): CreatorVariant[] {
  for (const [axis, name] of [["initiator", BASELINE.initiator], ["codec", BASELINE.codec]] as const) {
    registry.provider(axis, name); // throws, naming the alternatives, if the baseline is gone
  }
  return registry.names("creator").flatMap((creator) => {
    const plugin = registry.provider("creator", creator).name;
    const modes = PLUGIN_MODES[plugin];
    if (modes === undefined) return [{ label: creator, creator, pluginOptions: {} }];
    return modes.map((m) => ({ label: `${creator}-${m.label}`, creator, pluginOptions: { [plugin]: m.options } }));
  });
}

function experiment(v: CreatorVariant, w: WorkloadRef): Experiment {
  return { ...crExperiment(w), ...BASELINE, creator: v.creator, pluginOptions: v.pluginOptions };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
const perTask = (r: Record<string, number>, tasks: number): Record<string, number> =>
  Object.fromEntries(Object.entries(r).map(([k, n]) => [k, round(n / tasks, 3)]));

/** The reference run of `w` under variant `v`; throws if it is unusable. */
function reference(v: CreatorVariant, w: WorkloadRef): Reference {
  const exp = experiment(v, w);
  const design = designOf(exp, builtinRegistry());
  const ref = referenceRun(exp, w, design.module(), design.trigger);
  if (ref.problems.length > 0 || ref.exitCode !== 0 || ref.marks !== 1) {
    throw new Error(`${v.label}: ${w.name} ${w.args.join(" ")}: unusable reference run (exit ${ref.exitCode}, ${ref.marks} marks): ${ref.problems.join("; ")}`);
  }
  return ref;
}

/** One C/R cell of `w` under `v`; throws, with the cell's reason verbatim, unless it passed. */
function cell(v: CreatorVariant, w: WorkloadRef, ref: Reference): CellResult {
  const exp = experiment(v, w);
  const [r] = runPoint(exp, w, ref, designOf(exp, builtinRegistry()), { kind: "mark", n: 1 }, "kill", ["fresh"]);
  if (r.verdict !== "pass" || r.checkpoint === null || r.restart === null) {
    throw new Error(`creator ${v.label}: C/R of ${w.name} ${w.args.join(" ")} did not pass: ${r.verdict}: ${r.reason ?? "no metrics"}`);
  }
  return r;
}

/** The figures of one tree size under one variant. `value` is the restart's wall ms per task. */
function treeSize(v: CreatorVariant, n: number): BenchResult {
  const w = guestWorkload("tasktree", [String(n)]);
  const ref = reference(v, w);
  const cells: CellResult[] = [];
  const t0 = performance.now();
  cells.push(cell(v, w, ref));
  const firstCellMs = performance.now() - t0;
  const reps = REPS[n] ?? (firstCellMs < REPEAT_BIG_BELOW_MS ? 3 : 1);
  if (REPS[n] !== undefined) cells.pop();
  while (cells.length < reps) cells.push(cell(v, w, ref));
  const runs = cells.map((c) => round(c.restart!.wallMs / c.tasks, 4));
  const mid = cells[runs.indexOf(median(runs))]!;
  const r = mid.restart!;
  const tasks = mid.tasks;
  const created = sum(r.created);
  const destroyed = sum(r.destroyed);
  // Virtual time and object counts are deterministic (same seed): any cell gives the same.
  return {
    value: median(runs), unit: "ms/task (restart wall)", runs,
    creator: v.creator, variant: v.label, initiator: BASELINE.initiator, codec: BASELINE.codec, pluginOptions: v.pluginOptions,
    treeTasks: n, tasks, repetitions: cells.length, warmUp: REPS[n] !== undefined, firstCellWallS: round(firstCellMs / 1000, 1),
    restartWallMs: round(r.wallMs, 1), restartVirtualMs: round(r.virtualNs / 1e6, 3),
    restartVirtualUsPerTask: round(r.virtualNs / tasks / 1000, 3),
    restartInstructions: r.instructions, restartSyscalls: r.syscalls, restartContextSwitches: r.contextSwitches,
    objectsCreated: created, objectsDestroyed: destroyed,
    objectsCreatedPerTask: round(created / tasks, 3), objectsDestroyedPerTask: round(destroyed / tasks, 3),
    created: r.created, destroyed: r.destroyed,
    createdPerTask: perTask(r.created, tasks), destroyedPerTask: perTask(r.destroyed, tasks),
    imageBytes: mid.imageBytes,
  };
}

function memo<T>(f: () => T): () => T {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
}

/** The marginal cost of a task from 1,000 to 10,000 (fixed costs cancel out), and the ratios. */
function linearity(v: CreatorVariant, size: (n: number) => BenchResult): BenchResult {
  const small = size(100);
  const mid = size(1000);
  const big = size(10_000);
  const num = (r: BenchResult, k: string): number => r[k] as number;
  const dTasks = num(big, "tasks") - num(mid, "tasks");
  const slope = (k: string, digits: number): number => round((num(big, k) - num(mid, k)) / dTasks, digits);
  const ratio = round(big.value / small.value, 2);
  return {
    value: ratio, unit: "ratio (restart wall ms/task at 10,000 / at 100; 1 = linear)", runs: [ratio],
    creator: v.creator, variant: v.label, pluginOptions: v.pluginOptions,
    virtualRatio: round(num(big, "restartVirtualUsPerTask") / num(small, "restartVirtualUsPerTask"), 3),
    marginalPerTask1000to10000: {
      restartWallMs: slope("restartWallMs", 4),
      restartVirtualUs: round(((num(big, "restartVirtualMs") - num(mid, "restartVirtualMs")) * 1000) / dTasks, 3),
      objectsCreated: slope("objectsCreated", 3),
      objectsDestroyed: slope("objectsDestroyed", 3),
    },
    restartMsPerTask: Object.fromEntries(TREE_SIZES.map((n) => [n, size(n).value])),
    restartVirtualUsPerTask: Object.fromEntries(TREE_SIZES.map((n) => [n, size(n).restartVirtualUsPerTask])),
    objectsCreatedPerTask: Object.fromEntries(TREE_SIZES.map((n) => [n, size(n).objectsCreatedPerTask])),
    objectsDestroyedPerTask: Object.fromEntries(TREE_SIZES.map((n) => [n, size(n).objectsDestroyedPerTask])),
  };
}

function variantSuite(v: CreatorVariant): Benchmark[] {
  const sizes = new Map(TREE_SIZES.map((n) => [n as number, memo(() => treeSize(v, n))]));
  const size = (n: number): BenchResult => sizes.get(n)!();
  return [
    ...TREE_SIZES.map((n) => ({ name: `cr.creator.${v.label}.restart-per-task-${n}`, run: () => size(n) })),
    { name: `cr.creator.${v.label}.linearity`, run: () => linearity(v, size) },
  ];
}

/** Names `cr.creator.<variant>.restart-per-task-<n>` and `cr.creator.<variant>.linearity`. */
export const CREATOR_BENCHMARKS: Benchmark[] = creatorVariants().flatMap(variantSuite);
