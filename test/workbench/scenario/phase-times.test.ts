// The host times of a cell's phases (PhaseMetrics.cpuMs, opWallMs, opCpuMs): the CPU time of this
// process in the phase's window, and wall and CPU time to the end of the operation itself, which
// comes before the end of the runner's slice (wallMs). Only their order and sign can be asserted:
// they are host measurements.
import { describe, expect, it } from "vitest";
import { runExperimentSync } from "../../../src/workbench/scenario/runner.ts";
import type { PhaseMetrics } from "../../../src/workbench/scenario/types.ts";
import { experiment, workloadRef } from "../../support/cr.ts";

function expectTimes(p: PhaseMetrics | null, what: string): void {
  expect(p, what).not.toBeNull();
  const { wallMs, cpuMs, opWallMs, opCpuMs } = p!;
  for (const v of [cpuMs, opWallMs, opCpuMs]) expect(v, what).toBeGreaterThanOrEqual(0);
  expect(opWallMs!, what).toBeLessThanOrEqual(wallMs);
  expect(opCpuMs!, what).toBeLessThanOrEqual(cpuMs!);
}

describe("phase host times", () => {
  it.each(["kernel", "userspace"])("a %s-creator cell times its checkpoint and restart to the operation's end", (creator) => {
    const cells = runExperimentSync(experiment({ workloads: [workloadRef("fork-tree")], creator, modes: ["kill"], targets: ["fresh"] }));
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells) {
      expect(c.verdict, c.reason).toBe("pass");
      expectTimes(c.checkpoint, `${c.point} checkpoint`);
      expectTimes(c.restart, `${c.point} restart`);
    }
  }, 60_000);
});
