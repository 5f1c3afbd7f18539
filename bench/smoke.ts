// The bench smoke that CI runs (.ci/run, `npm run bench:smoke`): the few quick benchmarks named in
// bench/reference.json, each compared with the figure committed there; exit 1 when one is worse
// by more than the file's tolerance (smoke-check.ts). A minute at most on the 2-core machine.
//   npm run bench:smoke                          check
//   npm run bench:smoke -- --update              measure once and write the figures as the new
//                                                reference, with the date, load and Node version
//   npm run bench:smoke -- --update --runs N     N measurements, each in a process of its own, and
//                                                the worst of them per figure as the reference (run
//                                                it while the machine has its usual other work: the
//                                                reference should hold under that load)
//   (--measure NAME,... measures those in this process and prints them as JSON: the children.)
// Benchmarks, not timed tests: each figure is the best of a benchmark's repeated runs (measure()),
// and the check is relative to this machine's own committed figures.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { selectBenchmarks } from "./all.ts";
import { betterFor, compare, renderSmoke, worstOf, type ReferenceFile } from "./smoke-check.ts";

const REFERENCE = join(import.meta.dirname, "reference.json");
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const update = args.includes("--update");
const ref = JSON.parse(readFileSync(REFERENCE, "utf8")) as ReferenceFile;
const names = Object.keys(ref.benchmarks);

/** A figure as measured: the best of a benchmark's runs, with its unit. */
interface Figure {
  name: string;
  value: number;
  unit: string;
}

/**
 * The best of a benchmark's runs, not their median: on a shared machine other jobs only ever slow
 * a run down, so the best run is the figure load disturbs least, and a slower code path slows
 * every run, the best one included.
 */
function measureHere(wanted: readonly string[]): Figure[] {
  return selectBenchmarks(wanted).filter((x) => wanted.includes(x.name)).map((b) => {
    const r = b.run();
    const runs = r.runs.length > 0 ? r.runs : [r.value];
    return { name: b.name, unit: r.unit, value: betterFor(r.unit) === "higher" ? Math.max(...runs) : Math.min(...runs) };
  });
}

/**
 * The same in a process of its own: the benchmarks keep what they measured for the rest of a
 * process (the 256 MiB cells, the task trees), so a second measurement in this one would only
 * read the first again.
 */
function measureApart(wanted: readonly string[]): Figure[] {
  const p = spawnSync(process.execPath, [join(import.meta.dirname, "..", "bin", "run-ts.mjs"), join(import.meta.dirname, "smoke.ts"), "--measure", wanted.join(",")], {
    encoding: "utf8", maxBuffer: 1 << 20, stdio: ["ignore", "pipe", "inherit"],
  });
  if (p.status !== 0) throw new Error(`bench smoke: the measuring child failed (status ${p.status})`);
  return JSON.parse(p.stdout) as Figure[];
}

const measureOnly = flag("--measure");
if (measureOnly !== undefined) {
  process.stdout.write(JSON.stringify(measureHere(measureOnly.split(","))));
} else {
  const runs = Number(flag("--runs") ?? 1);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`bench smoke: --runs takes a whole number of runs, 1 or more, not ${JSON.stringify(flag("--runs"))}`);
    process.exit(2);
  }
  if (runs > 1 && !update) {
    console.error("bench smoke: --runs goes with --update (a check measures once, and again only what fails)");
    process.exit(2);
  }
  const t0 = performance.now();
  const loads = [loadavg()[0]];
  const units = new Map<string, string>();
  const take = (figs: Figure[]): Map<string, number> => {
    for (const f of figs) units.set(f.name, f.unit);
    loads.push(loadavg()[0]);
    return new Map(figs.map((f) => [f.name, f.value]));
  };
  const measured = runs === 1 ? [take(measureHere(names))] : Array.from({ length: runs }, () => take(measureApart(names)));
  const now = worstOf(measured, (n) => betterFor(units.get(n)!));
  // A figure that fails is measured once more, in a fresh process, and keeps the better of the
  // two: one burst of load should not fail CI, a regression fails both times.
  if (!update) {
    const failed = compare(ref, now).filter((l) => !l.ok).map((l) => l.name).filter((n) => units.has(n));
    if (failed.length > 0) {
      for (const f of measureApart(failed)) {
        now.set(f.name, betterFor(f.unit) === "higher" ? Math.max(f.value, now.get(f.name)!) : Math.min(f.value, now.get(f.name)!));
      }
    }
  }
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  const load = round2(loads.reduce((a, b) => a + b, 0) / loads.length);
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  if (update) {
    const next: ReferenceFile = {
      date: new Date().toISOString().slice(0, 10), load, cores: availableParallelism(), node: process.version, tolerance: ref.tolerance,
      method: runs === 1 ? "one run of `npm run bench:smoke -- --update`"
        : `each figure the worst of ${runs} runs, each in a process of its own (\`npm run bench:smoke -- --update --runs ${runs}\`), load ${round2(Math.min(...loads))}-${round2(Math.max(...loads))}`,
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
    console.log(`bench smoke: ${seconds} s, load now ${round2(loadavg()[0])}`);
    process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
  }
}
