// The first half of a cell (ARCHITECTURE.md, "Scenario" steps 1-4): boot the machine, run the
// workload to its point, checkpoint it through the design's initiator, kill it or let it go on to
// its end, and check what can be checked before any restart. A matrix cell (cell.ts) and
// `cptbench dump` / `restore` (workbench/image) both run exactly this, so an image a user keeps
// is the image a cell would have restarted.
import { performance } from "node:perf_hooks";
import type { Machine } from "../../machine/machine.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { ModuleDef } from "../../machine/kernel/module.ts";
import { settleBeforeOp } from "../../machine/mm/host-gc.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGUSR1 } from "../../machine/kernel/signal-names.ts";
import { SI_QUEUE } from "../../machine/kernel/siginfo.ts";
import { EOPNOTSUPP } from "../../core/cr/errors.ts";
import { shellStatus, type Task } from "../../machine/kernel/task.ts";
import { CPT_KILL, CPT_SIGNAL, type CheckpointTrigger } from "../../core/cr/interfaces.ts";
import { crTrace, type CrOpRecord, type CrTrace } from "../../core/cr/trace.ts";
import { instructionBudget, SLICE, type Reference } from "./reference.ts";
import { bootMachine, CT_CGROUP, CTL_LOG, ctlLog, guestFileSize, IMAGE_PATH, startRun, type RestarterSpec } from "./setup.ts";
import type { CrMode, Experiment, PhaseMetrics, Verdict, WorkloadRef } from "./types.ts";

/** Where a checkpoint is taken: the n-th cpt_mark of the container, or after n instructions. */
export type Point = { kind: "mark"; n: number } | { kind: "insn"; n: number };

export const pointName = (p: Point): string => `${p.kind}:${p.n}`;

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

export interface Counters {
  instructions: number;
  syscalls: number;
  contextSwitches: number;
}

export const counters = (k: Kernel, executed: number): Counters => ({
  instructions: executed, syscalls: k.stats.syscalls, contextSwitches: k.sched.contextSwitches,
});

/** This process's CPU time so far (user + system), in ms. */
export function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Host time (wall and CPU ms) at the end of an operation (CrTrace.watchEnd), as the phase's end. */
export interface HostTimes {
  wallMs: number;
  cpuMs: number;
}

/** Watch `trace` for the end of the operation `which` picks, and note the host times then. */
export function watchOpEnd(trace: CrTrace, which: (op: CrOpRecord) => boolean): { at: () => HostTimes | undefined; stop: () => void } {
  let at: HostTimes | undefined;
  const stop = trace.watchEnd((op) => {
    if (at === undefined && which(op)) at = { wallMs: performance.now(), cpuMs: cpuNow() };
  });
  return { at: () => at, stop };
}

/**
 * The metrics of a phase. `start` is the host times the phase began at, `opEnd` those at the
 * operation's end (absent when not watched): they give cpuMs, opWallMs and opCpuMs.
 */
export function phase(op: CrOpRecord, k: Kernel, wallMs: number, a: Counters, b: Counters, host?: { start: HostTimes; end: HostTimes; opEnd?: HostTimes }): PhaseMetrics {
  const times = host === undefined ? {} : {
    cpuMs: host.end.cpuMs - host.start.cpuMs,
    ...(host.opEnd !== undefined && { opWallMs: host.opEnd.wallMs - host.start.wallMs, opCpuMs: host.opEnd.cpuMs - host.start.cpuMs }),
  };
  return {
    virtualNs: k.cyclesToNs(op.end - op.start), wallMs, ...times,
    instructions: b.instructions - a.instructions, syscalls: b.syscalls - a.syscalls, contextSwitches: b.contextSwitches - a.contextSwitches,
    created: op.created, destroyed: op.destroyed, steps: op.steps,
  };
}

/** Run k (paused mode) until `until` holds or nothing is left to run; returns instructions executed. */
export function runUntil(k: Kernel, until: () => boolean, budget: number): number {
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

export function firstDiff(a: Uint8Array, b: Uint8Array): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (x: Uint8Array): string => JSON.stringify(new TextDecoder().decode(x.subarray(Math.max(0, i - 20), i + 40)));
  return `stdout differs from the reference at byte ${i} (${a.length} vs ${b.length} bytes): got ${show(a)}, want ${show(b)}`;
}

export { eq as sameBytes };

/** Why the checkpoint half of a cell cannot go on to a restart. */
export interface PhaseFailure {
  reason: string;
  verdict: Extract<Verdict, "fail" | "unsupported">;
  /** The machine's problems (oopses...), found when it was shut down. */
  problems: string[];
}

/** A finished checkpoint: where it was taken, the operation, its metrics. */
export interface TakenCheckpoint {
  point: string;
  op: CrOpRecord;
  metrics: PhaseMetrics;
}

/**
 * More checkpoints of the original after its first one, taken while it goes on (continue mode
 * with --iters: iterations.ts); `ctl` is its controller. `install` runs once the first point is
 * armed, before the machine runs; `collect` once the first checkpoint is over: it returns the
 * others, and why the series stopped early if it did.
 */
