// From a config to Experiments: workloads by name or path, points, one experiment per seed.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildExperiments, crWorkloads, defaultWorkloads, describeExperiment, readWorkloadManifest, resolveWorkload, WORKLOADS_DIR } from "../../../src/workbench/config/experiment.ts";
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

  it("without workloads takes every built-in workload except controllers and those C/R cannot carry yet", () => {
    const [exp] = buildExperiments(config());
    const all = readWorkloadManifest();
    expect(exp.workloads.map((w) => w.name)).toEqual(all.filter((w) => w.role !== "controller" && w.cr !== false).map((w) => w.name));
    expect(crWorkloads().every((w) => w.role !== "controller")).toBe(true);
  });

  it("leaves a workload marked \"cr\": false out of the default set, but runs it when named", () => {
    const dir = tempDir("manifest");
    mkdirSync(join(dir, "bin"));
    for (const n of ["hash", "sieve"]) copyFileSync(join(WORKLOADS_DIR, "bin", `${n}.elf`), join(dir, "bin", `${n}.elf`));
    const entry = (name: string, extra: object) => ({ name, args: [], env: [], description: name, march: "rv32imafdc", ...extra });
    writeFileSync(join(dir, "manifest.json"), JSON.stringify([entry("hash", {}), entry("sieve", { cr: false, crWhy: "holds a socket" })]));
    expect(defaultWorkloads(dir).map((w) => w.name)).toEqual(["hash"]);
    expect(buildExperiments(config(), dir)[0].workloads.map((w) => w.name)).toEqual(["hash"]);
    expect(buildExperiments(config({ workloads: ["sieve"] }), dir)[0].workloads.map((w) => w.name)).toEqual(["sieve"]);
  });

  it("makes one experiment per seed, and describes it without ELF bytes", () => {
    const exps = buildExperiments(config({ workloads: ["hash"], seeds: [3, 4] }));
    expect(exps.map((e) => e.seed)).toEqual([3, 4]);
    const d = describeExperiment(exps[0]);
    expect(d.workloads[0]).toEqual({ name: "hash", args: [], env: [], elfBytes: exps[0].workloads[0].elf.length });
    expect(JSON.stringify(d).length).toBeLessThan(2000);
  });
});
