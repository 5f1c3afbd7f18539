// What the race cases (race-cases.ts) share: a checkpoint image of a workload at one of its
// marks, taken once by the design's initiator and codec; fresh machines that restart from it
// through the design's creator, stepped as finely as a case needs; and the bookkeeping of a
// restart's aftermath (live kernel objects per type, tasks left in the container).
import type { Machine } from "../../machine/machine.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGUSR1 } from "../../machine/kernel/signal-names.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { CPT_KILL, type ImageCodec } from "../../core/cr/interfaces.ts";
import { resolveCell } from "../../core/cr/registry.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import { resolveWorkload } from "../config/experiment.ts";
import type { CellDesign } from "../scenario/cell.ts";
import { designOf } from "../scenario/runner.ts";
import { bootMachine, IMAGE_PATH, readGuestFile, startRestart, startRun, toolElf, writeGuestFile } from "../scenario/setup.ts";
import type { Experiment, WorkloadRef } from "../scenario/types.ts";
import type { Combination } from "../matrix/combos.ts";
import type { CaseContext } from "./types.ts";
import { kernelProblems, liveObjects, objectDelta as liveDiff } from "./kernel-state.ts";
export { kernelProblems, liveObjects, liveDiff };

/** One design with its options, a workload, and what it takes to boot machines for them. */
export interface CaseSetup {
  exp: Experiment;
  design: CellDesign;
  codec: ImageCodec;
  w: WorkloadRef;
}

/** The design `d` with plugin options, on `workload`, seeded by the case context. */
export function caseSetup(d: Combination, ctx: CaseContext, workload: string, pluginOptions: Record<string, unknown> = {}, over: Partial<Experiment> = {}): CaseSetup {
  const exp: Experiment = {
    initiator: d.initiator, creator: d.creator, codec: d.codec, pluginOptions, workloads: [], points: { kind: "marked" },
    modes: ["kill"], targets: ["same"], seed: ctx.seed, cpus: 1, quantum: 100_000,
    ...(ctx.bugs.size > 0 ? { bugs: [...ctx.bugs] } : {}), ...over,
  };
  const design = designOf(exp, ctx.registry);
  const codec = resolveCell(ctx.registry.cellContainer(d, pluginOptions)).codec;
  return { exp, design, codec, w: resolveWorkload(workload) };
}

/** Tasks of any container (any pid namespace below the root one), alive or zombie. */
export const containerTasksOf = (k: Kernel): Task[] => [...k.tasks.values()].filter((t) => t.pidNs !== k.initNs && t.state !== "dead");

export interface Image {
  bytes: Uint8Array;
  /** The checkpoint's trace record. */
  op: CrOpRecord;
}

/**
 * Checkpoint `s.w` (kill mode) at its `mark`-th cpt_mark with the design's initiator and codec,
 * on a machine of its own; the image bytes, or why the checkpoint could not be taken.
 */
export function checkpointAtMark(s: CaseSetup, mark = 1): Image | string {
  const m = bootMachine(s.exp, s.w, s.design.module());
  const k = m.kernel;
  const ctl = startRun(m, s.w, CPT_KILL, s.design.trigger);
  let seen = 0;
  k.onCptMark = (t) => {
    if (t.pidNs === k.initNs || ++seen !== mark) return false;
    if (s.design.trigger === "self") return { checkpoint: CPT_KILL };
    sendSignal(k, ctl, { signo: SIGUSR1, code: 0 }, true);
    return true;
  };
  const trace = crTrace(k);
  const dumped = (): boolean => trace.ops[0]?.done === true;
  for (let i = 0; i < 100_000 && !dumped(); i++) if (k.run(20_000, true) === 0) break;
  k.releaseCptMarks();
  k.run(Infinity, true);
  const op = trace.ops.find((o) => o.op === "checkpoint");
  const bytes = readGuestFile(m, IMAGE_PATH);
  k.shutdown();
  const problems = kernelProblems(k);
  if (problems.length > 0) return `the checkpoint's machine had problems: ${problems[0]}`;
  if (op === undefined || !op.done) return `${s.w.name} never reached mark ${mark} or was not checkpointed there`;
  if (op.result !== 0) return `the checkpoint failed: ${op.error ?? `errno ${-op.result}`}`;
  if (bytes === null) return "the checkpoint left no image file";
  return { bytes: bytes.slice(), op };
}

/**
 * A machine booted for the design with `image` in place, and the restarter not yet started. Its
 * root init already runs (a first program boots it: the restarter, refusing a bad option), so
 * that live kernel objects counted now are the baseline a failed restart must come back to.
 */
export function machineWithImage(s: CaseSetup, image: Uint8Array): Machine {
  const m = bootMachine(s.exp, s.w, s.design.module());
  writeGuestFile(m, IMAGE_PATH, image);
  const path = `/bin/${s.design.restarter.program}`;
  m.kernel.spawn(toolElf(s.design.restarter.program), [path, "--flags"], [], path);
  m.kernel.run(Infinity, true);
  return m;
}

/** A restart in progress on m: its restarter and (once begun) its trace record. */
export interface Restarting {
  m: Machine;
  k: Kernel;
  rst: Task;
  op: () => CrOpRecord | undefined;
}

export function beginRestart(s: CaseSetup, m: Machine): Restarting {
  const k = m.kernel;
  const trace = crTrace(k);
  const ops0 = trace.ops.length;
  const rst = startRestart(m, s.w, s.design.restarter);
  return { m, k, rst, op: () => trace.ops.slice(ops0).find((o) => o.op === "restart") };
}

/**
 * Run until the restart op has begun (in slices small enough that no task of the container has
 * been made yet: the restarter's image read alone takes more than one). false if it never began.
 */
export function runToRestartBegin(r: Restarting, slice = 50, budget = 50_000_000): boolean {
  for (let n = 0; n < budget && r.op() === undefined && r.rst.alive;) {
    const ran = r.k.run(slice, true);
    n += ran;
    if (ran === 0) break;
  }
  return r.op() !== undefined;
}

/** Run the restart to its end (op done or the restarter gone), `slice` at a time; true if the op is done. */
export function runToRestartEnd(r: Restarting, slice = 20_000, budget = 500_000_000): boolean {
  for (let n = 0; n < budget && r.op()?.done !== true && r.rst.alive;) {
    const ran = r.k.run(slice, true);
    n += ran;
    if (ran === 0) break;
  }
  return r.op()?.done === true;
}