export interface FurtherCheckpoints {
  install(k: Kernel, ctl: Task): void;
  collect(k: Kernel, ctl: Task): { taken: TakenCheckpoint[]; failure?: Omit<PhaseFailure, "problems">; executed: number };
}

/** The machine after the checkpoint half of a cell: the image is at IMAGE_PATH in its tmpfs. */
export interface Checkpointed {
  machine: Machine;
  /** The finished checkpoint operation, and its metrics (null when it never finished). */
  op: CrOpRecord | null;
  metrics: PhaseMetrics | null;
  /** Every checkpoint taken (the first, then any `further` ones); the image is the last one's. */
  checkpoints: TakenCheckpoint[];
  /** Set when no restart may follow; the machine is then already shut down. */
  failure?: PhaseFailure;
  /** Everything the original wrote to stdout, and the part before the (last) checkpoint. */
  stdout: Uint8Array;
  prefix: Uint8Array;
  /** The instruction limit of every run of this workload (a broken restart cannot hang the bench). */
  budget: number;
  /** Kill what is left, shut the machine down, and return its problems (oopses, leaks). */
  shutdown(): string[];
}

/**
 * Steps 1-4 of a cell: `w` checkpointed at `point` in `mode` on a machine booted for `exp`. The
 * result carries the machine with the image in its tmpfs, or a failure (machine shut down).
 */
