// One checkpoint point of one workload, in one mode, restarted on each requested target
// (ARCHITECTURE.md, "Scenario"): run to the point, checkpoint through the controller, kill or let
// the original go on (checkpoint-phase.ts), restart in the same machine or in a fresh one, run to
// the end, and hold the result to the reference run (restart-phase.ts). The image goes through a
// real file on the host's disk between the machines.
import { takeDown } from "./teardown.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkpointAt, pointName, problemsOf, type CellDesign, type Point } from "./checkpoint-phase.ts";
import { continueCheckpoints, continueIterations, iterationPoints, killIterations } from "./iterations.ts";
import { instructionBudget, type Reference } from "./reference.ts";
import { restartInto } from "./restart-phase.ts";
import { hostErrorText, hostIo } from "./host-io.ts";
import { bootMachine, IMAGE_PATH, loadGuestFile, saveGuestFile } from "./setup.ts";
import type { CellResult, CrMode, CrTarget, Experiment, WorkloadRef } from "./types.ts";

export { pointName, problemsOf, type CellDesign, type Point };

/**
 * Checkpoint `w` at `point` in `mode` and restart it on every target in `targets` (a fresh
 * machine first, then the same one). One CellResult per target.
 */
export function runPoint(exp: Experiment, w: WorkloadRef, ref: Reference, design: CellDesign, point: Point, mode: CrMode, targets: CrTarget[]): CellResult[] {
  const base = (target: CrTarget): CellResult => ({
    workload: w.name, point: pointName(point), mode, target, initiator: design.initiator, creator: design.creator, codec: design.codec,
    seed: exp.seed, verdict: "fail", imageBytes: 0, tasks: 0, objectsCreated: 0, checkpoint: null, restart: null, oopses: [],
  });
  const results = targets.map(base);
  const iters = exp.iters ?? 1;
  const plan = iterationPoints(point, iters, ref.marks);
  const cp = checkpointAt(exp, w, ref, design, point, mode, iters > 1 && mode === "continue" ? continueCheckpoints(plan, design, instructionBudget(ref)) : undefined);
  // With --iters: the checkpoints of the original (all of them in continue mode), until the restarts add theirs.
  if (iters > 1) for (const r of results) r.iterations = continueIterations(cp.checkpoints, r);
  if (cp.op !== null) {
    for (const r of results) {
      r.checkpoint = cp.metrics;
      r.tasks = cp.op.tasks;
      r.imageBytes = cp.op.imageBytes;
    }
  }
  if (cp.failure !== undefined) {
    const { reason, problems, verdict } = cp.failure;
    for (const r of results) {
      r.reason ??= reason;
      r.verdict = problems.length > 0 ? "fail" : verdict;
      r.oopses.push(...problems);
    }
    return results;
  }
  if (targets.includes("none")) {
    // --norst: the dump was taken and the original judged (checkpointAt, in continue mode); no restart.
    const probs = cp.shutdown();
    for (const r of results) {
      r.oopses.push(...probs);
      r.verdict = probs.length > 0 ? "fail" : "pass";
      if (probs.length > 0) r.reason = `kernel problems: ${probs[0]}`;
    }
    return results;
  }
  const a = cp.machine;
  // Kill mode with --iters: each restored container is checkpointed again (iterations.ts).
  const chain = iters > 1 && mode === "kill";
  // The image crosses machines through a real file, copied page by page.
  // A host I/O error (ENOSPC, EIO) on the way fails the fresh cell with the reason; the run goes
  // on. Anything else escapes to the runner.
  const io = hostIo();
  const freshAt = targets.indexOf("fresh");
  let hostError: string | null = null;
  const onHost = (e: unknown, what: string): void => {
    const text = hostErrorText(e);
    if (text === null) throw e;
    hostError = `host I/O error ${what}: ${text}`;
  };
  let dir: string | null = null;
  try {
    let imgPath = "";
    try {
      dir = io.mkdtemp(join(tmpdir(), "cptbench-"));
      imgPath = join(dir, `${w.name}-${pointName(point).replace(":", "-")}.img`);
      if (freshAt >= 0) saveGuestFile(a, IMAGE_PATH, imgPath);
    } catch (e) {
      onHost(e, "writing the image for the fresh machine");
    }
    // The same machine first: it is then shut down before a fresh one boots.
    if (targets.includes("same")) {
      const r = results[targets.indexOf("same")];
      if (chain) killIterations(exp, w, ref, design, plan, cp.checkpoints[0], a, imgPath, r, cp.prefix, cp.budget);
      else restartInto(a, w, design.restarter, ref, r, cp.prefix, cp.stdout.length, cp.budget);
    }
    const probA = cp.shutdown();
    for (const r of results) r.oopses.push(...probA);
    // Its image was copied out above: its memory can serve the fresh machine.
    a.kernel.releaseMemory();
    if (freshAt >= 0 && hostError === null && chain) killIterations(exp, w, ref, design, plan, cp.checkpoints[0], null, imgPath, results[freshAt], cp.prefix, cp.budget);
    else if (freshAt >= 0 && hostError === null) {
      const r = results[freshAt];
      const b = bootMachine(exp, w, design.module());
      let loaded = false;
      try {
        loadGuestFile(b, imgPath, IMAGE_PATH);
        loaded = true;
      } catch (e) {
        onHost(e, "reading the image back");
      }
      if (loaded) restartInto(b, w, design.restarter, ref, r, cp.prefix, 0, cp.budget);
      // As the fuzzer and the zdtm runner end theirs: a restart's kthread still on its way out
      // (cpt_rst before its module_put) ends first, else shutdown reports a leak no restart left.
      takeDown(b);
      r.oopses.push(...problemsOf(b.kernel));
      b.kernel.releaseMemory();
    }
    if (freshAt >= 0 && hostError !== null) {
      results[freshAt].verdict = "fail";
      results[freshAt].reason = hostError;
    }
  } finally {
    if (dir !== null) {
      try {
        io.rm(dir);
      } catch {
        // A temporary directory left behind is not the cell's failure.
      }
    }
  }
  // Continue mode with --iters: the one restart (of the last image) belongs to the last iteration.
  if (iters > 1 && !chain) for (const r of results) r.iterations = continueIterations(cp.checkpoints, r);
  for (const r of results) {
    if (r.oopses.length > 0 && r.verdict === "pass") {
      r.verdict = "fail";
      r.reason = `kernel problems: ${r.oopses[0]}`;
    }
  }
  return results;
}
