// The small matrix `cptbench report --html` runs so that the page's grid and per-design cost
// charts have data: every design the registry binds, on a handful of workloads, at their marked
// points, killed and restarted on the same machine. It is the matrix's own plan and units, so its
// cells are exactly what `cptbench matrix --points marked --mode kill --target same` would give.
import type { Registry } from "../../core/cr/registry.ts";
import { resolveWorkload } from "../config/experiment.ts";
import { configSchema } from "../config/schema.ts";
import { combinations } from "../matrix/combos.ts";
import type { MatrixPlan } from "../matrix/plan.ts";

/**
 * One workload per kind of state the designs must carry: memory only (hash), a process tree
 * (fork-tree), pipes between tasks (pipes), threads (threads), a shared file table (fdshare).
 */
export const HTML_MATRIX_WORKLOADS = ["hash", "fork-tree", "pipes", "threads", "fdshare"] as const;

/** The plan: all designs × `workloads` (names or ELF paths), marked points, kill, same machine. */
export function htmlMatrixPlan(registry: Registry, seed: number, workloads: readonly string[] = HTML_MATRIX_WORKLOADS): MatrixPlan {
  const defaults = configSchema.parse({});
  return {
    combinations: combinations(registry),
    workloads: workloads.map((w) => resolveWorkload(w)),
    points: [{ kind: "marked" }],
    seeds: [seed],
    repetitions: 1,
    modes: ["kill"],
    targets: ["same"],
    cpus: defaults.cpus,
    quantum: defaults.quantum,
    pluginOptions: {},
  };
}

/** How the page describes this matrix. */
export const HTML_MATRIX_DESCRIPTION = "Marked checkpoint points, the original killed, restarted on the same machine; each square counts the cells of one design × workload";