export function checkpointAt(exp: Experiment, w: WorkloadRef, ref: Reference, design: CellDesign, point: Point, mode: CrMode, further?: FurtherCheckpoints): Checkpointed {
  const budget = instructionBudget(ref);
  const a = bootMachine(exp, w, design.module());
  const ka = a.kernel;
  const trace = crTrace(ka);
  const self = design.trigger === "self";
  const flags = mode === "kill" ? CPT_KILL : 0;
  const ctl = startRun(a, w, flags, design.trigger);
  let triggered = false;
  let triggerAt = 0;
  let triggerCpu = 0;
  let executed = 0;
  const trigger = (): void => {
    if (triggered || !ctl.alive) return;
    triggered = true;
    settleBeforeOp(ka.frames.inUse);
    triggerAt = performance.now();
    triggerCpu = cpuNow();
    sendSignal(ka, ctl, { signo: SIGUSR1, code: 0 }, true);
  };
  let unsupported: string | undefined;
  if (self && point.kind === "mark") {
    // The program checkpoints itself: its n-th cpt_mark returns 1 + flags and its runtime
    // calls sys_checkpoint(0, fd, flags) right there.
    let seen = 0;
    ka.onCptMark = (t) => {
      if (t.pidNs === ka.initNs || ++seen !== point.n) return false;
      // Only a program linked with cptbench's runtime, or with the shim the libc workloads link
      // (workloads/tools/cpt-self.c), acts on that return value; both catch CPT_SIGNAL (as
      // SigCgt would show). A program with neither marks points but cannot checkpoint itself:
      // say so rather than wait for it.
      const handler = t.sighand.actions[CPT_SIGNAL].handler;
      if (handler === 0 || handler === 1) {
        unsupported = `at mark ${point.n} the workload does not catch CPT_SIGNAL (${CPT_SIGNAL}): it has no self-checkpoint runtime or shim (workloads/tools/cpt-self.c), so it cannot checkpoint itself`;
        return false;
      }
      triggered = true;
      settleBeforeOp(ka.frames.inUse);
      triggerAt = performance.now();
      triggerCpu = cpuNow();
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
    // The handler is SA_RESTART, but Linux ends some sleeps with EINTR after any handler (poll,
    // select, epoll_wait, sigsuspend...: ERESTARTNOHAND): where the workload blocks in one, the
    // design itself changes what the program sees. A finding about the design, declared in the
    // manifest, not a failed cell.
    if (w.selfSignalWhy !== undefined) unsupported = `a checkpoint signal changes what this program does: ${w.selfSignalWhy}`;
    else if (main === undefined) unsupported = `at instruction ${point.n} the workload's main process has exited: nobody is left to take a self-checkpoint`;
    else if (handler === 0 || handler === 1) {
      unsupported = `at instruction ${point.n} the workload's main process does not catch CPT_SIGNAL (${CPT_SIGNAL}) yet: it has not executed the workload, or took the signal over`;
    } else {
      triggered = true;
      settleBeforeOp(ka.frames.inUse);
      triggerAt = performance.now();
      triggerCpu = cpuNow();
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
  further?.install(ka, ctl);
  // Up to the end of the checkpoint, then the original to its end.
  const cptOp = (): CrOpRecord | undefined => trace.ops.find((o) => o.op === "checkpoint");
  const before = counters(ka, executed);
  // A task held at its mark must be released before the clock idles past what the reference
  // saw: run() stops at idle once the checkpoint is over and the hold is all that remains.
  ka.idleStop = () => ka.cptMarkHeld.size > 0 && cptOp()?.done === true;
  const opEnd = watchOpEnd(trace, (o) => o === cptOp());
  executed += runUntil(ka, () => cptOp()?.done === true || !ctl.alive, budget);
  opEnd.stop();
  ka.idleStop = null;
  const cptEnd = { wallMs: performance.now(), cpuMs: cpuNow() };
  const cptWall = cptEnd.wallMs - triggerAt;
  const after = counters(ka, executed);
  ka.releaseCptMarks();
  const first = cptOp();
  const more = further !== undefined && first?.done === true && first.result === 0 ? further.collect(ka, ctl) : undefined;
  executed += more?.executed ?? 0;
  executed += runUntil(ka, () => !ctl.alive, budget);
  const op = first;
  const log = ctlLog(a, CTL_LOG);
  const shutdown = (): string[] => {
    ka.killAll();
    ka.run();
    ka.shutdown();
    return problemsOf(ka);
  };
  const stdout = a.console.stdout;
  const result: Checkpointed = { machine: a, op: null, metrics: null, checkpoints: [], stdout, prefix: new Uint8Array(0), budget, shutdown };
  const fail = (reason: string, verdict: PhaseFailure["verdict"] = "fail"): Checkpointed => {
    result.failure = { reason, verdict, problems: shutdown() };
    return result;
  };
  if (unsupported !== undefined) return fail(unsupported, "unsupported");
  if (!triggered) return fail(`the point ${pointName(point)} was never reached (the reference has ${ref.marks} marks)`);
  if (op === undefined && self && point.kind === "insn") {
    // The workload blocked or ignored CPT_SIGNAL, or put its own handler in place, until it ended.
    return fail(`the workload never ran the runtime's CPT_SIGNAL handler after instruction ${point.n}: a signal-triggered self-checkpoint cannot be taken there`, "unsupported");
  }
  if (op === undefined || !op.done) {
    const why = log.find(([v]) => v === "checkpoint")?.[1];
    return fail(why !== undefined ? `checkpoint returned ${why} without a trace` : "the container ended before the controller could checkpoint it");
  }
  const metrics = phase(op, ka, cptWall, before, after, { start: { wallMs: triggerAt, cpuMs: triggerCpu }, end: cptEnd, opEnd: opEnd.at() });
  result.op = op;
  result.metrics = metrics;
  // EOPNOTSUPP: the design cannot carry something the container has (it says what): not a failure.
  if (op.result === -EOPNOTSUPP) return fail(`checkpoint failed: ${op.error ?? `errno ${-op.result}`}`, "unsupported");
  // A failed checkpoint gives the container back (every initiator thaws it, and CPT_KILL takes
  // effect only after the last step): whether the original then ran on as it should is part of
  // the verdict's reason.
  if (op.result !== 0) return fail(`checkpoint failed: ${op.error ?? `errno ${-op.result}`}; ${ranOn(ctl, stdout, ref)}`);
  result.checkpoints = [{ point: pointName(point), op, metrics }, ...(more?.taken ?? [])];
  if (more?.failure !== undefined) return fail(`iteration ${result.checkpoints.length + 1}: ${more.failure.reason}`, more.failure.verdict);
  if (ctl.alive) return fail("the original run did not end");
  const last = result.checkpoints[result.checkpoints.length - 1].op;
  result.prefix = stdout.subarray(0, last.stdoutAt ?? 0);
  if (mode === "continue") {
    const status = shellStatus(ctl.exit ?? { signal: 9 });
    if (!eq(stdout, ref.stdout)) return fail(`after a checkpoint the original run went wrong: ${firstDiff(stdout, ref.stdout)}`);
    if (status !== ref.exitCode) return fail(`after a checkpoint the original run exited ${status}, not ${ref.exitCode}`);
  }
  const size = guestFileSize(a, IMAGE_PATH);
  if (size !== last.imageBytes) return fail(`the image file has ${size < 0 ? "no" : size} bytes, the checkpoint wrote ${last.imageBytes}`);
  return result;
}

/** Whether the original, after a failed checkpoint, ran on to its end as the reference did. */
function ranOn(ctl: Task, stdout: Uint8Array, ref: Reference): string {
  if (ctl.alive) return "the original did not run on to its end";
  const status = shellStatus(ctl.exit ?? { signal: 9 });
  if (!eq(stdout, ref.stdout)) return `the original did not run on as the reference: ${firstDiff(stdout, ref.stdout)}`;
  if (status !== ref.exitCode) return `the original ran on but exited ${status}, the reference ${ref.exitCode}`;
  return "the original ran on to its end as the reference did";
}

/**
 * The workload's main process — the first child of the container's init — as a live thread of
 * it (its leader, unless the leader has exited while other threads go on).
 */
export function workloadMain(k: Kernel, ctl: Task): Task | undefined {
  const cinit = [...k.tasks.values()].find((t) => t.parent === ctl && t.pidNs !== k.initNs);
  if (cinit === undefined) return undefined;
  const main = [...k.tasks.values()].find((t) => t.parent === cinit && t.isLeader);
  if (main === undefined || main.group.groupExit) return undefined;
  return main.alive ? main : [...main.group.threads].find((t) => t.alive);
}
