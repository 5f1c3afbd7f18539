// The README's benchmark tables from measured figures: `npm run bench:table -- cr.` runs the
// benchmarks whose names start with the arguments (as `npm run bench` does) and prints one
// Markdown table, headed by the date, the load average and the Node version, to paste into the
// README's Benchmarks section. `--from FILE` renders the JSON an earlier `npm run bench` printed
// instead of measuring again.
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { selectBenchmarks } from "./all.ts";
import type { BenchResult } from "./suites.ts";

interface BenchDoc {
  node: string;
  date: string;
  load?: { before: number; after: number };
  benchmarks: (BenchResult & { name: string })[];
}

const fmt = (x: number): string => (Number.isInteger(x) || Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : String(x));

/** Details worth a column: what the figure is made of (wall times, fresh memory, peak budget). */
function details(b: BenchResult): string {
  const out: string[] = [];
  if (Array.isArray(b.wallMs)) out.push(`wall ${(b.wallMs as number[]).map(fmt).join(" · ")} ms`);
  if (Array.isArray(b.cpuMs)) out.push(`CPU ${(b.cpuMs as number[]).map(fmt).join(" · ")} ms`);
  if (Array.isArray(b.freshMiB)) out.push(`fresh host memory ${(b.freshMiB as number[]).map(fmt).join(" · ")} MiB`);
  if (typeof b.budgetMiB === "number") out.push(`budget ${fmt(b.budgetMiB)} MiB (${b.withinBudget === true ? "within" : "over"})`);
  if (typeof b.rewriteMedianMiBs === "number") out.push(`rewrite of touched memory ${fmt(b.rewriteMedianMiBs)} MiB/s`);
  if (typeof b.checkpointMsPerTask === "number") out.push(`checkpoint ${b.checkpointMsPerTask} ms/task`);
  return out.join("; ");
}

/** `command`: what regenerates the table (its arguments), named in the header. */
export function renderTable(doc: BenchDoc, command: string): string {
  const load = doc.load === undefined ? "load not recorded" : `load average ${doc.load.before} → ${doc.load.after} on ${availableParallelism()} cores`;
  return [
    `Measured ${doc.date.slice(0, 16).replace("T", " ")} UTC, ${load}, Node ${doc.node} (\`${command}\`):`,
    "",
    "| benchmark | median | runs | details |",
    "|---|---:|---|---|",
    ...doc.benchmarks.map((b) => `| \`${b.name}\` | ${fmt(b.value)} ${b.unit} | ${b.runs.map(fmt).join(" · ")} | ${details(b)} |`),
  ].join("\n");
}

const args = process.argv.slice(2);
const from = args.indexOf("--from");
let doc: BenchDoc;
if (from >= 0) {
  doc = JSON.parse(readFileSync(args[from + 1], "utf8")) as BenchDoc;
} else {
  const before = loadavg()[0];
  const selected = selectBenchmarks(args);
  const benchmarks = selected.map((b) => {
    process.stderr.write(`bench: ${b.name}...\n`);
    return { name: b.name, ...b.run() };
  });
  doc = { node: process.version, date: new Date().toISOString(), load: { before: Math.round(before * 100) / 100, after: Math.round(loadavg()[0] * 100) / 100 }, benchmarks };
}
console.log(renderTable(doc, `npm run bench:table -- ${from >= 0 ? doc.benchmarks.map((b) => b.name).join(" ") : args.join(" ")}`));
