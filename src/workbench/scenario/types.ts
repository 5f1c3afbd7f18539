// What the scenario runner is asked to do (an experiment) and what it reports per cell.
// The CLI and config files build an Experiment; the runner returns one CellResult per
// (workload, point, mode, target) of it. Everything here is plain data, JSON-friendly.
import type { BugSwitch } from "../../core/cr/bugs.ts";
import type { CrStep } from "../../core/cr/trace.ts";

export type CrMode = "kill" | "continue";
/** Where the image is restarted; "none": nowhere (--norst, zdtm.py's: dump, check the original only). */
export type CrTarget = "same" | "fresh" | "none";

/** Checkpoint points: the ones a workload marks with cpt_mark(), or N seeded instruction counts. */
export type PointsSpec = { kind: "marked" } | { kind: "random"; count: number };

/** A guest program to checkpoint: a built-in workload by name, or an ELF file by path. */
export interface WorkloadRef {
  name: string;
  elf: Uint8Array;
  args: string[];
  env: string[];
  /** Files to install in the machine's tmpfs (absolute path → contents), e.g. inputs. */
  files?: Record<string, Uint8Array>;
  /** Why a signal-triggered self checkpoint changes what it does (the manifest's selfSignalWhy). */
  selfSignalWhy?: string;
}

export interface Experiment {
  initiator: string;
  creator: string;
  codec: string;
  /** Options per plugin, by plugin name (validated by each plugin's zod schema). */
  pluginOptions: Record<string, unknown>;
  workloads: WorkloadRef[];
  points: PointsSpec;
  modes: CrMode[];
  targets: CrTarget[];
  seed: number;
  cpus: number;
  /** Deliberate bugs to build the C/R module with (core/cr/bugs.ts); none normally. */
  bugs?: BugSwitch[];
  /** Steps the C/R module fails on purpose, "STEP:ERRNO" (core/cr/faults.ts, --fault); none normally. */
  faults?: string[];
  quantum: number;
  /**
   * zdtm.py's --norst: checkpoint in continue mode, let the original finish and judge it alone;
   * nothing is restarted (cells have target "none").
   */
  norst?: boolean;
  /**
   * zdtm.py's --iters: checkpoint/restart this many times in a row in each cell (absent: once).
   * Kill mode restarts the image, checkpoints the restored container again at its next point,
   * and so on; continue mode checkpoints the original that many times and restarts the last
   * image (zdtm.py --snaps --iters). See iterations.ts.
   */
  iters?: number;
  /** Which repetition of the same experiment this is (0-based); set only when there are several. */
  repetition?: number;
}

export type Verdict = "pass" | "fail" | "unsupported";

export interface PhaseMetrics {
  /** Virtual time of the phase in ns, and wall time the host spent on it in ms. */
  virtualNs: number;
  wallMs: number;
  /**
   * CPU time this process spent in the same window (user + system, ms): beside wallMs on a shared
   * machine, where the wall time also counts the other jobs' turns. Absent where not measured.
   */
  cpuMs?: number;
  /**
   * Wall and CPU ms from the same start to the end of the checkpoint or restart operation itself
   * (its kthread's last step): wallMs runs on to the end of the machine's slice in which it ended,
   * so it also counts the guest code (and exits) that ran after the operation in that slice.
   */
  opWallMs?: number;
  opCpuMs?: number;
  instructions: number;
  syscalls: number;
  contextSwitches: number;
  /** Kernel objects created and destroyed during the phase, by type. */
  created: Record<string, number>;
  destroyed: Record<string, number>;
  steps: CrStep[];
}

/** One checkpoint of a cell run with Experiment.iters > 1, and the restart of its image. */
export interface IterationResult {
  /** "mark:3", "insn:123456", or "in-a-row": at once after the previous restart (or checkpoint). */
  point: string;
  imageBytes: number;
  tasks: number;
  checkpoint: PhaseMetrics | null;
  /** The restart of this iteration's image: null where none was made (continue mode, but the last). */
  restart: PhaseMetrics | null;
  objectsCreated: number;
}

export interface CellResult {
  workload: string;
  /** "mark:2" (the second marked point), "insn:123456" (a seeded instruction count). */
  point: string;
  mode: CrMode;
  target: CrTarget;
  initiator: string;
  creator: string;
  codec: string;
  seed: number;
  /** The experiment's repetition, when it was repeated (so rows of the same seed can be told apart). */
  repetition?: number;
  verdict: Verdict;
  /** Why the cell failed or is unsupported. */
  reason?: string;
  imageBytes: number;
  /** Tasks in the checkpointed container. */
  tasks: number;
  /** Kernel objects the restart created, in all. */
  objectsCreated: number;
  checkpoint: PhaseMetrics | null;
  restart: PhaseMetrics | null;
  oopses: string[];
  /**
   * With Experiment.iters > 1: every checkpoint and restart, in order (the fields above are then
   * the first checkpoint's and the last restart's).
   */
  iterations?: IterationResult[];
}
