// Cases 4, 5 and 8: three object lifetimes the 2008 review found wrong, each with a scenario
// that makes the mistake visible. Each passes on the correct code and fails — naming the oops or
// the error — when its deliberate bug is switched on (bugs.ts):
//   4 nsproxy-pin  the container is killed while the checkpoint runs: its nsproxy must stay
//                  pinned by the checkpoint, or the checkpoint's next use of it is a use-after-free
//   5 double-fput  the caller closes the image fd while the dump runs: the checkpoint's own
//                  reference keeps the file, and is put exactly once (a second put underflows)
//   8 zero-page    a task read anonymous memory it never wrote (the zero page is mapped): the
//                  checkpoint saves it as demand-zero and the restart is exact
import { containerTasks } from "../../core/cr/collect/collect.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import { NR_CHECKPOINT } from "../../machine/kernel/syscalls/cr-nr.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { walkTmpfs } from "../../core/cr/restore/tree.ts";
import { runPoint } from "../scenario/cell.ts";
import { referenceRun } from "../scenario/reference.ts";
import { bootMachine, guestFileSize, IMAGE_PATH, startRun } from "../scenario/setup.ts";
import type { Combination } from "../matrix/combos.ts";
import { armAtMark, caseDesign, containerInit, killContainerFromOutside, runUntil, shutdown, workload, type ArmedRun } from "./lifetime-support.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

/** Step finely until the checkpoint's kthread has begun the operation (its first step ran). */
function toCheckpointStart(a: ArmedRun): boolean {
  return runUntil(a.k, () => a.op() !== undefined || !a.ctl.alive, 50_000_000, 1) && a.op() !== undefined;
}

/** The task asleep in sys_checkpoint (the controller, or the self-checkpointing task). */
function checkpointCaller(k: Kernel): Task | undefined {
  return [...k.tasks.values()].find((t) => t.alive && t.kthread === null && t.restartCode !== 0 && t.hart.x[17] === NR_CHECKPOINT);
}

export const NSPROXY_PIN_CASE: ReviewCase = {
  id: "nsproxy-pin",
  number: 4,
  title: "nsproxy pinned by the checkpoint",
  summary: "the container is killed while its checkpoint runs: the checkpoint fails cleanly (ESRCH), no use after free of the target's nsproxy",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const d = caseDesign(design, ctx);
    const w = workload("fork-tree");
    const a = armAtMark(d, w, 0);
    const figures: CaseOutcome["figures"] = { workload: w.name };
    const fail = (reason: string): CaseOutcome => {
      const problems = shutdown(a.k);
      return outcome(this, design, ctx, "fail", figures, problems[0] ?? reason, problems);
    };
    if (!toCheckpointStart(a)) return fail("the checkpoint never began");
    const init = containerInit(a.k);
    if (init === undefined) return fail("the container has no init when the checkpoint begins");
    figures["step when killed"] = a.op()!.steps.at(-1)?.step ?? "(first step)";
    figures["tasks killed"] = killContainerFromOutside(a.k, init);
    runUntil(a.k, () => a.op()?.done === true);
    a.k.releaseCptMarks();
    runUntil(a.k, () => !a.ctl.alive);
    const op = a.op()!;
    figures["checkpoint result"] = op.result;
    if (op.error !== undefined) figures["checkpoint error"] = op.error;
    const problems = shutdown(a.k);
    if (problems.length > 0) return outcome(this, design, ctx, "fail", figures, problems[0], problems);
    if (!op.done) return outcome(this, design, ctx, "fail", figures, "the checkpoint did not end after its target was killed");
    if (a.ctl.alive) return outcome(this, design, ctx, "fail", figures, "the controller did not end");
    return outcome(this, design, ctx, "pass", figures, op.result === 0 ? "the dump finished before the kill took effect" : undefined);
  },
};

