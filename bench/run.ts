// Benchmarks. `npm run bench` prints one JSON document on stdout:
//   { "node": ..., "benchmarks": [ { "name", "value", "unit", "runs": [...], ...details } ] }
// Each benchmark repeats its measurement and reports the median. Speed lives here, never in
// timed tests. Pass names (or prefixes) as arguments to run only some: `npm run bench -- hart`.
// `--compare qemu` adds, when hart benchmarks are selected, each hart ELF under qemu-riscv32
// and cptbench alternated (bench/suites-hart.ts), and prints the ratios on stderr too.
import { CLI_BENCHMARKS } from "./suites-cli.ts";
import { CODEC_BENCHMARKS } from "./suites-codec.ts";
import { CREATOR_BENCHMARKS } from "./suites-creators.ts";
import { HART_BENCHMARKS, qemuComparisons } from "./suites-hart.ts";
import { PIDS_BENCHMARKS } from "./suites-pids.ts";
import { BENCHMARKS as BASE } from "./suites.ts";

// The paired hart suite (bench/suites-hart.ts), the codec suite (bench/suites-codec.ts), the
// per-creator restart suite (bench/suites-creators.ts) and the CLI start-up suite
// (bench/suites-cli.ts) and the fork bomb at pids.max (bench/suites-pids.ts) register here,
// after the machine and C/R suites.
const BENCHMARKS = [...BASE, ...HART_BENCHMARKS, ...CODEC_BENCHMARKS, ...CREATOR_BENCHMARKS, ...CLI_BENCHMARKS, ...PIDS_BENCHMARKS];

const argv = process.argv.slice(2);
const at = argv.indexOf("--compare");
const compare = at >= 0 ? argv.splice(at, 2)[1] : undefined;
if (at >= 0 && compare !== "qemu") {
  console.error(`--compare: only "qemu" is known, not ${compare ?? "nothing"}`);
  process.exit(2);
}
const filters = argv;
const selected = BENCHMARKS.filter((b) => filters.length === 0 || filters.some((f) => b.name.startsWith(f)));
if (compare === "qemu" && selected.some((b) => b.name.startsWith("hart."))) selected.push(...qemuComparisons());
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ")}; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
const results = [];
for (const b of selected) {
  process.stderr.write(`bench: ${b.name}...\n`);
  results.push({ name: b.name, ...b.run() });
}
for (const r of results.filter((x) => x.name.startsWith("compare.qemu."))) {
  process.stderr.write(`cptbench ÷ qemu-riscv32, ${r.name.slice("compare.qemu.".length)}: ${r.value}× (runs ${r.runs.join(", ")})\n`);
}
console.log(JSON.stringify({ node: process.version, date: new Date().toISOString(), benchmarks: results }, null, 2));
