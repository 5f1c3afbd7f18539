// The reference run of a workload: the controller starts it in a container and nobody
// checkpoints it. Its stdout, exit status and final file tree are the oracle every C/R cell of
// the workload is held to; it also says how many points the workload marks and in which span of
// instructions the container exists (where seeded random points are drawn from).
import { performance } from "node:perf_hooks";
import type { ModuleDef } from "../../machine/kernel/module.ts";
import type { CheckpointTrigger } from "../../core/cr/interfaces.ts";
import { shellStatus, type Task } from "../../machine/kernel/task.ts";
import { bootMachine, startRun, treeDigest, workdirOf } from "./setup.ts";
import type { Experiment, WorkloadRef } from "./types.ts";

/** Instructions per slice while watching a run. */
export const SLICE = 20_000;
/** How finely the reference knows when the container exists (instructions). */
export const WINDOW_SLICE = 1_000;

export interface Reference {
  stdout: Uint8Array;
  exitCode: number;
  tree: string;
  /** cpt_mark calls made inside the container. */
  marks: number;
  /** Instructions executed (machine-wide) between which the container surely exists. */
  window: [number, number];
  instructions: number;
  wallMs: number;
  /** Kernel events that make the reference itself unusable (oopses, deadlocks, limits). */
  problems: string[];
  /**
   * The scheduler's trace: watching the run in slices does not change it (Kernel.run goes on
   * with a cut stretch as if uncut), so it equals that of the same machine run in one go.
   */
  traceHash?: string;
}

/** A limit no correct run of the workload comes near, so a broken restart cannot hang the bench. */
export const instructionBudget = (ref: Reference): number => ref.instructions * 20 + 200_000_000;

/**
 * The reference of `w`. `trigger` must be the initiator's: a self-checkpointing workload runs
 * with its runtime's checkpoint handler in place (and CPTBENCH_CKPT in its environment) even
 * when nobody checkpoints it, so its reference is taken the same way.
 */
export function referenceRun(
  exp: Experiment, w: WorkloadRef, mod: ModuleDef | null, trigger: CheckpointTrigger = "controller", maxInstructions = 2_000_000_000,
): Reference {
  const { seen, ...ref } = watchedRun(exp, w, mod, trigger, maxInstructions, WINDOW_SLICE);
  // A container that lived less than two slices has an empty window at this resolution, so it
  // would get no random point at all. The run is deterministic whatever the slice (the runner
  // counts instructions the same way), so watching it again in fine steps only finds the window.
  if (ref.window[1] - ref.window[0] < 2 && seen && ref.problems.length === 0) {
    const fine = watchedRun(exp, w, mod, trigger, maxInstructions, 1);
    return { ...ref, window: fine.window };
  }
  return ref;
}

function watchedRun(
  exp: Experiment, w: WorkloadRef, mod: ModuleDef | null, trigger: CheckpointTrigger, maxInstructions: number, slice: number,
): Reference & { seen: boolean } {
  const m = bootMachine(exp, w, mod);
  const k = m.kernel;
  let marks = 0;
  k.onCptMark = (t) => {
    if (t.pidNs !== k.initNs) marks++;
  };
  const ctl = startRun(m, w, 0, trigger);
  const t0 = performance.now();
  let executed = 0;
  let first = -1;
  let last = -1;
  // The container lives as long as its init: look for the init until it appears, then only ask
  // whether it is still alive (this runs every WINDOW_SLICE instructions).
  let cinit: Task | undefined;
  for (;;) {
    const n = k.run(slice, true, true);
    executed += n;
    cinit ??= [...k.tasks.values()].find((t) => t.pidNs !== k.initNs && t.pidNs.reaper === t);
    const inside = cinit !== undefined && cinit.alive;
    if (inside) {
      if (first < 0) first = executed;
      last = executed - n;
    }
    if (n < slice || executed >= maxInstructions) break;
  }
  if (executed >= maxInstructions) k.killAll();
  k.run();
  const wallMs = performance.now() - t0;
  const tree = treeDigest(m, workdirOf(w));
  k.shutdown();
  // Its memory goes back to the pool for the first cell's machine (and, when big, its page
  // objects are collected before that machine takes it).
  k.releaseMemory();
  const problems = k.events.filter((e) => e.kind !== "fatal-signal").map((e) => `${e.kind}: ${e.message}`);
  if (executed >= maxInstructions) problems.push(`the reference run did not end within ${maxInstructions} instructions`);
  return {
    stdout: m.console.stdout,
    exitCode: ctl.exit === undefined ? -1 : shellStatus(ctl.exit),
    tree,
    marks,
    window: [Math.max(0, first), Math.max(0, last)],
    instructions: executed,
    wallMs,
    problems,
    traceHash: k.sched.trace.hex(),
    seen: cinit !== undefined,
  };
}
