// Cases 9 and 15: where a checkpointed task stands, and the steps of a checkpoint.
//   9  registers   with a self-checkpoint the caller's registers are its syscall frame; with an
//                  external one a frozen task can be anywhere (mid-computation, inside a blocking
//                  syscall). Workloads that sit in every such place are checkpointed at their
//                  marks and at seeded random instructions, and must resume exactly.
//   15 five-steps  each step of the design's checkpoint (pre-dump, freeze, dump, thaw-or-kill,
//                  post-dump for the external initiator; freeze, dump, thaw-or-kill for self) is in
//                  the trace, with its virtual time; a failure injected at each one (flags bits
//                  8..15) leaves the container running exactly as the reference did, and no image.
import { CPT_FAIL_STEP_SHIFT, CPT_KILL } from "../../core/cr/interfaces.ts";
import { shellStatus } from "../../machine/kernel/task.ts";
import { referenceRun } from "../scenario/reference.ts";
import { runExperimentSync } from "../scenario/runner.ts";
import type { CellResult } from "../scenario/types.ts";
import { CT_CGROUP, guestFileSize, IMAGE_PATH } from "../scenario/setup.ts";
import type { Combination } from "../matrix/combos.ts";
import { armAtMark, caseDesign, driveToEnd, shutdown, text, workload } from "./lifetime-support.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

const EIO = 5;

/** The step names a successful checkpoint records, mapped to the names a failure reports. */
const failName = (step: string): string => (step === "thaw" || step === "kill" ? "thaw-or-kill" : step);

export const FIVE_STEPS_CASE: ReviewCase = {
  id: "five-steps",
  number: 15,
  title: "The steps of a checkpoint",
  summary: "each step of the checkpoint observable in the trace with its virtual time; a failure at any step leaves the container running as before, with no image",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const d = caseDesign(design, ctx);
    const w = workload("fork-tree");
    const ref = referenceRun(d.exp, w, d.cell.module(), d.cell.trigger);
    const figures: CaseOutcome["figures"] = { workload: w.name, initiator: design.initiator };
    const details: string[] = [];
    const fail = (reason: string): CaseOutcome => outcome(this, design, ctx, "fail", figures, reason, details);
    if (ref.problems.length > 0) return fail(`the reference run failed: ${ref.problems[0]}`);
    // A successful checkpoint that lets the container go on: the steps and their times.
    const a = armAtMark(d, w, 0);
    const op = driveToEnd(a);
    const out = text(a.m.console.stdout);
    const status = a.ctl.exit === undefined ? -1 : shellStatus(a.ctl.exit);
    const problems = shutdown(a.k);
    if (problems.length > 0) return fail(problems[0]);
    if (op === undefined || !op.done || op.result !== 0) return fail(`the checkpoint failed: ${op?.error ?? "it never ran"}`);
    if (out !== text(ref.stdout) || status !== ref.exitCode) return fail("after a successful checkpoint the container did not finish as the reference did");
    const steps = op.steps.map((s) => s.step);
    if (steps.length === 0) return fail("the checkpoint records no step in the trace");
    figures.steps = steps.join(", ");
    figures["step count"] = steps.length;
    for (const s of op.steps) figures[`${s.step} ns`] = a.k.cyclesToNs(s.end - s.start);
    figures["total ns"] = a.k.cyclesToNs(op.end - op.start);
    figures["image bytes"] = op.imageBytes;
    // A failure at each step, with CPT_KILL: the container must survive it all the same.
    let survived = 0;
    for (let n = 1; n <= steps.length; n++) {
      const name = failName(steps[n - 1]);
      const b = armAtMark(d, w, CPT_KILL | (n << CPT_FAIL_STEP_SHIFT));
      const fop = driveToEnd(b);
      const fout = text(b.m.console.stdout);
      const fstatus = b.ctl.exit === undefined ? -1 : shellStatus(b.ctl.exit);
      const image = Math.max(0, guestFileSize(b.m, IMAGE_PATH));
      const g = b.k.freezer.root.children.get(CT_CGROUP);
      const thawed = g === undefined || b.k.freezer.state(g) === "THAWED";
      const fproblems = shutdown(b.k);
      const why =
        fproblems[0] ??
        (fop === undefined || !fop.done ? "the checkpoint never ended" : undefined) ??
        (fop!.result !== -EIO ? `the checkpoint returned ${fop!.result}, not -EIO` : undefined) ??
        (!(fop!.error ?? "").includes(name) ? `the error "${fop!.error}" does not name the step` : undefined) ??
        (fop!.steps.filter((s) => s.result === 0).length !== n - 1 ? "the steps before the failed one are not all in the trace" : undefined) ??
        (fout !== text(ref.stdout) || fstatus !== ref.exitCode ? "the container did not run on as the reference did" : undefined) ??
        (image !== 0 ? `an image of ${image} bytes was left behind` : undefined) ??
        (!thawed ? "the container's cgroup was left frozen" : undefined);
      details.push(`failure at step ${n} (${name}): ${why ?? "container ran on, no image"}`);
      if (why !== undefined) return fail(`a failure at step ${n} (${name}): ${why}`);
      survived++;
    }
    figures["failures survived"] = survived;
    return outcome(this, design, ctx, "pass", figures, undefined, details);
  },
};

/** Workloads that stop in every kind of place: a signal handler, blocking pipes, FPU state, threads. */
const REGISTER_WORKLOADS = ["sigrestart", "pipes", "nbody-double", "threads"];

export const REGISTERS_CASE: ReviewCase = {
  id: "registers",
  number: 9,
  title: "External vs self registers",
  summary: "tasks checkpointed at marks and at seeded random instructions (mid-computation, inside blocking syscalls) resume exactly",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const d = caseDesign(design, ctx);
    const figures: CaseOutcome["figures"] = {
      "caller registers": d.cell.trigger === "self" ? "the syscall frame (or the signal frame of the runtime's handler)" : "wherever the freezer stopped each task",
    };
    const details: string[] = [];
    const cells: CellResult[] = [];
    const random = ctx.quick ? 2 : 5;
    for (const points of [{ kind: "marked" as const }, { kind: "random" as const, count: random }]) {
      const exp = { ...d.exp, workloads: REGISTER_WORKLOADS.map(workload), points, modes: ["kill" as const], targets: ctx.quick ? ["same" as const] : ["same" as const, "fresh" as const] };
      cells.push(...runExperimentSync(exp, { registry: ctx.registry }));
    }
    const count = (v: string): number => cells.filter((c) => c.verdict === v).length;
    figures.cells = cells.length;
    figures.pass = count("pass");
    figures.fail = count("fail");
    figures.unsupported = count("unsupported");
    figures["random points per workload"] = random;
    for (const c of cells) details.push(`${c.workload} ${c.point} ${c.target}: ${c.verdict}${c.reason !== undefined ? ` (${c.reason})` : ""}`);
    const bad = cells.find((c) => c.verdict === "fail");
    if (bad !== undefined) return outcome(this, design, ctx, "fail", figures, `${bad.workload} at ${bad.point} (${bad.target}): ${bad.reason ?? "failed"}`, details);
    if (figures.pass === 0) {
      const why = cells.find((c) => c.reason !== undefined)?.reason ?? "no cell ran";
      return outcome(this, design, ctx, "unsupported", figures, why, details);
    }
    return outcome(this, design, ctx, "pass", figures, figures.unsupported > 0 ? `${figures.unsupported} cells unsupported (reasons in details)` : undefined, details);
  },
};
