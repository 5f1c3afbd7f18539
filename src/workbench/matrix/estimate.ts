// `cptbench matrix --plan`: the cells a matrix would run and roughly how long it would take,
// before running it. How many points a workload marks, and how long it runs, are only known by
// running it: so the plan makes one reference run per workload and seed (a few seconds in all)
// and counts from those. No checkpoint is taken.
import type { Registry } from "../../core/cr/registry.ts";
import { designOf, pointsOf } from "../scenario/runner.ts";
import { referenceRun } from "../scenario/reference.ts";
import type { Experiment } from "../scenario/types.ts";
import { comboLabel } from "./combos.ts";
import type { Unit } from "./plan.ts";

export interface UnitPlan {
  unit: string;
  /** Cells the unit would produce (a failed reference counts one failed cell per mode × target). */
  cells: number;
  /** Estimated host time of the unit, ms. */
  estimateMs: number;
  /** Why a workload would give no cell, if it would not. */
  noPoints?: string;
}

/**
 * Host time of one cell, from its workload's reference run. A cell runs the workload to the
 * point and on (kill: about half of it on average, continue: all of it), then restarts it on
 * each target and runs it to the end; add a fixed cost for booting the machines and moving the
 * image. Deliberately rough: the ETA on stderr corrects it as the matrix runs.
 */
const CELL_FIXED_MS = 40;
const cellMs = (refMs: number, mode: string): number => refMs * (mode === "continue" ? 1.5 : 1) + CELL_FIXED_MS;

export function planUnits(units: readonly Unit[], registry: Registry): UnitPlan[] {
  // References depend on the workload, seed, machine and trigger, not on the rest of the design.
  const refs = new Map<string, ReturnType<typeof referenceRun>>();
  const refOf = (run: Experiment, trigger: string): ReturnType<typeof referenceRun> => {
    const key = `${run.workloads[0].name}\0${run.seed}\0${run.cpus}\0${run.quantum}\0${trigger}`;
    let ref = refs.get(key);
    if (ref === undefined) {
      const design = designOf(run, registry);
      refs.set(key, (ref = referenceRun(run, run.workloads[0], design.module(), design.trigger)));
    }
    return ref;
  };
  return units.map((u) => {
    let cells = 0;
    let estimateMs = 0;
    let noPoints: string | undefined;
    for (const run of u.runs) {
      const trigger = designOf(run, registry).trigger;
      const ref = refOf(run, trigger);
      const targets = run.norst === true ? 1 : run.targets.length;
      estimateMs += ref.wallMs;
      if (ref.problems.length > 0) {
        cells += run.modes.length * targets;
        continue;
      }
      const points = pointsOf(run, run.workloads[0], ref).length;
      if (points === 0) noPoints ??= run.points.kind === "marked" ? "no cpt_mark() in it" : "too short for random points";
      for (const mode of run.modes) {
        cells += points * targets;
        // Each further iteration restarts and checkpoints again: about one more cell's work.
        estimateMs += points * targets * cellMs(ref.wallMs, mode) * (run.iters ?? 1);
      }
    }
    return { unit: `${comboLabel(u.combo)} ${u.workload}`, cells, estimateMs, ...(noPoints !== undefined && { noPoints }) };
  });
}
