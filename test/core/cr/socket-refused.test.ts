// Sockets are not carried by C/R yet (issue 16): a checkpoint of a container holding one must be
// refused with a reason naming the object, never crash or produce an image that restores wrong.
import { describe, expect, it } from "vitest";
import { runExperimentSync } from "../../../src/workbench/scenario/runner.ts";
import { experiment, workloadRef } from "../../support/cr.ts";

describe("a checkpoint of a task holding an AF_UNIX socket", () => {
  it("is unsupported, with the fd and the reason, and leaves no kernel problem behind", () => {
    const cells = runExperimentSync(
      experiment({ workloads: [workloadRef("libc-unix-stream")], points: { kind: "random", count: 2 }, modes: ["kill"], targets: ["same"] }),
    );
    expect(cells).toHaveLength(2);
    for (const c of cells) {
      expect(c.verdict).toBe("unsupported");
      expect(c.reason).toMatch(/fd \d+ is an AF_UNIX socket: checkpoint\/restart of sockets is not implemented yet/);
      expect(c.oopses).toEqual([]);
    }
  }, 120_000);
});
