// How cell results look to a person: a cli-table3 table for the terminal, the reasons of failed
// and unsupported cells under it, and the same table in Markdown for --output md files.
import Table from "cli-table3";
import pc from "picocolors";
import type { CellResult, PhaseMetrics, Verdict } from "../workbench/scenario/types.ts";

export interface Summary {
  pass: number;
  fail: number;
  unsupported: number;
}

export function summarize(cells: readonly CellResult[]): Summary {
  const s: Summary = { pass: 0, fail: 0, unsupported: 0 };
  for (const c of cells) s[c.verdict]++;
  return s;
}

/**
 * Whether stdout gets colour. picocolors decides once, when it is imported; NO_COLOR is checked
 * again here so a caller (or a test) that sets it later is still obeyed.
 */
export function useColor(): boolean {
  return !("NO_COLOR" in process.env) && pc.isColorSupported;
}

export const COLUMNS = [
  "workload",
  "point",
  "mode",
  "target",
  "verdict",
  "image bytes",
  "checkpoint virt ms / wall ms",
  "restart virt ms / wall ms",
  "tasks",
  "objects created (restart)",
];
const ALIGN: ("left" | "right")[] = ["left", "left", "left", "left", "left", "right", "right", "right", "right", "right"];

/** "1.234 / 5.6": virtual ms (from ns) and wall ms of a phase, "-" when it did not run. */
export function phaseTimes(p: PhaseMetrics | null): string {
  if (!p) return "-";
  return `${(p.virtualNs / 1e6).toFixed(3)} / ${p.wallMs.toFixed(1)}`;
}

function row(c: CellResult): string[] {
  const ran = c.checkpoint !== null;
  return [
    c.workload,
    c.point,
    c.mode,
    c.target,
    c.verdict,
    ran ? String(c.imageBytes) : "-",
    phaseTimes(c.checkpoint),
    phaseTimes(c.restart),
    ran ? String(c.tasks) : "-",
    c.restart ? String(c.objectsCreated) : "-",
  ];
}

function paintVerdict(v: Verdict, colors: ReturnType<typeof pc.createColors>): string {
  return v === "pass" ? colors.green(v) : v === "fail" ? colors.red(colors.bold(v)) : colors.yellow(v);
}

/**
 * The results table. `color` false gives plain text: cli-table3 colours its head and borders
 * unless both styles are emptied, whatever NO_COLOR says.
 */
export function renderTable(cells: readonly CellResult[], color: boolean): string {
  const colors = pc.createColors(color);
  const table = new Table({
    head: COLUMNS,
    colAligns: ALIGN,
    style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
  });
  for (const c of cells) {
    const r = row(c);
    r[4] = paintVerdict(c.verdict, colors);
    table.push(r);
  }
  return table.toString();
}

/** One line per failed or unsupported cell, with its reason and any oops. */
export function reasonLines(cells: readonly CellResult[], label: (c: CellResult) => string = (c) => cellLabel(c)): string[] {
  const lines: string[] = [];
  for (const c of cells) {
    if (c.verdict === "pass") continue;
    lines.push(`${label(c)}: ${c.verdict}: ${c.reason ?? "(no reason recorded)"}`);
    for (const o of c.oopses) lines.push(`    oops: ${o}`);
  }
  return lines;
}

export function summaryLine(s: Summary): string {
  return `${s.pass} passed, ${s.fail} failed, ${s.unsupported} unsupported`;
}

/** "hash mark:1 kill/same" (seed included when the run has several). */
export function cellLabel(c: CellResult, withSeed = false): string {
  return `${c.workload} ${c.point} ${c.mode}/${c.target}${withSeed ? ` seed ${c.seed}` : ""}`;
}

/** The table as GitHub Markdown, with the reasons as a list under it. */
export function renderMarkdown(cells: readonly CellResult[], title: string): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const out = [`# ${title}`, "", `| ${COLUMNS.join(" | ")} |`, `|${ALIGN.map((a) => (a === "right" ? " ---: " : " --- ")).join("|")}|`];
  for (const c of cells) out.push(`| ${row(c).map(esc).join(" | ")} |`);
  out.push("", summaryLine(summarize(cells)) + ".");
  const reasons = reasonLines(cells);
  if (reasons.length > 0) out.push("", ...reasons.map((r) => `- ${r.trim()}`));
  return out.join("\n") + "\n";
}
