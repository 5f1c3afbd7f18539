// The self initiator on programs built against musl: the shim every libc workload links
// (workloads/tools/cpt-self.c) answers a self checkpoint asked for at a cpt_mark and, through
// CPT_SIGNAL, at a random point, where before both were "unsupported" (no handler). And the
// design's limit the manifest declares: libc-poll's random-point self cells are "unsupported" with
// its selfSignalWhy (a signal ends a blocked poll with EINTR, SA_RESTART or not), its marks pass.
import { describe, expect, it } from "vitest";
import { resolveWorkload } from "../../../src/workbench/config/experiment.ts";
import { runExperimentSync } from "../../../src/workbench/scenario/runner.ts";
import { experiment } from "../../support/cr.ts";

const self = { initiator: "self", creator: "kernel", codec: "cpt", modes: ["kill" as const], targets: ["same" as const] };

describe("self checkpoint of a musl program", () => {
  it("libc-basics checkpoints itself at each of its marks and at random points", () => {
    const w = resolveWorkload("libc-basics");
    const marked = runExperimentSync(experiment({ ...self, workloads: [w] }));
    expect(marked.map((c) => c.point)).toEqual(["mark:1", "mark:2", "mark:3"]);
    for (const c of marked) expect([c.point, c.verdict, c.reason ?? ""]).toEqual([c.point, "pass", ""]);
    const random = runExperimentSync(experiment({ ...self, workloads: [w], points: { kind: "random", count: 2 } }));
    expect(random).toHaveLength(2);
    for (const c of random) expect([c.point, c.verdict, c.reason ?? ""]).toEqual([c.point, "pass", ""]);
  }, 240_000);

  it("libc-poll: its mark passes; a signal-driven self checkpoint is declared unsupported, with the reason", () => {
    const w = resolveWorkload("libc-poll");
    expect(w.selfSignalWhy).toMatch(/EINTR/);
    const marked = runExperimentSync(experiment({ ...self, workloads: [w] }));
    expect(marked.map((c) => [c.verdict, c.reason ?? ""])).toEqual([["pass", ""]]);
    const random = runExperimentSync(experiment({ ...self, workloads: [w], points: { kind: "random", count: 2 } }));
    expect(random).toHaveLength(2);
    for (const c of random) {
      expect(c.verdict).toBe("unsupported");
      expect(c.reason).toContain("a checkpoint signal changes what this program does");
      expect(c.reason).toContain("ERESTARTNOHAND");
    }
  }, 240_000);
});
