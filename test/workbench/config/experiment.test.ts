// From a config to Experiments: workloads by name or path, points, one experiment per seed.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildExperiments, crWorkloads, describeExperiment, readWorkloadManifest, resolveWorkload, WORKLOADS_DIR } from "../../../src/workbench/config/experiment.ts";
import { resolveConfig } from "../../../src/workbench/config/load.ts";
import { CptbenchError } from "../../../src/machine/errors.ts";
import { tempDir } from "../../support/tmp.ts";

const config = (over: object = {}) => resolveConfig({ filepath: null, config: {} }, over);

describe("buildExperiments", () => {
  it("resolves a built-in workload with its manifest args and env", () => {
    const [exp] = buildExperiments(config({ workloads: ["args-env"], modes: ["kill"], points: "random:3" }));
    expect(exp.workloads).toHaveLength(1);
    const w = exp.workloads[0];
    expect(w.name).toBe("args-env");
    expect(Array.from(w.elf.subarray(0, 4))).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(w.args).toContain("first");
    expect(w.env).toContain("LANG=C");
    expect(exp.points).toEqual({ kind: "random", count: 3 });
    expect(exp.modes).toEqual(["kill"]);
    expect(exp.targets).toEqual(["same", "fresh"]);
    expect(exp).toMatchObject({ initiator: "external", creator: "kernel", codec: "cpt", seed: 1, cpus: 1, quantum: 100000 });
  });

  it("loads an ELF by path, named after the file", () => {
    const w = resolveWorkload(join(WORKLOADS_DIR, "bin", "hash.elf"));
    expect(w.name).toBe("hash");
    expect(w.args).toEqual([]);
    expect(w.elf.length).toBeGreaterThan(1000);
  });

  it("a missing ELF path or an unknown name is a CptbenchError with an actionable message", () => {
    const missing = join(tempDir("experiment"), "gone.elf");
    expect(() => resolveWorkload(missing)).toThrow(CptbenchError);
    expect(() => resolveWorkload(missing)).toThrow(`cannot read the ELF of workload "${missing}" (${missing}): ENOENT`);
    expect(() => resolveWorkload("hsah")).toThrow(/unknown workload "hsah" \(not a path either\); built-in workloads: .*\bhash\b/);
  });

  it("without workloads takes every built-in workload except controllers", () => {
    const [exp] = buildExperiments(config());
    const all = readWorkloadManifest();
    expect(exp.workloads.map((w) => w.name)).toEqual(all.filter((w) => w.role !== "controller").map((w) => w.name));
    expect(crWorkloads().every((w) => w.role !== "controller")).toBe(true);
  });

  it("makes one experiment per seed, and describes it without ELF bytes", () => {
    const exps = buildExperiments(config({ workloads: ["hash"], seeds: [3, 4] }));
    expect(exps.map((e) => e.seed)).toEqual([3, 4]);
    const d = describeExperiment(exps[0]);
    expect(d.workloads[0]).toEqual({ name: "hash", args: [], env: [], elfBytes: exps[0].workloads[0].elf.length });
    expect(JSON.stringify(d).length).toBeLessThan(2000);
  });
});
