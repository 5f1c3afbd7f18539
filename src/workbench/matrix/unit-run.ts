// Running one unit of the matrix, the same code inline (--jobs 1) and in a worker thread: every
// experiment of the unit in order, reporting each cell as it finishes. A run that throws does not
// stop the unit: its cells so far stand, and failed cells carrying the error take its place.
import type { Registry } from "../../core/cr/registry.ts";
import { runExperimentSync } from "../scenario/runner.ts";
import type { CellResult, Experiment } from "../scenario/types.ts";
import type { Unit } from "./plan.ts";

/** What a unit reports, in order: cells of run 0, "run-end" 0, cells of run 1, ..., "unit-end". */
export type UnitEvent =
  | { type: "cell"; unit: number; run: number; cell: CellResult }
  | { type: "run-end"; unit: number; run: number }
  | { type: "unit-end"; unit: number };

/**
 * Failed cells standing for a run that could not finish (it threw, or its worker died): one per
 * mode × target with point "-", as the runner reports a failed reference run.
 */
export function failedRunCells(run: Experiment, reason: string): CellResult[] {
  const cells: CellResult[] = [];
  for (const w of run.workloads) {
    for (const mode of run.modes) {
      for (const target of run.targets) {
        cells.push({
          workload: w.name, point: "-", mode, target, initiator: run.initiator, creator: run.creator, codec: run.codec, seed: run.seed,
          verdict: "fail", reason, imageBytes: 0, tasks: 0, objectsCreated: 0, checkpoint: null, restart: null, oopses: [],
        });
      }
    }
  }
  return cells;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Run every experiment of `unit` with `registry`, calling `emit` for each event. */
export function runUnit(unit: Unit, registry: Registry, emit: (ev: UnitEvent) => void): void {
  unit.runs.forEach((run, r) => {
    const cell = (c: CellResult): void => emit({ type: "cell", unit: unit.index, run: r, cell: c });
    try {
      runExperimentSync(run, { registry, onCell: cell });
    } catch (e) {
      for (const c of failedRunCells(run, `the run threw: ${message(e)}`)) cell(c);
    }
    emit({ type: "run-end", unit: unit.index, run: r });
  });
  emit({ type: "unit-end", unit: unit.index });
}
