// `cptbench dump` and `cptbench restore`: images a user keeps, as with `criu dump -D` and
// `criu restore -D`. The work is the scenario runner's own (workbench/image/dump.ts, restore.ts);
// this file is flags, output and exit statuses.
import { Command } from "commander";
import type { Registry } from "../core/cr/registry.ts";
import { CliError } from "./errors.ts";
import { intParser } from "./run.ts";

interface DumpFlags {
  workload: string;
  at?: string;
  design?: string;
  initiator?: string;
  fork?: string;
  codec?: string;
  dir: string;
  leaveRunning?: boolean;
  seed: number;
  cpus: number;
  quantum: number;
  perTask?: boolean;
  sign?: string;
}

async function registry(): Promise<Registry> {
  // Loaded on demand: --help needs no plugin code.
  const { builtinRegistry } = await import("../workbench/plugins.ts");
  return builtinRegistry();
}

/** initiator/creator/codec from --design I/C/K, overridden by the single flags. */
function designOf(f: DumpFlags): { initiator: string; creator: string; codec: string } {
  let [initiator, creator, codec] = ["external", "kernel", "cpt"];
  if (f.design !== undefined) {
    const parts = f.design.split("/");
    if (parts.length !== 3 || parts.some((p) => p === "")) {
      throw new CliError("CLI_DESIGN", `--design must be initiator/creator/codec, e.g. external/kernel/cpt, got "${f.design}"`);
    }
    [initiator, creator, codec] = parts;
  }
  return { initiator: f.initiator ?? initiator, creator: f.fork ?? creator, codec: f.codec ?? codec };
}

const DUMP_HELP = `
The directory gets image.<codec> and inventory.json (design, codec and format versions, seed,
machine, workload, point, and the uninterrupted run's output and exit status). Both are written
under temporary names, fsynced and renamed, the inventory last: a directory with an inventory
always holds a complete image. A directory that already holds one is refused.

Exit status: 0 when the image was written, 1 when the checkpoint could not be taken (the reason
is printed), 2 for a usage error (bad flag, unknown workload or design, bad -D).

Examples:
  cptbench dump --workload fork-tree -D /tmp/ft
  cptbench dump --workload pipes --at insn:40000 --design self/userspace/ckpt -D /tmp/p --leave-running`;

export function dumpCommand(setExit: (code: number) => void): Command {
  return new Command("dump")
    .description("checkpoint a workload at a point and keep the image in a directory (like criu dump -D)")
    .requiredOption("--workload <name|path>", "built-in workload name or ELF path")
    .option("--at <point>", "where: mark:N (the workload's N-th cpt_mark) or insn:N (after N instructions) (default: mark:1)")
    .option("--design <i/c/k>", "initiator/creator/codec, e.g. self/userspace/ckpt (default: external/kernel/cpt)")
    .option("--initiator <name>", "checkpoint initiator (overrides --design)")
    .option("--fork <name>", "process creator the image is meant for: restore uses it (overrides --design)")
    .option("--codec <name>", "image codec (overrides --design)")
    .option("--per-task", "write the codec's per-task layout (plugin option images: per-task)")
    .option("--sign <keyfile>", "sign the image with an HMAC-SHA256 keyed by this file's raw bytes (16 or more; plugin option sign)")
    .requiredOption("-D, --dir <dir>", "the image directory (made if missing)")
    .option("--leave-running", "let the original run on to its end after the dump (default: kill it)")
    .option("--seed <n>", "seed of every choice the kernel makes", intParser("--seed", 0), 1)
    .option("--cpus <n>", "virtual CPUs", intParser("--cpus", 1), 1)
    .option("--quantum <n>", "mean scheduling quantum, in instructions", intParser("--quantum", 1), 100_000)
    .addHelpText("after", DUMP_HELP)
    .allowExcessArguments(false)
    .action(async (f: DumpFlags) => {
      const { dumpImage, parsePoint, DumpFailed } = await import("../workbench/image/dump.ts");
      const design = designOf(f);
      const reg = await registry();
      const plugin = reg.provider("codec", design.codec).name;
      const own: Record<string, unknown> = {};
      if (f.perTask) own.images = "per-task";
      if (f.sign !== undefined) own.sign = { keyFile: f.sign };
      const pluginOptions = Object.keys(own).length > 0 ? { [plugin]: own } : {};
      try {
        const r = dumpImage({
          workload: f.workload, point: f.at === undefined ? undefined : parsePoint(f.at), ...design, pluginOptions,
          seed: f.seed, cpus: f.cpus, quantum: f.quantum, leaveRunning: f.leaveRunning === true, dir: f.dir, registry: reg,
        });
        const inv = r.inventory;
        process.stdout.write(
          `dumped ${inv.workload.name} at ${inv.point} (${inv.design.initiator}/${inv.design.creator}/${inv.design.codec}, ${inv.checkpoint.tasks} tasks, ` +
          `${inv.mode === "kill" ? "killed" : "left running"}): ${inv.image.bytes} bytes in ${r.imagePath}\n`,
        );
        setExit(0);
      } catch (e) {
        if (!(e instanceof DumpFailed)) throw e;
        process.stderr.write(`cptbench: dump: ${e.message}\n`);
        setExit(1);
      }
    });
}

