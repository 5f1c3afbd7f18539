// The small matrix behind `cptbench report --html`: every design the registry binds, the five
// default workloads (or those named) at their marked points, killed and restarted in place; a
// workload that does not exist is a ConfigError naming it, raised before anything runs.
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { combinations } from "../../../src/workbench/matrix/combos.ts";
import { unitsOf } from "../../../src/workbench/matrix/plan.ts";
import { HTML_MATRIX_WORKLOADS, htmlMatrixPlan } from "../../../src/workbench/report/html-matrix.ts";

describe("htmlMatrixPlan", () => {
  const registry = builtinRegistry();

  it("covers every design × the default workloads, marked points, kill, same machine, one seed", () => {
    const plan = htmlMatrixPlan(registry, 5);
    expect(plan.combinations).toEqual(combinations(registry));
    expect(plan.workloads.map((w) => w.name)).toEqual([...HTML_MATRIX_WORKLOADS]);
    expect(plan.workloads.every((w) => w.elf.length > 0)).toBe(true);
    expect(plan).toMatchObject({ points: [{ kind: "marked" }], seeds: [5], modes: ["kill"], targets: ["same"], repetitions: 1 });
    expect(unitsOf(plan)).toHaveLength(combinations(registry).length * HTML_MATRIX_WORKLOADS.length);
  });

  it("takes the workloads named, and refuses one that does not exist", () => {
    expect(htmlMatrixPlan(registry, 1, ["sieve"]).workloads.map((w) => w.name)).toEqual(["sieve"]);
    expect(() => htmlMatrixPlan(registry, 1, ["no-such"])).toThrow(expect.objectContaining({ code: "CONFIG_UNKNOWN_WORKLOAD" }));
  });
});
