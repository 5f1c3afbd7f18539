// `cptbench [run]`, the default command: run an experiment matrix (workload × point × mode ×
// target) with one initiator, creator and codec, and report a verdict and costs per cell.
// Results go to stdout (a table, or one JSON document with --json); progress goes to stderr.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { buildExperiments, describeExperiment } from "../core/config/experiment.ts";
import { loadConfig } from "../core/config/load.ts";
import { MODES, POINTS_PATTERN, TARGETS, type Config, type ConfigInput } from "../core/config/schema.ts";
import type { Registry } from "../core/cr/registry.ts";
import type { CellResult } from "../core/scenario/types.ts";
import { CliError } from "./errors.ts";
import { cellLabel, reasonLines, renderMarkdown, renderTable, summarize, summaryLine, useColor } from "./table.ts";

/** The flags `run` and `config` share: each one overrides the config file's key of that name. */
export interface ExperimentFlags {
  config?: string;
  initiator?: string;
  fork?: string;
  codec?: string;
  workload?: string[];
  points?: string;
  mode?: string[];
  target?: string[];
  seed?: number;
  cpus?: number;
  quantum?: number;
}

function intParser(flag: string, min: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min) {
      throw new InvalidArgumentError(`${flag} must be ${min > 0 ? "a positive" : "a non-negative"} integer, got "${v}"`);
    }
    return Number(v);
  };
}

/** A repeatable option whose values accumulate and must be one of `choices`. */
function choicesOption(flags: string, description: string, choices: readonly string[]): Option {
  return new Option(flags, description).choices(choices).argParser((v: string, prev: string[] | undefined) => {
    if (!choices.includes(v)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(", ")}.`);
    return [...(prev ?? []), v];
  });
}

export function addExperimentOptions(cmd: Command): Command {
  return cmd
    .option("--config <path>", "experiment file to use instead of searching for cptbench.config.* / .cptbenchrc* / package.json#cptbench")
    .option("--initiator <name>", "checkpoint initiator: who starts the checkpoint (built in: external; default: external)")
    .option("--fork <name>", "process creator: how restored tasks come to exist (built in: kernel; default: kernel)")
    .option("--codec <name>", "image codec (built in: cpt; default: cpt)")
    .option(
      "--workload <name|path>",
      "built-in workload name or ELF path (repeatable; default: every built-in C/R workload)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--points <spec>", 'checkpoint points: "marked" or "random:N" (default: marked)', (v: string) => {
      if (!POINTS_PATTERN.test(v)) throw new InvalidArgumentError(`--points must be "marked" or "random:N" (N ≥ 1), got "${v}"`);
      return v;
    })
    .addOption(choicesOption("--mode <mode>", "after the checkpoint: kill the original or let it continue (repeatable; default: both)", MODES))
    .addOption(choicesOption("--target <target>", "restart in the same machine or a fresh one (repeatable; default: both)", TARGETS))
    .option("--seed <n>", "seed of every choice the kernel makes (default: 1)", intParser("--seed", 0))
    .option("--cpus <n>", "virtual CPUs (default: 1)", intParser("--cpus", 1))
    .option("--quantum <n>", "mean scheduling quantum, in instructions (default: 100000)", intParser("--quantum", 1));
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
  };
}

/** The registry with the config's plugins loaded, after checking the selection and options. */
export async function registryFor(config: Config): Promise<Registry> {
  // Loaded on demand: `cptbench exec`, `config` and --help need no plugin code.
  const { AXES, builtinRegistry } = await import("../core/cr/registry.ts");
  const registry = builtinRegistry();
  for (const p of config.plugins) await registry.loadFromPath(p);
  for (const axis of AXES) registry.provider(axis, config[axis]);
  registry.parseOptions(config.pluginOptions);
  return registry;
}

/** Progress on stderr: a live line on an interactive terminal, else one line per cell. */
function progress(enabled: boolean, withSeed: boolean): { cell: (c: CellResult) => void; done: () => void } {
  const live = process.stderr.isTTY === true && !process.env.CI;
  let n = 0;
  return {
    cell(c) {
      if (!enabled) return;
      n++;
      const line = `cptbench: [${n}] ${cellLabel(c, withSeed)}: ${c.verdict}`;
      // A live line must not wrap, or the next \r would only clear its last row.
      process.stderr.write(live ? `\r\x1b[2K${line.slice(0, (process.stderr.columns || 80) - 1)}` : `${line}\n`);
    },
    done() {
      if (enabled && live && n > 0) process.stderr.write("\r\x1b[2K");
    },
  };
}

function writeReport(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (e) {
    throw new CliError("CLI_WRITE", `cannot write report ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

const EXIT_HELP = `
Exit status: 0 when no cell failed (unsupported cells, a design that cannot do what the cell
asks, do not fail the run), 1 when at least one cell failed, 2 for a usage or config error.

Examples:
  cptbench --initiator external --fork kernel --workload hash --mode kill --target same
  cptbench --config configs/openvz-kill-same.yaml --json > report.json`;

export function runCommand(setExit: (code: number) => void): Command {
  const cmd = new Command("run")
    .description("run a checkpoint/restart experiment: every workload × point × mode × target, one verdict and cost line per cell (the default command)")
    .option("--json", "print one JSON document {experiment, cells, summary} on stdout, no table, no progress");
  addExperimentOptions(cmd)
    .addHelpText("after", EXIT_HELP)
    .allowExcessArguments(false)
    .action(async (flags: ExperimentFlags & { json?: boolean }) => {
      const { config } = await loadConfig({ configPath: flags.config, overrides: flagsToOverrides(flags) });
      // Loaded here, not at the top: `cptbench exec` and `config` need none of the runner.
      const { runExperiment } = await import("../core/scenario/runner.ts");
      const registry = await registryFor(config);
      const experiments = buildExperiments(config);
      const withSeed = experiments.length > 1;
      const prog = progress(!flags.json, withSeed);
      const cells: CellResult[] = [];
      try {
        for (const exp of experiments) {
          for (let rep = 0; rep < config.repetitions; rep++) {
            cells.push(...(await runExperiment(exp, { onCell: prog.cell, registry })));
          }
        }
      } finally {
        prog.done();
      }
      const summary = summarize(cells);
      const experiment = {
        ...describeExperiment(experiments[0]),
        ...(config.seeds && { seeds: config.seeds }),
        repetitions: config.repetitions,
      };
      const doc = { experiment, cells, summary };
      if (config.output?.json) writeReport(config.output.json, JSON.stringify(doc, null, 2) + "\n");
      if (config.output?.md) {
        const title = `cptbench: initiator ${config.initiator}, creator ${config.creator}, codec ${config.codec}`;
        writeReport(config.output.md, renderMarkdown(cells, title));
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
      } else {
        const out = [renderTable(cells, useColor())];
        const reasons = reasonLines(cells);
        if (reasons.length > 0) out.push("", ...reasons);
        out.push("", summaryLine(summary));
        process.stdout.write(out.join("\n") + "\n");
      }
      setExit(summary.fail > 0 ? 1 : 0);
    });
  return cmd;
}
