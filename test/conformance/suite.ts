// The C/R conformance suite, written once and run against every design (initiator × creator ×
// codec) through a factory: describe.each over the cross product of the registry's bindings, so a
// plugin that binds a new name gets every test without a line here. For each workload: C/R at
// every point it marks and at seeded instruction counts, in both modes (kill, continue) and on
// both targets (same machine, fresh machine); every cell must reproduce the reference run's
// stdout, exit status and files, with no oops and no leak — or be "unsupported" with the reason
// the design gives (a design that cannot carry something says so; it never passes by faking).
// Random points: CPTBENCH_RANDOM_POINTS for every design if set; else 20 for the first design
// (external/kernel/cpt) and RANDOM_POINTS_OTHERS for the others, so that the local test run stays
// within minutes on two cores; the GitHub workflow sets 20 for all of them. The shards are
// `npm run test:conformance`; `npm test` runs quick.test.ts, the same cells on a few workloads.
// CPTBENCH_COMBOS="external/kernel/cpt,self/userspace/ckpt" restricts the designs (default: all).
import { describe, expect, it } from "vitest";
import { runPoint } from "../../src/workbench/scenario/cell.ts";
import { referenceRun } from "../../src/workbench/scenario/reference.ts";
import { designOf, pointsOf } from "../../src/workbench/scenario/runner.ts";
import { builtinRegistry } from "../../src/workbench/plugins.ts";
import { combinations, comboLabel, parseComboList, type Combination } from "../../src/workbench/matrix/combos.ts";
import type { CellResult, Experiment } from "../../src/workbench/scenario/types.ts";
import { crWorkloads, loadWorkloads } from "../support/workloads.ts";
import { experiment, workloadRef } from "../support/cr.ts";

export type { Combination };

export const RANDOM_POINTS = 20;
export const RANDOM_POINTS_OTHERS = 3;

/** Random points for the design at `index` in the registry's order. */
function randomPoints(index: number): number {
  const v = process.env.CPTBENCH_RANDOM_POINTS;
  if (v === undefined || v === "") return index === 0 ? RANDOM_POINTS : RANDOM_POINTS_OTHERS;
  if (!/^\d+$/.test(v)) throw new Error(`CPTBENCH_RANDOM_POINTS must be a non-negative integer, got "${v}"`);
  return Number(v);
}

/** The designs under test: CPTBENCH_COMBOS if set, else every combination the registry binds. */
export function combosUnderTest(): Combination[] {
  const registry = builtinRegistry();
  return parseComboList(process.env.CPTBENCH_COMBOS, registry) ?? combinations(registry);
}

/** Workloads of shard `index` of `count` (round robin over the manifest order). */
function shardOf(index: number, count: number): string[] {
  return crWorkloads().map((w) => w.name).filter((_, i) => i % count === index);
}

/** Failed cells, and unsupported ones that do not say why or had kernel problems. */
function failures(cells: CellResult[]): string[] {
  return cells
    .filter((c) => c.verdict === "fail" || (c.verdict === "unsupported" && (c.reason === undefined || c.oopses.length > 0)))
    .map((c) => `${c.point} ${c.mode} ${c.target}: ${c.verdict}: ${c.reason ?? "(no reason)"}`);
}

/** The suite over every design under test, for the workloads of one shard. */
export function conformanceSuite(shard: { index: number; count: number }): void {
  const combos = combosUnderTest().map((c, i) => [comboLabel(c), c, randomPoints(i)] as const);
  designSuite(`conformance: %s (shard ${shard.index + 1}/${shard.count})`, combos, shardOf(shard.index, shard.count));
}

/**
 * The quick suite of `npm test`: every design under test on `workloads` only, at every marked
 * point and `randomPoints` random ones, with the same cells and checks as the full suite.
 */
export function quickConformanceSuite(workloads: readonly string[], randomPoints: number): void {
  const known = new Set(loadWorkloads().map((w) => w.name));
  const unknown = workloads.filter((w) => !known.has(w));
  if (unknown.length > 0) throw new Error(`quick conformance names unknown workloads: ${unknown.join(", ")}`);
  const combos = combosUnderTest().map((c) => [comboLabel(c), c, randomPoints] as const);
  designSuite("conformance (quick): %s", combos, workloads);
}

function designSuite(title: string, combos: (readonly [string, Combination, number])[], workloads: readonly string[]): void {
  describe.each(combos)(title, (_label, combo, count) => {
    // The factory: one experiment and one design per combination, shared by its workloads.
    const exp: Experiment = experiment({ initiator: combo.initiator, creator: combo.creator, codec: combo.codec });
    const design = designOf(exp, builtinRegistry());
    for (const name of workloads) {
      it(name, () => {
        const w = workloadRef(name);
        const ref = referenceRun(exp, w, design.module(), design.trigger);
        expect(ref.problems).toEqual([]);
        const marked = pointsOf({ ...exp, points: { kind: "marked" } }, w, ref);
        const random = count > 0 ? pointsOf({ ...exp, points: { kind: "random", count } }, w, ref) : [];
        expect(marked.length, `${name} marks no point`).toBeGreaterThan(0);
        expect(random.length).toBe(count);
        const cells: CellResult[] = [];
        for (const p of [...marked, ...random]) for (const mode of exp.modes) cells.push(...runPoint(exp, w, ref, design, p, mode, exp.targets));
        expect(cells.length).toBe((marked.length + random.length) * 4);
        expect(failures(cells)).toEqual([]);
      }, 900_000);
    }
  });
}
