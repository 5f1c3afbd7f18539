// One checkpoint point of one workload, in one mode, restarted on each requested target
// (ARCHITECTURE.md, "Scenario"): run to the point, checkpoint through the controller, kill or let
// the original go on (checkpoint-phase.ts), restart in the same machine or in a fresh one, run to
// the end, and hold the result to the reference run (restart-phase.ts). The image goes through a
// real file on the host's disk between the machines.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Machine } from "../../machine/machine.ts";
import { checkpointAt, pointName, problemsOf, type CellDesign, type Point } from "./checkpoint-phase.ts";
import type { Reference } from "./reference.ts";
import { judgeRestart, restartImage } from "./restart-phase.ts";
import { bootMachine, IMAGE_PATH, loadGuestFile, saveGuestFile, type RestarterSpec } from "./setup.ts";
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
  const cp = checkpointAt(exp, w, ref, design, point, mode);
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
  // The image crosses machines through a real file, copied page by page.
  const dir = mkdtempSync(join(tmpdir(), "cptbench-"));
  const imgPath = join(dir, `${w.name}-${pointName(point).replace(":", "-")}.img`);
  try {
    if (targets.includes("fresh")) saveGuestFile(a, IMAGE_PATH, imgPath);
    // The same machine first: it is then shut down before a fresh one boots.
    if (targets.includes("same")) restartOn(a, w, design.restarter, ref, results[targets.indexOf("same")], cp.prefix, cp.stdout.length, cp.budget);
    const probA = cp.shutdown();
    for (const r of results) r.oopses.push(...probA);
    if (targets.includes("fresh")) {
      const r = results[targets.indexOf("fresh")];
      const b = bootMachine(exp, w, design.module());
      loadGuestFile(b, imgPath, IMAGE_PATH);
      rmSync(imgPath, { force: true });
      restartOn(b, w, design.restarter, ref, r, cp.prefix, 0, cp.budget);
      b.kernel.shutdown();
      r.oopses.push(...problemsOf(b.kernel));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of results) {
    if (r.oopses.length > 0 && r.verdict === "pass") {
      r.verdict = "fail";
      r.reason = `kernel problems: ${r.oopses[0]}`;
    }
  }
  return results;
}

/** Restart from the image on m and judge the result against the reference. */
function restartOn(
  m: Machine, w: WorkloadRef, restarter: RestarterSpec, ref: Reference, r: CellResult, prefix: Uint8Array, outStart: number, budget: number,
): void {
  const run = restartImage(m, w, restarter, budget, outStart);
  if (run.metrics !== null) {
    r.restart = run.metrics;
    r.objectsCreated = run.objectsCreated;
  }
  if (run.failure?.verdict === "unsupported") r.verdict = "unsupported";
  const why = judgeRestart(run, ref, prefix, w);
  if (why === undefined) r.verdict = "pass";
  else r.reason = why;
}
