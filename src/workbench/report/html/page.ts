// The page shell of the HTML report: one self-contained document (its style inline, no script,
// no font, no image or link to load), a title, a table of contents and the sections given.
// Sections come already rendered; the shell only lays them out, so a section that has no data
// is simply not in the list and leaves no trace on the page.
import { esc } from "./markup.ts";

export interface HtmlSection {
  /** Anchor in the page (unique). */
  id: string;
  title: string;
  /** Plain text under the heading: the question the section answers. */
  intro?: string;
  /** Rendered HTML: charts, grids, tables. */
  body: string;
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 6px; padding-top: 12px; border-top: 1px solid #d0d7de; }
.subtitle, .intro, .note { color: #57606a; }
.intro { font-style: italic; margin: 0 0 12px; }
.note { font-size: 12px; margin: 2px 0 0; }
nav ol { columns: 2; margin: 8px 0 0; padding-left: 20px; }
figure { margin: 16px 0 24px; }
figcaption { font-weight: 600; font-size: 15px; margin-bottom: 6px; }
svg.chart { display: block; max-width: 100%; height: auto; font: 12px system-ui, "DejaVu Sans", sans-serif; fill: #1f2328; }
svg .grid { stroke: #d8dee4; stroke-width: 1; }
svg .axis { stroke: #57606a; stroke-width: 1; }
svg .axis-label { font-weight: 600; fill: #424a53; }
svg .tick, svg .value { fill: #57606a; font-size: 11px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 8px; border: 1px solid #d0d7de; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid-scroll { overflow-x: auto; }
table.grid th.col-head { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: 600; padding: 6px 2px; }
table.grid td.sq { text-align: center; min-width: 46px; font-weight: 600; white-space: nowrap; }
span.sq { display: inline-block; padding: 1px 6px; border-radius: 3px; }
.v-pass { background: #2da44e; color: #fff; }
.v-fail { background: #cf222e; color: #fff; }
.v-unsupported { background: #d0d7de; color: #24292f; }
.v-mixed { background: #a2e3b3; color: #0f3d1c; }
.v-none { background: #fff; color: #8c959f; }
.grid-legend { font-size: 12px; color: #57606a; }
.grid-legend span.sq { margin: 0 4px 0 12px; }
.grid-legend span.sq:first-child { margin-left: 0; }
details { margin: 8px 0; }
summary { cursor: pointer; color: #0969da; }
.error { color: #cf222e; font-weight: 600; }
`;

export interface Page {
  title: string;
  /** Plain text under the title: what was run and how to run it again. */
  subtitle: string;
  sections: HtmlSection[];
}

export function renderPage(p: Page): string {
  const toc = p.sections.map((s) => `<li><a href="#${esc(s.id)}">${esc(s.title)}</a></li>`).join("");
  const body = p.sections
    .map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>${s.intro !== undefined ? `<p class="intro">${esc(s.intro)}</p>` : ""}${s.body}</section>`)
    .join("\n");
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    // No network at view time: the policy forbids every fetch, whatever a later edit adds.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(p.title)}</title><style>${CSS}</style></head>`,
    `<body><main><h1>${esc(p.title)}</h1><p class="subtitle">${esc(p.subtitle)}</p>`,
    p.sections.length > 0 ? `<nav><ol>${toc}</ol></nav>` : "",
    body,
    "</main></body></html>",
    "",
  ].join("\n");
}
