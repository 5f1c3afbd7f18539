// --fault in the scenario runner (issue 17 item 7): a cell whose C/R module fails a checkpoint
// step fails with a reason naming the step and the errno, and — as every initiator promises — the
// container is given back and the original runs on to the reference's end, in kill mode as in
// continue mode (CPT_KILL takes effect only after the last step). A restart fault fails the cell
// the same way. No cell leaves an oops or a leaked object at the machine's shutdown.
import { describe, expect, it } from "vitest";
import { FAULT_POINTS } from "../../../src/core/cr/faults.ts";
import { runExperimentSync } from "../../../src/workbench/scenario/runner.ts";
import type { Experiment } from "../../../src/workbench/scenario/types.ts";
import { experiment, workloadRef } from "../../support/cr.ts";

const hash = workloadRef("hash");
const ERRNOS = ["ENOMEM", "EIO", "ENOSPC", "EAGAIN"];

/** Every checkpoint step of each initiator, with the codecs worth running it in. */
const CHECKPOINT_CASES = ["external", "self"].flatMap((initiator) =>
  FAULT_POINTS.filter((p) => p.op === "checkpoint" && (p.only === undefined || p.only.includes(initiator))).flatMap((p, i) =>
    (p.codec === true ? ["cpt", "ckpt"] : ["cpt"]).map((codec) => ({ initiator, codec, step: p.name, errno: ERRNOS[i % ERRNOS.length] })),
  ),
);

function cells(over: Partial<Experiment>) {
  return runExperimentSync(experiment({ workloads: [hash], targets: ["same"], ...over }));
}

describe("--fault at a checkpoint step fails the cell and gives the container back", () => {
  it("covers every checkpoint step of both initiators", () => {
    const steps = new Set(CHECKPOINT_CASES.map((c) => c.step));
    expect([...steps].sort()).toEqual(FAULT_POINTS.filter((p) => p.op === "checkpoint").map((p) => p.name).sort());
  });

  it.each(CHECKPOINT_CASES)("$initiator initiator, $codec codec: $step:$errno", ({ initiator, codec, step, errno }) => {
    const out = cells({ initiator, codec, faults: [`${step}:${errno}`] });
    expect(out.map((c) => c.mode).sort()).toEqual(["continue", "continue", "kill", "kill"]);
    for (const c of out) {
      expect(c.verdict, `${c.point} ${c.mode}`).toBe("fail");
      expect(c.reason).toMatch(new RegExp(`^checkpoint failed: [a-z-]+: injected fault at step ${step} \\(--fault ${step}:${errno}\\); the original ran on to its end as the reference did$`));
      expect(c.checkpoint?.steps.at(-1)?.result).toBeLessThan(0);
      expect(c.oopses).toEqual([]);
      expect(c.restart).toBeNull();
    }
  });
});

describe("--fault at a restart step fails the cell on every target, with no oops", () => {
  it.each(["kernel", "userspace"])("%s creator: restore-files:EIO", (creator) => {
    const out = cells({ creator, modes: ["continue"], targets: ["same", "fresh"], faults: ["restore-files:EIO"] });
    expect(out).toHaveLength(4);
    for (const c of out) {
      expect(c.verdict).toBe("fail");
      expect(c.reason).toMatch(/^restart failed: [a-z-]+: injected fault at step restore-files \(--fault restore-files:EIO\)$/);
      expect(c.restart?.steps.at(-1)?.result).toBe(-5);
      expect(c.oopses).toEqual([]);
    }
  });

  it("the same design without the fault passes (the fault is what failed the cells)", () => {
    const out = cells({ creator: "userspace", modes: ["continue"] });
    expect(out.map((c) => c.verdict)).toEqual(["pass", "pass"]);
  });
});
