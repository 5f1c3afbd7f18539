// Case 12, "pipe-stream": a non-seekable image fd (Dave Hansen's question in the 2008 thread).
// The design's initiator checkpoints into a named FIFO while the creator's restarter, started at
// the same moment, restarts from it: the image goes through the pipe's 64 KiB buffer. A codec
// that streams must restore the container exactly, the restart decoding while the dump still
// writes; a codec that needs seeking must be refused with ESPIPE before anything is made, and
// the container then runs on untouched. Both are a pass: the design does what it declares.
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGKILL, SIGUSR1 } from "../../machine/kernel/signal-names.ts";
import { CPT_KILL } from "../../core/cr/interfaces.ts";
import { EPIPE, ESPIPE } from "../../core/cr/errors.ts";
import { resolveCell } from "../../core/cr/registry.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import { bootMachine, ctlLog, RESTART_LOG, startRestart, startRun } from "../scenario/setup.ts";
import type { Task } from "../../machine/kernel/task.ts";
import type { Combination } from "../matrix/combos.ts";
import { caseSetup, containerTasksAlive, kernelProblems, liveObjects, objectDelta, reference, shutdown } from "./input-support.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

const FIFO = "/var/cpt/image.fifo";
/** cow: several processes sharing pages copy-on-write, an image larger than the pipe holds. */
const WORKLOAD = "cow";

export const PIPE_STREAM_CASE: ReviewCase = {
  id: "pipe-stream",
  number: 12,
  title: "Non-seekable image fd",
  summary: "checkpoint into a FIFO and restart from it concurrently: a streaming codec restores exactly, a seeking one is refused with ESPIPE",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const s = caseSetup(design, ctx, WORKLOAD);
    const streams = resolveCell(ctx.registry.cellContainer(design)).codec.streams;
    const ref = reference(s);
    const m = bootMachine(s.exp, s.w, s.design.module());
    const k = m.kernel;
    const self = s.design.trigger === "self";
    const ctl = startRun(m, s.w, CPT_KILL, s.design.trigger, FIFO);
    const fifo = k.vfs.installFifo(FIFO).pipe;
    let seen = 0;
    let rst: Task | undefined;
    let before: Record<string, number> = {};
    k.onCptMark = (t) => {
      if (t.pidNs === k.initNs || ++seen !== 1) return false;
      before = liveObjects(k);
      if (self) return { checkpoint: CPT_KILL };
      sendSignal(k, ctl, { signo: SIGUSR1, code: 0 }, true);
      return true;
    };
    const ops = (op: "checkpoint" | "restart"): CrOpRecord | undefined => crTrace(k).ops.find((o) => o.op === op);
    for (let i = 0; i < 200_000 && (ctl.alive || rst?.alive === true); i++) {
      // The restarter starts once the image's writer waits in open(): the FIFO then pairs them
      // (a reader that came first would let the writer's open return before the reader counts).
      if (rst === undefined && fifo.waitingWriters.size > 0) rst = startRestart(m, s.w, s.design.restarter, FIFO);
      if (ops("checkpoint")?.done === true) k.releaseCptMarks();
      // A refused restart: nothing reads the FIFO, the writer waits in open() for ever.
      if (ops("restart")?.done === true && ops("restart")!.result < 0 && rst?.alive !== true) break;
      if (k.run(rst === undefined ? 1_000 : 20_000, true) === 0) break;
    }
    const cpt = ops("checkpoint");
    const rop = ops("restart");
    const figures: CaseOutcome["figures"] = {
      streams, "image bytes": cpt?.imageBytes ?? 0, "restart read before dump ended": false, "restart result": rop?.result ?? "none",
    };
    const fail = (why: string): CaseOutcome => {
      const problems = shutdown(k);
      return outcome(PIPE_STREAM_CASE, design, ctx, "fail", figures, problems.length > 0 ? `${why}; kernel problems: ${problems[0]}` : why);
    };
    if (rop === undefined) return fail(`the restarter never called sys_restart (restart log ${JSON.stringify(ctlLog(m, RESTART_LOG))})`);
    if (streams) {
      if (cpt === undefined || cpt.result !== 0) return fail(`the checkpoint into the FIFO failed: ${cpt?.error ?? "it never happened"}`);
      figures["restart read before dump ended"] = rop.steps.length > 0 && rop.steps[0].start < cpt.end;
      if (rop.result <= 0) return fail(`the restart from the FIFO failed: ${rop.error ?? `errno ${-rop.result}`}`);
      if (rop.imageBytes !== cpt.imageBytes) return fail(`the restart read ${rop.imageBytes} bytes, the checkpoint wrote ${cpt.imageBytes}`);
      const exit = ctlLog(m, RESTART_LOG).at(-1);
      if (exit?.[0] !== "exit" || exit[1] !== ref.exitCode << 8) return fail(`the restored container ended with ${JSON.stringify(exit)}, the reference exits ${ref.exitCode}`);
      if (!Buffer.from(m.console.stdout).equals(Buffer.from(ref.stdout))) return fail("the output of the original up to the checkpoint and of the restored run differs from the reference");
    } else {
      if (rop.result !== -ESPIPE) return fail(`a restart from a FIFO with a codec that seeks returned ${rop.result}, not -ESPIPE (${rop.error ?? ""})`);
      if (!/needs seeking/.test(rop.error ?? "")) return fail(`the ESPIPE refusal does not say why: "${rop.error ?? ""}"`);
      // The restarter's open let the image's writer go (Linux's wait_for_partner: a reader came,
      // even though it closed again): its checkpoint must then be refused before any step.
      if (cpt !== undefined && (cpt.result !== -EPIPE || cpt.steps.length > 0 || cpt.imageBytes !== 0)) {
        return fail(`the checkpoint went ahead although nobody could read the image (result ${cpt.result}, ${cpt.imageBytes} bytes)`);
      }
      if (self) {
        // A self-checkpointing program is not held at its mark: its checkpoint refused, it runs on
        // (and forks), so what the refused restart made is its own record's count (nothing), and
        // anything it left would be in the shutdown's leak report.
        const made = [rop.created, rop.destroyed].map((d) => Object.entries(d).map(([t, n]) => `${t} ${n}`).join(", ")).filter((x) => x !== "");
        if (made.length > 0) return fail(`the refused restart changed the kernel's objects: ${made.join("; ")}`);
      } else {
        const made = objectDelta(before, liveObjects(k));
        if (made !== "") return fail(`the refused restart changed the kernel's objects: ${made}`);
        if (containerTasksAlive(k).length === 0) return fail("the container is gone after the refused restart");
      }
      // Nobody will ever read the FIFO: the administrator gives up the checkpoint (the controller,
      // if still there) and the container runs on to its end.
      if (ctl.alive && !self) sendSignal(k, ctl, { signo: SIGKILL, code: 0 }, true);
      k.releaseCptMarks();
      k.run();
      figures["original finished"] = Buffer.from(m.console.stdout).equals(Buffer.from(ref.stdout));
      if (figures["original finished"] !== true) return fail("the container did not run on to the reference output after the refused restart");
    }
    k.run();
    const problems = kernelProblems(k).concat(shutdown(k));
    if (problems.length > 0) return outcome(PIPE_STREAM_CASE, design, ctx, "fail", figures, `kernel problems: ${problems[0]}`);
    const note = streams ? "the codec streams: restored through the FIFO" : "the codec needs seeking: the restart from the FIFO was refused with ESPIPE before anything was made";
    return outcome(PIPE_STREAM_CASE, design, ctx, "pass", figures, note);
  },
};
