// The HTML side of the CLI. `cptbench report --html DIR` runs a small matrix beside the review
// cases and writes DIR/index.html and DIR/report.json. (The page of `--out DIR` is results-html.ts.)
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import type { Registry } from "../core/cr/registry.ts";
import { renderHtmlReport } from "../workbench/report/html/index.ts";
import type { Report } from "../workbench/report/report.ts";
import { CliError } from "./errors.ts";
import { intParser, writeReport } from "./run.ts";

export interface HtmlFlags {
  html?: string;
  workload?: string[];
  jobs?: number;
  seed?: number;
  quick?: boolean;
}

export const HTML_HELP = `
--html DIR writes DIR/index.html, one self-contained page (no script, nothing fetched when it is
viewed: open it from disk or attach it to a CI run), and DIR/report.json, the data it was drawn
from. On top of the review cases it runs a small matrix so the page's verdict grid and cost
charts have data: every design × the --workload list (default: hash, fork-tree, pipes, threads,
fdshare) at their marked points, killed and restarted on the same machine.

How long: the review cases take about half a minute with --quick and one to four minutes without;
the small matrix about a minute on 2 cores (--jobs sets its worker threads).`;

export function addHtmlOptions(cmd: Command): Command {
  return cmd
    .option("--html <dir>", "also write an HTML page with charts (and a small matrix run) to DIR/index.html")
    .option("--workload <name>", "with --html: a workload of the small matrix (repeatable; built-in name or ELF path)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("--jobs <n>", "with --html: worker threads of the small matrix (default: available parallelism)", intParser("--jobs", 1));
}

/**
 * Check the --html flags and resolve the small matrix's workloads before the long part, so a bad
 * name fails at once; returns the function that runs the matrix and writes the page (undefined
 * without --html). It resolves to true when a matrix cell failed.
 */
export async function prepareHtml(flags: HtmlFlags, registry: Registry, say: (s: string) => void): Promise<((report: Report) => Promise<boolean>) | undefined> {
  if (flags.html === undefined) {
    if (flags.workload !== undefined || flags.jobs !== undefined) throw new CliError("CLI_USAGE", "--workload and --jobs choose the small matrix of --html: give --html DIR too");
    return undefined;
  }
  const dir = flags.html;
  const seed = flags.seed ?? 1;
  const { HTML_MATRIX_DESCRIPTION, htmlMatrixPlan } = await import("../workbench/report/html-matrix.ts");
  const plan = htmlMatrixPlan(registry, seed, flags.workload);
  return async (report) => {
    const { unitsOf, unitLabel } = await import("../workbench/matrix/plan.ts");
    const { executeUnits } = await import("../workbench/matrix/pool.ts");
    const { comboLabel } = await import("../workbench/matrix/combos.ts");
    const units = unitsOf(plan);
    say(`matrix: ${plan.combinations.length} designs × ${plan.workloads.length} workloads`);
    let done = 0;
    const perUnit = await executeUnits(units, { jobs: flags.jobs ?? availableParallelism(), registry, plugins: [], onUnitEnd: (u) => say(`matrix ${++done}/${units.length}: ${unitLabel(u)}`) });
    const cells = perUnit.cells.flat();
    const matrix = { cells, combinations: plan.combinations.map(comboLabel), workloads: plan.workloads.map((w) => w.name), description: HTML_MATRIX_DESCRIPTION };
    const command = `cptbench report --html ${dir} --seed ${seed}${flags.quick ? " --quick" : ""}${(flags.workload ?? []).map((w) => ` --workload ${w}`).join("")}`;
    writeReport(join(dir, "index.html"), renderHtmlReport({ report, matrix, command }));
    writeReport(join(dir, "report.json"), JSON.stringify({ report, matrix }, null, 2) + "\n");
    say(`wrote ${join(dir, "index.html")}`);
    return cells.some((c) => c.verdict === "fail");
  };
}
