// One checkpoint point of one workload, in one mode, restarted on each requested target
// (ARCHITECTURE.md, "Scenario"): run to the point, checkpoint through the controller, kill or let
// the original go on, restart in the same machine or in a fresh one, run to the end, and hold the
// result to the reference run. The image goes through a real file on the host's disk between
// the machines.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Machine } from "../../machine/machine.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { ModuleDef } from "../../machine/kernel/module.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGUSR1 } from "../../machine/kernel/signal-names.ts";
import { SI_QUEUE } from "../../machine/kernel/siginfo.ts";
import { EOPNOTSUPP } from "../../core/cr/errors.ts";
import { shellStatus, type Task } from "../../machine/kernel/task.ts";
import { CPT_KILL, CPT_SIGNAL, type CheckpointTrigger } from "../../core/cr/interfaces.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import { instructionBudget, SLICE, type Reference } from "./reference.ts";
import {
  bootMachine, CT_CGROUP, CTL_LOG, ctlLog, guestFileSize, IMAGE_PATH, loadGuestFile, RESTART_LOG, saveGuestFile, startRestart, startRun,
  treeDigest, workdirOf, type RestarterSpec,
} from "./setup.ts";
import type { CellResult, CrMode, CrTarget, Experiment, PhaseMetrics, WorkloadRef } from "./types.ts";

/** Where a checkpoint is taken: the n-th cpt_mark of the container, or after n instructions. */
export type Point = { kind: "mark"; n: number } | { kind: "insn"; n: number };

export const pointName = (p: Point): string => `${p.kind}:${p.n}`;

interface Counters {
  instructions: number;
  syscalls: number;
  contextSwitches: number;
}

const counters = (k: Kernel, executed: number): Counters => ({
  instructions: executed, syscalls: k.stats.syscalls, contextSwitches: k.sched.contextSwitches,
});

function phase(op: CrOpRecord, k: Kernel, wallMs: number, a: Counters, b: Counters): PhaseMetrics {
  return {
    virtualNs: k.cyclesToNs(op.end - op.start), wallMs,
    instructions: b.instructions - a.instructions, syscalls: b.syscalls - a.syscalls, contextSwitches: b.contextSwitches - a.contextSwitches,
    created: op.created, destroyed: op.destroyed, steps: op.steps,
  };
}

/** Run k (paused mode) until `until` holds or nothing is left to run; returns instructions executed. */
function runUntil(k: Kernel, until: () => boolean, budget: number): number {
  let executed = 0;
  while (!until() && executed < budget) {
    const n = k.run(Math.min(SLICE, budget - executed), true);
    executed += n;
    if (n === 0 && !until()) break;
  }
  return executed;
}

/** Oopses, deadlocks and instruction limits the machine reported, as sentences. */
export function problemsOf(k: Kernel): string[] {
  return k.events.filter((e) => e.kind === "oops" || e.kind === "deadlock" || e.kind === "instruction-limit").map((e) => `${e.kind}: ${e.message}`);
}

const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

function firstDiff(a: Uint8Array, b: Uint8Array): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (x: Uint8Array): string => JSON.stringify(new TextDecoder().decode(x.subarray(Math.max(0, i - 20), i + 40)));
  return `stdout differs from the reference at byte ${i} (${a.length} vs ${b.length} bytes): got ${show(a)}, want ${show(b)}`;
}

