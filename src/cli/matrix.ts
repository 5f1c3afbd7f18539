// `cptbench matrix`: every combination of initiator × creator × codec on the same workloads, points
// and seeds, run in parallel on worker threads. Each axis takes the names given (flags, else the
// config's list) or, when none are, every name the registry binds: a new plugin joins the matrix
// without a change here. Results go to stdout in canonical order (combination, workload, then as
// the runner emits), so they are the same for any --jobs and any split into --shard parts.
import { availableParallelism } from "node:os";
import { Command, InvalidArgumentError } from "commander";
import { configWorkloads, listOf, parsePoints } from "../workbench/config/experiment.ts";
import { readConfigFile, resolveConfig } from "../workbench/config/load.ts";
import type { Config } from "../workbench/config/schema.ts";
import type { Axis } from "../core/cr/interfaces.ts";
import type { Registry } from "../core/cr/registry.ts";
import { addSigningOptions, withSigning, type SigningFlags } from "./signing-flags.ts";
import { AXES, combinations, comboLabel, type AxisLists } from "../workbench/matrix/combos.ts";
import { MatrixError } from "../workbench/matrix/errors.ts";
import { parseShard, shardUnits, unitLabel, unitsOf, type MatrixPlan, type Shard } from "../workbench/matrix/plan.ts";
import type { CrMode, CrTarget } from "../workbench/scenario/types.ts";
import { CliError } from "./errors.ts";
import { matrixCellLabel, matrixRows, matrixSummary, renderMatrixMarkdown, renderMatrixText } from "./matrix-report.ts";
import { clock, Progress } from "./progress.ts";
import { renderColumns } from "./columns.ts";
import { choicesHelp } from "./choices.ts";
import { Stopper } from "./interrupt.ts";
import { cellSuites, writeOutDir } from "./out-dir.ts";
import { addZdtmOptions, iterationsNote, runControl, type ZdtmFlags } from "./zdtm-flags.ts";
import type { UnitPlan } from "../workbench/matrix/estimate.ts";
import { intParser } from "./parsers.ts";
import { addExperimentOptions, EXIT_CANNOT_GO_ON, finishCells, flagsToOverrides, listFaults, loadRegistry, writeReport, type ExperimentFlags } from "./run.ts";
import { faultsNotIn } from "../core/cr/faults.ts";
import { useColor } from "./table.ts";

interface MatrixFlags extends ExperimentFlags {
  json?: boolean;
  md?: boolean;
  shard?: Shard;
  jobs?: number;
}

const HELP = `
Each of --initiator, --fork, --codec and --points may be given several times; an axis given
neither by a flag nor by the config file takes every name the plugin registry binds on it.
The unit of work is one combination × workload (its points share one reference run); units
run on --jobs worker threads (default: the machine's available parallelism; 1: inline).
--shard i/n runs units i, i+n, i+2n, ... of the canonical order, so n jobs cover the whole
matrix exactly once.

--plan prints the units and their cells with a rough time estimate, without running them (it
makes one reference run per workload to count its points). Progress on stderr gives the
elapsed time and an ETA; Ctrl-C stops the matrix and prints the cells that finished.

Exit status: 0 when no cell failed (unsupported cells do not fail the run); 1 when at least
one cell failed or no cell ran at all (the reason is printed); 2 for a usage or config error;
3 when a run of the matrix could not go on (it threw, or its worker died: its cells are failed
stand-ins carrying the error, every other cell is kept and printed, and stderr lists the runs);
130 after Ctrl-C.

Examples:
  cptbench matrix --workload hash --workload sieve --mode kill --target same
  cptbench matrix --initiator external --codec cpt --points marked --points random:5 --jobs 4
  cptbench matrix --config configs/full-matrix.yaml --shard 2/4 --md >> summary.md`;

