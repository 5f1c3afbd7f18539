// The HTML page of a command's results, the report.html that `--out DIR` writes beside
// results.json, results.md and results.xml (out-dir.ts). It draws from the --json document alone:
// a Report gives the review-case sections, a document with cells (run, matrix) the verdict grid
// and cost charts; anything else gives a page with no section.
import { renderHtmlReport } from "../workbench/report/html/index.ts";
import type { Report } from "../workbench/report/report.ts";
import type { CellResult } from "../workbench/scenario/types.ts";

const isReport = (j: unknown): j is Report => typeof j === "object" && j !== null && Array.isArray((j as Report).sections) && typeof (j as Report).seed === "number";
const cellsOf = (j: unknown): CellResult[] | undefined => {
  const cells = (j as { cells?: unknown } | null)?.cells;
  return Array.isArray(cells) ? (cells as CellResult[]) : undefined;
};

export function renderResultsHtml(r: { command: string; title: string; json: unknown }): string {
  const cells = cellsOf(r.json);
  return renderHtmlReport({
    title: `cptbench ${r.command}: ${r.title}`,
    ...(isReport(r.json) && { report: r.json }),
    ...(cells !== undefined && { matrix: { cells } }),
  });
}
