// What `cptbench matrix` runs, as data: the combinations (initiator × creator × codec), the
// workloads, and the units of work. A unit is one (combination, workload): the reference run of a
// workload is shared by all its points, so splitting finer would redo it. Units are listed in
// canonical order (combination order, then workload order); reports follow that order whatever
// ran first, so results never depend on parallelism or sharding.
import type { BugSwitch } from "../../core/cr/bugs.ts";
import { faultsNotIn } from "../../core/cr/faults.ts";
import { comboLabel, type Combination } from "./combos.ts";
import { MatrixError } from "./errors.ts";
import type { CrMode, CrTarget, Experiment, PointsSpec, WorkloadRef } from "../scenario/types.ts";

export interface MatrixPlan {
  combinations: Combination[];
  workloads: WorkloadRef[];
  /** Point specs, each run in turn (e.g. marked, then random:20). */
  points: PointsSpec[];
  seeds: number[];
  repetitions: number;
  modes: CrMode[];
  targets: CrTarget[];
  cpus: number;
  quantum: number;
  pluginOptions: Record<string, unknown>;
  /** Deliberate bugs switched on (core/cr/bugs.ts); none normally. */
  bugs?: BugSwitch[];
  /** Steps to fail on purpose, "STEP:ERRNO" (Experiment.faults); applied to the designs that have the step. */
  faults?: string[];
  /** --norst: checkpoint and judge the original only (Experiment.norst). */
  norst?: boolean;
  /** --iters N: checkpoint/restart N times in a row in each cell (Experiment.iters). */
  iters?: number;
}

/** One (combination, workload) and the runner calls it takes, in order: seed, point spec, repetition. */
export interface Unit {
  /** Position in the canonical order of the whole (unsharded) matrix. */
  index: number;
  combo: Combination;
  workload: string;
  /** Experiments of one workload each, for runExperimentSync. */
  runs: Experiment[];
}

export function unitsOf(plan: MatrixPlan): Unit[] {
  const units: Unit[] = [];
  for (const combo of plan.combinations) {
    for (const w of plan.workloads) {
      const runs: Experiment[] = [];
      for (const seed of plan.seeds) {
        for (const points of plan.points) {
          for (let rep = 0; rep < plan.repetitions; rep++) {
            runs.push({
              ...combo,
              pluginOptions: plan.pluginOptions,
              workloads: [w],
              points,
              modes: plan.modes,
              targets: plan.targets,
              seed,
              cpus: plan.cpus,
              quantum: plan.quantum,
              ...(plan.repetitions > 1 && { repetition: rep }),
              ...(plan.norst === true && { norst: true }),
              ...(plan.iters !== undefined && plan.iters > 1 && { iters: plan.iters }),
              ...(plan.bugs !== undefined && plan.bugs.length > 0 && { bugs: plan.bugs }),
              ...faultsFor(plan.faults, combo),
            });
          }
        }
      }
      units.push({ index: units.length, combo, workload: w.name, runs });
    }
  }
  return units;
}

/** The faults of the plan that `combo` has a step for (a self initiator has no pre-dump). */
function faultsFor(faults: readonly string[] | undefined, combo: Combination): { faults?: string[] } {
  if (faults === undefined) return {};
  const skip = new Set(faultsNotIn(faults, combo.initiator, combo.creator));
  const own = faults.filter((f) => !skip.has(f));
  return own.length > 0 ? { faults: own } : {};
}

/** "external/kernel/cpt hash": how progress and errors name a unit. */
export function unitLabel(u: Unit): string {
  return `${comboLabel(u.combo)} ${u.workload}`;
}

/** Shard `index` (1-based) of `count`, as vitest's --shard. */
export interface Shard {
  index: number;
  count: number;
}

const SHARD_HELP = 'a shard is "i/n": split the matrix into n parts and run part i, 1 ≤ i ≤ n (e.g. 2/4)';

export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new MatrixError("MATRIX_SHARD", `--shard "${spec}" is not a shard: ${SHARD_HELP}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new MatrixError("MATRIX_SHARD", `--shard "${spec}" is out of range: ${SHARD_HELP}`);
  }
  return { index, count };
}

/**
 * The units of one shard: round robin over the canonical order (unit k goes to shard k mod n), so
 * the n shards together run every unit exactly once and each gets a mix of designs and workloads.
 */
export function shardUnits<T>(units: readonly T[], shard: Shard): T[] {
  return units.filter((_, k) => k % shard.count === shard.index - 1);
}
