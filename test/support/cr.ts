// Helpers for C/R tests: the built-in design, a workload as the scenario runner takes it, and a
// machine with the controller started and the checkpoint triggered at a mark.
import { expect } from "vitest";
import { CPT_KILL } from "../../src/core/cr/interfaces.ts";
import { collectContainer } from "../../src/core/cr/collect/collect.ts";
import { CrError } from "../../src/core/cr/errors.ts";
import { crTrace, type CrOpRecord } from "../../src/core/cr/trace.ts";
import type { Kernel } from "../../src/machine/kernel/kernel.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Machine } from "../../src/machine/machine.ts";
import { builtinRegistry } from "../../src/workbench/plugins.ts";
import { designOf } from "../../src/workbench/scenario/runner.ts";
import { RESTART_LOG, bootMachine, ctlLog, startRestart, startRun } from "../../src/workbench/scenario/setup.ts";
import type { Experiment, WorkloadRef } from "../../src/workbench/scenario/types.ts";
import type { CellDesign } from "../../src/workbench/scenario/cell.ts";
import { sendSignal } from "../../src/machine/kernel/signal.ts";
import type { Task } from "../../src/machine/kernel/task.ts";
import { loadWorkloads, workloadFiles, WORKLOADS_DIR } from "./workloads.ts";

export function experiment(over: Partial<Experiment> = {}): Experiment {
  return {
    initiator: "external", creator: "kernel", codec: "cpt", pluginOptions: {}, workloads: [],
    points: { kind: "marked" }, modes: ["kill", "continue"], targets: ["same", "fresh"], seed: 1, cpus: 1, quantum: 100_000,
    ...over,
  };
}

export function workloadRef(name: string): WorkloadRef {
  const e = loadWorkloads().find((w) => w.name === name);
  if (e === undefined) throw new Error(`no workload ${name}`);
  return { name, elf: readFileSync(join(WORKLOADS_DIR, "bin", `${name}.elf`)), args: e.args, env: e.env, files: workloadFiles(e) };
}

export function openvzDesign(exp: Experiment = experiment()): CellDesign {
  return designOf(exp, builtinRegistry());
}

export interface Armed {
  m: Machine;
  ctl: Task;
  /** Set once the mark was reached and the controller signalled. */
  triggered: () => boolean;
}

/**
 * Boot a machine with the design's module, start the controller with `flags`, and have the
 * controller checkpoint when the container reaches its `mark`-th cpt_mark (the marking task is
 * held there until `m.kernel.releaseCptMarks()`).
 */
export function armAtMark(w: WorkloadRef, flags: number, mark = 1, design = openvzDesign(), exp = experiment()): Armed {
  const m = bootMachine(exp, w, design.module());
  const k = m.kernel;
  const ctl = startRun(m, w, flags);
  let seen = 0;
  let fired = false;
  k.onCptMark = (t) => {
    if (t.pidNs === k.initNs || ++seen !== mark) return false;
    fired = true;
    sendSignal(k, ctl, { signo: 10, code: 0 }, true);
    return true;
  };
  return { m, ctl, triggered: () => fired };
}

/**
 * A machine whose container is frozen at its `mark`-th cpt_mark (without a checkpoint): for
 * tests of the collector and the restore helpers. Returns the container's init.
 */
export function frozenAtMark(w: WorkloadRef, mark = 1, exp = experiment()): { m: Machine; init: Task } {
  const m = bootMachine(exp, w, openvzDesign(exp).module());
  const k = m.kernel;
  startRun(m, w, 0);
  let seen = 0;
  let hit = false;
  k.onCptMark = (t) => {
    if (t.pidNs === k.initNs || ++seen !== mark) return false;
    hit = true;
    return true;
  };
  // A task held at its mark with the others asleep leaves nothing runnable while a periodic timer
  // (a timerfd) may be due again and again: stop at idle then, rather than jump from one expiry
  // to the next for ever (the same once the container is frozen, below).
  k.idleStop = () => hit;
  for (let i = 0; i < 1_000_000 && !hit; i++) if (k.run(10_000, true) === 0) break;
  if (!hit) throw new Error(`${w.name} never reached mark ${mark}`);
  const g = k.freezer.root.children.get("ct")!;
  k.freezer.freeze(g);
  k.idleStop = () => k.freezer.state(g) === "FROZEN";
  for (let i = 0; i < 10_000 && k.freezer.state(g) !== "FROZEN"; i++) k.run(1_000, true);
  k.idleStop = null;
  if (k.freezer.state(g) !== "FROZEN") throw new Error(`${w.name}: the container did not freeze`);
  const init = [...k.tasks.values()].find((t) => t.pidNs !== k.initNs && t.pidNs.reaper === t && t.pid.nrIn(t.pidNs) === 1)!;
  return { m, init };
}

export { modelDiff } from "../../src/core/cr/model-diff.ts";

function creatorDesign(creator: string, options: Record<string, unknown> = {}) {
  const exp = experiment({ creator, pluginOptions: { "userspace-fork": options } });
  return { exp, design: openvzDesign(exp) };
}

/** Checkpoint `name` at its first mark (kill mode) with the external initiator and cpt, for restarts by `creator` (options: userspace-fork's). */
export function checkpointed(name: string, creator: string, options: Record<string, unknown> = {}) {
  const { exp, design: d } = creatorDesign(creator, options);
  const w = workloadRef(name);
  const a = armAtMark(w, CPT_KILL, 1, d, exp);
  const k = a.m.kernel;
  for (let i = 0; i < 100_000 && crTrace(k).ops[0]?.done !== true; i++) if (k.run(20_000, true) === 0 && crTrace(k).ops[0]?.done !== true) break;
  k.releaseCptMarks();
  k.run(Infinity, true);
  expect(crTrace(k).ops[0]?.result).toBe(0);
  return { w, m: a.m, k, d };
}

/** Run the creator's restarter to its end, calling `each` every 5 instructions; returns its log and op. */
export function restart(c: ReturnType<typeof checkpointed>, each?: (k: Kernel) => void): { log: [string, number][]; op: CrOpRecord } {
  const log0 = ctlLog(c.m, RESTART_LOG).length;
  const ops0 = crTrace(c.k).ops.length;
  const t = startRestart(c.m, c.w, c.d.restarter);
  for (let i = 0; i < 10_000_000 && t.alive; i++) {
    each?.(c.k);
    if (c.k.run(each === undefined ? 20_000 : 5, true) === 0) break;
  }
  const op = crTrace(c.k).ops.slice(ops0).find((o) => o.op === "restart")!;
  return { log: ctlLog(c.m, RESTART_LOG).slice(log0), op };
}

/** fork-tree's container frozen at its first mark: the scene of the collector's refusal tests. */
export function frozenForkTree(): { k: Kernel; init: Task } {
  const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
  return { k: m.kernel, init };
}

/** The CrError a checkpoint of init's container is refused with (an Error if it is collected). */
export function refusal(k: Kernel, init: Task): CrError {
  try {
    collectContainer(k, init, "test");
  } catch (e) {
    if (e instanceof CrError) return e;
    throw e;
  }
  throw new Error("the checkpoint was not refused");
}
