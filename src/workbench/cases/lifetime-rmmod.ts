// Cases 2 and 3: the C/R module unloaded while it works. The machine is stepped one instruction
// (or one kthread step) at a time through a checkpoint and then a restart, and at every point
// where C/R work is in progress — a kthread of the module alive, a caller asleep in
// sys_checkpoint or sys_restart, an operation begun and not over — an rmmod is tried. It must be
// refused (EWOULDBLOCK: the module is in use) and nothing may go wrong: no oops, no leak, the
// refcount back at its baseline afterwards; once unloaded, both syscalls answer ENOSYS, and a
// reload works (the restart runs on the reloaded module). Case 3 aims at the one window the
// reviewed bug opened: between a kthread's spawn and its first step.
import { CPT_KILL } from "../../core/cr/interfaces.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import { EWOULDBLOCK, type Module } from "../../machine/kernel/module.ts";
import { NR_CHECKPOINT, NR_RESTART } from "../../machine/kernel/syscalls/cr-nr.ts";
import { SYSCALLS } from "../../machine/kernel/syscalls/table.ts";
import { shellStatus, type Task } from "../../machine/kernel/task.ts";
import { referenceRun } from "../scenario/reference.ts";
import { startRestart } from "../scenario/setup.ts";
import type { Combination } from "../matrix/combos.ts";
import { armAtMark, caseDesign, runUntil, shutdown, text, workload, type ArmedRun, type CaseDesign } from "./lifetime-support.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

const ENOSYS = 38;
const EBUSY = 16;
/** Fine steps allowed per phase before the case gives up (a hang is a failure, not a wait). */
const MAX_FINE_STEPS = 3_000_000;

/** Whether C/R work of `mod` is in progress on k: what an rmmod must not pull the module from under. */
function crInProgress(k: Kernel, mod: Module, op: CrOpRecord | undefined): boolean {
  if (op !== undefined && !op.done) return true;
  for (const t of k.tasks.values()) {
    if (!t.alive) continue;
    if (t.kthread !== null && t.kthread.owner === mod) return true;
    const nr = t.hart.x[17];
    if (t.kthread === null && t.restartCode !== 0 && (nr === NR_CHECKPOINT || nr === NR_RESTART)) return true;
  }
  return false;
}

/** A kthread of `mod` that has not run its first step yet (the reviewed bug's window). */
function unstartedKthread(k: Kernel, mod: Module): Task | undefined {
  for (const t of k.tasks.values()) if (t.alive && t.kthread !== null && t.kthread.owner === mod && t.kthread.steps === 0) return t;
  return undefined;
}

interface RmmodTally {
  tried: number;
  refused: number;
  succeeded: number;
  /** One line per rmmod that was not refused, or refused with an unexpected errno. */
  notes: string[];
}

/**
 * Step k finely until `done()` holds and no C/R work is left, trying an rmmod at each point
 * `want(mod)` selects. A successful rmmod is noted (with what was running) and the module
 * reloaded, so the run can go on and show what the unload did. Returns false on a hang.
 */
function stepWithRmmod(k: Kernel, name: string, op: () => CrOpRecord | undefined, done: () => boolean, want: (mod: Module) => boolean, tally: RmmodTally, phase: string): boolean {
  for (let i = 0; i < MAX_FINE_STEPS; i++) {
    const mod = k.modules.loaded.get(name);
    const busy = mod !== undefined && crInProgress(k, mod, op());
    if (!busy && done()) return true;
    if (mod !== undefined && busy && want(mod)) {
      tally.tried++;
      const err = k.modules.unload(name);
      if (err === -EWOULDBLOCK || err === -EBUSY) tally.refused++;
      else {
        if (err === 0) tally.succeeded++;
        const what = [...k.tasks.values()].filter((t) => t.alive && (t.kthread?.owner === mod || t.restartCode !== 0)).map((t) => `${t.comm}(pid ${t.id})`).join(", ");
        tally.notes.push(`${phase}: rmmod ${name} returned ${err} at fine step ${i} while ${what || "C/R work"} was in progress`);
        if (err === 0) k.modules.load(name);
      }
    }
    if (k.oopses.count > 0) return false;
    if (k.run(1, true) === 0 && !crInProgress(k, k.modules.loaded.get(name) ?? mod!, op()) && done()) return true;
  }
  return false;
}

