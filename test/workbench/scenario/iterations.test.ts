// --iters N in a cell (zdtm.py's): on every design, fork-tree (3 marks) checkpointed at mark:2
// three times in a row — at mark 2, at mark 3, then at once after the restart (no mark left) —
// restarted each time in kill mode (same machine and fresh machines) and checkpointed three times
// while it goes on in continue mode; the cell passes only if the last run matches the reference.
import { beforeAll, describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { combinations, comboLabel } from "../../../src/workbench/matrix/combos.ts";
import { runPoint } from "../../../src/workbench/scenario/cell.ts";
import { iterationPoints } from "../../../src/workbench/scenario/iterations.ts";
import { referenceRun, type Reference } from "../../../src/workbench/scenario/reference.ts";
import { designOf } from "../../../src/workbench/scenario/runner.ts";
import type { CellResult } from "../../../src/workbench/scenario/types.ts";
import { experiment, workloadRef } from "../../support/cr.ts";

describe("iterationPoints", () => {
  it("takes the next marks while the workload has them, then checkpoints in a row", () => {
    expect(iterationPoints({ kind: "mark", n: 1 }, 3, 3)).toEqual([{ kind: "mark", n: 1 }, { kind: "mark", n: 2 }, { kind: "mark", n: 3 }]);
    expect(iterationPoints({ kind: "mark", n: 3 }, 3, 4)).toEqual([{ kind: "mark", n: 3 }, { kind: "mark", n: 4 }, { kind: "in-a-row" }]);
    expect(iterationPoints({ kind: "insn", n: 500 }, 2, 9)).toEqual([{ kind: "insn", n: 500 }, { kind: "in-a-row" }]);
    expect(iterationPoints({ kind: "mark", n: 2 }, 1, 3)).toEqual([{ kind: "mark", n: 2 }]);
  });
});

const w = workloadRef("fork-tree");
const designs = combinations(builtinRegistry(), {});

/** What a passing cell of 3 iterations must show: every checkpoint, and the restarts that were made. */
function expectIterations(c: CellResult, restarts: boolean[]): void {
  expect(c.verdict, c.reason).toBe("pass");
  expect(c.oopses).toEqual([]);
  const its = c.iterations!;
  expect(its.map((i) => i.point)).toEqual(["mark:2", "mark:3", "in-a-row"]);
  for (const [j, it] of its.entries()) {
    expect(it.checkpoint, `iteration ${j + 1}`).not.toBeNull();
    expect(it.checkpoint!.virtualNs).toBeGreaterThan(0);
    expect(it.imageBytes).toBeGreaterThan(0);
    expect(it.tasks).toBeGreaterThan(0);
    expect(it.restart !== null, `iteration ${j + 1} restarted`).toBe(restarts[j]);
    if (restarts[j]) expect(it.objectsCreated).toBeGreaterThan(0);
  }
  // The cell's own fields are the first checkpoint's and the last restart's.
  expect(c.checkpoint).toEqual(its[0].checkpoint);
  expect(c.imageBytes).toBe(its[0].imageBytes);
  expect(c.restart).toEqual(its[2].restart);
  // The JSON a user reads carries every iteration.
  expect(JSON.parse(JSON.stringify(c)).iterations).toHaveLength(3);
}

describe.each(designs.map((d) => [comboLabel(d), d] as const))("--iters 3 on %s", (_label, combo) => {
  const exp = experiment({ ...combo, workloads: [w], iters: 3 });
  const design = designOf(exp, builtinRegistry());
  let ref: Reference;
  beforeAll(() => {
    ref = referenceRun(exp, w, design.module(), design.trigger);
  }, 60_000);

  it("kill mode: each restored container is checkpointed again, on the same machine and on fresh ones", () => {
    expect(ref.marks).toBe(3);
    const [same, fresh] = runPoint(exp, w, ref, design, { kind: "mark", n: 2 }, "kill", ["same", "fresh"]);
    expect([same.target, fresh.target]).toEqual(["same", "fresh"]);
    for (const c of [same, fresh]) expectIterations(c, [true, true, true]);
  }, 60_000);

  it("continue mode: the original is checkpointed three times, the last image restarted", () => {
    const [c] = runPoint(exp, w, ref, design, { kind: "mark", n: 2 }, "continue", ["same"]);
    expectIterations(c, [false, false, true]);
  }, 60_000);

  it("without --iters a cell has no iterations field (its JSON is as before)", () => {
    const [c] = runPoint({ ...exp, iters: undefined }, w, ref, design, { kind: "mark", n: 3 }, "kill", ["same"]);
    expect(c.verdict, c.reason).toBe("pass");
    expect(c).not.toHaveProperty("iterations");
  }, 60_000);
});
