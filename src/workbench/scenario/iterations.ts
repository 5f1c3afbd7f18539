// zdtm.py's --iters in a cell: the container is checkpointed and restarted N times in a row, and
// the cell passes only if the last run matches the reference with no oops or leak on any machine.
//   kill mode      the image is restarted (on the same machine, or each time on a fresh one), the
//                  restored container is checkpointed again at its next point (and killed), and so
//                  on; the N-th image is restarted and runs to its end. This is what catches state
//                  a restore loses: the next checkpoint has to find it.
//   continue mode  the original is checkpointed N times, going on after each (zdtm.py --snaps
//                  --iters), and judged at its end; the last image is restarted and judged. The
//                  restarted container is not checkpointed again: its original goes on.
// The next point is the container's next cpt_mark while the workload has marks left, else "in a
// row": at once after the previous restart (or checkpoint), as zdtm.py dumps again as soon as the
// restore is done. Either design of initiator serves: the restarter is the controller of the
// restored container (cptbench-ctl restart and cptbench-mktree take --cpt-flags), and a
// self-checkpointing program checkpoints itself again from its mark or its CPT_SIGNAL handler.
import { performance } from "node:perf_hooks";
import type { Machine } from "../../machine/machine.ts";
import { settleBeforeOp } from "../../machine/mm/host-gc.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGUSR1 } from "../../machine/kernel/signal-names.ts";
import { SI_QUEUE } from "../../machine/kernel/siginfo.ts";
import { EOPNOTSUPP } from "../../core/cr/errors.ts";
import { CPT_KILL, CPT_SIGNAL } from "../../core/cr/interfaces.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import {
  counters, phase, pointName, problemsOf, runUntil, workloadMain,
  type CellDesign, type FurtherCheckpoints, type PhaseFailure, type Point, type TakenCheckpoint,
} from "./checkpoint-phase.ts";
import type { Reference } from "./reference.ts";
import { judgeRestart, restartImage, type Restarted } from "./restart-phase.ts";
import { bootMachine, guestFileSize, IMAGE_PATH, loadGuestFile, saveGuestFile, type RestarterSpec } from "./setup.ts";
import type { CellResult, Experiment, IterationResult, PhaseMetrics, WorkloadRef } from "./types.ts";

/** Where an iteration's checkpoint is taken: a point, or at once after the previous step. */
export type IterPoint = Point | { kind: "in-a-row" };

export const iterPointName = (p: IterPoint): string => (p.kind === "in-a-row" ? "in-a-row" : pointName(p));

/** The points of a cell's N iterations: its own, then the next marks while there are any, then in a row. */
export function iterationPoints(first: Point, iters: number, marks: number): IterPoint[] {
  return Array.from({ length: iters }, (_, j): IterPoint => {
    if (j === 0) return first;
    return first.kind === "mark" && first.n + j <= marks ? { kind: "mark", n: first.n + j } : { kind: "in-a-row" };
  });
}

/**
 * Asks for the checkpoints of one container at the points of a plan, from inside the machine's
 * run, so none is missed between two looks of the runner: a cpt_mark hook counts the container's
 * marks, and the trace tells when an operation of kind `after` ends (an "in-a-row" point is asked
 * for at that instant). The external initiator's controller (`ctl()`, the one that waits for the
 * container) gets SIGUSR1, the container frozen where it stands first when the point is in a row,
 * and a marking task is held at its mark until the runner releases it; a self-checkpointing
 * container is told by its mark's return value, or by CPT_SIGNAL queued to its main process.
 */
export class Requester {
  /** Index in the plan of the next checkpoint to ask for. */
  next: number;
  /** Wall time at which each point's checkpoint was asked for (by plan index). */
  readonly askedAt = new Map<number, number>();
  /** Why a point's checkpoint cannot be asked for (by plan index). */
  readonly unsupported = new Map<number, string>();
  private marks = 0;

