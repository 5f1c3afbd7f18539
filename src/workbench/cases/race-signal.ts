// Case 1, the signal-race gap. A task forked by a user-space restarter runs user code between
// fork's return and its sys_restart(RESTART_TASK): a signal there kills it or runs a handler.
// The case measures that window per forked task in guest instructions, then re-runs the restart
// from the same image once per point of it (every instruction offset of every task, or a seeded
// sample) and has the restarter — a task outside the container — kill(2) the task or its process
// group with SIGKILL, SIGTERM or SIGINT right there. Each point must end "restored" (the restart
// completed; a held signal then lands on the restored task) or "clean failure" (the restart
// failed with an error, no task of the container is left, every kernel object type is back to
// its count before the restart, and a retry from the same image restores). For the in-kernel
// creator it measures that no user instruction of a restored task runs before the restart is over.
import type { Kernel } from "../../machine/kernel/kernel.ts";
import { Prng } from "../../machine/kernel/prng.ts";
import { SIGINT, SIGKILL, SIGTERM } from "../../machine/kernel/signal-names.ts";
import { NR_RESTART } from "../../machine/kernel/syscalls/cr-nr.ts";
import { SYSCALLS } from "../../machine/kernel/syscalls/table.ts";
import type { Task } from "../../machine/kernel/task.ts";
import type { Hart } from "../../machine/cpu/hart.ts";
import type { PidNamespace } from "../../machine/kernel/pid.ts";
import type { Combination } from "../matrix/combos.ts";
import {
  beginRestart, caseSetup, checkpointAtMark, containerTasksOf, kernelProblems, liveDiff, liveObjects, machineWithImage, runToRestartBegin,
  runToRestartEnd, type CaseSetup, type Restarting,
} from "./race-support.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

/** The workload and mark the case restarts: a pipeline of four processes (pipe-tree:pipeline). */
export const SIGNAL_RACE_WORKLOAD = "pipe-tree";
export const SIGNAL_RACE_MARK = 1;
/**
 * The workloads explored: the pipeline first (its figures keep their plain names, its points are
 * the outcome's details), then AF_UNIX sockets in an epoll set held by a server and three clients
 * asleep in read (issue 16), whose figures are named "libc-sock-epoll: ...".
 */
export const SIGNAL_RACE_WORKLOADS: readonly { name: string; mark: number }[] = [
  { name: SIGNAL_RACE_WORKLOAD, mark: SIGNAL_RACE_MARK },
  { name: "libc-sock-epoll", mark: 1 },
];
type RaceWorkload = (typeof SIGNAL_RACE_WORKLOADS)[number];
/** sys_restart's flags for a forked task restoring itself (userspace-fork's restarting.ts). */
const RESTART_TASK = 2;
const SIGNALS = [SIGKILL, SIGTERM, SIGINT] as const;
const SIGNAL_NAMES: Record<number, string> = { [SIGKILL]: "SIGKILL", [SIGTERM]: "SIGTERM", [SIGINT]: "SIGINT" };
const TARGETS = ["task", "group"] as const;
type Target = (typeof TARGETS)[number];
export const MITIGATIONS = ["none", "block"] as const;
/** Points run per mitigation when sampling (ctx.quick), and the most an exhaustive run takes. */
const QUICK_POINTS = 36;
const FULL_POINTS = 1_500;
/** Fine steps (one instruction or kthread step each) a restart may take. */
const MAX_STEPS = 5_000_000;
/** Instructions the restored container may run after a successful restart before it is stopped. */
const AFTER_RESTORE = 2_000_000;

/** One signal at one point of one task's window. */
export interface Injection {
  /** The task's pid in the container. */
  nr: number;
  /** Instructions the task has executed since fork returned when the signal is sent. */
  offset: number;
  signo: number;
  target: Target;
}

interface Tracked {
  nr: number;
  /** instret at first sight (before its first instruction), on the hart it had then. */
  base: number;
  hart: Hart;
  prev: number;
  /** Instructions from fork's return to sys_restart(RESTART_TASK) (the ecall included), once it got there. */
  window: number | null;
}

