// How cell results look to a person: compact columns for the terminal (one line per cell, a
// summary line per workload), the reasons of failed and unsupported cells under it, and a table
// in Markdown for --output md files and --out directories.
import pc from "picocolors";
import { renderColumns, type Column } from "./columns.ts";
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

/** Whether the cells come from several seeds, and from repeated runs: each gets a column then. */
export function variety(cells: readonly CellResult[]): { seeds: boolean; reps: boolean } {
  return { seeds: new Set(cells.map((c) => c.seed)).size > 1, reps: cells.some((c) => c.repetition !== undefined) };
}

/**
 * The results for a terminal: one line per cell, a summary line after each workload's cells.
 * Times are virtual ms / wall ms. `color` false gives plain text, no escape codes at all.
 */
export function renderTable(cells: readonly CellResult[], color: boolean): string {
  const colors = pc.createColors(color);
  const v = variety(cells);
  const columns: Column[] = [
    { head: "workload", align: "left" },
    { head: "point", align: "left" },
    { head: "mode/target", align: "left" },
    ...(v.seeds ? [{ head: "seed", align: "right" } as const] : []),
    ...(v.reps ? [{ head: "rep", align: "right" } as const] : []),
    { head: "verdict", align: "left" },
    { head: "image B", align: "right" },
    { head: "checkpoint ms", align: "right" },
    { head: "restart ms", align: "right" },
    { head: "tasks", align: "right" },
    { head: "objects", align: "right" },
  ];
  const rows: (string[] | string)[] = [];
  cells.forEach((c, i) => {
    const r = row(c);
    rows.push([
      r[0], r[1], `${c.mode}/${c.target}`,
      ...(v.seeds ? [String(c.seed)] : []),
      ...(v.reps ? [String(c.repetition ?? 0)] : []),
      paintVerdict(c.verdict, colors), ...r.slice(5),
    ]);
    if (cells[i + 1]?.workload !== c.workload) {
      const group = [];
      for (let j = i; j >= 0 && cells[j].workload === c.workload; j--) group.push(cells[j]);
      rows.push(`  ${c.workload}: ${summaryLine(summarize(group))}`);
    }
  });
  const lines = renderColumns(columns, rows, (h) => colors.bold(h));
  lines.push("(checkpoint and restart: virtual ms / wall ms; objects: kernel objects the restart created)");
  return lines.join("\n");
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

/** "hash mark:1 kill/same" (seed included when the run has several; the repetition when repeated). */
export function cellLabel(c: CellResult, withSeed = false): string {
  return `${c.workload} ${c.point} ${c.mode}/${c.target}${withSeed ? ` seed ${c.seed}` : ""}${c.repetition !== undefined ? ` rep ${c.repetition}` : ""}`;
}

/** The table as GitHub Markdown, with the reasons as a list under it. */
export function renderMarkdown(cells: readonly CellResult[], title: string): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const v = variety(cells);
  // Seed and repetition go after the target, where the terminal table has them.
  const extra = <T>(seed: T, rep: T): T[] => [...(v.seeds ? [seed] : []), ...(v.reps ? [rep] : [])];
  const head = [...COLUMNS.slice(0, 4), ...extra("seed", "rep"), ...COLUMNS.slice(4)];
  const align = [...ALIGN.slice(0, 4), ...extra<"left" | "right">("right", "right"), ...ALIGN.slice(4)];
  const out = [`# ${title}`, "", `| ${head.join(" | ")} |`, `|${align.map((a) => (a === "right" ? " ---: " : " --- ")).join("|")}|`];
  for (const c of cells) {
    const r = row(c);
    out.push(`| ${[...r.slice(0, 4), ...extra(String(c.seed), String(c.repetition ?? 0)), ...r.slice(4)].map(esc).join(" | ")} |`);
  }
  out.push("", summaryLine(summarize(cells)) + ".");
  const reasons = reasonLines(cells, (c) => cellLabel(c, v.seeds));
  if (reasons.length > 0) out.push("", ...reasons.map((r) => `- ${r.trim()}`));
  return out.join("\n") + "\n";
}
