// How `cptbench matrix` results look: one row per combination × workload (cell counts by verdict
// and mean costs), the reasons of failed and unsupported cells, and a summary per combination. The
// same rows render as compact columns (terminal) or GitHub Markdown (--md, the README, CI job
// summaries).
import pc from "picocolors";
import { renderColumns, type Column } from "./columns.ts";
import { comboLabel } from "../workbench/matrix/combos.ts";
import type { CellResult } from "../workbench/scenario/types.ts";
import { cellLabel, reasonLines, summarize, summaryLine, type Summary } from "./table.ts";

/** The cells of one combination × workload, counted and averaged. */
export interface MatrixRow {
  combination: string;
  workload: string;
  cells: number;
  pass: number;
  fail: number;
  unsupported: number;
  /** Means over the cells where the phase ran (null: it never did). */
  meanImageBytes: number | null;
  meanCheckpointVirtualMs: number | null;
  meanRestartVirtualMs: number | null;
  meanObjectsCreated: number | null;
}

export interface MatrixSummary extends Summary {
  byCombination: ({ combination: string } & Summary)[];
}

function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Rows in the order of the cells (canonical: combination, then workload). */
export function matrixRows(cells: readonly CellResult[]): MatrixRow[] {
  const groups = new Map<string, CellResult[]>();
  for (const c of cells) {
    const key = `${comboLabel(c)}\u0000${c.workload}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((g) => {
    const ran = g.filter((c) => c.checkpoint !== null);
    const restarted = g.filter((c) => c.restart !== null);
    return {
      combination: comboLabel(g[0]),
      workload: g[0].workload,
      cells: g.length,
      ...summarize(g),
      meanImageBytes: mean(ran.map((c) => c.imageBytes)),
      meanCheckpointVirtualMs: mean(ran.map((c) => c.checkpoint!.virtualNs / 1e6)),
      meanRestartVirtualMs: mean(restarted.map((c) => c.restart!.virtualNs / 1e6)),
      meanObjectsCreated: mean(restarted.map((c) => c.objectsCreated)),
    };
  });
}

export function matrixSummary(cells: readonly CellResult[], combinations: string[]): MatrixSummary {
  return {
    ...summarize(cells),
    byCombination: combinations.map((combination) => ({ combination, ...summarize(cells.filter((c) => comboLabel(c) === combination)) })),
  };
}

const COLUMNS = [
  "combination",
  "workload",
  "cells",
  "pass",
  "fail",
  "unsupported",
  "image bytes (mean)",
  "checkpoint virt ms (mean)",
  "restart virt ms (mean)",
  "objects created at restart (mean)",
];
const RIGHT_FROM = 2;

function fmt(v: number | null, digits: number): string {
  return v === null ? "-" : v.toFixed(digits);
}

function rowCells(r: MatrixRow): string[] {
  return [
    r.combination,
    r.workload,
    String(r.cells),
    String(r.pass),
    String(r.fail),
    String(r.unsupported),
    fmt(r.meanImageBytes, 0),
    fmt(r.meanCheckpointVirtualMs, 3),
    fmt(r.meanRestartVirtualMs, 3),
    fmt(r.meanObjectsCreated, 1),
  ];
}

/** "external/kernel/cpt hash mark:1 kill/same": a cell named with its design. */
export function matrixCellLabel(c: CellResult, withSeed: boolean): string {
  return `${comboLabel(c)} ${cellLabel(c, withSeed)}`;
}

function summaryLines(s: MatrixSummary): string[] {
  return [...s.byCombination.map((b) => `${b.combination}: ${summaryLine(b)}`), `total: ${summaryLine(s)}`];
}

/** The terminal's columns: short heads, so that a row fits 120 columns. */
const TEXT_COLUMNS: Column[] = [
  { head: "design", align: "left" },
  { head: "workload", align: "left" },
  { head: "cells", align: "right" },
  { head: "pass", align: "right" },
  { head: "fail", align: "right" },
  { head: "unsup", align: "right" },
  { head: "image B", align: "right" },
  { head: "ckpt ms", align: "right" },
  { head: "restart ms", align: "right" },
  { head: "objects", align: "right" },
];

/**
 * The terminal report: one line per combination × workload, the reasons, workloads without
 * points, the summary per combination and the total. `color` false: no escape codes at all.
 */
export function renderMatrixText(cells: readonly CellResult[], summary: MatrixSummary, withSeed: boolean, color: boolean, noPoints: readonly string[] = []): string {
  const colors = pc.createColors(color);
  const rows = matrixRows(cells).map((r) => {
    const row = rowCells(r);
    if (r.fail > 0) row[4] = colors.red(colors.bold(row[4]));
    if (r.unsupported > 0) row[5] = colors.yellow(row[5]);
    return row;
  });
  const out = renderColumns(TEXT_COLUMNS, rows, (h) => colors.bold(h));
  out.push("(means over the cells of the row; ms: virtual time; objects: kernel objects the restart created)");
  const reasons = reasonLines(cells, (c) => matrixCellLabel(c, withSeed));
  if (reasons.length > 0) out.push("", ...reasons);
  if (noPoints.length > 0) out.push("", ...noPoints.map((n) => `no points: ${n}`));
  out.push("", ...summaryLines(summary));
  return out.join("\n") + "\n";
}

/** The Markdown report: a heading, the table, the summary per combination, the reasons as a list. */
export function renderMatrixMarkdown(cells: readonly CellResult[], summary: MatrixSummary, title: string, withSeed: boolean): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const out = [
    `#### ${title}`,
    "",
    `| ${COLUMNS.join(" | ")} |`,
    `|${COLUMNS.map((_, i) => (i >= RIGHT_FROM ? " ---: " : " --- ")).join("|")}|`,
  ];
  for (const r of matrixRows(cells)) out.push(`| ${rowCells(r).map(esc).join(" | ")} |`);
  out.push("", ...summaryLines(summary).map((l) => `- ${l}`));
  const reasons = reasonLines(cells, (c) => matrixCellLabel(c, withSeed));
  if (reasons.length > 0) out.push("", "Failed and unsupported cells:", "", ...reasons.map((r) => `- ${esc(r.trim())}`));
  return out.join("\n") + "\n";
}
