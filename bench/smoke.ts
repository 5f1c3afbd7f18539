// The bench smoke that CI runs (.ci/run, `npm run bench:smoke`): the few quick benchmarks named in
// bench/reference.json, each compared with the figure committed there; exit 1 when one is worse
// by more than the file's tolerance (smoke-check.ts). A minute at most on the 2-core machine.
//   npm run bench:smoke              check
//   npm run bench:smoke -- --update  measure and write the figures as the new reference, with the
//                                    date, the load average and the Node version
// Benchmarks, not timed tests: each figure is the best of a benchmark's repeated runs (measure()),
// and the check is relative to this machine's own committed figures.
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { selectBenchmarks } from "./all.ts";
import { betterFor, compare, renderSmoke, type ReferenceFile } from "./smoke-check.ts";

const REFERENCE = join(import.meta.dirname, "reference.json");
const update = process.argv.includes("--update");
const ref = JSON.parse(readFileSync(REFERENCE, "utf8")) as ReferenceFile;
const names = Object.keys(ref.benchmarks);
const t0 = performance.now();
const load0 = loadavg()[0];
const now = new Map<string, number>();
const units = new Map<string, string>();
const benchmarks = selectBenchmarks(names).filter((x) => names.includes(x.name));
/**
 * The best of a benchmark's runs, not their median: on a shared machine other jobs only ever slow
 * a run down, so the best run is the figure load disturbs least, and a slower code path slows
 * every run, the best one included.
 */
function measure(b: (typeof benchmarks)[number]): number {
  const r = b.run();
  units.set(b.name, r.unit);
  const runs = r.runs.length > 0 ? r.runs : [r.value];
  return betterFor(r.unit) === "higher" ? Math.max(...runs) : Math.min(...runs);
}
for (const b of benchmarks) now.set(b.name, measure(b));
// A figure that fails is measured once more and keeps the better of the two: one burst of load
// should not fail CI, a regression fails both times.
if (!update) {
  for (const line of compare(ref, now).filter((l) => !l.ok)) {
    const b = benchmarks.find((x) => x.name === line.name);
    if (b === undefined) continue;
    const again = measure(b);
    const better = betterFor(units.get(b.name)!) === "higher" ? Math.max(again, line.now) : Math.min(again, line.now);
    now.set(b.name, better);
  }
}
const load = Math.round(((load0 + loadavg()[0]) / 2) * 100) / 100;
const seconds = Math.round((performance.now() - t0) / 100) / 10;
if (update) {
  const next: ReferenceFile = {
    date: new Date().toISOString().slice(0, 10), load, cores: availableParallelism(), node: process.version, tolerance: ref.tolerance,
    method: "one run of `npm run bench:smoke -- --update`",
    benchmarks: Object.fromEntries(names.map((n) => {
      const fig = { value: now.get(n)!, unit: units.get(n)!, better: betterFor(units.get(n)!) };
      const own = ref.benchmarks[n]!.tolerance;
      return [n, own === undefined ? fig : { ...fig, tolerance: own }];
    })),
  };
  writeFileSync(REFERENCE, JSON.stringify(next, null, 2) + "\n");
  console.log(`bench smoke: wrote ${REFERENCE} (${seconds} s, load ${load})`);
} else {
  const lines = compare(ref, now);
  console.log(renderSmoke(lines, ref));
  console.log(`bench smoke: ${seconds} s, load now ${load}`);
  process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
}
