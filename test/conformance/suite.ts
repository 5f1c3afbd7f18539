// The C/R conformance suite, written once and run against a design (initiator × creator × codec)
// through a factory: a new plugin combination gets every test by adding one line. For each
// workload: C/R at every point it marks and at RANDOM_POINTS seeded instruction counts, in both
// modes (kill, continue) and on both targets (same machine, fresh machine); every cell must
// reproduce the reference run's stdout, exit status and files, with no oops and no leak.
import { describe, expect, it } from "vitest";
import { runPoint, type CellDesign } from "../../src/core/scenario/cell.ts";
import { referenceRun } from "../../src/core/scenario/reference.ts";
import { designOf, pointsOf } from "../../src/core/scenario/runner.ts";
import { builtinRegistry } from "../../src/core/cr/registry.ts";
import type { CellResult, Experiment } from "../../src/core/scenario/types.ts";
import { loadWorkloads } from "../support/workloads.ts";
import { experiment, workloadRef } from "../support/cr.ts";

export const RANDOM_POINTS = 20;

export interface Combination {
  initiator: string;
  creator: string;
  codec: string;
}

/** Workloads of shard `index` of `count` (round robin over the manifest order). */
function shardOf(index: number, count: number): string[] {
  return loadWorkloads().map((w) => w.name).filter((_, i) => i % count === index);
}

function failures(cells: CellResult[]): string[] {
  return cells.filter((c) => c.verdict !== "pass").map((c) => `${c.point} ${c.mode} ${c.target}: ${c.reason ?? "?"}`);
}

export function conformanceSuite(combo: Combination, shard: { index: number; count: number }): void {
  const exp: Experiment = experiment({ ...combo });
  const design: CellDesign = designOf(exp, builtinRegistry());
  describe(`conformance: ${combo.initiator} × ${combo.creator} × ${combo.codec} (shard ${shard.index + 1}/${shard.count})`, () => {
    for (const name of shardOf(shard.index, shard.count)) {
      it(name, () => {
        const w = workloadRef(name);
        const ref = referenceRun(exp, w, design.module());
        expect(ref.problems).toEqual([]);
        const marked = pointsOf({ ...exp, points: { kind: "marked" } }, w, ref);
        const random = pointsOf({ ...exp, points: { kind: "random", count: RANDOM_POINTS } }, w, ref);
        expect(marked.length, `${name} marks no point`).toBeGreaterThan(0);
        expect(random.length).toBe(RANDOM_POINTS);
        const cells: CellResult[] = [];
        for (const p of [...marked, ...random]) for (const mode of exp.modes) cells.push(...runPoint(exp, w, ref, design, p, mode, exp.targets));
        expect(cells.length).toBe((marked.length + random.length) * 4);
        expect(failures(cells)).toEqual([]);
      }, 900_000);
    }
  });
}
