// Plain aligned columns for the terminal: a header, then one line per row, no rules between rows.
// A table with a ruled border per row doubles its height and, with long headers, goes past 120
// columns; this one is as wide as its widest values, so a default run fits a terminal.

export type Align = "left" | "right";

export interface Column {
  head: string;
  align: Align;
}

/** Cells may carry escape codes (colour): widths count only what is visible. */
// eslint-disable-next-line no-control-regex
const visible = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, "").length;

function pad(s: string, width: number, align: Align): string {
  const fill = " ".repeat(Math.max(0, width - visible(s)));
  return align === "right" ? fill + s : s + fill;
}

/**
 * The header and one line per row, columns two spaces apart. A row that is a string (not an
 * array) is printed as it is: a summary line between groups of rows.
 */
export function renderColumns(columns: readonly Column[], rows: readonly (readonly string[] | string)[], paintHead: (s: string) => string = (s) => s): string[] {
  const widths = columns.map((c, i) => Math.max(c.head.length, ...rows.map((r) => (typeof r === "string" ? 0 : visible(r[i] ?? "")))));
  const line = (cells: readonly string[]): string => cells.map((s, i) => pad(s, widths[i], columns[i].align)).join("  ").trimEnd();
  return [paintHead(line(columns.map((c) => c.head))), ...rows.map((r) => (typeof r === "string" ? r : line(r)))];
}
