// Print the per-creator restart benchmarks (bench/suites-creators.ts) of one or more
// `npm run bench` JSON outputs as Markdown tables, for the README.
//   npm run bench -- cr.creator > out.json; node bin/run-ts.mjs bench/creators-table.ts out.json...
import { readFileSync } from "node:fs";

interface Entry {
  name: string;
  value: number;
  [k: string]: unknown;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: creators-table.ts BENCH.json...");
  process.exit(2);
}
// `npm run bench` (without -s) puts npm's banner before the JSON document: skip it.
const parse = (text: string): { benchmarks: Entry[] } => JSON.parse(text.slice(text.search(/^\{/m))) as { benchmarks: Entry[] };
const entries = files.flatMap((f) => parse(readFileSync(f, "utf8")).benchmarks)
  .filter((e) => e.name.startsWith("cr.creator."));
const sizes = entries.filter((e) => e.name.includes(".restart-per-task-"));
const lines = entries.filter((e) => e.name.endsWith(".linearity"));

const fmt = (x: unknown): string => (typeof x === "number" ? x.toLocaleString("en-US", { maximumFractionDigits: 4 }) : String(x));
const byType = (r: unknown): string =>
  Object.entries(r as Record<string, number>).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt(n)}`).join(", ") || "-";

console.log("| creator | tasks | runs | restart µs/task (virtual) | restart ms/task (wall) | restart wall ms | created | created/task | destroyed | destroyed/task |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const e of sizes) {
  console.log(`| ${String(e.variant)} | ${fmt(e.tasks)} | ${fmt(e.repetitions)} | ${fmt(e.restartVirtualUsPerTask)} | ${fmt(e.value)} | ${fmt(e.restartWallMs)} | ` +
    `${fmt(e.objectsCreated)} | ${fmt(e.objectsCreatedPerTask)} | ${fmt(e.objectsDestroyed)} | ${fmt(e.objectsDestroyedPerTask)} |`);
}
console.log("\n| creator | tasks | created by type | destroyed by type |");
console.log("|---|---:|---|---|");
for (const e of sizes) console.log(`| ${String(e.variant)} | ${fmt(e.tasks)} | ${byType(e.created)} | ${byType(e.destroyed)} |`);
console.log("\n| creator | wall ratio 10,000/100 | virtual ratio 10,000/100 | marginal wall ms/task | marginal virtual µs/task | marginal created/task | marginal destroyed/task |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const e of lines) {
  const m = e.marginalPerTask1000to10000 as Record<string, number>;
  console.log(`| ${String(e.variant)} | ${fmt(e.value)} | ${fmt(e.virtualRatio)} | ${fmt(m.restartWallMs)} | ${fmt(m.restartVirtualUs)} | ${fmt(m.objectsCreated)} | ${fmt(m.objectsDestroyed)} |`);
}
