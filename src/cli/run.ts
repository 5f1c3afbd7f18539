// `cptbench [run]`, the default command: run an experiment matrix (workload × point × mode ×
// target) with one initiator, creator and codec, and report a verdict and costs per cell.
// Results go to stdout (a table, or one JSON document with --json); progress goes to stderr.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { intParser } from "./parsers.ts";

// Other commands imported it from here before parsers.ts existed.
export { intParser };
import { buildExperiments, describeExperiment, singleOf } from "../workbench/config/experiment.ts";
import { loadConfig } from "../workbench/config/load.ts";
import { MODES, POINTS_PATTERN, TARGETS, type Config, type ConfigInput } from "../workbench/config/schema.ts";
import type { Registry } from "../core/cr/registry.ts";
import type { CellResult, Experiment } from "../workbench/scenario/types.ts";
import { CliError } from "./errors.ts";
import { CptbenchError } from "../machine/errors.ts";

import { BUGS } from "../workbench/cases/bugs.ts";
import { FAULT_POINTS, faultListText, faultsNotIn, FaultSpecError, parseFault } from "../core/cr/faults.ts";
import { Progress } from "./progress.ts";
import { cellLabel, reasonLines, renderMarkdown, renderTable, summarize, summaryLine, useColor } from "./table.ts";
import { choicesHelp } from "./choices.ts";
import { exitAfter, Stopper } from "./interrupt.ts";
import { cellSuites, writeOutDir } from "./out-dir.ts";
import { addZdtmOptions, iterationsNote, runControl, type ZdtmFlags } from "./zdtm-flags.ts";
import { addSigningOptions, withSigning, type SigningFlags } from "./signing-flags.ts";

/** The exit status of a run that could not go on (1 is for cells that failed). */
export const EXIT_CANNOT_GO_ON = 3;

/**
 * The flags `run`, `config` and `matrix` share: each one overrides the config file's key of that
 * name. The design flags and --points are lists for `matrix` (repeatable), single values otherwise.
 */
export interface ExperimentFlags {
  config?: string;
  initiator?: string | string[];
  fork?: string | string[];
  codec?: string | string[];
  workload?: string[];
  points?: string | string[];
  mode?: string[];
  target?: string[];
  seed?: number;
  cpus?: number;
  quantum?: number;
  bug?: string[];
  fault?: string[];
}

