// From an effective config to the Experiments the scenario runner takes: workload names resolve
// through workloads/manifest.json and workloads/bin/<name>.elf, paths load an ELF file, and each
// seed of `seeds` makes one Experiment.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { CrMode, CrTarget, Experiment, PointsSpec, WorkloadRef } from "../scenario/types.ts";
import { ElfError, parseElf } from "../../machine/elf/elf.ts";
import { ConfigError, isPathRef } from "./load.ts";
import type { Config } from "./schema.ts";

export const WORKLOADS_DIR = join(import.meta.dirname, "..", "..", "..", "workloads");

/** One entry of workloads/manifest.json (fields the runner needs). */
export interface WorkloadManifestEntry {
  name: string;
  args: string[];
  env: string[];
  description: string;
  /** "controller": a helper program (e.g. a C/R controller), not a workload to checkpoint. */
  role?: string;
  /** "musl": a real-libc program (workloads/libc/<name>.c). */
  libc?: string;
  /** false: it uses kernel objects C/R does not carry yet; `crWhy` says which. Not in the default set. */
  cr?: boolean;
  crWhy?: string;
  /**
   * Why a self checkpoint triggered by CPT_SIGNAL (the self initiator at a random point) changes
   * what this program does, e.g. a blocked poll() that the handler ends with EINTR: its
   * random-point self cells are "unsupported" with this reason; its marked points are not.
   */
  selfSignalWhy?: string;
  /** Absolute guest paths that must hold a workload's ELF (e.g. /proc/self/exe), by workload name. */
  files?: Record<string, string>;
  /** Run as pid 1 of the machine (as recorded under unshare -p -f). */
  init?: boolean;
}

export function readWorkloadManifest(dir = WORKLOADS_DIR): WorkloadManifestEntry[] {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as WorkloadManifestEntry[];
}

/** The built-in workloads an experiment checkpoints when it names none: all but controllers. */
export function crWorkloads(dir = WORKLOADS_DIR): WorkloadManifestEntry[] {
  return readWorkloadManifest(dir).filter((w) => w.role !== "controller");
}

/**
 * The workloads an experiment runs when it names none: those C/R can carry. A program marked
 * "cr": false still runs when named.
 */
export function defaultWorkloads(dir = WORKLOADS_DIR): WorkloadManifestEntry[] {
  return crWorkloads(dir).filter((w) => w.cr !== false);
}

/** A built-in workload by name, or an ELF file by (absolute or cwd-relative) path. */
export function resolveWorkload(ref: string, dir = WORKLOADS_DIR): WorkloadRef {
  if (isPathRef(ref)) {
    const elf = readElf(ref, ref);
    // Checked here, as `cptbench exec` checks it: a file that is no RV32 executable is the user's
    // mistake (exit 2), not a failed reference run in every cell.
    try {
      parseElf(elf);
    } catch (e) {
      if (e instanceof ElfError) throw new ElfError(e.code, `workload ${ref}: ${e.message}`);
      throw e;
    }
    return { name: basename(ref).replace(/\.elf$/, ""), elf, args: [], env: [] };
  }
  const entries = crWorkloads(dir);
  const entry = entries.find((w) => w.name === ref);
  if (!entry) {
    throw new ConfigError(
      "CONFIG_UNKNOWN_WORKLOAD",
      `unknown workload "${ref}" (not a path either); built-in workloads: ${entries.map((w) => w.name).join(", ")}`,
    );
  }
  const files = Object.fromEntries(Object.entries(entry.files ?? {}).map(([path, name]) => [path, readElf(join(dir, "bin", `${name}.elf`), name)]));
  const ref1: WorkloadRef = { name: entry.name, elf: readElf(join(dir, "bin", `${entry.name}.elf`), ref), args: [...entry.args], env: [...entry.env], files };
  if (entry.selfSignalWhy !== undefined) ref1.selfSignalWhy = entry.selfSignalWhy;
  return ref1;
}

export function parsePoints(points: string): PointsSpec {
  const m = /^random:([1-9]\d*)$/.exec(points);
  if (m) return { kind: "random", count: Number(m[1]) };
  if (points === "marked") return { kind: "marked" };
  throw new ConfigError("CONFIG_INVALID", `points must be "marked" or "random:N", got "${points}"`);
}

/** A config key that may hold one value or a list, as a list. */
export function listOf(value: string | readonly string[]): string[] {
  return typeof value === "string" ? [value] : [...value];
}

const PLURAL: Record<"initiator" | "creator" | "codec" | "points", string> = {
  initiator: "several initiators",
  creator: "several creators",
  codec: "several codecs",
  points: "several point specs",
};

/**
 * The single value of a key that `cptbench run` needs one of. A list of several is a ConfigError:
 * one run is one design; the cross product is `cptbench matrix`'s job.
 */
export function singleOf(config: Config, key: keyof typeof PLURAL): string {
  const values = listOf(config[key]);
  if (values.length !== 1) {
    throw new ConfigError(
      "CONFIG_SEVERAL",
      `the config gives ${PLURAL[key]} (${key}: ${values.join(", ")}) but cptbench run runs one: use cptbench matrix, or pick one with a flag`,
    );
  }
  return values[0];
}

/** The workloads of a config, loaded: its list, else every built-in C/R workload. */
export function configWorkloads(config: Config, dir = WORKLOADS_DIR): WorkloadRef[] {
  const refs = config.workloads.length > 0 ? config.workloads : defaultWorkloads(dir).map((w) => w.name);
  return refs.map((r) => resolveWorkload(r, dir));
}

/**
 * One Experiment per seed (`seeds`, else `[seed]`), all sharing the loaded workloads. The config
 * must name one design and one point spec (singleOf).
 */
export function buildExperiments(config: Config, dir = WORKLOADS_DIR): Experiment[] {
  const design = { initiator: singleOf(config, "initiator"), creator: singleOf(config, "creator"), codec: singleOf(config, "codec") };
  const points = parsePoints(singleOf(config, "points"));
  const workloads = configWorkloads(config, dir);
  const seeds = config.seeds ?? [config.seed];
  return seeds.map((seed) => ({
    ...design,
    pluginOptions: config.pluginOptions,
    workloads,
    points,
    modes: [...config.modes] as CrMode[],
    targets: [...config.targets] as CrTarget[],
    seed,
    cpus: config.cpus,
    quantum: config.quantum,
    ...(config.bugs.length > 0 && { bugs: [...config.bugs] }),
    ...(config.faults !== undefined && config.faults.length > 0 && { faults: [...config.faults] }),
  }));
}

/** An Experiment as JSON-friendly data: workloads without their ELF bytes. */
export function describeExperiment(exp: Experiment): Omit<Experiment, "workloads"> & {
  workloads: { name: string; args: string[]; env: string[]; elfBytes: number }[];
} {
  return {
    ...exp,
    workloads: exp.workloads.map((w) => ({ name: w.name, args: w.args, env: w.env, elfBytes: w.elf.length })),
  };
}

function readElf(path: string, ref: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError("CONFIG_NO_FILE", `cannot read the ELF of workload "${ref}" (${path}): ${code}`);
  }
}
