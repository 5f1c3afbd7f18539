// `cptbench config`: print the effective experiment config (schema defaults, then the config
// file, then flags) as JSON. The output is itself a valid config file.
import { Command } from "commander";
import { loadConfig } from "../workbench/config/load.ts";
import { addExperimentOptions, flagsToOverrides, type ExperimentFlags } from "./run.ts";

export function configCommand(setExit: (code: number) => void): Command {
  const cmd = new Command("config").description(
    "print the effective experiment config as JSON: defaults, overridden by the config file (found or --config), overridden by flags",
  );
  addExperimentOptions(cmd)
    .allowExcessArguments(false)
    .action(async (flags: ExperimentFlags) => {
      const { config, filepath } = await loadConfig({ configPath: flags.config, overrides: flagsToOverrides(flags) });
      process.stderr.write(filepath ? `cptbench: config file ${filepath}\n` : "cptbench: no config file found; defaults and flags only\n");
      process.stdout.write(JSON.stringify(config, null, 2) + "\n");
      setExit(0);
    });
  return cmd;
}
