// What the lifetime cases (REVIEW-CASES.md 2-5, 8, 9, 15) share: one design's experiment and
// module, a machine with the workload's checkpoint armed at a mark (by the controller or by the
// program itself, as the design's initiator wants), and driving a machine finely enough that an
// rmmod, a kill or a close can land between any two steps of the C/R work.
import { resolveCell } from "../../core/cr/registry.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import { resolveWorkload } from "../config/experiment.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { Machine } from "../../machine/machine.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGKILL, SIGUSR1 } from "../../machine/kernel/signal-names.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { designOf } from "../scenario/runner.ts";
import type { CellDesign } from "../scenario/cell.ts";
import { bootMachine, startRun } from "../scenario/setup.ts";
import type { Experiment, WorkloadRef } from "../scenario/types.ts";
import type { Combination } from "../matrix/combos.ts";
import type { CaseContext } from "./types.ts";
import { kernelProblems as problemsOf } from "./kernel-state.ts";
export { problemsOf };

/** One design as the scenario runner takes it, with the case's seed and bugs. */
export interface CaseDesign {
  exp: Experiment;
  cell: CellDesign;
  /** The C/R module's name (cptrst, ckpt...). */
  moduleName: string;
}

export function caseDesign(design: Combination, ctx: CaseContext): CaseDesign {
  const exp: Experiment = {
    initiator: design.initiator, creator: design.creator, codec: design.codec, pluginOptions: {}, workloads: [],
    points: { kind: "marked" }, modes: ["kill"], targets: ["same"], seed: ctx.seed, cpus: 1, quantum: 100_000,
    bugs: [...ctx.bugs],
  };
  const moduleName = resolveCell(ctx.registry.cellContainer(design, exp.pluginOptions)).moduleName;
  return { exp, cell: designOf(exp, ctx.registry), moduleName };
}

const workloads = new Map<string, WorkloadRef>();

/** A built-in workload (read once per process). */
export function workload(name: string): WorkloadRef {
  let w = workloads.get(name);
  if (w === undefined) {
    w = resolveWorkload(name);
    workloads.set(name, w);
  }
  return w;
}

export interface ArmedRun {
  m: Machine;
  k: Kernel;
  /** The controller (cptbench-ctl run). */
  ctl: Task;
  /** True once the container reached the mark and the checkpoint was asked for (polling it asks). */
  triggered: () => boolean;
  /** The first checkpoint of the machine, once it began. */
  op: () => CrOpRecord | undefined;
}

/**
 * Boot a machine with the design's module, start the controller with `flags`, and have the
 * checkpoint taken at the container's `mark`-th cpt_mark: the controller is signalled and the
 * marking task held there (external), or the mark returns 1 + flags so the program's runtime
 * checkpoints itself (self).
 */
export function armAtMark(d: CaseDesign, w: WorkloadRef, flags: number, mark = 1): ArmedRun {
  const m = bootMachine(d.exp, w, d.cell.module());
  const k = m.kernel;
  const ctl = startRun(m, w, flags, d.cell.trigger);
  let seen = 0;
  let fired = false;
  let usr1 = false;
  // The controller is told once it waits for the container (as the runner's coarse slices find
  // it): with one-instruction stepping the mark can come while it is still starting up.
  const tell = (): boolean => {
    if (usr1 && ctl.state === "sleeping") {
      usr1 = false;
      sendSignal(k, ctl, { signo: SIGUSR1, code: 0 }, true);
    }
    return fired && !usr1;
  };
  k.onCptMark = (t) => {
    if (t.pidNs === k.initNs || ++seen !== mark) return false;
    fired = true;
    if (d.cell.trigger === "self") return { checkpoint: flags };
    usr1 = true;
    tell();
    return true;
  };
  const op = (): CrOpRecord | undefined => {
    tell();
    return crTrace(k).ops.find((o) => o.op === "checkpoint");
  };
  return { m, k, ctl, triggered: tell, op };
}

/** Run in slices until `until` holds or nothing runs; false if the budget ran out first. */
export function runUntil(k: Kernel, until: () => boolean, budget = 400_000_000, slice = 20_000): boolean {
  let executed = 0;
  while (!until()) {
    if (executed >= budget) return false;
    const n = k.run(slice, true);
    executed += n;
    if (n === 0) return until();
  }
  return true;
}

/** Run until the first checkpoint is over (or the controller ended), let held marks go, then to the end. */
export function driveToEnd(a: ArmedRun, budget = 400_000_000): CrOpRecord | undefined {
  runUntil(a.k, () => a.op()?.done === true || !a.ctl.alive, budget);
  a.k.releaseCptMarks();
  runUntil(a.k, () => !a.ctl.alive, budget);
  return a.op();
}

/** The container's init (pid 1 of a child pid namespace), if it exists. */
export function containerInit(k: Kernel): Task | undefined {
  return [...k.tasks.values()].find((t) => t.pidNs !== k.initNs && t.pidNs.reaper === t && t.pid.nrIn(t.pidNs) === 1);
}

/** SIGKILL every live task of the container whose init is `init`. */
export function killContainerFromOutside(k: Kernel, init: Task): number {
  let n = 0;
  for (const t of [...k.tasks.values()]) {
    if (t.alive && init.pidNs.contains(t.pidNs)) {
      sendSignal(k, t, { signo: SIGKILL, code: 0 }, true);
      n++;
    }
  }
  return n;
}

/** Kill what runs, let it die, shut down (leaks become oopses); the machine's problems. */
export function shutdown(k: Kernel): string[] {
  k.killAll();
  k.run(Infinity, true);
  k.shutdown();
  return problemsOf(k);
}

export const text = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