/** The ENOSYS contract after an unload: both entry points, as a task reaches them. */
function enosysAfterUnload(k: Kernel, t: Task): string | null {
  const c = SYSCALLS[NR_CHECKPOINT]!.fn(k, t, 1, 0, 0, 0, 0, 0);
  const r = SYSCALLS[NR_RESTART]!.fn(k, t, 0, 0, 0, 0, 0, 0);
  return c === -ENOSYS && r === -ENOSYS ? null : `after the unload sys_checkpoint returned ${c} and sys_restart ${r}, not -ENOSYS (${-ENOSYS})`;
}

interface TwoPhase {
  fail: string | null;
  figures: CaseOutcome["figures"];
  details: string[];
}

/**
 * Checkpoint (CPT_KILL) at the first mark and restart on the same machine, with an rmmod tried
 * wherever `want` says; in between, the module is unloaded (ENOSYS checked) and reloaded.
 */
function checkpointThenRestart(d: CaseDesign, name: string, mark: number, want: (k: Kernel) => (mod: Module) => boolean): TwoPhase {
  const w = workload(name);
  const ref = referenceRun(d.exp, w, d.cell.module(), d.cell.trigger);
  const mname = d.moduleName;
  const a: ArmedRun = armAtMark(d, w, CPT_KILL, mark);
  const k = a.k;
  const baseline = k.modules.loaded.get(mname)!.refs;
  const ck: RmmodTally = { tried: 0, refused: 0, succeeded: 0, notes: [] };
  const rs: RmmodTally = { tried: 0, refused: 0, succeeded: 0, notes: [] };
  const figures: CaseOutcome["figures"] = { "workload": `${w.name} mark ${mark}`, "module": mname, "baseline refcount": baseline };
  const finish = (fail: string | null): TwoPhase => {
    figures["checkpoint points tried"] = ck.tried;
    figures["checkpoint rmmods refused"] = ck.refused;
    figures["checkpoint rmmods succeeded"] = ck.succeeded;
    figures["restart points tried"] = rs.tried;
    figures["restart rmmods refused"] = rs.refused;
    figures["restart rmmods succeeded"] = rs.succeeded;
    const problems = shutdown(k);
    const notes = [...ck.notes, ...rs.notes];
    // An oops says best what broke; then the phase that failed; then an rmmod that got through.
    return { fail: problems[0] ?? fail ?? notes[0] ?? null, figures, details: [...notes, ...problems] };
  };
  if (!runUntil(k, a.triggered, 400_000_000, 1)) return finish(`${w.name} never reached its mark ${mark}`);
  const ckOk = stepWithRmmod(k, mname, a.op, () => a.op()?.done === true, want(k), ck, "checkpoint");
  const op = a.op();
  if (!ckOk) return finish("the checkpoint did not end (hang)");
  if (op === undefined || !op.done) return finish("no checkpoint was taken");
  if (op.result !== 0) return finish(`the checkpoint failed: ${op.error ?? op.result}`);
  k.releaseCptMarks();
  runUntil(k, () => !a.ctl.alive);
  const mod = k.modules.loaded.get(mname);
  if (mod === undefined) return finish(`module ${mname} is gone after the checkpoint`);
  if (mod.refs !== baseline) return finish(`after the checkpoint module ${mname} has refcount ${mod.refs}, baseline ${baseline}`);
  const unload = k.modules.unload(mname);
  if (unload !== 0) return finish(`rmmod ${mname} after the checkpoint returned ${unload}`);
  const enosys = enosysAfterUnload(k, a.ctl);
  if (enosys !== null) return finish(enosys);
  const reload = k.modules.load(mname);
  if (reload !== 0) return finish(`reloading ${mname} returned ${reload}`);
  // The restart runs on the reloaded module.
  const stdoutA = a.m.console.stdout;
  const prefix = stdoutA.subarray(0, op.stdoutAt ?? 0);
  const outStart = stdoutA.length;
  const opsBefore = crTrace(k).ops.length;
  const rst = startRestart(a.m, w, d.cell.restarter);
  const rop = (): CrOpRecord | undefined => crTrace(k).ops.slice(opsBefore).find((o) => o.op === "restart");
  if (!stepWithRmmod(k, mname, rop, () => rop()?.done === true, want(k), rs, "restart")) return finish("the restart did not end (hang)");
  runUntil(k, () => !rst.alive);
  const r = rop();
  if (r === undefined || !r.done || r.result < 0) return finish(`the restart failed: ${r?.error ?? "it never ran"}`);
  const got = text(prefix) + text(k.console.stdout.subarray(outStart));
  if (got !== text(ref.stdout)) return finish("the restored run's output differs from the reference");
  if (shellStatus(rst.exit ?? { signal: 9 }) !== ref.exitCode) return finish(`the restored run exited ${shellStatus(rst.exit ?? { signal: 9 })}, the reference ${ref.exitCode}`);
  const after = k.modules.loaded.get(mname);
  if (after === undefined || after.refs !== baseline) return finish(`after the restart module ${mname} has refcount ${after?.refs ?? "(unloaded)"}, baseline ${baseline}`);
  if (k.modules.unload(mname) !== 0) return finish(`rmmod ${mname} after the restart was refused`);
  return finish(null);
}

