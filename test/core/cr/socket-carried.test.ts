// Sockets are carried by C/R (issue 16): a checkpoint of a container holding AF_UNIX sockets at
// random points restarts and finishes as the uninterrupted run does; the sub-cases that are not
// carried (a socket linked to one outside the container) are refused in unix-sockets.test.ts.
import { describe, expect, it } from "vitest";
import { runExperimentSync } from "../../../src/workbench/scenario/runner.ts";
import { experiment, workloadRef } from "../../support/cr.ts";

describe("a checkpoint of a task holding AF_UNIX sockets", () => {
  it("passes at random points, and leaves no kernel problem behind", () => {
    const cells = runExperimentSync(
      experiment({ workloads: [workloadRef("libc-unix-stream")], points: { kind: "random", count: 2 }, modes: ["kill"], targets: ["same"] }),
    );
    expect(cells).toHaveLength(2);
    for (const c of cells) {
      expect(c.reason ?? "").toBe("");
      expect(c.verdict).toBe("pass");
      expect(c.oopses).toEqual([]);
    }
  }, 120_000);
});
