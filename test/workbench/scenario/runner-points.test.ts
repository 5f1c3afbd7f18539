// The runner's points at the edges: a program too short for the reference's 1,000-instruction
// slices still gets its random points, a program without cpt_mark() gets no marked point and says
// why, the async runner stops between points when aborted, and --norst cells restart nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { designOf, runExperiment, runExperimentSync } from "../../../src/workbench/scenario/runner.ts";
import { referenceRun, WINDOW_SLICE } from "../../../src/workbench/scenario/reference.ts";
import type { WorkloadRef } from "../../../src/workbench/scenario/types.ts";
import { experiment, workloadRef } from "../../support/cr.ts";

/** hello: prints its argv and exits 5, no cpt_mark(). quick-exit: returns at once. */
const hello: WorkloadRef = { name: "hello", elf: readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "guest", "hello.elf")), args: [], env: [] };
const quickExit: WorkloadRef = { name: "quick-exit", elf: readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "guest", "quick-exit.elf")), args: [], env: [] };

describe("points", () => {
  it("a container shorter than two reference slices still has a window, and gets its random points", () => {
    const exp = experiment({ workloads: [quickExit], points: { kind: "random", count: 3 }, modes: ["kill"], targets: ["same"] });
    const design = designOf(exp, builtinRegistry());
    const ref = referenceRun(exp, quickExit, design.module(), design.trigger);
    const [lo, hi] = ref.window;
    // The container lives about one slice (it lived less than one while the slices preempted
    // the running task; now they leave the schedule alone): its window is still found.
    expect(hi - lo).toBeGreaterThan(2);
    expect(hi - lo).toBeLessThan(2 * WINDOW_SLICE);
    const cells = runExperimentSync(exp);
    expect(cells.map((c) => c.point)).toHaveLength(3);
    for (const c of cells) {
      expect(c.point).toMatch(/^insn:\d+$/);
      const n = Number(c.point.slice(5));
      expect(n).toBeGreaterThan(lo);
      expect(n).toBeLessThan(hi);
      // Whether a point this close to the container's setup and exit can be checkpointed is
      // the design's business (many cannot yet); each cell must at least say why not.
      if (c.verdict !== "pass") expect(c.reason).toBeTruthy();
    }
  }, 60_000);

  it("a program without cpt_mark() at marked points gives no cell and the reason", () => {
    const why: string[] = [];
    const cells = runExperimentSync(experiment({ workloads: [hello], modes: ["kill"], targets: ["same"] }), { onNoPoints: (w, r) => why.push(`${w}: ${r}`) });
    expect(cells).toEqual([]);
    expect(why).toEqual(["hello: it marks no checkpoint point (it never calls cpt_mark()): use --points random:N"]);
  }, 60_000);
});

describe("the async runner", () => {
  it("stops between points once aborted, keeping the cells that finished", async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const exp = experiment({ workloads: [workloadRef("fork-tree")], modes: ["kill"], targets: ["same"] });
    const cells = await runExperiment(exp, {
      signal: ac.signal,
      onCell: (c) => {
        seen.push(c.point);
        ac.abort();
      },
    });
    // fork-tree marks 3 points; the abort after the first leaves the others unstarted.
    expect(cells.map((c) => c.point)).toEqual(["mark:1"]);
    expect(seen).toEqual(["mark:1"]);
  }, 60_000);

  it("--norst: the original continues and is judged, nothing is restarted", async () => {
    const exp = experiment({ workloads: [workloadRef("fork-tree")], modes: ["continue"], targets: ["same", "fresh"], norst: true });
    const cells = await runExperiment(exp);
    expect(cells.map((c) => `${c.point} ${c.mode}/${c.target} ${c.verdict}`)).toEqual(["mark:1 continue/none pass", "mark:2 continue/none pass", "mark:3 continue/none pass"]);
    for (const c of cells) {
      expect(c.checkpoint).not.toBeNull();
      expect(c.imageBytes).toBeGreaterThan(0);
      expect(c.restart).toBeNull();
    }
  }, 60_000);
});