interface RestoreFlags {
  dir: string;
  fresh?: boolean;
  check?: boolean;
  stats?: string;
  verify?: string;
}

const RESTORE_HELP = `
Where it restarts: by default on the machine the image came from, rebuilt — booted with the
dump's seed, the workload run to the same point and checkpointed again (the kernel is
deterministic), the original killed or run to its end as at the dump — with the directory's image
in place of the one just taken. With --fresh, on a newly booted machine where nothing ran.

The restored program's stdout and stderr pass through; the exit status is its own (70 if the
kernel reported an oops or a leak). With --check the run is judged as a matrix cell judges it
(the output before the checkpoint plus the restored output, exit status and files equal the
reference kept in the inventory; no oops, no leak): exit 0 when it matches, 1 with the reason.
A bad -D (missing, not an image directory, another format version) exits 2.`;

export function restoreCommand(setExit: (code: number) => void): Command {
  return new Command("restore")
    .description("restart the image kept in a directory by cptbench dump (like criu restore -D)")
    .requiredOption("-D, --dir <dir>", "the image directory")
    .option("--fresh", "restart on a freshly booted machine instead of the rebuilt one the image came from")
    .option("--check", "compare with the reference run as a matrix cell does; exit 1 with the reason on a mismatch")
    .option("--stats <format>", "print restore statistics as one JSON line to stderr (json)")
    .option("--verify <keyfile>", "refuse the image, before decoding it, unless it is signed with this key (dump --sign)")
    .addHelpText("after", RESTORE_HELP)
    .allowExcessArguments(false)
    .action(async (f: RestoreFlags) => {
      if (f.stats !== undefined && f.stats !== "json") throw new CliError("CLI_FLAG", `--stats takes "json", got "${f.stats}"`);
      const { restoreImage, RestoreFailed } = await import("../workbench/image/restore.ts");
      let r;
      try {
        r = restoreImage(f.dir, { fresh: f.fresh === true, registry: await registry(), verifyKey: f.verify });
      } catch (e) {
        if (!(e instanceof RestoreFailed)) throw e;
        process.stderr.write(`cptbench: restore: ${e.message}\n`);
        setExit(1);
        return;
      }
      // The restored run is over: its output goes out in one piece (the bin lets stdout drain).
      if (r.run.stdout.length > 0) process.stdout.write(r.run.stdout);
      if (r.stderr.length > 0) process.stderr.write(r.stderr);
      if (r.sameImage === false) process.stderr.write("cptbench: restore: note: the image in the directory differs from the one the rebuilt machine took; restoring the directory's\n");
      if (r.run.failure !== undefined) process.stderr.write(`cptbench: restore: ${r.run.failure.reason}\n`);
      for (const p of r.problems) process.stderr.write(`cptbench: ${p}\n`);
      if (f.stats === "json") {
        process.stderr.write(JSON.stringify({
          target: r.target, exitCode: r.run.status, traceHash: r.traceHash, restartVirtualNs: r.run.metrics?.virtualNs ?? null,
          objectsCreated: r.run.objectsCreated, oopses: r.problems.length, match: r.mismatch === undefined,
        }) + "\n");
      }
      if (f.check) {
        if (r.mismatch !== undefined) process.stderr.write(`cptbench: restore --check: mismatch: ${r.mismatch}\n`);
        else process.stderr.write(`cptbench: restore --check: matches the reference (${r.inventory.workload.name} at ${r.inventory.point}, ${r.target} machine)\n`);
        setExit(r.mismatch === undefined ? 0 : 1);
      } else if (r.run.failure !== undefined) setExit(1);
      else setExit(r.problems.length > 0 ? 70 : r.run.status);
    });
}
