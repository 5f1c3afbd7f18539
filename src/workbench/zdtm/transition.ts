// CRIU's transition tests (zdtm/transition: fork, pipe_loop00, maps007, ...) change their state
// continuously — they fork and reap, move data round a ring of pipes, map and unmap — and check
// after SIGTERM that nothing they hold got lost. zdtm.py dumps them at whatever moment its dump
// happens to come. Here that moment is drawn from the run's seed: a number of guest instructions
// after test_daemon() before each checkpoint (and after the last restart, so the restored copy
// changes state again before it checks itself). Instructions, not wall time, so the same seed
// checkpoints at the same instruction in every run and on every host; with --iters N each cycle
// gets its own point. Static tests keep the fixed settle (they hold still).
import { Prng } from "../../machine/kernel/prng.ts";
import type { ZdtmTest } from "./tests-list.ts";

export const isTransition = (t: ZdtmTest): boolean => t.name.startsWith("zdtm/transition/");

/** Mixed into the seed so the points are not the machine's own first draws (same seed, other stream). */
const POINT_STREAM = 0x7a64746d; // "zdtm"

/**
 * The instructions to run before checkpoint 1..iters, then after the last restart: each uniform
 * in [settle / 4, 4 * settle), so a point falls anywhere from early in the first transition to
 * many transitions in.
 */
export function checkpointPoints(seed: number, iters: number, settle: number): number[] {
  const rng = new Prng((seed ^ POINT_STREAM) >>> 0);
  const lo = Math.max(1, Math.floor(settle / 4));
  const span = 4 * settle - lo;
  return Array.from({ length: iters + 1 }, () => lo + rng.below(span));
}