export interface Observed {
  /** Per forked task in the order they appeared: its pid in the container and its window. */
  windows: { nr: number; window: number | null }[];
  /** User-mode instructions of the container's tasks between the restart's start and its end. */
  userBeforeDone: number;
  /** kill(2)'s return when the signal was sent; undefined if it was not. */
  killResult?: number;
  /** Why the run could not be observed, if it could not. */
  error?: string;
}

/** The container's own namespace: the outermost below the root one. */
function containerNs(k: Kernel, ns: PidNamespace): PidNamespace {
  let p = ns;
  while (p.parent !== null && p.parent !== k.initNs) p = p.parent;
  return p;
}

/**
 * Restart from `image` on a fresh machine, one instruction (or kthread step) at a time from the
 * moment the restart begins until it is over, watching every task of the container: when it
 * appears, how many user instructions it runs, when it enters sys_restart(RESTART_TASK). With
 * `inject`, the restarter kill(2)s the task (or its process group) once the task has run exactly
 * `inject.offset` instructions.
 */
export function observeRestart(s: CaseSetup, image: Uint8Array, inject?: Injection, beginSlice = 50): { r: Restarting; before: Record<string, number>; obs: Observed } {
  const m = machineWithImage(s, image);
  const k = m.kernel;
  const before = liveObjects(k);
  const r = beginRestart(s, m);
  const obs: Observed = { windows: [], userBeforeDone: 0 };
  if (!runToRestartBegin(r, beginSlice)) return { r, before, obs: { ...obs, error: "the restart never began" } };
  // (The in-kernel creator may have made kernel threads by now; none may be in user mode yet.)
  if (containerTasksOf(k).some((t) => t.kthread === null)) return { r, before, obs: { ...obs, error: "tasks of the container ran in user mode before the restart was watched" } };
  const tracked = new Map<Task, Tracked>();
  for (let i = 0; i < MAX_STEPS && r.op()?.done !== true; i++) {
    k.run(1, true);
    for (const t of k.tasks.values()) {
      if (t.pidNs === k.initNs || t.state === "dead") continue;
      let rec = tracked.get(t);
      if (rec === undefined) {
        rec = { nr: t.pid.nrIn(containerNs(k, t.pidNs)), base: t.hart.instret, hart: t.hart, prev: t.hart.instret, window: null };
        tracked.set(t, rec);
        obs.windows.push({ nr: rec.nr, window: null });
      }
      if (t.kthread === null) {
        if (rec.hart === t.hart) obs.userBeforeDone += t.hart.instret - rec.prev;
        rec.hart = t.hart;
        rec.prev = t.hart.instret;
      }
      const x = t.hart.x;
      if (rec.window === null && t.kthread === null && t.state === "sleeping" && x[17] === NR_RESTART && x[12] === RESTART_TASK) {
        rec.window = t.hart.instret - rec.base;
        obs.windows.find((w) => w.nr === rec.nr)!.window = rec.window;
      }
      if (inject !== undefined && obs.killResult === undefined && rec.nr === inject.nr && rec.window === null && t.alive && t.hart === rec.hart && t.hart.instret - rec.base === inject.offset) {
        // kill(2) by the restarter, outside the container: pid > 0 for the task, 0 for the
        // restarter's process group, which is the one every task it forked inherited.
        const pid = inject.target === "task" ? t.id : t.group.pgrp === r.rst.group.pgrp ? 0 : -t.group.pgrp.nrIn(k.initNs);
        obs.killResult = SYSCALLS[129]!.fn(k, r.rst, pid, inject.signo, 0, 0, 0, 0);
      }
    }
  }
  if (r.op()?.done !== true) obs.error = `the restart was not over after ${MAX_STEPS} steps`;
  return { r, before, obs };
}

export type PointOutcome = "restored" | "clean failure" | "broken";