export interface CellDesign {
  initiator: string;
  creator: string;
  codec: string;
  /** Who asks for the checkpoint: the controller, or the program itself (the initiator's trigger). */
  trigger: CheckpointTrigger;
  /** The guest program that restarts (the creator's restarter). */
  restarter: RestarterSpec;
  /** A fresh module definition per machine (it holds that machine's C/R state). */
  module: () => ModuleDef;
}

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
  const failAll = (reason: string, oopses: string[] = [], verdict: "fail" | "unsupported" = "fail"): CellResult[] => {
    for (const r of results) {
      r.reason ??= reason;
      r.verdict = oopses.length > 0 ? "fail" : verdict;
      r.oopses.push(...oopses);
    }
    return results;
  };
  const budget = instructionBudget(ref);
  const a = bootMachine(exp, w, design.module());
  const ka = a.kernel;
  const trace = crTrace(ka);
  const self = design.trigger === "self";
  const flags = mode === "kill" ? CPT_KILL : 0;
  const ctl = startRun(a, w, flags, design.trigger);
  let triggered = false;
  let triggerAt = 0;
  let executed = 0;
  const trigger = (): void => {
    if (triggered || !ctl.alive) return;
    triggered = true;
    triggerAt = performance.now();
    sendSignal(ka, ctl, { signo: SIGUSR1, code: 0 }, true);
  };
  let unsupported: string | undefined;
  if (self && point.kind === "mark") {
    // The program checkpoints itself: its n-th cpt_mark returns 1 + flags and its runtime
    // calls sys_checkpoint(0, fd, flags) right there.
    let seen = 0;
    ka.onCptMark = (t) => {
      if (t.pidNs === ka.initNs || ++seen !== point.n) return false;
      triggered = true;
      triggerAt = performance.now();
      return { checkpoint: flags };
    };
  } else if (self) {
    // At an arbitrary instruction the runtime's CPT_SIGNAL handler takes the checkpoint; the
    // signal goes to the workload's main process (the first child of the container's init),
    // queued with the flags as its value as sigqueue(3) would, and lands whenever that task
    // next returns to user mode. Only where the handler is in place, as SigCgt in
    // /proc/<pid>/status would show: before the workload's execve the process is still the
    // controller's code, and a workload may have put its own action there.
    executed += runUntil(ka, () => false, point.n);
    const main = workloadMain(ka, ctl);
    const handler = main?.sighand.actions[CPT_SIGNAL].handler ?? 0;
    if (main === undefined) unsupported = `at instruction ${point.n} the workload's main process has exited: nobody is left to take a self-checkpoint`;
    else if (handler === 0 || handler === 1) {
      unsupported = `at instruction ${point.n} the workload's main process does not catch CPT_SIGNAL (${CPT_SIGNAL}) yet: it has not executed the workload, or took the signal over`;
    } else {
      triggered = true;
      triggerAt = performance.now();
      sendSignal(ka, main, { signo: CPT_SIGNAL, code: SI_QUEUE, pid: 0, uid: 0, value: flags }, false);
    }
  } else if (point.kind === "mark") {
    let seen = 0;
    // The marking task is held at its mark until the checkpoint is over: the image is taken
    // exactly there, whatever the other tasks do meanwhile.
    ka.onCptMark = (t) => {
      if (t.pidNs === ka.initNs || ++seen !== point.n) return false;
      trigger();
      return true;
    };
  } else {
    // At an arbitrary instruction the container is frozen where it stands (as an administrator
    // would, echo FROZEN > freezer.state) and the controller asked to checkpoint it: the
    // initiator's own freeze then finds it frozen, and the image is taken exactly at the point.
    executed += runUntil(ka, () => false, point.n);
    const g = ka.freezer.root.children.get(CT_CGROUP);
    if (g !== undefined) ka.freezer.freeze(g);
    trigger();
  }
  // Phase 1: up to the end of the checkpoint, then the original to its end.
  const cptOp = (): CrOpRecord | undefined => trace.ops.find((o) => o.op === "checkpoint");
  const before = counters(ka, executed);
  executed += runUntil(ka, () => cptOp()?.done === true || !ctl.alive, budget);
  const cptWall = performance.now() - triggerAt;
  const after = counters(ka, executed);
  ka.releaseCptMarks();
  executed += runUntil(ka, () => !ctl.alive, budget);
  const op = cptOp();
  const log = ctlLog(a, CTL_LOG);
  const shutdownA = (): string[] => {
    ka.killAll();
    ka.run();
    ka.shutdown();
    return problemsOf(ka);
  };
  if (unsupported !== undefined) return failAll(unsupported, shutdownA(), "unsupported");
  if (!triggered) return failAll(`the point ${pointName(point)} was never reached (the reference has ${ref.marks} marks)`, shutdownA());
  if (op === undefined && self && point.kind === "insn") {
    // The workload blocked or ignored CPT_SIGNAL, or put its own handler in place, until it ended.
    return failAll(`the workload never ran the runtime's CPT_SIGNAL handler after instruction ${point.n}: a signal-triggered self-checkpoint cannot be taken there`, shutdownA(), "unsupported");
  }
  if (op === undefined || !op.done) {
    const why = log.find(([v]) => v === "checkpoint")?.[1];
    return failAll(why !== undefined ? `checkpoint returned ${why} without a trace` : "the container ended before the controller could checkpoint it", shutdownA());
  }
  const ckpt = phase(op, ka, cptWall, before, after);
  for (const r of results) {
    r.checkpoint = ckpt;
    r.tasks = op.tasks;
    r.imageBytes = op.imageBytes;
  }
  // EOPNOTSUPP: the design cannot carry something the container has (it says what): not a failure.
  if (op.result !== 0) return failAll(`checkpoint failed: ${op.error ?? `errno ${-op.result}`}`, shutdownA(), op.result === -EOPNOTSUPP ? "unsupported" : "fail");
  if (ctl.alive) return failAll("the original run did not end", shutdownA());
  const stdoutA = a.console.stdout;
  const prefix = stdoutA.subarray(0, op.stdoutAt ?? 0);
  if (mode === "continue") {
    const status = shellStatus(ctl.exit ?? { signal: 9 });
    if (!eq(stdoutA, ref.stdout)) return failAll(`after a checkpoint the original run went wrong: ${firstDiff(stdoutA, ref.stdout)}`, shutdownA());
    if (status !== ref.exitCode) return failAll(`after a checkpoint the original run exited ${status}, not ${ref.exitCode}`, shutdownA());
  }
  const size = guestFileSize(a, IMAGE_PATH);
  if (size !== op.imageBytes) return failAll(`the image file has ${size < 0 ? "no" : size} bytes, the checkpoint wrote ${op.imageBytes}`, shutdownA());
  // The image crosses machines through a real file, copied page by page.
  const dir = mkdtempSync(join(tmpdir(), "cptbench-"));
  const imgPath = join(dir, `${w.name}-${pointName(point).replace(":", "-")}.img`);
  try {
    if (targets.includes("fresh")) saveGuestFile(a, IMAGE_PATH, imgPath);
    // The same machine first: it is then shut down before a fresh one boots.
    if (targets.includes("same")) restartOn(a, w, design.restarter, ref, results[targets.indexOf("same")], prefix, stdoutA.length, budget);
    const probA = shutdownA();
    for (const r of results) r.oopses.push(...probA);
    if (targets.includes("fresh")) {
      const r = results[targets.indexOf("fresh")];
      const b = bootMachine(exp, w, design.module());
      loadGuestFile(b, imgPath, IMAGE_PATH);
      rmSync(imgPath, { force: true });
      restartOn(b, w, design.restarter, ref, r, prefix, 0, budget);
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

/**
 * The workload's main process — the first child of the container's init — as a live thread of
 * it (its leader, unless the leader has exited while other threads go on).
 */
function workloadMain(k: Kernel, ctl: Task): Task | undefined {
  const cinit = [...k.tasks.values()].find((t) => t.parent === ctl && t.pidNs !== k.initNs);
  if (cinit === undefined) return undefined;
  const main = [...k.tasks.values()].find((t) => t.parent === cinit && t.isLeader);
  if (main === undefined || main.group.groupExit) return undefined;
  return main.alive ? main : [...main.group.threads].find((t) => t.alive);
}

/** Restart from the image on m and judge the result against the reference. */
function restartOn(
  m: Machine, w: WorkloadRef, restarter: RestarterSpec, ref: Reference, r: CellResult, prefix: Uint8Array, outStart: number, budget: number,
): void {
  const k = m.kernel;
  const trace = crTrace(k);
  const opsBefore = trace.ops.length;
  const rst: Task = startRestart(m, w, restarter);
  const rstOp = (): CrOpRecord | undefined => trace.ops.slice(opsBefore).find((o) => o.op === "restart");
  const t0 = performance.now();
  const before = counters(k, 0);
  let executed = runUntil(k, () => rstOp()?.done === true || !rst.alive, budget);
  const wall = performance.now() - t0;
  const after = counters(k, executed);
  executed += runUntil(k, () => !rst.alive, budget);
  const op = rstOp();
  if (op !== undefined && op.done) {
    r.restart = phase(op, k, wall, before, after);
    r.objectsCreated = Object.values(op.created).reduce((s, n) => s + n, 0);
  }
  if (op === undefined || !op.done) {
    r.reason = `the restart never completed (restart log: ${JSON.stringify(ctlLog(m, RESTART_LOG))})`;
    return;
  }
  if (op.result < 0) {
    r.reason = `restart failed: ${op.error ?? `errno ${-op.result}`}`;
    if (op.result === -EOPNOTSUPP) r.verdict = "unsupported";
    return;
  }
  if (rst.alive) {
    r.reason = `the restored container did not end within ${budget} instructions`;
    return;
  }
  const out = k.console.stdout.subarray(outStart);
  const got = Buffer.concat([prefix, out]);
  const status = shellStatus(rst.exit ?? { signal: 9 });
  const tree = treeDigest(m, workdirOf(w));
  if (!eq(got, ref.stdout)) r.reason = firstDiff(got, ref.stdout);
  else if (status !== ref.exitCode) r.reason = `the restored run exited ${status}, the reference ${ref.exitCode}`;
  else if (tree !== ref.tree) r.reason = `the files under ${workdirOf(w)} differ from the reference's at the end`;
  else r.verdict = "pass";
}
