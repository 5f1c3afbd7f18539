// The second half of a cell (ARCHITECTURE.md, "Scenario" steps 5-6): start the creator's
// restarter on the image at IMAGE_PATH, run the restored container to its end, and hold the
// result to the reference. A matrix cell (cell.ts) and `cptbench restore` both run this.
import { performance } from "node:perf_hooks";
import type { Machine } from "../../machine/machine.ts";
import { EOPNOTSUPP } from "../../core/cr/errors.ts";
import { shellStatus, type Task } from "../../machine/kernel/task.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import { counters, cpuNow, firstDiff, phase, runUntil, sameBytes, watchOpEnd } from "./checkpoint-phase.ts";
import type { Reference } from "./reference.ts";
import { ctlLog, RESTART_LOG, startRestart, treeDigest, workdirOf, type RestarterSpec } from "./setup.ts";
import type { CellResult, PhaseMetrics, Verdict, WorkloadRef } from "./types.ts";

/** What a restart on one machine did, before any comparison with the reference. */
export interface Restarted {
  /** The restart operation and its metrics, when it finished. */
  op: CrOpRecord | null;
  metrics: PhaseMetrics | null;
  /** Kernel objects the restart created, in all. */
  objectsCreated: number;
  /** Why the restored run cannot be judged (the restart failed or never ended), and how to count it. */
  failure?: { reason: string; verdict: Extract<Verdict, "fail" | "unsupported"> };
  /** The restarter's shell status (the restored init's), and what the machine wrote after `outStart`. */
  status: number;
  stdout: Uint8Array;
  /** The digest of the workload's files at the end (setup.ts treeDigest). */
  tree: string;
}

/**
 * What a caller may do around a restart (iterations.ts: checkpoint the restored container again):
 * `started` hears the restarter as soon as it exists, `restored` runs once the restart is over and
 * its metrics taken, and returns the instructions it ran.
 */
export interface RestartHooks {
  started?(rst: Task): void;
  restored?(rst: Task): number;
}

/** Restart from the image at IMAGE_PATH on m; stdout is counted from byte `outStart` of its console. */
export function restartImage(m: Machine, w: WorkloadRef, restarter: RestarterSpec, budget: number, outStart: number, hooks: RestartHooks = {}): Restarted {
  const k = m.kernel;
  const trace = crTrace(k);
  const opsBefore = trace.ops.length;
  const rst: Task = startRestart(m, w, restarter);
  hooks.started?.(rst);
  const rstOp = (): CrOpRecord | undefined => trace.ops.slice(opsBefore).find((o) => o.op === "restart");
  const start = { wallMs: performance.now(), cpuMs: cpuNow() };
  const before = counters(k, 0);
  const opEnd = watchOpEnd(trace, (o) => o === rstOp());
  let executed = runUntil(k, () => rstOp()?.done === true || !rst.alive, budget);
  opEnd.stop();
  const end = { wallMs: performance.now(), cpuMs: cpuNow() };
  const wall = end.wallMs - start.wallMs;
  const after = counters(k, executed);
  if (rstOp()?.done === true && hooks.restored !== undefined) executed += hooks.restored(rst);
  executed += runUntil(k, () => !rst.alive, budget);
  const op = rstOp();
  const r: Restarted = {
    op: null, metrics: null, objectsCreated: 0, status: shellStatus(rst.exit ?? { signal: 9 }),
    stdout: k.console.stdout.subarray(outStart), tree: "-",
  };
  if (op !== undefined && op.done) {
    r.op = op;
    r.metrics = phase(op, k, wall, before, after, { start, end, opEnd: opEnd.at() });
    r.objectsCreated = Object.values(op.created).reduce((s, n) => s + n, 0);
  }
  if (op === undefined || !op.done) {
    r.failure = { reason: `the restart never completed (restart log: ${JSON.stringify(ctlLog(m, RESTART_LOG))})`, verdict: "fail" };
  } else if (op.result < 0) {
    r.failure = { reason: `restart failed: ${op.error ?? `errno ${-op.result}`}`, verdict: op.result === -EOPNOTSUPP ? "unsupported" : "fail" };
  } else if (rst.alive) {
    r.failure = { reason: `the restored container did not end within ${budget} instructions`, verdict: "fail" };
  } else {
    r.tree = treeDigest(m, workdirOf(w));
  }
  return r;
}

/**
 * Why a restored run differs from the reference (stdout before the checkpoint plus after the
 * restart, exit status, the workload's files), or undefined when it matches.
 */
export function judgeRestart(r: Restarted, ref: Reference, prefix: Uint8Array, w: WorkloadRef): string | undefined {
  if (r.failure !== undefined) return r.failure.reason;
  const got = Buffer.concat([prefix, r.stdout]);
  if (!sameBytes(got, ref.stdout)) return firstDiff(got, ref.stdout);
  if (r.status !== ref.exitCode) return `the restored run exited ${r.status}, the reference ${ref.exitCode}`;
  if (r.tree !== ref.tree) return `the files under ${workdirOf(w)} differ from the reference's at the end`;
  return undefined;
}

/** Restart from the image on m, judge the result against the reference, and fill `r` in. */
export function restartInto(
  m: Machine, w: WorkloadRef, restarter: RestarterSpec, ref: Reference, r: CellResult, prefix: Uint8Array, outStart: number, budget: number,
): Restarted {
  const run = restartImage(m, w, restarter, budget, outStart);
  if (run.metrics !== null) {
    r.restart = run.metrics;
    r.objectsCreated = run.objectsCreated;
  }
  if (run.failure?.verdict === "unsupported") r.verdict = "unsupported";
  const why = judgeRestart(run, ref, prefix, w);
  if (why === undefined) r.verdict = "pass";
  else r.reason = why;
  return run;
}
