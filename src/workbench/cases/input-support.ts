// What the bad-input cases (input-*.ts) share: a design's experiment and module, a machine with a
// container held at a mark, a real image taken by the design's own initiator, the creator's
// restarter run to its end, and the bookkeeping that says "nothing changed" (live kernel objects
// by type, kernel problems). Machines are booted from ctx.seed, so an outcome is reproducible.
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { Machine } from "../../machine/machine.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGUSR1 } from "../../machine/kernel/signal-names.ts";
import { CPT_KILL } from "../../core/cr/interfaces.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import { resolveWorkload } from "../config/experiment.ts";
import { designOf } from "../scenario/runner.ts";
import type { CellDesign } from "../scenario/cell.ts";
import { referenceRun, type Reference } from "../scenario/reference.ts";
import { bootMachine, ctlLog, IMAGE_PATH, readGuestFile, RESTART_LOG, startRestart, startRun } from "../scenario/setup.ts";
import type { Experiment, WorkloadRef } from "../scenario/types.ts";
import type { Combination } from "../matrix/combos.ts";
import type { CaseContext } from "./types.ts";

/** The experiment of one design as a case runs it: marked points, one CPU, the case's seed. */
export function caseExperiment(design: Combination, ctx: CaseContext): Experiment {
  return {
    ...design, pluginOptions: {}, workloads: [], points: { kind: "marked" }, modes: ["kill"], targets: ["same"],
    seed: ctx.seed, cpus: 1, quantum: 100_000, bugs: [...ctx.bugs],
  };
}

export interface CaseSetup {
  exp: Experiment;
  design: CellDesign;
  w: WorkloadRef;
}

export function caseSetup(design: Combination, ctx: CaseContext, workload: string): CaseSetup {
  const exp = caseExperiment(design, ctx);
  return { exp, design: designOf(exp, ctx.registry), w: resolveWorkload(workload) };
}

export function reference(s: CaseSetup): Reference {
  return referenceRun(s.exp, s.w, s.design.module(), s.design.trigger);
}

/** Run until `until` holds or nothing can run; false if the budget ran out first. */
export function runUntil(k: Kernel, until: () => boolean, slices = 100_000, slice = 20_000): boolean {
  for (let i = 0; i < slices && !until(); i++) if (k.run(slice, true) === 0) break;
  return until();
}

/** Tasks of any container (not in the initial pid namespace) still alive. */
export function containerTasksAlive(k: Kernel): Task[] {
  return [...k.tasks.values()].filter((t) => t.alive && t.pidNs !== k.initNs);
}

export interface Checkpointed {
  m: Machine;
  k: Kernel;
  /** The controller (cptbench-ctl run), outside the container. */
  ctl: Task;
  /** The image the design's initiator wrote to IMAGE_PATH, and its trace record. */
  image: Uint8Array;
  op: CrOpRecord;
}

/**
 * Boot `s`'s machine and let its initiator checkpoint the workload at its `mark`-th mark (the
 * controller on SIGUSR1, or the program itself for a self initiator), in kill mode; run to the
 * end of the original. Throws if the checkpoint failed: the case then has nothing to work on.
 */
export function checkpointAtMark(s: CaseSetup, mark = 1, flags = CPT_KILL): Checkpointed {
  const m = bootMachine(s.exp, s.w, s.design.module());
  const k = m.kernel;
  const ctl = startRun(m, s.w, flags, s.design.trigger);
  let seen = 0;
  k.onCptMark = (t) => {
    if (t.pidNs === k.initNs || ++seen !== mark) return false;
    if (s.design.trigger === "self") return { checkpoint: flags };
    sendSignal(k, ctl, { signo: SIGUSR1, code: 0 }, true);
    return true;
  };
  const cpt = (): CrOpRecord | undefined => crTrace(k).ops.find((o) => o.op === "checkpoint");
  runUntil(k, () => cpt()?.done === true || !ctl.alive);
  k.releaseCptMarks();
  runUntil(k, () => !ctl.alive);
  const op = cpt();
  if (op === undefined || op.result !== 0) throw new Error(`the checkpoint of ${s.w.name} failed: ${op?.error ?? "it never happened"}`);
  const image = readGuestFile(m, IMAGE_PATH);
  if (image === null) throw new Error(`the checkpoint of ${s.w.name} left no image at ${IMAGE_PATH}`);
  return { m, k, ctl, image: image.slice(), op };
}

export interface RestartRun {
  /** What the restarter logged: ["restart", pid or -errno], then ["exit", status]. */
  log: [string, number][];
  /** The restart's trace record (undefined if the restarter never reached sys_restart). */
  op: CrOpRecord | undefined;
  restarter: Task;
}

/** Run the design's restarter on `image` (a path in the guest) to its end. */
export function runRestarter(m: Machine, s: CaseSetup, image = IMAGE_PATH, slices = 100_000): RestartRun {
  const k = m.kernel;
  const log0 = ctlLog(m, RESTART_LOG).length;
  const ops0 = crTrace(k).ops.length;
  const t = startRestart(m, s.w, s.design.restarter, image);
  runUntil(k, () => !t.alive, slices);
  return { log: ctlLog(m, RESTART_LOG).slice(log0), op: crTrace(k).ops.slice(ops0).find((o) => o.op === "restart"), restarter: t };
}

/** Take a machine down; returns its kernel problems (leaks at shutdown included). */
export function shutdown(k: Kernel): string[] {
  k.killAll();
  k.run();
  k.shutdown();
  return kernelProblems(k);
}

export { modelDiff } from "../../core/cr/model-diff.ts";
import { kernelProblems, liveObjects, objectDelta } from "./kernel-state.ts";
export { kernelProblems, liveObjects, objectDelta };

/** The image bytes of an encoder's chunks, in one buffer. */
export function concatChunks(chunks: Iterable<Uint8Array>): Uint8Array {
  const list = [...chunks];
  const out = new Uint8Array(list.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of list) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
