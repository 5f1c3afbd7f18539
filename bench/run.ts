// Benchmarks. `npm run bench` prints one JSON document on stdout:
//   { "node": ..., "benchmarks": [ { "name", "value", "unit", "runs": [...], ...details } ] }
// Each benchmark repeats its measurement and reports the median. Speed lives here, never in
// timed tests. Pass names (or prefixes) as arguments to run only some: `npm run bench -- hart`.
import { CLI_BENCHMARKS } from "./suites-cli.ts";
import { CODEC_BENCHMARKS } from "./suites-codec.ts";
import { CREATOR_BENCHMARKS } from "./suites-creators.ts";
import { HART_BENCHMARKS } from "./suites-hart.ts";
import { PIDS_BENCHMARKS } from "./suites-pids.ts";
import { BENCHMARKS as BASE } from "./suites.ts";

// The paired hart suite (bench/suites-hart.ts), the codec suite (bench/suites-codec.ts), the
// per-creator restart suite (bench/suites-creators.ts) and the CLI start-up suite
// (bench/suites-cli.ts) and the fork bomb at pids.max (bench/suites-pids.ts) register here,
// after the machine and C/R suites.
const BENCHMARKS = [...BASE, ...HART_BENCHMARKS, ...CODEC_BENCHMARKS, ...CREATOR_BENCHMARKS, ...CLI_BENCHMARKS, ...PIDS_BENCHMARKS];

const filters = process.argv.slice(2);
const selected = BENCHMARKS.filter((b) => filters.length === 0 || filters.some((f) => b.name.startsWith(f)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ")}; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
const results = [];
for (const b of selected) {
  process.stderr.write(`bench: ${b.name}...\n`);
  results.push({ name: b.name, ...b.run() });
}
console.log(JSON.stringify({ node: process.version, date: new Date().toISOString(), benchmarks: results }, null, 2));