/** What became of one restart with a signal in its window (see the file's header for the rules). */
export function judgeRestart(s: CaseSetup, r: Restarting, before: Record<string, number>): { outcome: PointOutcome; why: string } {
  const k = r.k;
  const done = (o: PointOutcome, why: string): { outcome: PointOutcome; why: string } => {
    k.shutdown();
    const p = kernelProblems(k);
    return p.length > 0 ? { outcome: "broken", why: `${why}; then ${p[0]}` } : { outcome: o, why };
  };
  const op = r.op();
  if (op === undefined || !op.done) return done("broken", "the restart never ended");
  if (kernelProblems(k).length > 0) return done("broken", "the kernel reported a problem during the restart");
  if (op.result > 0) {
    // Restored: the held signal (if any) now lands on the restored tasks; let them go on a while.
    k.run(AFTER_RESTORE, true);
    return done("restored", `restart returned ${op.result}`);
  }
  // Failed: it must say why, leave nothing behind, and leave the image usable.
  const why = op.error ?? "";
  if (why === "") return done("broken", `the restart failed with errno ${-op.result} and no reason`);
  for (let i = 0; i < 1_000 && r.rst.alive; i++) k.run(20_000, true);
  k.run(AFTER_RESTORE, true);
  const left = containerTasksOf(k);
  if (left.length > 0) return done("broken", `failed (${why}) but left ${left.map((t) => `pid ${t.id} ${t.state}`).join(", ")} in the container`);
  const leak = liveDiff(before, liveObjects(k));
  if (leak !== "") return done("broken", `failed (${why}) and left kernel objects behind: ${leak}`);
  const again = beginRestart(s, r.m);
  if (!runToRestartEnd(again) || (again.op()?.result ?? -1) <= 0) {
    return done("broken", `failed (${why}), and a retry from the same image failed too: ${again.op()?.error ?? "it never ended"}`);
  }
  // Let the retry's kthread finish (it holds a module reference until it exits) before shutdown.
  k.run(AFTER_RESTORE, true);
  return done("clean failure", why);
}

/** Every (task, offset, signal, target) point of the observed windows. */
function allPoints(obs: Observed): Injection[] {
  const out: Injection[] = [];
  for (const w of obs.windows) {
    for (let offset = 0; offset < (w.window ?? 0); offset++) {
      for (const signo of SIGNALS) for (const target of TARGETS) out.push({ nr: w.nr, offset, signo, target });
    }
  }
  return out;
}

