// The review cases (../shared/design/REVIEW-CASES.md): every point the 2008 reviewers raised, as a
// scenario that runs on one design (initiator × creator × codec) and says what must hold. A case
// returns an outcome per design: pass, fail (with what broke: an oops, an error, a wrong result)
// or unsupported (the design cannot do what the case asks, and says why), plus the figures it
// measured. `cptbench case` runs them; `cptbench report` turns their figures into the report.
import type { Registry } from "../../core/cr/registry.ts";
import type { Combination } from "../matrix/combos.ts";
import type { BugName } from "./bugs.ts";

export type CaseVerdict = "pass" | "fail" | "unsupported";

export interface CaseContext {
  registry: Registry;
  /** Seed of every machine the case boots (determinism: same seed, same outcome). */
  seed: number;
  /** Deliberate bugs switched on (cases must catch each one: the case then fails, naming it). */
  bugs: ReadonlySet<BugName>;
  /** A smaller run (sampled instead of exhaustive) for tests and CI; the report uses the full one. */
  quick: boolean;
}

export interface CaseOutcome {
  case: string;
  design: Combination;
  verdict: CaseVerdict;
  /** Why it failed or is unsupported; for a pass, optional notes. */
  reason?: string;
  /** What the case measured, by name (e.g. "window instructions": 57). Units in the name. */
  figures: Record<string, number | string | boolean>;
  /** Per-point results (e.g. one line per injected instruction), for --json. */
  details?: unknown[];
  seed: number;
}

export interface ReviewCase {
  /** A short stable id, e.g. "signal-race". */
  id: string;
  /** Its number in REVIEW-CASES.md (1..15). */
  number: number;
  title: string;
  /** One line for `cptbench case --list`. */
  summary: string;
  run(design: Combination, ctx: CaseContext): CaseOutcome;
}

/** An outcome with the common fields filled in. */
export function outcome(c: ReviewCase, design: Combination, ctx: CaseContext, verdict: CaseVerdict, figures: CaseOutcome["figures"] = {}, reason?: string, details?: unknown[]): CaseOutcome {
  const o: CaseOutcome = { case: c.id, design, verdict, figures, seed: ctx.seed };
  if (reason !== undefined) o.reason = reason;
  if (details !== undefined) o.details = details;
  return o;
}
