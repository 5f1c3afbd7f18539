// Running one unit of the matrix, the same code inline (--jobs 1) and in a worker thread: every
// experiment of the unit in order, reporting each cell as it finishes. A run that throws does not
// stop the unit: its cells so far stand, failed cells carrying the error take its place, and a
// "run-error" event says the run could not go on (the matrix then exits 3, not 1).
import type { Registry } from "../../core/cr/registry.ts";
import { runExperiment, runExperimentSync, type RunOptions } from "../scenario/runner.ts";
import type { CellResult, Experiment } from "../scenario/types.ts";
import { unitLabel, type Unit } from "./plan.ts";

/** What a unit reports, in order: cells of run 0, "run-end" 0, cells of run 1, ..., "unit-end". */
export type UnitEvent =
  | { type: "cell"; unit: number; run: number; cell: CellResult }
  | { type: "run-end"; unit: number; run: number }
  | { type: "no-points"; unit: number; run: number; workload: string; why: string }
  /** The run threw: its cells are stand-ins, not verdicts (sent before them). */
  | { type: "run-error"; unit: number; run: number; error: string }
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

/** Run `r` of `unit` threw `e`: say so, then stand failed cells in for it. */
function threw(unit: Unit, r: number, run: Experiment, e: unknown, emit: (ev: UnitEvent) => void): void {
  const why = `the run threw: ${message(e)}`;
  emit({ type: "run-error", unit: unit.index, run: r, error: `${unitLabel(unit)}: ${why}` });
  for (const c of failedRunCells(run, why)) emit({ type: "cell", unit: unit.index, run: r, cell: c });
}

function runOptions(unit: Unit, registry: Registry, r: number, emit: (ev: UnitEvent) => void): RunOptions {
  return {
    registry,
    onCell: (c) => emit({ type: "cell", unit: unit.index, run: r, cell: c }),
    onNoPoints: (workload, why) => emit({ type: "no-points", unit: unit.index, run: r, workload, why }),
  };
}

/** Run every experiment of `unit` with `registry`, calling `emit` for each event. */
export function runUnit(unit: Unit, registry: Registry, emit: (ev: UnitEvent) => void): void {
  unit.runs.forEach((run, r) => {
    const opts = runOptions(unit, registry, r, emit);
    try {
      runExperimentSync(run, opts);
    } catch (e) {
      threw(unit, r, run, e, emit);
    }
    emit({ type: "run-end", unit: unit.index, run: r });
  });
  emit({ type: "unit-end", unit: unit.index });
}

/**
 * runUnit for the main thread (--jobs 1): it returns to the event loop between points and stops
 * once `signal` is aborted, without "run-end"/"unit-end" for what it did not finish. Returns
 * whether the whole unit ran.
 */
export async function runUnitAsync(unit: Unit, registry: Registry, emit: (ev: UnitEvent) => void, signal?: AbortSignal): Promise<boolean> {
  for (const [r, run] of unit.runs.entries()) {
    const opts = { ...runOptions(unit, registry, r, emit), signal };
    try {
      await runExperiment(run, opts);
    } catch (e) {
      threw(unit, r, run, e, emit);
    }
    if (signal?.aborted) return false;
    emit({ type: "run-end", unit: unit.index, run: r });
  }
  emit({ type: "unit-end", unit: unit.index });
  return true;
}
