// Benchmarks. `npm run bench` prints one JSON document on stdout:
//   { "node", "date", "load", "benchmarks": [ { "name", "value", "unit", "runs": [...], ...details } ] }
// Each benchmark repeats its measurement and reports the median. Speed lives here, never in
// timed tests. Pass names (or prefixes) as arguments to run only some: `npm run bench -- hart`.
// `--compare qemu` adds, when hart benchmarks are selected, each hart ELF under qemu-riscv32
// and cptbench alternated (bench/suites-hart.ts), and prints the ratios on stderr too.
// `load` is the 1-minute load average before and after (os.loadavg): on a 2-core machine shared
// with other jobs the figures move with it, so every figure carries it.
import { loadavg } from "node:os";
import { ALL_BENCHMARKS, selectBenchmarks } from "./all.ts";
import { qemuComparisons } from "./suites-hart.ts";

const argv = process.argv.slice(2);
const at = argv.indexOf("--compare");
const compare = at >= 0 ? argv.splice(at, 2)[1] : undefined;
if (at >= 0 && compare !== "qemu") {
  console.error(`--compare: only "qemu" is known, not ${compare ?? "nothing"}`);
  process.exit(2);
}
const filters = argv;
const selected = selectBenchmarks(filters);
if (compare === "qemu" && selected.some((b) => b.name.startsWith("hart."))) selected.push(...qemuComparisons());
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ")}; known: ${ALL_BENCHMARKS.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
const loadBefore = loadavg()[0];
const results = [];
for (const b of selected) {
  process.stderr.write(`bench: ${b.name}...\n`);
  results.push({ name: b.name, ...b.run() });
}
for (const r of results.filter((x) => x.name.startsWith("compare.qemu."))) {
  process.stderr.write(`cptbench ÷ qemu-riscv32, ${r.name.slice("compare.qemu.".length)}: ${r.value}× (runs ${r.runs.join(", ")})\n`);
}
const load = { before: Math.round(loadBefore * 100) / 100, after: Math.round(loadavg()[0] * 100) / 100 };
console.log(JSON.stringify({ node: process.version, date: new Date().toISOString(), load, benchmarks: results }, null, 2));
