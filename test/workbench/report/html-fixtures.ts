// Synthetic input for the HTML report's tests: a Report shaped like `cptbench report`'s (the
// figure names the review cases really produce) and matrix cells with round numbers, so each
// test can work out by hand what the page must show.
import type { Combination } from "../../../src/workbench/matrix/combos.ts";
import type { CaseOutcome } from "../../../src/workbench/cases/types.ts";
import type { Report, SectionResult } from "../../../src/workbench/report/report.ts";
import type { CellResult, PhaseMetrics, Verdict } from "../../../src/workbench/scenario/types.ts";

export const design = (label: string): Combination => {
  const [initiator, creator, codec] = label.split("/");
  return { initiator, creator, codec };
};

const outcome = (caseId: string, label: string, figures: CaseOutcome["figures"], extra: Partial<CaseOutcome> = {}): CaseOutcome => ({
  case: caseId,
  design: design(label),
  verdict: "pass",
  figures,
  seed: 7,
  ...extra,
});

const section = (caseId: string, title: string, outcomes: CaseOutcome[], error?: string): SectionResult => ({
  title,
  question: `What does ${caseId} measure?`,
  caseId,
  outcomes,
  ...(error !== undefined && { error }),
});

export const KERNEL = "external/kernel/cpt";
export const USER = "external/userspace/cpt";

/** Every section the renderer draws a chart for, one that failed to run, and one with no outcome. */
export function syntheticReport(): Report {
  return {
    seed: 7,
    quick: false,
    sections: [
      section("sharing", "Useless creations", [
        outcome("sharing", KERNEL, { "threads: objects created": 28, "threads: objects destroyed": 0, "fdshare: objects created": 23, "fdshare: objects destroyed": 0 }),
        outcome("sharing", USER, { "threads: objects created": 37, "threads: objects destroyed": 10, "fdshare: objects created": 32, "fdshare: objects destroyed": 9 }),
      ]),
      section("signal-race", "The signal-race window", [
        outcome("signal-race", KERNEL, { tasks: 2, "window instructions (all tasks)": 0 }, { reason: "there is no window to signal" }),
        outcome(
          "signal-race",
          USER,
          { tasks: 2, "none: points in the window": 4, "none: points tried": 4, "none: restored": 1, "none: clean failures": 3, "none: broken": 0 },
          // pid 1's window is 3 instructions (offsets 0..2), pid 2's is 1.
          { details: [0, 1, 2].map((offset) => ({ mitigation: "none", nr: 1, offset, signal: "SIGKILL", target: "task", outcome: "restored", why: "" })).concat([{ mitigation: "none", nr: 2, offset: 0, signal: "SIGTERM", target: "group", outcome: "clean failure", why: "" }]) },
        ),
      ]),
      section("pids", "PIDs", [
        outcome("pids", KERNEL, { "ns_last_pid race": "not applicable: the kernel creator sets pids inside the kernel" }),
        outcome("pids", USER, { "ns_last_pid, 2 CPUs: explorations": 40, "ns_last_pid, 2 CPUs: explorations with a stolen pid": 30, "eclone, 2 CPUs: explorations": 40, "eclone, 2 CPUs: explorations with a stolen pid": 0 }),
      ]),
      section("pipe-stream", "Which codecs stream from a pipe", [outcome("pipe-stream", "external/kernel/ckpt", { streams: true, "image bytes": 93944 })]),
      section("parallel-restart", "Parallel restart", [
        outcome("parallel-restart", KERNEL, { "stream restart µs, 10 tasks, 1 CPU": 67.2, "stream restart µs, 10 tasks, 2 CPUs": 60.2, "per-task restart µs, 10 tasks, 1 CPU": 72.7, "per-task restart µs, 10 tasks, 2 CPUs": 60.7 }),
      ]),
      section("five-steps", "Five steps", [outcome("five-steps", KERNEL, { "pre-dump ns": 500, "dump ns": 21600, "total ns": 22100 }), outcome("five-steps", "self/kernel/cpt", { "dump ns": 23900, "total ns": 23900 })]),
      section("rmmod", "A case that could not run", [], 'no review case "rmmod" in this build'),
      section("nothing", "A case with no design", []),
    ],
  };
}

const phase = (virtualNs: number, created: Record<string, number> = {}, destroyed: Record<string, number> = {}): PhaseMetrics => ({
  virtualNs,
  wallMs: 1,
  instructions: 0,
  syscalls: 0,
  contextSwitches: 0,
  created,
  destroyed,
  steps: [],
});

export function cell(label: string, workload: string, verdict: Verdict, over: Partial<CellResult> = {}): CellResult {
  return {
    workload,
    point: "mark:1",
    mode: "kill",
    target: "same",
    ...design(label),
    seed: 1,
    verdict,
    imageBytes: 1024 * 1024,
    tasks: 2,
    objectsCreated: 0,
    checkpoint: verdict === "unsupported" ? null : phase(40_000),
    restart: verdict === "pass" ? phase(60_000, { task_struct: 2, files_struct: 2 }, {}) : null,
    oopses: [],
    ...(verdict !== "pass" && { reason: `${verdict} because of <b>reasons</b>` }),
    ...over,
  };
}

/**
 * Two designs × two workloads. Kernel: all pass (1 MiB images, 2 tasks, checkpoint 40 µs and
 * restart 60 µs → 20 and 30 µs per task, 40 and 60 µs per MiB). Userspace: passes hash with a
 * 2 MiB, 4-task image (checkpoint 120 µs, restart 100 µs, 8 objects created and 3 destroyed),
 * fails pipes once (after a 40 µs checkpoint of 2 tasks, 1 MiB) and cannot do it once.
 */
export function syntheticCells(): CellResult[] {
  return [
    cell(KERNEL, "hash", "pass"),
    cell(KERNEL, "pipes", "pass"),
    cell(USER, "hash", "pass", { imageBytes: 2 * 1024 * 1024, tasks: 4, checkpoint: phase(120_000), restart: phase(100_000, { task_struct: 4, mm_struct: 4 }, { mm_struct: 3 }) }),
    cell(USER, "pipes", "fail", { point: "mark:2" }),
    cell(USER, "pipes", "unsupported"),
  ];
}
