// `cptbench restore`: the second half of a cell (scenario/restart-phase.ts) run from an image
// directory. On a fresh machine (--fresh: booted with the dump's seed, nothing run) or, by
// default, on the machine the image came from, rebuilt: the same seed and workload run to the
// same point and checkpointed again (the machine is deterministic), the original killed or run
// to its end as at the dump, then the directory's image put in place of the one just taken.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Registry } from "../../core/cr/registry.ts";
import { CptbenchError } from "../../machine/errors.ts";
import { resolveWorkload } from "../config/experiment.ts";
import { checkpointAt, problemsOf, type Point } from "../scenario/checkpoint-phase.ts";
import { instructionBudget, type Reference } from "../scenario/reference.ts";
import { judgeRestart, restartImage, type Restarted } from "../scenario/restart-phase.ts";
import { designOf } from "../scenario/runner.ts";
import { bootMachine, IMAGE_PATH, loadGuestFile, readGuestFile } from "../scenario/setup.ts";
import type { Experiment, WorkloadRef } from "../scenario/types.ts";
import { codecFor } from "./codecs.ts";
import { parsePoint } from "./dump.ts";
import { ImageDirError, readInventory, sha256, type Inventory } from "./inventory.ts";

/** Rebuilding the machine the image came from failed (the dump no longer replays). Exit 1. */
export class RestoreFailed extends CptbenchError {}

export interface RestoreResult {
  inventory: Inventory;
  run: Restarted;
  /** What the restored container wrote to stderr. */
  stderr: Uint8Array;
  /** Kernel problems (oopses, leaks) of the machine the restore ran on. */
  problems: string[];
  /** Why the restored run differs from the reference, or undefined. */
  mismatch?: string;
  /** The restore machine's scheduling trace hash (equal for equal images and machines). */
  traceHash: string;
  target: "same" | "fresh";
  /** With target "same": whether the rebuilt machine's own image equals the directory's. */
  sameImage?: boolean;
}

/** The inventory of `dir`, with every codec's format version known to the registry. */
export function inventoryOf(dir: string, registry: Registry): Inventory {
  return readInventory(dir, (codec) => {
    try {
      return codecFor(registry, codec, false).formatVersion ?? null;
    } catch {
      throw new ImageDirError("IMAGE_CODEC", `the image in ${dir} is of codec "${codec}", which no loaded plugin provides (codecs: ${registry.names("codec").join(", ")})`);
    }
  });
}

/** The workload of an inventory, refused if its ELF is not the one dumped. */
function workloadOf(inv: Inventory): WorkloadRef {
  const w = resolveWorkload(inv.workload.ref);
  if (sha256(w.elf) !== inv.workload.elfSha256) {
    throw new ImageDirError("IMAGE_WORKLOAD", `the ELF of workload ${inv.workload.ref} is not the one that was dumped (its SHA-256 differs): restore with the workloads of the dump`);
  }
  return { ...w, args: inv.workload.args, env: inv.workload.env };
}

function referenceOf(inv: Inventory): Reference {
  const r = inv.reference;
  return { stdout: Buffer.from(r.stdoutBase64, "base64"), exitCode: r.exitCode, tree: r.tree, marks: r.marks, window: r.window, instructions: r.instructions, wallMs: 0, problems: [] };
}

/**
 * The dump's plugin options, and with `verifyKey` the codec plugin's `verify`: the restart's
 * codec then refuses the image unless it is signed with that key (core/cr/signed.ts).
 */
function restoreOptions(inv: Inventory, registry: Registry, verifyKey: string | undefined): Inventory["pluginOptions"] {
  if (verifyKey === undefined) return inv.pluginOptions;
  const plugin = registry.provider("codec", inv.design.codec).name;
  const own = (inv.pluginOptions as Record<string, Record<string, unknown> | undefined>)[plugin] ?? {};
  return { ...inv.pluginOptions, [plugin]: { ...own, verify: { keyFile: verifyKey } } } as Inventory["pluginOptions"];
}

export function restoreImage(dir: string, opts: { fresh: boolean; registry: Registry; verifyKey?: string }): RestoreResult {
  const inv = inventoryOf(dir, opts.registry);
  const image = readFileSync(join(dir, inv.image.file));
  if (image.length !== inv.image.bytes) throw new ImageDirError("IMAGE_DIR", `${dir}/${inv.image.file} has ${image.length} bytes, the inventory says ${inv.image.bytes}`);
  const w = workloadOf(inv);
  const ref = referenceOf(inv);
  const exp: Experiment = {
    ...inv.design, pluginOptions: restoreOptions(inv, opts.registry, opts.verifyKey), workloads: [w], points: { kind: "marked" }, modes: [inv.mode], targets: ["same"],
    seed: inv.machine.seed, cpus: inv.machine.cpus, quantum: inv.machine.quantum,
  };
  const design = designOf(exp, opts.registry);
  const prefix = ref.stdout.subarray(0, inv.checkpoint.stdoutAt);
  const imagePath = join(dir, inv.image.file);
  const budget = instructionBudget(ref);
  let run: Restarted;
  let problems: string[];
  let stderr: Uint8Array;
  let traceHash: string;
  let sameImage: boolean | undefined;
  if (opts.fresh) {
    const m = bootMachine(exp, w, design.module());
    loadGuestFile(m, imagePath, IMAGE_PATH);
    run = restartImage(m, w, design.restarter, budget, 0);
    stderr = m.console.stderr;
    m.kernel.shutdown();
    problems = problemsOf(m.kernel);
    traceHash = m.kernel.sched.trace.hex();
  } else {
    const point: Point = parsePoint(inv.point);
    const cp = checkpointAt(exp, w, ref, design, point, inv.mode);
    if (cp.failure !== undefined) throw new RestoreFailed("RESTORE_REBUILD", `rebuilding the machine the image came from failed: ${cp.failure.reason} (try --fresh)`);
    const m = cp.machine;
    const own = readGuestFile(m, IMAGE_PATH);
    sameImage = own !== null && Buffer.from(own).equals(image);
    loadGuestFile(m, imagePath, IMAGE_PATH);
    const errStart = m.console.stderr.length;
    run = restartImage(m, w, design.restarter, cp.budget, cp.stdout.length);
    stderr = m.console.stderr.subarray(errStart);
    problems = cp.shutdown();
    traceHash = m.kernel.sched.trace.hex();
  }
  const mismatch = judgeRestart(run, ref, prefix, w) ?? (problems.length > 0 ? `kernel problems: ${problems[0]}` : undefined);
  return { inventory: inv, run, stderr, problems, mismatch, traceHash, target: opts.fresh ? "fresh" : "same", sameImage };
}
