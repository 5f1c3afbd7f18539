// The HTML page of a command's results, the report.html that `--out DIR` writes beside
// results.json, results.md and results.xml (out-dir.ts). It draws from the --json document alone:
// a Report gives the review-case sections, a case document (`cptbench case`) its case's section
// with a chart of each figure the case has no chart of its own for, a document with cells (run,
// matrix) the verdict grid and cost charts; anything else gives a page with no section.
import { renderHtmlReport } from "../workbench/report/html/index.ts";
import type { Report } from "../workbench/report/report.ts";
import type { CaseOutcome } from "../workbench/cases/types.ts";
import type { CellResult } from "../workbench/scenario/types.ts";

const isReport = (j: unknown): j is Report => typeof j === "object" && j !== null && Array.isArray((j as Report).sections) && typeof (j as Report).seed === "number";
const cellsOf = (j: unknown): CellResult[] | undefined => {
  const cells = (j as { cells?: unknown } | null)?.cells;
  return Array.isArray(cells) ? (cells as CellResult[]) : undefined;
};

/** What `cptbench case --json` prints. */
export interface CaseDocument {
  case: { id: string; number: number; title: string; summary?: string };
  seed: number;
  quick: boolean;
  outcomes: CaseOutcome[];
}

const isCase = (j: unknown): j is CaseDocument => {
  const d = j as Partial<CaseDocument> | null;
  return typeof d === "object" && d !== null && typeof d.case?.id === "string" && Array.isArray(d.outcomes) && typeof d.seed === "number";
};

/** A case document as a report of one section: the case, on every design it ran on. */
function caseReport(d: CaseDocument): Report {
  const section = { title: `Case ${d.case.number}: ${d.case.title}`, question: d.case.summary ?? d.case.title, caseId: d.case.id, outcomes: d.outcomes };
  return { seed: d.seed, quick: d.quick, sections: [section] };
}

export function renderResultsHtml(r: { command: string; title: string; json: unknown }): string {
  const cells = cellsOf(r.json);
  return renderHtmlReport({
    title: `cptbench ${r.command}: ${r.title}`,
    ...(isReport(r.json) && { report: r.json }),
    ...(isCase(r.json) && { report: caseReport(r.json), figureCharts: true }),
    ...(cells !== undefined && { matrix: { cells } }),
  });
}
