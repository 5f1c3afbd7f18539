// `cptbench report`: run the experiments behind the numbers the 2008 reviewers asked for and print
// a short report (Markdown by default, or JSON). Every figure comes from this run; the seed that
// reproduces it is in the report. Progress goes to stderr.
import { writeFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";

interface ReportFlags {
  md?: boolean;
  json?: boolean;
  seed?: number;
  quick?: boolean;
  out?: string;
}

function seedParser(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`--seed must be a non-negative integer, got "${v}"`);
  return Number(v);
}

export function reportCommand(setExit: (code: number) => void): Command {
  return new Command("report")
    .description("measure what the 2008 review asked (useless creations, the signal-race window, pids, streaming, parallel restart, the five steps) and print the report")
    .option("--md", "Markdown (the default)")
    .option("--json", "one JSON document with every outcome and figure")
    .option("--seed <n>", "seed of every machine (default: 1)", seedParser)
    .option("--quick", "sampled runs (minutes instead of the full exploration)")
    .option("--out <path>", "also write the report to this file")
    .allowExcessArguments(false)
    .action(async (flags: ReportFlags) => {
      const { builtinRegistry } = await import("../workbench/plugins.ts");
      const { renderReportMarkdown, runReport } = await import("../workbench/report/report.ts");
      const report = runReport(builtinRegistry(), flags.seed ?? 1, flags.quick === true, new Set(), (t) => {
        if (!flags.json) process.stderr.write(`cptbench: report: ${t}\n`);
      });
      const text = flags.json ? JSON.stringify(report, null, 2) + "\n" : renderReportMarkdown(report);
      if (flags.out !== undefined) writeFileSync(flags.out, text);
      process.stdout.write(text);
      const failed = report.sections.some((s) => s.error !== undefined || s.outcomes.some((o) => o.verdict === "fail"));
      setExit(failed ? 1 : 0);
    });
}