/** `n` of `points`, drawn without replacement by a PRNG seeded from the case's seed. */
function sample<T>(points: T[], n: number, seed: number): T[] {
  if (points.length <= n) return points;
  const prng = new Prng(seed);
  const a = [...points];
  for (let i = 0; i < n; i++) {
    const j = i + prng.below(a.length - i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

export interface PointResult extends Injection {
  mitigation: string;
  signal: string;
  outcome: PointOutcome;
  why: string;
}

function runUserspace(c: ReviewCase, design: Combination, ctx: CaseContext, w: RaceWorkload): CaseOutcome {
  const figures: CaseOutcome["figures"] = { workload: `${w.name} mark ${w.mark}` };
  const details: PointResult[] = [];
  const userspaceOptions = (ctx.registry.provider("creator", design.creator).name === "userspace-fork");
  let broken: PointResult | undefined;
  let imageBytes: Uint8Array | undefined;
  for (const mitigation of userspaceOptions ? MITIGATIONS : ["default"]) {
    const opts = userspaceOptions ? { "userspace-fork": { signals: mitigation } } : {};
    const s = caseSetup(design, ctx, w.name, opts);
    if (imageBytes === undefined) {
      const img = checkpointAtMark(s, w.mark);
      if (typeof img === "string") return outcome(c, design, ctx, "fail", figures, img);
      imageBytes = img.bytes;
      figures.tasks = img.op.tasks;
    }
    const clean = observeRestart(s, imageBytes);
    const cleanVerdict = judgeRestart(s, clean.r, clean.before);
    if (clean.obs.error !== undefined || cleanVerdict.outcome !== "restored") {
      return outcome(c, design, ctx, "fail", figures, `signals: ${mitigation}: a restart with no signal did not restore: ${clean.obs.error ?? cleanVerdict.why}`);
    }
    const windows = clean.obs.windows.map((w) => w.window ?? 0);
    figures[`${mitigation}: window instructions (all tasks)`] = windows.reduce((a, b) => a + b, 0);
    figures[`${mitigation}: window instructions (longest task)`] = Math.max(0, ...windows);
    figures[`${mitigation}: user instructions before restart done`] = clean.obs.userBeforeDone;
    const all = allPoints(clean.obs);
    const points = sample(all, ctx.quick ? QUICK_POINTS : FULL_POINTS, (ctx.seed ^ (mitigation === "none" ? 0x5151 : 0xb10c)) >>> 0);
    figures[`${mitigation}: points in the window`] = all.length;
    figures[`${mitigation}: points tried`] = points.length;
    const counts: Record<PointOutcome, number> = { restored: 0, "clean failure": 0, broken: 0 };
    let unreached = 0;
    for (const p of points) {
      const run = observeRestart(s, imageBytes, p);
      const j = run.obs.error !== undefined ? (run.r.k.shutdown(), { outcome: "broken" as const, why: run.obs.error }) : judgeRestart(s, run.r, run.before);
      const res: PointResult = { ...p, mitigation, signal: SIGNAL_NAMES[p.signo], outcome: j.outcome, why: j.why };
      if (run.obs.killResult === undefined) {
        // The same image, seed and stepping replay the same restart: every point is reached.
        unreached++;
        res.why = `the point was not reached: ${res.why}`;
      }
      counts[j.outcome]++;
      details.push(res);
      broken ??= j.outcome === "broken" ? res : undefined;
    }
    figures[`${mitigation}: restored`] = counts.restored;
    figures[`${mitigation}: clean failures`] = counts["clean failure"];
    // A group kill reaches the restarter too (the forked tasks are still in its process group):
    // no mitigation inside the container can hold a SIGKILL of the restarter itself.
    figures[`${mitigation}: clean failures (restarter killed)`] = details.filter((d) => d.mitigation === mitigation && d.outcome === "clean failure" && /the restarter died/.test(d.why)).length;
    figures[`${mitigation}: broken`] = counts.broken;
    figures[`${mitigation}: points not reached`] = unreached;
  }
  if (broken !== undefined) {
    const b = broken;
    return outcome(c, design, ctx, "fail", figures, `signals: ${b.mitigation}, ${b.signal} to the ${b.target} of pid ${b.nr} after ${b.offset} instructions: ${b.why}`, details);
  }
  return outcome(c, design, ctx, "pass", figures, undefined, details);
}

function runInKernel(c: ReviewCase, design: Combination, ctx: CaseContext, w: RaceWorkload): CaseOutcome {
  const figures: CaseOutcome["figures"] = { workload: `${w.name} mark ${w.mark}` };
  const s = caseSetup(design, ctx, w.name);
  const img = checkpointAtMark(s, w.mark);
  if (typeof img === "string") return outcome(c, design, ctx, "fail", figures, img);
  figures.tasks = img.op.tasks;
  // The in-kernel restart can be over within a few dozen steps: watch it from its first one.
  const run = observeRestart(s, img.bytes, undefined, 1);
  const j = run.obs.error !== undefined ? { outcome: "broken", why: run.obs.error } : judgeRestart(s, run.r, run.before);
  figures["user instructions before restart done"] = run.obs.userBeforeDone;
  figures["window instructions (all tasks)"] = run.obs.userBeforeDone;
  if (j.outcome !== "restored") return outcome(c, design, ctx, "fail", figures, `the restart did not restore: ${j.why}`);
  if (run.obs.userBeforeDone !== 0) {
    return outcome(c, design, ctx, "fail", figures, `restored tasks ran ${run.obs.userBeforeDone} user instructions before the in-kernel restart was over`);
  }
  return outcome(c, design, ctx, "pass", figures, "no restored task runs user code before the restart is over: there is no window to signal");
}

export const SIGNAL_RACE: ReviewCase = {
  id: "signal-race",
  number: 1,
  title: "Signal-race gap (user-space process creation)",
  summary: "kill a restored task (or its group) at every instruction between its fork and sys_restart, in a pipeline and in a socket-and-epoll server: restored or a clean failure",
  run(design, ctx) {
    // A creator whose tasks enter sys_restart themselves has a window; the in-kernel one has none.
    const one = (w: RaceWorkload): CaseOutcome => (design.creator === "kernel" ? runInKernel(this, design, ctx, w) : runUserspace(this, design, ctx, w));
    const [first, ...rest] = SIGNAL_RACE_WORKLOADS;
    const o = one(first);
    for (const w of rest) {
      const x = one(w);
      for (const [k, v] of Object.entries(x.figures)) o.figures[`${w.name}: ${k}`] = v;
      if (x.verdict === "fail" && o.verdict !== "fail") {
        o.verdict = "fail";
        o.reason = `${w.name}: ${x.reason ?? "failed"}`;
      }
    }
    return o;
  },
};
