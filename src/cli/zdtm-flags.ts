// The flags `run` and `matrix` take after CRIU's zdtm.py, whose habits people who test C/R bring
// with them: --norst (dump, leave the original running, judge it alone), --pre N (pre-dumps),
// --iters N (checkpoint/restart N times in a row, scenario/iterations.ts), --keep-going /
// --fail-fast, and --out DIR.
import type { Command } from "commander";
import type { Config } from "../workbench/config/schema.ts";
import { CliError } from "./errors.ts";
import { intParser } from "./parsers.ts";

export interface ZdtmFlags {
  norst?: boolean;
  pre?: number;
  iters?: number;
  keepGoing?: boolean;
  failFast?: boolean;
  out?: string;
}

/** What the flags ask of the run, once checked. */
export interface RunControl {
  norst: boolean;
  /** Checkpoint/restart this many times in a row in each cell (Experiment.iters); 1 normally. */
  iters: number;
  failFast: boolean;
  out?: string;
}

export function addZdtmOptions(cmd: Command): Command {
  return cmd
    .option("--norst", "checkpoint, let the original run on and judge it alone; restart nothing (zdtm.py --norst; implies --mode continue)")
    .option("--pre <n>", "pre-dump N times before the checkpoint (zdtm.py --pre): not yet, pre-dump does not exist", intParser("--pre", 0))
    .option("--iters <n>", "checkpoint/restart N times in a row in each cell (zdtm.py --iters; default: 1): kill mode checkpoints each restored container again at its next mark (or at once when none is left), continue mode checkpoints the original N times and restarts the last image", intParser("--iters", 1))
    .option("--keep-going", "run every cell whatever fails (the default)")
    .option("--fail-fast", "stop at the first failed cell: the cells that finished are reported")
    .option("--out <dir>", "also write the results into DIR: results.json, results.md, results.xml (JUnit)");
}

/** What a cell's costs are when it ran several iterations (for the line under a table). */
export const iterationsNote = (iters: number): string =>
  `--iters ${iters}: each cell checkpointed and restarted ${iters} times in a row; its costs are the first checkpoint's and the last restart's (--json and --out have every iteration's)`;

/**
 * Check the flags against each other and the config. The config's modes become [continue] with
 * --norst (a kill mode asked for explicitly is a usage error: the original would be gone).
 */
export function runControl(flags: ZdtmFlags & { mode?: string[] }, config: Config): RunControl {
  if (flags.pre !== undefined && flags.pre > 0) throw new CliError("CLI_NOT_YET", "--pre: not yet: pre-dump does not exist in any design (the checkpoint is taken in one pass)");
  if (flags.keepGoing && flags.failFast) throw new CliError("CLI_USAGE", "--keep-going and --fail-fast contradict each other: give one");
  if (flags.norst) {
    if (flags.mode?.includes("kill")) throw new CliError("CLI_USAGE", "--norst leaves the original running: it cannot go with --mode kill");
    config.modes = ["continue"];
  }
  return { norst: flags.norst === true, iters: flags.iters ?? 1, failFast: flags.failFast === true, out: flags.out };
}