export const RMMOD_CASE: ReviewCase = {
  id: "rmmod",
  number: 2,
  title: "Module unload during C/R",
  summary: "rmmod the C/R module at every step of a checkpoint and a restart: refused or waits, no oops, no leak, refcount back to baseline, ENOSYS after unload, reload works",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const d = caseDesign(design, ctx);
    // Every point while work is in progress (cheap enough to be exhaustive in quick mode too).
    // At fork-tree's first mark its one task is held; at threads' second mark the other threads
    // compute, so the freeze takes many steps.
    const figures: CaseOutcome["figures"] = { module: d.moduleName };
    const details: string[] = [];
    const sums = ["checkpoint points tried", "checkpoint rmmods refused", "checkpoint rmmods succeeded", "restart points tried", "restart rmmods refused", "restart rmmods succeeded"];
    for (const k of sums) figures[k] = 0;
    for (const [name, mark] of [["fork-tree", 1], ["threads", 2]] as const) {
      const r = checkpointThenRestart(d, name, mark, () => () => true);
      for (const k of sums) {
        figures[k] = Number(figures[k]) + Number(r.figures[k]);
        figures[`${name}: ${k}`] = r.figures[k];
      }
      details.push(...r.details.map((l) => `${name}: ${l}`));
      if (r.fail !== null) return outcome(this, design, ctx, "fail", figures, `${name}: ${r.fail}`, details);
    }
    return outcome(this, design, ctx, "pass", figures, undefined, details);
  },
};

export const MODULE_SELF_REF_CASE: ReviewCase = {
  id: "module-self-ref",
  number: 3,
  title: "try_module_get(THIS_MODULE) inside the module",
  summary: "rmmod between a C/R kthread's spawn and its first step: refused when the caller gave the kthread its reference; with the bug, freed module text runs (oops)",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const d = caseDesign(design, ctx);
    const r = checkpointThenRestart(d, "fork-tree", 1, (k) => (mod) => unstartedKthread(k, mod) !== undefined);
    const windows = Number(r.figures["checkpoint points tried"]) + Number(r.figures["restart points tried"]);
    r.figures["windows found"] = windows;
    if (r.fail !== null) return outcome(this, design, ctx, "fail", r.figures, r.fail, r.details);
    if (windows === 0) return outcome(this, design, ctx, "fail", r.figures, "no point between a kthread's spawn and its first step was observed", r.details);
    return outcome(this, design, ctx, "pass", r.figures, undefined, r.details);
  },
};
