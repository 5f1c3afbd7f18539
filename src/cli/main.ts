// The `cptbench` program. Results go to stdout, progress and diagnostics to stderr; a
// CptbenchError (bad ELF, bad flag, missing file) prints its message and exits 2, never a stack.
import { Command, CommanderError } from "commander";
import { CptbenchError } from "../machine/errors.ts";

type CommandFactory = (setExit: (code: number) => void) => Command;

/**
 * The subcommands, in the order `--help` lists them. Each module is imported only when the
 * command line needs it: `cptbench --version` loads none, `cptbench exec` only the machine, and
 * neither pays for the plugins, zod and the workbench behind `run` (issue 18: fast start).
 */
const COMMANDS: readonly { name: string; load: () => Promise<CommandFactory>; isDefault?: boolean; helpAfterError?: boolean | string }[] = [
  // `run` is the default: `cptbench --initiator external --fork kernel` runs an experiment.
  { name: "run", load: async () => (await import("./run.ts")).runCommand, isDefault: true },
  { name: "matrix", load: async () => (await import("./matrix.ts")).matrixCommand },
  { name: "case", load: async () => (await import("./case-cmd.ts")).caseCommand },
  { name: "report", load: async () => (await import("./report-cmd.ts")).reportCommand },
  { name: "list", load: async () => (await import("./list-cmd.ts")).listCommand },
  { name: "config", load: async () => (await import("./config-cmd.ts")).configCommand },
  { name: "syscalls", load: async () => (await import("./syscalls-cmd.ts")).syscallsCommand },
  { name: "dump", load: async () => (await import("./dump-cmd.ts")).dumpCommand },
  { name: "restore", load: async () => (await import("./dump-cmd.ts")).restoreCommand },
  { name: "image", load: async () => (await import("./image-cmd.ts")).imageCommand },
  { name: "fuzz", load: async () => (await import("./fuzz-cmd.ts")).fuzzCommand },
  { name: "zdtm", load: async () => (await import("./zdtm-cmd.ts")).zdtmCommand },
  // exec's usage errors end with its whole help rather than a hint.
  { name: "exec", load: async () => (await import("./exec.ts")).execCommand, helpAfterError: true },
];

/**
 * The subcommands `argv` can reach. A first word naming a command needs that one only, and
 * `--version` none; anything else (no word, `help`, the default command's flags, a typo that
 * commander answers with suggestions) needs them all.
 */
function commandsFor(argv: string[]): typeof COMMANDS {
  const first = argv[2];
  if (first === "-V" || first === "--version") return [];
  const named = COMMANDS.filter((c) => c.name === first);
  return named.length > 0 ? named : COMMANDS;
}

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
  const wanted = commandsFor(argv);
  const factories = await Promise.all(wanted.map((c) => c.load()));
  wanted.forEach((c, i) => {
    const cmd = factories[i](setExit).exitOverride().showHelpAfterError(c.helpAfterError ?? "(run with --help for usage)");
    program.addCommand(cmd, { isDefault: c.isDefault });
  });
  // The help of run, matrix and case lists the plugin names: load them first, only then.
  if (argv.slice(2).some((a) => a === "--help" || a === "-h") || argv[2] === "help") await (await import("./choices.ts")).preloadChoices();
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
