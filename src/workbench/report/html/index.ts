// `cptbench report --html`: the report as one self-contained HTML page. Every part is optional —
// the matrix (grid and cost charts), the review cases' sections (`cptbench report`), ZDTM results
// — and a part with no data is absent from the page, never drawn as an empty chart.
import { comboLabel } from "../../matrix/combos.ts";
import type { Report, SectionResult } from "../report.ts";
import { caseCharts } from "./case-charts.ts";
import { renderGrid, type GridSquare } from "./grid.ts";
import { esc, fmtNum, slug } from "./markup.ts";
import { matrixSections, type MatrixInput } from "./matrix-sections.ts";
import { renderPage, type HtmlSection } from "./page.ts";

export type { MatrixInput } from "./matrix-sections.ts";

/** One ZDTM test run one way: on a design, or without checkpoint (`cptbench zdtm --html`). */
export interface ZdtmResult {
  design: string;
  test: string;
  verdict: "pass" | "fail" | "unsupported";
  reason?: string;
}

export interface HtmlReportInput {
  /** The page's title; default "cptbench report". */
  title?: string;
  /** How to reproduce the run, e.g. "cptbench report --html out --seed 1". */
  command?: string;
  report?: Report;
  /**
   * Draw the numeric figures of a case section without charts of its own, one chart each (the
   * page of `cptbench case --out`, where the case is all there is).
   */
  figureCharts?: boolean;
  matrix?: MatrixInput;
  zdtm?: ZdtmResult[];
}

const value = (v: number | string | boolean | undefined): string => (v === undefined ? "" : typeof v === "number" ? fmtNum(v) : String(v));

function outcomeTable(s: SectionResult): string {
  const rows = s.outcomes.map(
    (o) => `<tr><th scope="row">${esc(comboLabel(o.design))}</th><td class="sq v-${esc(o.verdict)}" data-state="${esc(o.verdict)}">${esc(o.verdict)}</td><td>${esc(o.reason ?? "")}</td></tr>`,
  );
  return `<table class="outcomes"><tr><th>design</th><th>verdict</th><th>why</th></tr>${rows.join("")}</table>`;
}

/** Every figure, one row each and one column per design: what the Markdown report shows. */
function figureTable(s: SectionResult): string {
  const keys = [...new Set(s.outcomes.flatMap((o) => Object.keys(o.figures)))];
  if (keys.length === 0) return "";
  const head = `<tr><th>figure</th>${s.outcomes.map((o) => `<th>${esc(comboLabel(o.design))}</th>`).join("")}</tr>`;
  const rows = keys.map((k) => `<tr><th scope="row">${esc(k)}</th>${s.outcomes.map((o) => `<td class="num">${esc(value(o.figures[k]))}</td>`).join("")}</tr>`);
  return `<details><summary>All ${keys.length} figures of case ${esc(s.caseId)}</summary><table class="figures">${head}${rows.join("")}</table></details>`;
}

function caseSection(s: SectionResult, figures: boolean): HtmlSection | null {
  const intro = `${s.question} (case ${s.caseId})`;
  const id = `case-${slug(s.caseId)}`;
  if (s.error !== undefined) return { id, title: s.title, intro, body: `<p class="error">Not measured: ${esc(s.error)}.</p>` };
  if (s.outcomes.length === 0) return null;
  return { id, title: s.title, intro, body: [outcomeTable(s), ...caseCharts(s.caseId, s.outcomes, figures), figureTable(s)].join("\n") };
}

function zdtmSection(results: ZdtmResult[] | undefined): HtmlSection | null {
  if (results === undefined || results.length === 0) return null;
  const squares = new Map<string, GridSquare>();
  for (const r of results) {
    const key = `${r.design}\u0000${r.test}`;
    const s = squares.get(key) ?? { row: r.design, col: r.test, pass: 0, fail: 0, unsupported: 0 };
    s[r.verdict]++;
    if (r.verdict !== "pass" && s.detail === undefined && r.reason !== undefined) s.detail = r.reason;
    squares.set(key, s);
  }
  const rows = [...new Set(results.map((r) => r.design))];
  const cols = [...new Set(results.map((r) => r.test))];
  return {
    id: "zdtm",
    title: "ZDTM tests",
    intro: "CRIU's ZDTM tests, one row per way they ran (a C/R design, or without checkpoint), one column per test.",
    body: renderGrid({ title: `ZDTM: ${rows.length} designs × ${cols.length} tests`, rowHeading: "design", rows, cols, squares: [...squares.values()] }),
  };
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const sections = [
    ...matrixSections(input.matrix),
    ...(input.report?.sections ?? []).map((s) => caseSection(s, input.figureCharts === true)),
    zdtmSection(input.zdtm),
  ].filter((s): s is HtmlSection => s !== null);
  const r = input.report;
  const facts = [
    r !== undefined ? `Review cases measured with seed ${r.seed}${r.quick ? " (quick: sampled)" : ""}.` : "",
    input.command !== undefined ? `Reproduce: ${input.command}` : "",
  ].filter((x) => x !== "");
  return renderPage({ title: input.title ?? "cptbench report", subtitle: facts.join(" ") || "Every figure on this page was measured by the run that wrote it.", sections });
}
