// The scenario runner: an Experiment in, one CellResult per (workload, point, mode, target) out.
// Plugins come from the registry through a tsyringe child container per experiment; each machine
// gets its own instance of the C/R module carrying them.
import { resolveCell, type Registry } from "../../core/cr/registry.ts";
import { builtinRegistry } from "../plugins.ts";
import { crModule } from "../../core/cr/cr-module.ts";
import { Prng } from "../../machine/kernel/prng.ts";
import { runPoint, type CellDesign, type Point } from "./cell.ts";
import { referenceRun, type Reference } from "./reference.ts";
import type { CellResult, CrTarget, Experiment, WorkloadRef } from "./types.ts";

export interface RunOptions {
  onCell?: (r: CellResult) => void;
  registry?: Registry;
  /**
   * A workload that gets no checkpoint point (a program that never calls cpt_mark() run at its
   * marked points, or one that ends too soon for a random point): why, so the CLI can say it
   * rather than print an empty table.
   */
  onNoPoints?: (workload: string, why: string) => void;
  /** Workload `workload` has all its cells (the CLI counts these for its ETA). */
  onWorkloadEnd?: (workload: string) => void;
  /** Checked between points (async runner only): once aborted, no further point starts. */
  signal?: AbortSignal;
}
/** A stable 32-bit hash of a name (FNV-1a), to give each workload its own random points. */
function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The points of a workload: its marks, or `count` seeded instruction counts inside the container's lifetime. */
export function pointsOf(exp: Experiment, w: WorkloadRef, ref: Reference): Point[] {
  if (exp.points.kind === "marked") return Array.from({ length: ref.marks }, (_, i) => ({ kind: "mark", n: i + 1 }));
  const [lo, hi] = ref.window;
  if (hi <= lo) return [];
  const prng = new Prng((exp.seed ^ nameHash(w.name)) >>> 0);
  const picks = new Set<number>();
  for (let i = 0; i < exp.points.count * 4 && picks.size < Math.min(exp.points.count, hi - lo); i++) picks.add(lo + 1 + prng.below(hi - lo - 1));
  return [...picks].sort((a, b) => a - b).map((n) => ({ kind: "insn", n }));
}

/** The design of an experiment, resolved through the registry. */
export function designOf(exp: Experiment, registry: Registry): CellDesign {
  const container = registry.cellContainer({ initiator: exp.initiator, creator: exp.creator, codec: exp.codec }, exp.pluginOptions);
  const probe = resolveCell(container);
  return {
    initiator: exp.initiator, creator: exp.creator, codec: exp.codec, trigger: probe.initiator.trigger, restarter: probe.creator.restarter,
    module: () => {
      const cell = resolveCell(container);
      return crModule(cell.moduleName, { initiator: cell.initiator, creator: cell.creator, codec: cell.codec, bugs: exp.bugs, faults: exp.faults });
    },
  };
}

/** The targets a point is restarted on: none at all with --norst. */
const targetsOf = (exp: Experiment): CrTarget[] => (exp.norst === true ? ["none"] : exp.targets);

/** Why a workload has no points under `exp`, in words a user can act on. */
export function noPointsReason(exp: Experiment, ref: Reference): string {
  if (exp.points.kind === "marked") return "it marks no checkpoint point (it never calls cpt_mark()): use --points random:N";
  return `its container ran too briefly for a random point (instructions ${ref.window[0]} to ${ref.window[1]})`;
}

/**
 * The cells of an experiment, one point (all its modes and targets) per step: the generator
 * yields after each point, so an async caller can let signals in and stop between points.
 */
function* experimentSteps(exp: Experiment, opts: RunOptions): Generator<CellResult[], void, undefined> {
  const design = designOf(exp, opts.registry ?? builtinRegistry());
  const tag = (r: CellResult): CellResult => (exp.repetition === undefined ? r : { ...r, repetition: exp.repetition });
  for (const w of exp.workloads) {
    const ref = referenceRun(exp, w, design.module(), design.trigger);
    if (ref.problems.length > 0) {
      const failed: CellResult[] = [];
      for (const mode of exp.modes) for (const target of targetsOf(exp)) {
        failed.push(tag({
          workload: w.name, point: "-", mode, target, initiator: exp.initiator, creator: exp.creator, codec: exp.codec, seed: exp.seed,
          verdict: "fail", reason: `the reference run failed: ${ref.problems[0]}`, imageBytes: 0, tasks: 0, objectsCreated: 0,
          checkpoint: null, restart: null, oopses: ref.problems,
        }));
      }
      yield failed;
      opts.onWorkloadEnd?.(w.name);
      continue;
    }
    const points = pointsOf(exp, w, ref);
    if (points.length === 0) opts.onNoPoints?.(w.name, noPointsReason(exp, ref));
    for (const p of points) {
      const cells: CellResult[] = [];
      for (const mode of exp.modes) cells.push(...runPoint(exp, w, ref, design, p, mode, targetsOf(exp)).map(tag));
      yield cells;
    }
    opts.onWorkloadEnd?.(w.name);
  }
}

export function runExperimentSync(exp: Experiment, opts: RunOptions = {}): CellResult[] {
  const out: CellResult[] = [];
  for (const cells of experimentSteps(exp, opts)) {
    for (const c of cells) {
      out.push(c);
      opts.onCell?.(c);
    }
  }
  return out;
}

/**
 * The CLI's entry point: as runExperimentSync, but it returns to the event loop after every point
 * (so Ctrl-C is heard) and stops starting points once `opts.signal` is aborted.
 */
export async function runExperiment(exp: Experiment, opts: RunOptions = {}): Promise<CellResult[]> {
  const out: CellResult[] = [];
  const steps = experimentSteps(exp, opts);
  for (;;) {
    if (opts.signal?.aborted) break;
    const step = steps.next();
    if (step.done === true) break;
    for (const c of step.value) {
      out.push(c);
      opts.onCell?.(c);
    }
    await new Promise((r) => setImmediate(r));
  }
  return out;
}