  /**
   * `first` points of the plan are someone else's to ask for (checkpointAt's); a mark hook
   * already in place (theirs) keeps hearing every mark until they are.
   */
  constructor(
    private readonly k: Kernel, private readonly ctl: () => Task, private readonly design: CellDesign, readonly plan: readonly IterPoint[],
    private readonly flags: number, after: "checkpoint" | "restart", first = 0,
  ) {
    this.next = first;
    const theirs = k.onCptMark;
    let theirsPending = first > 0 && theirs !== null;
    k.onCptMark = (t, label) => {
      if (t.pidNs === k.initNs) return false;
      this.marks++;
      if (theirsPending) {
        const r = theirs!(t, label);
        if (r !== false && r !== undefined) theirsPending = false;
        return r;
      }
      const p = this.plan[this.next];
      if (p?.kind !== "mark" || this.marks !== p.n) return false;
      return this.ask(t);
    };
    crTrace(k).onEnd = (op) => {
      if (op.op === after && op.result >= 0 && !theirsPending && this.plan[this.next]?.kind === "in-a-row") this.ask(null);
    };
  }

  uninstall(): void {
    this.k.onCptMark = null;
    crTrace(this.k).onEnd = null;
  }

  /** The checkpoint of point `j` starts now (as checkpointAt's trigger: the heap settled first). */
  private asked(j: number): void {
    settleBeforeOp(this.k.frames.inUse);
    this.askedAt.set(j, performance.now());
  }

  /** Ask for plan point `next`'s checkpoint, at the mark `marker` has just reached, or at once (null). */
  private ask(marker: Task | null): boolean | { checkpoint: number } {
    const j = this.next++;
    const { k } = this;
    const atMark = marker !== null;
    if (this.design.trigger === "self") {
      if (marker !== null) {
        // As checkpointAt: a program without cptbench's runtime (a plain libc) marks points but
        // does not act on the mark's return value.
        const h = marker.sighand.actions[CPT_SIGNAL].handler;
        if (h === 0 || h === 1) {
          this.unsupported.set(j, `the workload does not catch CPT_SIGNAL (${CPT_SIGNAL}): it has no self-checkpoint runtime, so it cannot checkpoint itself`);
          return false;
        }
        this.asked(j);
        return { checkpoint: this.flags };
      }
      // As at an instruction point (checkpoint-phase.ts): only where the runtime's handler is in place.
      const main = workloadMain(k, this.ctl());
      const handler = main?.sighand.actions[CPT_SIGNAL].handler ?? 0;
      if (main === undefined) this.unsupported.set(j, "the workload's main process has exited: nobody is left to take a self-checkpoint in a row");
      else if (handler === 0 || handler === 1) this.unsupported.set(j, `the workload's main process does not catch CPT_SIGNAL (${CPT_SIGNAL}): it took the signal over`);
      else {
        this.asked(j);
        sendSignal(k, main, { signo: CPT_SIGNAL, code: SI_QUEUE, pid: 0, uid: 0, value: this.flags }, false);
      }
      return false;
    }
    if (!atMark) {
      // As at an instruction point: the container is frozen where it stands (echo FROZEN >
      // freezer.state) before the controller is asked, or it could run on to its end meanwhile.
      const init = [...k.tasks.values()].find((t) => t.parent === this.ctl() && t.pidNs !== k.initNs && t.alive);
      const g = init === undefined ? k.freezer.root : k.freezer.groupOf(init);
      if (g !== k.freezer.root) k.freezer.freeze(g);
    }
    this.asked(j);
    sendSignal(k, this.ctl(), { signo: SIGUSR1, code: 0 }, true);
    return true;
  }

  /**
   * Run k until the checkpoint of plan point `j` (the operation `find` picks from the trace) is
   * over, or `alive()` is false, then release a task held at its mark. Returns the operation, and
   * it as taken or why it did not give an image, and the instructions run.
   */
  await(j: number, find: () => CrOpRecord | undefined, alive: () => boolean, budget: number): { op?: CrOpRecord; taken?: TakenCheckpoint; failure?: Omit<PhaseFailure, "problems">; executed: number } {
    const k = this.k;
    const before = counters(k, 0);
    const t0 = performance.now();
    const executed = runUntil(k, () => find()?.done === true || !alive() || this.unsupported.has(j), budget);
    const wall = performance.now() - Math.max(t0, this.askedAt.get(j) ?? t0);
    const after = counters(k, executed);
    k.releaseCptMarks();
    const op = find();
    const point = iterPointName(this.plan[j]);
    const failure = checkpointFailureOf(this.unsupported.get(j), this.askedAt.has(j), op, point);
    if (failure !== undefined) return { op, failure, executed };
    return { op, taken: { point, op: op!, metrics: phase(op!, k, wall, before, after) }, executed };
  }
}

