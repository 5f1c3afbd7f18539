// `cptbench dump`: the first half of a cell (scenario/checkpoint-phase.ts) run for a user who keeps
// the image: the reference run, the workload run to the point and checkpointed by the design, and
// the image saved in a directory with its inventory (inventory.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Registry } from "../../core/cr/registry.ts";
import { MODEL_VERSION } from "../../core/cr/model.ts";
import { asPerTask } from "../../core/cr/per-task.ts";
import { CptbenchError } from "../../machine/errors.ts";
import { resolveWorkload } from "../config/experiment.ts";
import { isPathRef } from "../config/load.ts";
import { checkpointAt, pointName, type Point } from "../scenario/checkpoint-phase.ts";
import { referenceRun } from "../scenario/reference.ts";
import { designOf } from "../scenario/runner.ts";
import { IMAGE_PATH, saveGuestFile } from "../scenario/setup.ts";
import type { CrMode, Experiment } from "../scenario/types.ts";
import { codecByName } from "./codecs.ts";
import { commitFile, ImageDirError, INVENTORY_FILE, INVENTORY_VERSION, sha256, syncDir, writeAtomic, type Inventory } from "./inventory.ts";

/** The checkpoint could not be taken (the design cannot, or it failed): exit status 1, no image. */
export class DumpFailed extends CptbenchError {}

export interface DumpOptions {
  /** A built-in workload name or an ELF path. */
  workload: string;
  /** Default: the first mark. */
  point?: Point;
  initiator: string;
  creator: string;
  codec: string;
  pluginOptions: Record<string, unknown>;
  seed: number;
  cpus: number;
  quantum: number;
  /** Let the original go on to its end after the dump (CRIU's --leave-running), else kill it. */
  leaveRunning: boolean;
  dir: string;
  registry: Registry;
}

export interface DumpResult {
  inventory: Inventory;
  imagePath: string;
}

export function parsePoint(s: string): Point {
  const m = /^(mark|insn):([1-9]\d*)$/.exec(s);
  if (m === null) throw new ImageDirError("DUMP_POINT", `--at must be mark:N or insn:N with N ≥ 1, got "${s}"`);
  return { kind: m[1] as Point["kind"], n: Number(m[2]) };
}

/** Refuse a directory that already holds an image: a dump never overwrites one. */
function prepareDir(dir: string): void {
  if (existsSync(dir)) {
    if (existsSync(join(dir, INVENTORY_FILE))) throw new ImageDirError("IMAGE_DIR", `-D ${dir} already holds an image (${INVENTORY_FILE}): dump into another directory, or remove it first`);
    try {
      readdirSync(dir);
    } catch {
      throw new ImageDirError("IMAGE_DIR", `-D ${dir}: not a directory`);
    }
    return;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ImageDirError("IMAGE_DIR", `-D ${dir}: cannot create it: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function dumpImage(o: DumpOptions): DumpResult {
  const w = resolveWorkload(o.workload);
  const mode: CrMode = o.leaveRunning ? "continue" : "kill";
  const exp: Experiment = {
    initiator: o.initiator, creator: o.creator, codec: o.codec, pluginOptions: o.pluginOptions, workloads: [w],
    points: { kind: "marked" }, modes: [mode], targets: ["same"], seed: o.seed, cpus: o.cpus, quantum: o.quantum,
  };
  const design = designOf(exp, o.registry);
  const codec = codecByName(o.registry, o.codec, o.pluginOptions);
  prepareDir(o.dir);
  const ref = referenceRun(exp, w, design.module(), design.trigger);
  if (ref.problems.length > 0) throw new DumpFailed("DUMP_REFERENCE", `the reference run of ${w.name} failed: ${ref.problems[0]}`);
  if (o.point === undefined && ref.marks === 0) throw new ImageDirError("DUMP_POINT", `${w.name} marks no checkpoint point (cpt_mark): give one with --at insn:N`);
  const point = o.point ?? { kind: "mark", n: 1 };
  if (point.kind === "mark" && point.n > ref.marks) throw new ImageDirError("DUMP_POINT", `--at ${pointName(point)}: ${w.name} has ${ref.marks} mark(s)`);
  const cp = checkpointAt(exp, w, ref, design, point, mode);
  if (cp.failure !== undefined) {
    const what = cp.failure.verdict === "unsupported" ? "this design cannot checkpoint there" : "the checkpoint failed";
    const problems = cp.failure.problems.length > 0 ? ` (kernel problems: ${cp.failure.problems.join("; ")})` : "";
    throw new DumpFailed("DUMP_FAILED", `${what}: ${cp.failure.reason}${problems}`);
  }
  const file = `image.${o.codec}`;
  const tmp = join(o.dir, `.${file}.tmp-${process.pid}`);
  try {
    const bytes = saveGuestFile(cp.machine, IMAGE_PATH, tmp);
    const problems = cp.shutdown();
    if (problems.length > 0) throw new DumpFailed("DUMP_FAILED", `the machine that took the checkpoint reported kernel problems: ${problems.join("; ")}`);
    const image = readFileSync(tmp);
    const perTask = asPerTask(codec) !== null;
    const inventory: Inventory = {
      inventoryVersion: INVENTORY_VERSION,
      producer: "cptbench 0.1.0",
      design: { initiator: o.initiator, creator: o.creator, codec: o.codec },
      pluginOptions: o.pluginOptions as Inventory["pluginOptions"],
      formats: { model: MODEL_VERSION, codec: o.codec, codecVersion: codec.formatVersion ?? null, perTask },
      image: { file, bytes, sha256: sha256(image) },
      machine: { seed: o.seed, cpus: o.cpus, quantum: o.quantum, bugs: [] },
      workload: { ref: isPathRef(o.workload) ? resolve(o.workload) : o.workload, name: w.name, args: w.args, env: w.env, elfSha256: sha256(w.elf) },
      point: pointName(point),
      mode,
      checkpoint: { tasks: cp.op!.tasks, virtualNs: cp.metrics!.virtualNs, stdoutAt: cp.prefix.length },
      reference: {
        stdoutBase64: Buffer.from(ref.stdout).toString("base64"), stdoutSha256: sha256(ref.stdout), exitCode: ref.exitCode, tree: ref.tree,
        marks: ref.marks, window: ref.window, instructions: ref.instructions,
      },
    };
    commitFile(o.dir, tmp, file);
    writeAtomic(o.dir, INVENTORY_FILE, new TextEncoder().encode(JSON.stringify(inventory, null, 2) + "\n"));
    syncDir(o.dir);
    return { inventory, imagePath: join(o.dir, file) };
  } finally {
    rmSync(tmp, { force: true });
  }
}
