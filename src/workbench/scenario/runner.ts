// The scenario runner: an Experiment in, one CellResult per (workload, point, mode, target) out.
// Plugins come from the registry through a tsyringe child container per experiment; each machine
// gets its own instance of the C/R module carrying them.
import { resolveCell, type Registry } from "../../core/cr/registry.ts";
import { builtinRegistry } from "../plugins.ts";
import { crModule } from "../../core/cr/cr-module.ts";
import { Prng } from "../../machine/kernel/prng.ts";
import { runPoint, type CellDesign, type Point } from "./cell.ts";
import { referenceRun, type Reference } from "./reference.ts";
import type { CellResult, Experiment, WorkloadRef } from "./types.ts";

export interface RunOptions {
  onCell?: (r: CellResult) => void;
  registry?: Registry;
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
      return crModule(cell.moduleName, { initiator: cell.initiator, creator: cell.creator, codec: cell.codec, bugs: exp.bugs });
    },
  };
}

export function runExperimentSync(exp: Experiment, opts: RunOptions = {}): CellResult[] {
  const design = designOf(exp, opts.registry ?? builtinRegistry());
  const out: CellResult[] = [];
  const emit = (r: CellResult): void => {
    out.push(r);
    opts.onCell?.(r);
  };
  for (const w of exp.workloads) {
    const ref = referenceRun(exp, w, design.module(), design.trigger);
    if (ref.problems.length > 0) {
      for (const mode of exp.modes) for (const target of exp.targets) {
        emit({
          workload: w.name, point: "-", mode, target, initiator: exp.initiator, creator: exp.creator, codec: exp.codec, seed: exp.seed,
          verdict: "fail", reason: `the reference run failed: ${ref.problems[0]}`, imageBytes: 0, tasks: 0, objectsCreated: 0,
          checkpoint: null, restart: null, oopses: ref.problems,
        });
      }
      continue;
    }
    const points = pointsOf(exp, w, ref);
    for (const p of points) for (const mode of exp.modes) for (const r of runPoint(exp, w, ref, design, p, mode, exp.targets)) emit(r);
  }
  return out;
}

/** The CLI's entry point (async so that a parallel runner can replace it without changing callers). */
export async function runExperiment(exp: Experiment, opts: RunOptions = {}): Promise<CellResult[]> {
  return runExperimentSync(exp, opts);
}