/** Why an iteration's checkpoint did not finish well, or undefined when it did. */
function checkpointFailureOf(unsupported: string | undefined, asked: boolean, op: CrOpRecord | undefined, point: string): Omit<PhaseFailure, "problems"> | undefined {
  if (unsupported !== undefined) return { reason: unsupported, verdict: "unsupported" };
  if (!asked) return { reason: `the point ${point} was never reached`, verdict: "fail" };
  if (op === undefined || !op.done) return { reason: "the container ended before it could be checkpointed", verdict: "fail" };
  if (op.result !== 0) return { reason: `checkpoint failed: ${op.error ?? `errno ${-op.result}`}`, verdict: op.result === -EOPNOTSUPP ? "unsupported" : "fail" };
  return undefined;
}

/** Whether the image file on m holds what the checkpoint wrote. */
function imageFailure(op: CrOpRecord, m: Machine): Omit<PhaseFailure, "problems"> | undefined {
  const size = guestFileSize(m, IMAGE_PATH);
  if (size !== op.imageBytes) return { reason: `the image file has ${size < 0 ? "no" : size} bytes, the checkpoint wrote ${op.imageBytes}`, verdict: "fail" };
  return undefined;
}

/** One kill-mode step: the image restarted on m, and the restored container checkpointed (and killed) at `next`. */
interface Step {
  run: Restarted;
  cp?: TakenCheckpoint;
  failure?: Omit<PhaseFailure, "problems">;
  /** What the restored container wrote before its checkpoint. */
  stdout: Uint8Array;
}

function restartThenCheckpoint(m: Machine, w: WorkloadRef, design: CellDesign, budget: number, outStart: number, next: IterPoint): Step {
  const k = m.kernel;
  const opsBefore = crTrace(k).ops.length;
  let rst: Task | undefined;
  // The external initiator's checkpoint comes from the restarter, which needs the flags for it.
  const restarter: RestarterSpec = design.trigger === "self" ? design.restarter : { ...design.restarter, args: [...design.restarter.args, "--cpt-flags", String(CPT_KILL)] };
  // The restored container resumes just past its image's mark: the next one is its first.
  const req = new Requester(k, () => rst!, design, [next.kind === "mark" ? { kind: "mark", n: 1 } : next], CPT_KILL, "restart");
  let got: ReturnType<Requester["await"]> | undefined;
  const run = restartImage(m, w, restarter, budget, outStart, {
    started: (t) => (rst = t),
    restored: (t) => {
      got = req.await(0, () => crTrace(k).ops.slice(opsBefore).find((o) => o.op === "checkpoint"), () => t.alive, budget);
      return got.executed;
    },
  });
  req.uninstall();
  const stdout = k.console.stdout.subarray(outStart, got?.op?.stdoutAt ?? outStart);
  if (run.failure !== undefined) return { run, failure: run.failure, stdout };
  if (got === undefined) return { run, failure: { reason: "the restart ended before anything else could happen", verdict: "fail" }, stdout };
  const cp = got.taken === undefined ? undefined : { ...got.taken, point: iterPointName(next) };
  const failure = got.failure ?? imageFailure(got.op!, m);
  return failure === undefined ? { run, cp, stdout } : { run, cp, failure, stdout };
}

const iteration = (point: string, cp: { op: CrOpRecord; metrics: PhaseMetrics } | null): IterationResult => ({
  point, imageBytes: cp?.op.imageBytes ?? 0, tasks: cp?.op.tasks ?? 0, checkpoint: cp?.metrics ?? null, restart: null, objectsCreated: 0,
});

/**
 * Continue mode: the original's checkpoints after its first, at the points `plan` names after
 * plan[0]; each lets it go on. Stops at the first that cannot be taken.
 */
