// `cptbench fuzz` (npm run fuzz): mutate a design's image of a workload N times per codec and
// restart each mutant on a fresh machine (src/workbench/fuzz). Prints a table per design and
// mutation kind (--json: the whole report); exits 1 if any mutant ended in a bug class (oops,
// leak, escape, host exception), 2 on a usage error. Same seed and options, same table.
import { Command } from "commander";
import { CliError } from "./errors.ts";
import { intParser } from "./parsers.ts";

interface FuzzFlags {
  codec?: string[];
  design?: string[];
  workload: string;
  n: number;
  seed: number;
  kinds?: string[];
  budget?: number;
  asUser?: number;
  jobs: number;
  json?: boolean;
  progress?: boolean;
}

const list = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), ...v.split(",").map((s) => s.trim()).filter((s) => s !== "")];

export function fuzzCommand(setExit: (code: number) => void): Command {
  return new Command("fuzz")
    .description("restart mutated images (bit flips, truncations, lying lengths, moved records, semantic edits) and classify each restart")
    .option("--codec <name>", "codec to fuzz, with the external/kernel design (repeatable or comma-separated; default: cpt,ckpt)", list)
    .option("--design <i/c/k>", "a design initiator/creator/codec instead (repeatable or comma-separated)", list)
    .option("--workload <name>", "the workload whose image is mutated", "pipe-tree")
    .option("--n <count>", "mutants per design", intParser("--n", 1), 240)
    .option("--seed <n>", "the campaign's seed (mutants and machines)", intParser("--seed", 0), 1)
    .option("--kinds <list>", "mutation kinds (comma-separated; default: all, see docs/fuzz.md)", list)
    .option("--budget <insns>", "instructions a restart may run before it is a runaway (default: 4x the intact image's, rounded up to a power of two)", intParser("--budget", 1))
    .option("--as-user <uid>", "restart as this uid with CAP_CHECKPOINT_RESTORE only, from an image made its own (privilege gains become escapes)", intParser("--as-user", 1))
    .option("--jobs <n>", "worker threads (the table does not depend on it)", intParser("--jobs", 1), 1)
    .option("--json", "print the whole report as JSON")
    .option("--progress", "report progress on stderr")
    .allowExcessArguments(false)
    .action(async (flags: FuzzFlags) => {
      const { KINDS } = await import("../workbench/fuzz/kinds.ts");
      const { builtinRegistry } = await import("../workbench/plugins.ts");
      const { parseComboList } = await import("../workbench/matrix/combos.ts");
      const { runParallel } = await import("../workbench/fuzz/parallel.ts");
      const { renderReport } = await import("../workbench/fuzz/render.ts");
      const { bugCount } = await import("../workbench/fuzz/runner.ts");
      const kinds = flags.kinds ?? [...KINDS];
      const bad = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
      if (bad.length > 0) throw new CliError("CLI_USAGE", `unknown mutation kind ${bad.join(", ")}; kinds: ${KINDS.join(", ")}`);
      const registry = builtinRegistry();
      const designs = flags.design !== undefined
        ? parseComboList(flags.design.join(","), registry) ?? []
        : (flags.codec ?? ["cpt", "ckpt"]).map((codec) => {
          if (!registry.names("codec").includes(codec)) throw new CliError("CLI_USAGE", `unknown codec "${codec}"; codecs: ${registry.names("codec").join(", ")}`);
          return { initiator: "external", creator: "kernel", codec };
        });
      let last = 0;
      const report = await runParallel({
        registry, designs, workload: flags.workload, n: flags.n, seed: flags.seed, kinds: kinds as typeof KINDS[number][], budget: flags.budget, asUser: flags.asUser,
          progress: flags.progress === true ? (done, total) => {
            if (done - last >= 100 || done === total) process.stderr.write(`cptbench: fuzz ${(last = done)}/${total}\n`);
          } : undefined,
      }, flags.jobs);
      process.stdout.write(flags.json === true ? JSON.stringify(report, null, 2) + "\n" : renderReport(report));
      setExit(bugCount(report) > 0 ? 1 : 0);
    });
}