/** A repeatable option whose values accumulate and must be one of `choices`. */
function choicesOption(flags: string, description: string, choices: readonly string[]): Option {
  return new Option(flags, description).choices(choices).argParser((v: string, prev: string[] | undefined) => {
    if (!choices.includes(v)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(", ")}.`);
    return [...(prev ?? []), v];
  });
}

const append = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function checkPoints(v: string): string {
  if (!POINTS_PATTERN.test(v)) throw new InvalidArgumentError(`--points must be "marked" or "random:N" (N ≥ 1), got "${v}"`);
  return v;
}

/**
 * The experiment flags. `several`: the design flags and --points are repeatable lists (matrix),
 * whose default is every name the registry binds; otherwise each takes one value (run, config).
 */
export function addExperimentOptions(cmd: Command, several = false): Command {
  const design = (flag: string, what: string, dflt: string): Command =>
    several
      ? cmd.option(`${flag} <name>`, `${what} (repeatable; default: every registered one)`, append)
      : cmd.option(`${flag} <name>`, `${what} (default: ${dflt})`);
  design("--initiator", "checkpoint initiator: who starts the checkpoint", "external");
  design("--fork", "process creator: how restored tasks come to exist", "kernel");
  design("--codec", "image codec: how the state becomes bytes", "cpt");
  const points = several
    ? cmd.option("--points <spec>", 'checkpoint points: "marked" or "random:N" (repeatable; default: marked)', (v: string, prev: string[] | undefined) => append(checkPoints(v), prev))
    : cmd.option("--points <spec>", 'checkpoint points: "marked" or "random:N" (default: marked)', checkPoints);
  return points
    .option("--config <path>", "experiment file to use instead of searching for cptbench.config.* / .cptbenchrc* / package.json#cptbench")
    .option(
      "--workload <name|path>",
      "built-in workload name or ELF path (repeatable; default: every built-in C/R workload)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .addOption(choicesOption("--mode <mode>", "after the checkpoint: kill the original or let it continue (repeatable; default: both)", MODES))
    .addOption(choicesOption("--target <target>", "restart in the same machine or a fresh one (repeatable; default: both)", TARGETS))
    .option("--seed <n>", "seed of every choice the kernel makes (default: 1)", intParser("--seed", 0))
    .option("--cpus <n>", "virtual CPUs (default: 1)", intParser("--cpus", 1))
    .option("--quantum <n>", "mean scheduling quantum, in instructions (default: 100000)", intParser("--quantum", 1))
    .addOption(choicesOption("--bug <name>", "switch on a deliberate bug in the C/R code, to see the review cases catch it (repeatable)", BUGS))
    .option("--fault <step:errno>", `fail a checkpoint or restart step with an errno, as CRIU_FAULT does, e.g. restore-mm:ENOMEM (repeatable; --fault list says where each step fails): ${FAULT_POINTS.map((p) => p.name).join(", ")}`, faultFlag);
}

/** --fault's values: "list" stays as it is (the action prints the steps), anything else must parse. */
export function faultFlag(v: string, prev: string[] | undefined): string[] {
  if (v !== "list") {
    try {
      parseFault(v);
    } catch (e) {
      if (e instanceof FaultSpecError) throw new InvalidArgumentError(e.message);
      throw e;
    }
  }
  return [...(prev ?? []), v];
}

/** `--fault list`: print the steps and where each fails; true when it was asked for (the command then stops). */
export function listFaults(f: { fault?: string[] }): boolean {
  if (f.fault?.includes("list") !== true) return false;
  process.stdout.write(faultListText() + "\n");
  return true;
}

/** Flags as config keys; absent flags stay undefined so the file's values survive. */
export function flagsToOverrides(f: ExperimentFlags): ConfigInput {
  return {
    initiator: f.initiator,
    creator: f.fork,
    codec: f.codec,
    workloads: f.workload,
    points: f.points,
    modes: f.mode as ConfigInput["modes"],
    targets: f.target as ConfigInput["targets"],
    seed: f.seed,
    cpus: f.cpus,
    quantum: f.quantum,
    bugs: f.bug as ConfigInput["bugs"],
    faults: f.fault,
  };
}

/** The built-in registry plus the config's plugin files, with the plugin options checked. */
export async function loadRegistry(config: Config): Promise<Registry> {
  // Loaded on demand: `cptbench exec`, `config` and --help need no plugin code.
  const { builtinRegistry } = await import("../workbench/plugins.ts");
  const registry = builtinRegistry();
  for (const p of config.plugins) await registry.loadFromPath(p);
  registry.parseOptions(config.pluginOptions);
  return registry;
}

/** The registry with the config's plugins loaded, after checking the (single) design and options. */
export async function registryFor(config: Config): Promise<Registry> {
  const { AXES } = await import("../core/cr/registry.ts");
  const registry = await loadRegistry(config);
  for (const axis of AXES) registry.provider(axis, singleOf(config, axis));
  return registry;
}

export function writeReport(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (e) {
    throw new CliError("CLI_WRITE", `cannot write report ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

const EXIT_HELP = `
Exit status: 0 when no cell failed (unsupported cells, a design that cannot do what the cell
asks, do not fail the run); 1 when at least one cell failed, or when no cell ran at all (a
program without cpt_mark() at --points marked, say: the reason is printed); 2 for a usage or
config error (an unknown name, a file that is no RV32 ELF); 3 when the run could not go on (a
host failure outside a cell's image, printed after the cells that finished; a host I/O error on
the image itself, ENOSPC say, only fails that cell); 130 after Ctrl-C, which stops the run and
prints the cells that finished.

Fault injection: --fault STEP:ERRNO (repeatable, or faults: [...] in a config file) makes the
C/R module fail that step with that errno in every cell, as CRIU_FAULT does; the cell fails
with a reason naming the step. --fault list prints the steps and where each one fails.

Examples:
  cptbench --initiator external --fork kernel --workload hash --mode kill --target same
  cptbench --workload sieve --points random:5 --norst --out results/
  cptbench --config configs/openvz-kill-same.yaml --json > report.json
  cptbench run --workload bench/guest/tasktree.elf -- 10000   (arguments after -- go to the workload)`;

/** Why nothing ran, for the exit-1 message: the workloads without points, or a general reason. */
export function noCellsMessage(noPoints: readonly string[]): string {
  return noPoints.length > 0 ? `no cell ran: ${noPoints.join("; ")}` : "no cell ran: the experiment has no workload, point, mode or target";
}

/**
 * The end of `run` and `matrix`: say why they stopped early, refuse a run that checked nothing,
 * and give the exit status (130 after Ctrl-C, 1 if a cell failed or none ran, else 0).
 */
/**
 * The experiments with ARGS (the operands after \`--\`) as the workload's argv[1..]: they replace
 * a built-in workload's manifest arguments. One workload only, since the arguments belong to one
 * program; a usage error otherwise.
 */
export function withWorkloadArgs(experiments: Experiment[], args: readonly string[]): Experiment[] {
  if (args.length === 0) return experiments;
  const names = experiments[0].workloads.map((w) => w.name);
  if (names.length !== 1) {
    throw new CliError("CLI_USAGE", `arguments after -- (${args.join(" ")}) go to one workload, but the experiment has ${names.length} (${names.join(", ") || "none"}): name one with --workload`);
  }
  return experiments.map((e) => ({ ...e, workloads: e.workloads.map((w) => ({ ...w, args: [...args] })) }));
}

export function finishCells(stopper: Stopper, ran: number, failed: number, noPoints: readonly string[]): number {
  if (stopper.reason !== null) process.stderr.write(`cptbench: stopped (${stopper.reason === "interrupt" ? "Ctrl-C" : "--fail-fast"}) after ${ran} cell${ran === 1 ? "" : "s"}\n`);
  if (ran === 0 && stopper.reason === null) {
    process.stderr.write(`cptbench: ${noCellsMessage(noPoints)}\n`);
    return 1;
  }
  return exitAfter(stopper, failed > 0 || ran === 0 ? 1 : 0);
}

export function runCommand(setExit: (code: number) => void): Command {
  const cmd = new Command("run")
    .description("run a checkpoint/restart experiment: every workload × point × mode × target, one verdict and cost line per cell (the default command)")
    .option("--json", "print one JSON document {experiment, cells, summary} on stdout, no table, no progress");
  addSigningOptions(addZdtmOptions(addExperimentOptions(cmd)))
    .addHelpText("after", () => EXIT_HELP + choicesHelp())
    .argument("[args...]", "arguments for the workload, after --: cptbench run --workload prog.elf -- 10000")
    .allowExcessArguments(false)
    .action(async (args: string[], flags: ExperimentFlags & ZdtmFlags & SigningFlags & { json?: boolean }, cmd: Command) => {
      if (listFaults(flags)) return setExit(0);
      // Only words after `--` are the workload's: a stray word before it (`cptbench bogus`, the
      // default command) is a usage error, as commander says for a command without operands.
      // (commander keeps the argv it parsed as rawArgs on the program; its typings do not list it.)
      const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const afterDashes = raw.includes("--") ? raw.length - raw.indexOf("--") - 1 : 0;
      if (args.length > afterDashes) {
        throw new CliError("CLI_USAGE", `too many arguments for 'run': ${args.slice(0, args.length - afterDashes).join(" ")} (a workload's own arguments go after --)`);
      }
      const { config: loaded } = await loadConfig({ configPath: flags.config, overrides: flagsToOverrides(flags) });
      const signRegistry = await loadRegistry(loaded);
      const config = { ...loaded, pluginOptions: withSigning(loaded.pluginOptions, signRegistry, [singleOf(loaded, "codec")], flags) };
      const control = runControl(flags, config);
      // Loaded here, not at the top: `cptbench exec` and `config` need none of the runner.
      const { runExperiment } = await import("../workbench/scenario/runner.ts");
      const registry = await registryFor(config);
      const missing = faultsNotIn(config.faults ?? [], singleOf(config, "initiator"), singleOf(config, "creator"));
      if (missing.length > 0) {
        throw new CliError("CLI_USAGE", `--fault ${missing.join(", ")}: initiator ${singleOf(config, "initiator")} and creator ${singleOf(config, "creator")} have no such step, so the fault would never fire (--fault list)`);
      }
      const experiments = withWorkloadArgs(buildExperiments(config), args).map((e) => ({ ...e, ...(control.norst && { norst: true }), ...(control.iters > 1 && { iters: control.iters }) }));
      const withSeed = experiments.length > 1;
      const reps = config.repetitions;
      const prog = new Progress({ enabled: !flags.json, label: (c) => cellLabel(c, withSeed), total: experiments.length * reps * experiments[0].workloads.length });
      const cells: CellResult[] = [];
      const noPoints: string[] = [];
      const stopper = new Stopper();
      // An error out of a cell that is not a usage error (a host failure outside the image's
      // file, a bug): the cells that finished are still printed, and the status is 3.
      let fatal: string | null = null;
      try {
        for (const exp of experiments) {
          for (let rep = 0; rep < reps; rep++) {
            if (stopper.signal.aborted) break;
            await runExperiment(reps > 1 ? { ...exp, repetition: rep } : exp, {
              registry,
              signal: stopper.signal,
              onCell: (c) => {
                cells.push(c);
                prog.cell(c);
                if (control.failFast && c.verdict === "fail") stopper.stop("fail-fast");
              },
              onNoPoints: (w, why) => noPoints.push(`${w}: ${why}`),
              onWorkloadEnd: () => prog.end(""),
            });
          }
        }
      } catch (e) {
        if (e instanceof CptbenchError) throw e;
        fatal = e instanceof Error ? e.message : String(e);
      } finally {
        prog.done();
        stopper.dispose();
      }
      const summary = summarize(cells);
      const experiment = {
        ...describeExperiment(experiments[0]),
        ...(config.seeds && { seeds: config.seeds }),
        repetitions: config.repetitions,
      };
      const doc = {
        experiment, cells, summary,
        ...(noPoints.length > 0 && { noPoints }),
        ...(stopper.reason !== null && { stopped: stopper.reason }),
        ...(fatal !== null && { error: fatal }),
      };
      const { initiator, creator, codec } = experiments[0];
      const title = `cptbench: initiator ${initiator}, creator ${creator}, codec ${codec}`;
      if (config.output?.json) writeReport(config.output.json, JSON.stringify(doc, null, 2) + "\n");
      if (config.output?.md) writeReport(config.output.md, renderMarkdown(cells, title));
      if (control.out !== undefined) {
        writeOutDir(control.out, { command: "run", title, json: doc, markdown: renderMarkdown(cells, title), junit: cellSuites(cells, withSeed) });
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
      } else if (cells.length > 0) {
        const out = [renderTable(cells, useColor())];
        const reasons = reasonLines(cells, (c) => cellLabel(c, withSeed));
        if (reasons.length > 0) out.push("", ...reasons);
        if (noPoints.length > 0) out.push("", ...noPoints.map((n) => `no points: ${n}`));
        if (control.iters > 1) out.push("", iterationsNote(control.iters));
        out.push("", `total: ${summaryLine(summary)}`);
        process.stdout.write(out.join("\n") + "\n");
      }
      if (fatal !== null) {
        process.stderr.write(`cptbench: the run could not go on after ${cells.length} cell${cells.length === 1 ? "" : "s"}: ${fatal}\n`);
        setExit(EXIT_CANNOT_GO_ON);
        return;
      }
      setExit(finishCells(stopper, cells.length, summary.fail, noPoints));
    });
  return cmd;
}