export function continueCheckpoints(plan: readonly IterPoint[], design: CellDesign, budget: number): FurtherCheckpoints {
  let req: Requester | undefined;
  return {
    install: (k, ctl) => {
      req = new Requester(k, () => ctl, design, plan, 0, "checkpoint", 1);
    },
    collect: (k, ctl) => {
      const taken: TakenCheckpoint[] = [];
      let executed = 0;
      try {
        for (let j = 1; j < plan.length; j++) {
          // The machine's j-th checkpoint (0-based): only the original is checkpointed on it.
          const got = req!.await(j, () => crTrace(k).ops.filter((o) => o.op === "checkpoint")[j], () => ctl.alive, budget);
          executed += got.executed;
          if (got.failure !== undefined) return { taken, failure: got.failure, executed };
          taken.push(got.taken!);
        }
      } finally {
        req!.uninstall();
      }
      return { taken, executed };
    },
  };
}

/** The iterations of a continue-mode cell: every checkpoint of the original; the restart is the last one's. */
export function continueIterations(cps: readonly TakenCheckpoint[], r: CellResult): IterationResult[] {
  const its = cps.map((c) => iteration(c.point, c));
  if (its.length > 0) Object.assign(its[its.length - 1], { restart: r.restart, objectsCreated: r.objectsCreated });
  return its;
}

/**
 * A kill-mode cell's iterations on one target, after the first checkpoint: restart, checkpoint
 * the restored container at the next point, and again, until the N-th image is restarted and
 * judged. `a` is the first machine (the image in its tmpfs; target same), or null (target fresh:
 * each restart boots a machine and takes the image from `imgPath` on the host). Fills `r` in:
 * iterations, the last restart, the verdict, the problems of the machines it shut down (the
 * caller shuts `a` down).
 */
export function killIterations(
  exp: Experiment, w: WorkloadRef, ref: Reference, design: CellDesign, plan: readonly IterPoint[], first: TakenCheckpoint,
  a: Machine | null, imgPath: string, r: CellResult, prefix: Uint8Array, budget: number,
): void {
  const its = [iteration(first.point, first)];
  r.iterations = its;
  let got = prefix;
  const boot = (): Machine => {
    const b = bootMachine(exp, w, design.module());
    loadGuestFile(b, imgPath, IMAGE_PATH);
    return b;
  };
  const done = (m: Machine): void => {
    if (m === a) return;
    m.kernel.shutdown();
    r.oopses.push(...problemsOf(m.kernel));
    m.kernel.releaseMemory();
  };
  for (let j = 1; j < plan.length; j++) {
    const m = a ?? boot();
    const step = restartThenCheckpoint(m, w, design, budget, a === null ? 0 : m.kernel.console.stdout.length, plan[j]);
    its[j - 1].restart = step.run.metrics;
    its[j - 1].objectsCreated = step.run.objectsCreated;
    its.push(iteration(iterPointName(plan[j]), step.cp ?? null));
    if (step.failure !== undefined) {
      r.verdict = step.failure.verdict;
      r.reason = `iteration ${j + 1} of ${plan.length} (${iterPointName(plan[j])}): ${step.failure.reason}`;
      if (m !== a) {
        m.kernel.killAll();
        m.kernel.run();
      }
      done(m);
      return;
    }
    got = Buffer.concat([got, step.stdout]);
    if (a === null) saveGuestFile(m, IMAGE_PATH, imgPath);
    done(m);
  }
  const m = a ?? boot();
  const run = restartImage(m, w, design.restarter, budget, a === null ? 0 : m.kernel.console.stdout.length);
  const last = its[its.length - 1];
  last.restart = run.metrics;
  last.objectsCreated = run.objectsCreated;
  r.restart = run.metrics;
  r.objectsCreated = run.objectsCreated;
  if (run.failure?.verdict === "unsupported") r.verdict = "unsupported";
  const why = judgeRestart(run, ref, got, w);
  if (why === undefined) r.verdict = "pass";
  else r.reason = `after ${plan.length} iterations: ${why}`;
  done(m);
}
