// The `cptbench` program. Results go to stdout, progress and diagnostics to stderr; a
// CptbenchError (bad ELF, bad flag, missing file) prints its message and exits 2, never a stack.
import { Command, CommanderError } from "commander";
import { CptbenchError } from "../machine/errors.ts";
import { configCommand } from "./config-cmd.ts";
import { execCommand } from "./exec.ts";
import { matrixCommand } from "./matrix.ts";
import { caseCommand } from "./case-cmd.ts";
import { reportCommand } from "./report-cmd.ts";
import { runCommand } from "./run.ts";
import { syscallsCommand } from "./syscalls-cmd.ts";
import { dumpCommand, restoreCommand } from "./dump-cmd.ts";
import { imageCommand } from "./image-cmd.ts";

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command("cptbench")
    .description("cptbench: a workbench for checkpoint/restart designs. It runs real RISC-V programs in a deterministic emulated Linux kernel.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  const setExit = (c: number): void => {
    exitCode = c;
  };
  // `run` is the default: `cptbench --initiator external --fork kernel` runs an experiment.
  program.addCommand(runCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"), { isDefault: true });
  program.addCommand(matrixCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"));
  program.addCommand(caseCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"));
  program.addCommand(reportCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"));
  program.addCommand(configCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"));
  program.addCommand(syscallsCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"));
  program.addCommand(dumpCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"));
  program.addCommand(restoreCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"));
  program.addCommand(imageCommand(setExit).exitOverride().showHelpAfterError("(run with --help for usage)"));
  program.addCommand(execCommand(setExit).exitOverride().showHelpAfterError());
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CptbenchError) {
      process.stderr.write(`cptbench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
