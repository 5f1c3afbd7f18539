// Every benchmark, in the order `npm run bench` runs them, and the selection by name prefix that
// `npm run bench -- NAME...` and the smoke check (smoke.ts) share.
import { CLI_BENCHMARKS } from "./suites-cli.ts";
import { CODEC_BENCHMARKS } from "./suites-codec.ts";
import { CREATOR_BENCHMARKS } from "./suites-creators.ts";
import { HART_BENCHMARKS } from "./suites-hart.ts";
import { PIDS_BENCHMARKS } from "./suites-pids.ts";
import { SCALE_BENCHMARKS } from "./suites-scale.ts";
import { BENCHMARKS as BASE, type Benchmark } from "./suites.ts";

// The paired hart suite (bench/suites-hart.ts), the codec suite (bench/suites-codec.ts), the
// per-creator restart suite (bench/suites-creators.ts) and the CLI start-up suite
// (bench/suites-cli.ts), the fork bomb at pids.max (bench/suites-pids.ts) and the per-task C/R
// cost at 1,000 and 10,000 tasks (bench/suites-scale.ts) register here, after the machine and C/R
// suites.
export const ALL_BENCHMARKS: Benchmark[] = [...BASE, ...HART_BENCHMARKS, ...CODEC_BENCHMARKS, ...CREATOR_BENCHMARKS, ...CLI_BENCHMARKS, ...PIDS_BENCHMARKS, ...SCALE_BENCHMARKS];

/** The benchmarks whose names start with one of `filters` (all of them for none), in order. */
export function selectBenchmarks(filters: readonly string[]): Benchmark[] {
  return ALL_BENCHMARKS.filter((b) => filters.length === 0 || filters.some((f) => b.name.startsWith(f)));
}