function shardParser(v: string): Shard {
  try {
    return parseShard(v);
  } catch (e) {
    if (e instanceof MatrixError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

/**
 * The matrix a config describes. `named(axis)` is what the flags or the file say about an axis,
 * undefined when neither does: such an axis is open (every registered name), whatever default
 * the schema gives `cptbench run`.
 */
function planOf(config: Config, registry: Registry, named: (axis: Axis) => string | string[] | undefined): MatrixPlan {
  const lists: AxisLists = {};
  for (const axis of AXES) {
    const v = named(axis);
    lists[axis] = v === undefined ? undefined : listOf(v);
  }
  return {
    combinations: combinations(registry, lists),
    workloads: configWorkloads(config),
    points: listOf(config.points).map(parsePoints),
    seeds: config.seeds ?? [config.seed],
    repetitions: config.repetitions,
    modes: [...config.modes] as CrMode[],
    targets: [...config.targets] as CrTarget[],
    cpus: config.cpus,
    quantum: config.quantum,
    bugs: [...config.bugs],
    ...(config.faults !== undefined && config.faults.length > 0 && { faults: [...config.faults] }),
    pluginOptions: config.pluginOptions,
  };
}

/** The plan: one line per unit with its cells and estimate, then the totals. */
function renderPlan(plans: readonly UnitPlan[], jobs: number, total: number): string {
  const rows = plans.map((p) => [p.unit, String(p.cells), clock(p.estimateMs), p.noPoints ?? ""]);
  const cells = plans.reduce((a, p) => a + p.cells, 0);
  const ms = plans.reduce((a, p) => a + p.estimateMs, 0);
  const lines = renderColumns(
    [{ head: "unit (design workload)", align: "left" }, { head: "cells", align: "right" }, { head: "estimate", align: "right" }, { head: "note", align: "left" }],
    rows,
  );
  const shown = plans.length === total ? `${plans.length} units` : `${plans.length} of ${total} units`;
  lines.push("", `plan: ${shown}, ${cells} cells, about ${clock(ms / Math.max(1, Math.min(jobs, plans.length)))} on ${jobs} job${jobs === 1 ? "" : "s"} (${clock(ms)} of work; a rough estimate from one reference run per workload)`);
  return lines.join("\n") + "\n";
}

export function matrixCommand(setExit: (code: number) => void): Command {
  const cmd = new Command("matrix")
    .description("run every combination of initiator × creator × codec over the same workloads × points × modes × targets × seeds, in parallel; one summary row per combination × workload")
    .option("--json", "print one JSON document {matrix, rows, cells, summary} on stdout, no table, no progress")
    .option("--md", "print the results as a Markdown table (for the README or a CI job summary)")
    .option("--plan", "print the units and cells it would run, with an estimate of the time, and run nothing")
    .option("--shard <i/n>", "run only part i of n of the (combination, workload) units (1-based, like vitest)", shardParser)
    .option("--jobs <n>", "worker threads (default: available parallelism; 1 runs inline)", intParser("--jobs", 1));
  addSigningOptions(addZdtmOptions(addExperimentOptions(cmd, true)))
    .addHelpText("after", () => HELP + choicesHelp())
    .allowExcessArguments(false)
    .action(async (flags: MatrixFlags & ZdtmFlags & SigningFlags & { plan?: boolean }) => {
      if (listFaults(flags)) return setExit(0);
      if (flags.json && flags.md) throw new CliError("CLI_USAGE", "--json and --md are two output formats: give one");
      const overrides = flagsToOverrides(flags);
      const file = await readConfigFile({ configPath: flags.config });
      const config = resolveConfig(file, overrides);
      const control = runControl(flags, config);
      const registry = await loadRegistry(config);
      const planned = planOf(config, registry, (axis) => overrides[axis] ?? file.config[axis]);
      const codecs = [...new Set(planned.combinations.map((c) => c.codec))];
      // A fault whose step no design of the matrix has would never fire: refuse it. One some
      // designs lack (pre-dump: the self initiator) applies to the others; say so.
      for (const f of config.faults ?? []) {
        const without = planned.combinations.filter((c) => faultsNotIn([f], c.initiator, c.creator).length > 0).map(comboLabel);
        if (without.length === planned.combinations.length) throw new CliError("CLI_USAGE", `--fault ${f}: no design of the matrix has that step, so it would never fire (--fault list)`);
        if (without.length > 0) process.stderr.write(`cptbench: --fault ${f} does not apply to ${without.join(", ")} (no such step): those run without it\n`);
      }
      const plan = {
        ...planned, pluginOptions: withSigning(planned.pluginOptions, registry, codecs, flags),
        ...(control.norst && { norst: true }), ...(control.iters > 1 && { iters: control.iters }),
      };
      const all = unitsOf(plan);
      const units = flags.shard ? shardUnits(all, flags.shard) : all;
      const jobs = flags.jobs ?? availableParallelism();
      if (flags.plan) {
        const { planUnits } = await import("../workbench/matrix/estimate.ts");
        const plans = planUnits(units, registry);
        if (flags.json) process.stdout.write(JSON.stringify({ units: plans, total: { units: all.length, run: units.length, cells: plans.reduce((a, p) => a + p.cells, 0), estimateMs: plans.reduce((a, p) => a + p.estimateMs, 0), jobs } }, null, 2) + "\n");
        else process.stdout.write(renderPlan(plans, jobs, all.length));
        setExit(0);
        return;
      }
      const withSeed = plan.seeds.length > 1;
      const prog = new Progress({
        enabled: !flags.json,
        label: (c) => matrixCellLabel(c, withSeed),
        total: units.length,
      });
      const noPoints: string[] = [];
      const stopper = new Stopper();
      // Loaded here: --help and usage errors need no emulator.
      const { executeUnits } = await import("../workbench/matrix/pool.ts");
      let execution;
      try {
        execution = await executeUnits(units, {
          jobs,
          registry,
          plugins: config.plugins,
          signal: stopper.signal,
          onCell: (c) => {
            prog.cell(c);
            if (control.failFast && c.verdict === "fail") stopper.stop("fail-fast");
          },
          onNoPoints: (w, why, u) => noPoints.push(`${comboLabel(u.combo)} ${w}: ${why}`),
          onUnitStart: (u) => prog.begin(unitLabel(u)),
          onUnitEnd: (u) => prog.end(unitLabel(u)),
        });
      } finally {
        prog.done();
        stopper.dispose();
      }
      const cells = execution.cells.flat();
      const comboNames = plan.combinations.map(comboLabel);
      const summary = matrixSummary(cells, comboNames);
      const shard = flags.shard ? `${flags.shard.index}/${flags.shard.count}` : null;
      const matrix = {
        combinations: comboNames,
        workloads: plan.workloads.map((w) => ({ name: w.name, args: w.args, env: w.env, elfBytes: w.elf.length })),
        points: plan.points,
        modes: plan.modes,
        targets: plan.targets,
        seeds: plan.seeds,
        repetitions: plan.repetitions,
        cpus: plan.cpus,
        quantum: plan.quantum,
        pluginOptions: plan.pluginOptions,
        shard,
        units: { total: all.length, run: units.length },
      };
      const doc = {
        matrix, rows: matrixRows(cells), cells, summary,
        ...(noPoints.length > 0 && { noPoints }),
        ...(stopper.reason !== null && { stopped: stopper.reason }),
        ...(execution.errors.length > 0 && { errors: execution.errors }),
      };
      const title = `cptbench matrix: ${comboNames.length} combination${comboNames.length === 1 ? "" : "s"} × ${plan.workloads.length} workload${plan.workloads.length === 1 ? "" : "s"}${shard ? `, shard ${shard}` : ""}`;
      const markdown = (): string => renderMatrixMarkdown(cells, summary, title, withSeed);
      if (config.output?.json) writeReport(config.output.json, JSON.stringify(doc, null, 2) + "\n");
      if (config.output?.md) writeReport(config.output.md, markdown());
      if (control.out !== undefined) writeOutDir(control.out, { command: "matrix", title, json: doc, markdown: markdown(), junit: cellSuites(cells, withSeed) });
      if (flags.json) process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
      else if (flags.md) process.stdout.write(markdown());
      else if (cells.length > 0) {
        process.stdout.write(renderMatrixText(cells, summary, withSeed, useColor(), noPoints));
        if (control.iters > 1) process.stdout.write(`${iterationsNote(control.iters)}\n`);
      }
      if (execution.errors.length > 0) {
        // Cells failed (1) is a verdict on the designs; a run that could not go on (3) is not.
        const n = execution.errors.length;
        process.stderr.write(`cptbench: ${n} run${n === 1 ? "" : "s"} of the matrix could not go on (their cells are failed stand-ins; the others are kept above):\n${execution.errors.map((e) => `  ${e}\n`).join("")}`);
        setExit(EXIT_CANNOT_GO_ON);
        return;
      }
      setExit(finishCells(stopper, cells.length, summary.fail, noPoints));
    });
  return cmd;
}
