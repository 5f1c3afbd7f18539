// What a ZDTM worker thread does with one request, apart from the thread plumbing (worker.ts), so
// the inline path (--jobs 1) runs exactly the same code: exec without checkpoint, or the test
// through C/R in one design. A design travels by name (functions cannot cross threads) and is
// resolved here through the built-in registry, as a matrix cell resolves it.
import "reflect-metadata";
import { runExec, type ExecOptions } from "./exec-runner.ts";
import { runCrCounted, type CrOptions } from "./cr-runner.ts";
import type { RunOutcome } from "./protocol.ts";
import type { ZdtmTest } from "./tests-list.ts";
import type { Combination } from "../matrix/combos.ts";
import { designOf } from "../scenario/runner.ts";
import { builtinRegistry } from "../plugins.ts";

export interface ExecRequest {
  id: number;
  test: ZdtmTest;
  opts: ExecOptions;
  /** Set: run the test through C/R in this design (with `cr`); unset: exec. */
  design?: Combination;
  cr?: CrOptions;
}

export interface ExecReply {
  id: number;
  outcome: RunOutcome;
}

export function runRequest(req: ExecRequest): RunOutcome {
  // Wall time is for the reader of results.json and JUnit only: no verdict depends on it.
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  try {
    if (req.design === undefined) return { ...runExec(req.test, req.opts), ms: ms() };
    const design = designOf({ ...req.design, pluginOptions: {}, faults: req.cr?.faults } as Parameters<typeof designOf>[0], builtinRegistry());
    const r = runCrCounted(req.test, design, { seed: req.opts.seed, limits: req.opts.limits, ...req.cr });
    return { ...r.outcome, ms: ms(), iterations: r.iterations };
  } catch (e) {
    // A host-side bug in one test's run is that test's failure, not the suite's end.
    return { verdict: "fail", reason: `runner error: ${(e as Error).message}`, ms: ms() };
  }
}