export const DOUBLE_FPUT_CASE: ReviewCase = {
  id: "double-fput",
  number: 5,
  title: "The image file put exactly once",
  summary: "the caller closes the image fd while the dump runs: the checkpoint's own file reference keeps the image, and is dropped once (no refcount underflow)",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const d = caseDesign(design, ctx);
    const w = workload("fork-tree");
    const a = armAtMark(d, w, 0);
    const k = a.k;
    const figures: CaseOutcome["figures"] = { workload: w.name };
    const fail = (reason: string): CaseOutcome => {
      const problems = shutdown(k);
      return outcome(this, design, ctx, "fail", figures, problems[0] ?? reason, problems);
    };
    if (!toCheckpointStart(a)) return fail("the checkpoint never began");
    const caller = checkpointCaller(k);
    const image = walkTmpfs(k.vfs, IMAGE_PATH)?.inode;
    const files = caller === undefined ? null : caller.files;
    const fd = files?.fds().find((n) => files.get(n)?.inode === image);
    if (files === null || files === undefined || fd === undefined) return fail("no caller with the image fd open was found asleep in sys_checkpoint");
    // As another thread of the caller would: close(fd) while the dump runs.
    figures["image fd closed"] = fd;
    figures["close result"] = files.close(fd);
    runUntil(k, () => a.op()?.done === true);
    k.releaseCptMarks();
    runUntil(k, () => !a.ctl.alive);
    const op = a.op()!;
    figures["checkpoint result"] = op.result;
    figures["image bytes"] = op.imageBytes;
    const size = guestFileSize(a.m, IMAGE_PATH);
    const problems = shutdown(k);
    if (problems.length > 0) return outcome(this, design, ctx, "fail", figures, problems[0], problems);
    if (!op.done || op.result !== 0) return outcome(this, design, ctx, "fail", figures, `the checkpoint failed: ${op.error ?? op.result}`);
    if (size !== op.imageBytes) return outcome(this, design, ctx, "fail", figures, `the image file has ${size} bytes, the dump wrote ${op.imageBytes}`);
    return outcome(this, design, ctx, "pass", figures);
  },
};

/** Zero-page ptes of the container's address spaces when it reaches `mark` (a plain run). */
function zeroPtesAtMark(ctx: CaseContext, design: Combination, name: string, mark: number): number {
  const d = caseDesign(design, ctx);
  const w = workload(name);
  const m = bootMachine(d.exp, w, null);
  const k = m.kernel;
  startRun(m, w, 0);
  let seen = 0;
  let zero = -1;
  k.onCptMark = (t) => {
    if (t.pidNs === k.initNs || ++seen !== mark) return false;
    const init = containerInit(k)!;
    const mms = new Set(containerTasks(k, init).filter((x) => x.alive).map((x) => x.mm));
    zero = 0;
    for (const mm of mms) for (const pte of mm.pt.values()) if (pte.frame === mm.frames.zeroPage) zero++;
    return false;
  };
  runUntil(k, () => zero >= 0);
  shutdown(k);
  return zero;
}

export const ZERO_PAGE_CASE: ReviewCase = {
  id: "zero-page",
  number: 8,
  title: "ZERO_PAGE in a checkpointed task",
  summary: "a task that read but never wrote anonymous memory maps the zero page: the checkpoint saves it (demand-zero) and the restart is exact",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    // cow's second mark: its `untouched` buffer has been read (check_zero) and never written.
    const name = "cow";
    const mark = 2;
    const zero = zeroPtesAtMark(ctx, design, name, mark);
    const figures: CaseOutcome["figures"] = { workload: name, point: `mark:${mark}`, "zero-page ptes": zero };
    if (zero <= 0) return outcome(this, design, ctx, "fail", figures, `the scenario maps no zero page at ${name}'s mark ${mark}: the case would prove nothing`);
    const d = caseDesign(design, ctx);
    const w = workload(name);
    const ref = referenceRun(d.exp, w, d.cell.module(), d.cell.trigger);
    if (ref.problems.length > 0) return outcome(this, design, ctx, "fail", figures, `the reference run failed: ${ref.problems[0]}`);
    const [cell] = runPoint(d.exp, w, ref, d.cell, { kind: "mark", n: mark }, "kill", ["same"]);
    figures["image bytes"] = cell.imageBytes;
    if (cell.verdict !== "pass") return outcome(this, design, ctx, cell.verdict, figures, cell.reason ?? "the cell failed", cell.oopses);
    return outcome(this, design, ctx, "pass", figures);
  },
};
