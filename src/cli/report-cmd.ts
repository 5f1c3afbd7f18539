// `cptbench report`: run the experiments behind the numbers the 2008 reviewers asked for and print
// a short report (Markdown by default, or JSON). Every figure comes from this run; the seed that
// reproduces it is in the report. The Markdown streams: each section is printed when it is done
// (the whole report takes minutes). Progress goes to stderr. --html DIR also writes the report as
// a page with charts (report-html.ts).
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import type { Report } from "../workbench/report/report.ts";
import type { JunitSuite } from "./junit.ts";
import { outcomeSuite, writeOutDir } from "./out-dir.ts";
import { intParser } from "./parsers.ts";
import { addHtmlOptions, HTML_HELP, prepareHtml, type HtmlFlags } from "./report-html.ts";

interface ReportFlags extends HtmlFlags {
  md?: boolean;
  json?: boolean;
  seed?: number;
  quick?: boolean;
  out?: string;
}

const reportSuites = (r: Report): JunitSuite[] => r.sections.map((s) => ({
  ...outcomeSuite(s.title, s.caseId, s.outcomes),
  // A section that could not run at all is one failed case, so CI sees it.
  ...(s.error !== undefined && { cases: [{ name: s.caseId, classname: s.caseId, verdict: "fail" as const, reason: s.error }] }),
}));

const HELP = `${HTML_HELP}

Exit status: 0 when every section ran and nothing failed, 1 when a case (or a matrix cell) failed
or could not run, 2 for a usage error.

Examples:
  cptbench report --quick
  cptbench report --quick --html report-html
  cptbench report --html report-html --workload hash --workload sieve --jobs 4`;

export function reportCommand(setExit: (code: number) => void): Command {
  const cmd = new Command("report")
    .description("measure what the 2008 review asked (useless creations, the signal-race window, pids, streaming, parallel restart, the five steps) and print the report")
    .option("--md", "Markdown (the default), printed section by section as each is done")
    .option("--json", "one JSON document with every outcome and figure, at the end")
    .option("--seed <n>", "seed of every machine (default: 1)", intParser("--seed", 0))
    .option("--quick", "sampled runs (minutes instead of the full exploration)")
    .option("--out <dir>", "also write the report into DIR: results.json, results.md, results.xml (JUnit); a path ending in .md or .json is one file in that format");
  return addHtmlOptions(cmd)
    .addHelpText("after", HELP)
    .allowExcessArguments(false)
    .action(async (flags: ReportFlags) => {
      const { builtinRegistry } = await import("../workbench/plugins.ts");
      const { renderReportMarkdown, reportHeaderLines, runReport, sectionLines } = await import("../workbench/report/report.ts");
      const seed = flags.seed ?? 1;
      const quick = flags.quick === true;
      const registry = builtinRegistry();
      const writeHtml = await prepareHtml(flags, registry, (s) => {
        if (!flags.json) process.stderr.write(`cptbench: report: ${s}\n`);
      });
      if (!flags.json) process.stdout.write(reportHeaderLines(seed, quick).join("\n") + "\n");
      const report = runReport(registry, seed, quick, new Set(), (t) => {
        if (!flags.json) process.stderr.write(`cptbench: report: ${t}\n`);
      }, (s) => {
        if (!flags.json) process.stdout.write(sectionLines(s).join("\n") + "\n");
      });
      const json = JSON.stringify(report, null, 2) + "\n";
      const markdown = renderReportMarkdown(report);
      if (flags.out !== undefined) {
        // The single-file form of earlier versions: the extension names the format.
        if (/\.(md|json)$/.test(flags.out)) writeFileSync(flags.out, flags.out.endsWith(".json") ? json : markdown);
        else writeOutDir(flags.out, { command: "report", title: `seed ${seed}${quick ? ", quick" : ""}`, json: report, markdown, junit: reportSuites(report) });
      }
      const matrixFailed = writeHtml !== undefined && (await writeHtml(report));
      if (flags.json) process.stdout.write(json);
      const failed = matrixFailed || report.sections.some((s) => s.error !== undefined || s.outcomes.some((o) => o.verdict === "fail"));
      setExit(failed ? 1 : 0);
    });
}
