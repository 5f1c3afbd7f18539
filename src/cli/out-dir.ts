// `--out DIR`: every command that produces results writes them there in each format a reader may
// want: results.json (the --json document), results.md (Markdown), results.xml (JUnit, for CI)
// and report.html (a page with charts). OUTPUT_WRITERS is the list of formats.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CaseOutcome } from "../workbench/cases/types.ts";
import type { CellResult } from "../workbench/scenario/types.ts";
import { CliError } from "./errors.ts";
import { renderJunit, type JunitSuite } from "./junit.ts";
import { renderResultsHtml } from "./results-html.ts";
import { cellLabel } from "./table.ts";

/** What a command hands over: its results, already rendered where the command knows best. */
export interface Results {
  /** "run", "matrix", "case", "report". */
  command: string;
  title: string;
  /** The document --json prints. */
  json: unknown;
  markdown: string;
  junit: JunitSuite[];
}

export interface OutputWriter {
  file: string;
  render(r: Results): string;
}

export const OUTPUT_WRITERS: OutputWriter[] = [
  { file: "results.json", render: (r) => JSON.stringify(r.json, null, 2) + "\n" },
  { file: "results.md", render: (r) => r.markdown },
  { file: "results.xml", render: (r) => renderJunit(`cptbench ${r.command}: ${r.title}`, r.junit) },
  { file: "report.html", render: renderResultsHtml },
];

/** Write every format into `dir` (made if missing); returns the paths written. */
export function writeOutDir(dir: string, r: Results, writers: readonly OutputWriter[] = OUTPUT_WRITERS): string[] {
  try {
    mkdirSync(dir, { recursive: true });
    return writers.map((w) => {
      const path = join(dir, w.file);
      writeFileSync(path, w.render(r));
      return path;
    });
  } catch (e) {
    throw new CliError("CLI_WRITE", `cannot write results into ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Cells as JUnit suites, one per design, in the order the designs first appear. */
export function cellSuites(cells: readonly CellResult[], withSeed: boolean): JunitSuite[] {
  const suites = new Map<string, JunitSuite>();
  for (const c of cells) {
    const design = `${c.initiator}/${c.creator}/${c.codec}`;
    let s = suites.get(design);
    if (s === undefined) suites.set(design, (s = { name: design, cases: [] }));
    const wall = (c.checkpoint?.wallMs ?? 0) + (c.restart?.wallMs ?? 0);
    s.cases.push({ name: cellLabel(c, withSeed), classname: `${design}.${c.workload}`, verdict: c.verdict, reason: c.reason, time: wall / 1000 });
  }
  return [...suites.values()];
}

/** Outcomes of review cases as JUnit test cases, one suite per case or section. */
export function outcomeSuite(name: string, caseId: string, outcomes: readonly CaseOutcome[]): JunitSuite {
  return {
    name,
    cases: outcomes.map((o) => ({ name: `${caseId} on ${o.design.initiator}/${o.design.creator}/${o.design.codec}`, classname: caseId, verdict: o.verdict, reason: o.reason })),
  };
}
