// The matrix as data: combinations from the registry (N names per axis), units in canonical
// order, and the shard arithmetic (--shard i/n covers every unit exactly once across i = 1..n).
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Registry } from "../../../src/core/cr/registry.ts";
import type { PluginBinding } from "../../../src/core/cr/plugin.ts";
import { combinations, comboLabel, parseComboList } from "../../../src/workbench/matrix/combos.ts";
import { parseShard, shardUnits, unitsOf, type MatrixPlan } from "../../../src/workbench/matrix/plan.ts";
import type { WorkloadRef } from "../../../src/workbench/scenario/types.ts";

/** A registry of inert plugins: only the names matter here, nothing is registered. */
function fakeRegistry(binds: Record<string, PluginBinding[]>): Registry {
  const r = new Registry();
  for (const [name, b] of Object.entries(binds)) r.add({ name, description: name, binds: b, options: z.strictObject({}), register: () => {} });
  return r;
}

const registry = fakeRegistry({
  p1: [{ axis: "initiator", name: "self" }, { axis: "codec", name: "ckpt" }],
  p2: [{ axis: "initiator", name: "external" }, { axis: "codec", name: "cpt" }],
  p3: [{ axis: "creator", name: "userspace" }],
  p4: [{ axis: "creator", name: "kernel" }],
  p5: [{ axis: "creator", name: "hybrid" }],
});

const workload = (name: string): WorkloadRef => ({ name, elf: new Uint8Array(4), args: [], env: [] });

function plan(over: Partial<MatrixPlan> = {}): MatrixPlan {
  return {
    combinations: combinations(registry),
    workloads: ["hash", "sieve", "fork-tree"].map(workload),
    points: [{ kind: "marked" }],
    seeds: [1],
    repetitions: 1,
    modes: ["kill"],
    targets: ["same"],
    cpus: 1,
    quantum: 100_000,
    pluginOptions: {},
    ...over,
  };
}

describe("combinations", () => {
  it("is the cross product of every registered name, initiator then creator then codec, each sorted", () => {
    const all = combinations(registry).map(comboLabel);
    expect(all).toHaveLength(2 * 3 * 2);
    expect(all.slice(0, 4)).toEqual(["external/hybrid/ckpt", "external/hybrid/cpt", "external/kernel/ckpt", "external/kernel/cpt"]);
    expect(all.at(-1)).toBe("self/userspace/cpt");
    expect(new Set(all).size).toBe(all.length);
  });

  it("keeps the given names in the given order, drops duplicates, opens absent or empty axes", () => {
    const some = combinations(registry, { initiator: ["self", "external", "self"], creator: [], codec: ["cpt"] }).map(comboLabel);
    expect(some).toEqual(["self/hybrid/cpt", "self/kernel/cpt", "self/userspace/cpt", "external/hybrid/cpt", "external/kernel/cpt", "external/userspace/cpt"]);
  });

  it("refuses an unknown name, listing the known ones", () => {
    expect(() => combinations(registry, { creator: ["kernal"] })).toThrow('unknown creator (--fork) "kernal"; available: hybrid, kernel, userspace');
  });

  it("parses CPTBENCH_COMBOS-style lists against the registry", () => {
    expect(parseComboList(undefined, registry)).toBeNull();
    expect(parseComboList(" ", registry)).toBeNull();
    expect(parseComboList("external/kernel/cpt, self/userspace/ckpt", registry)).toEqual([
      { initiator: "external", creator: "kernel", codec: "cpt" },
      { initiator: "self", creator: "userspace", codec: "ckpt" },
    ]);
    expect(() => parseComboList("external/kernel", registry)).toThrow("expected initiator/creator/codec");
    expect(() => parseComboList("external/kernel/zip", registry)).toThrow('unknown codec "zip"; available: ckpt, cpt');
  });
});

describe("units", () => {
  it("are (combination, workload) in canonical order, each with its runs by seed, points, repetition", () => {
    const units = unitsOf(plan({ seeds: [5, 6], points: [{ kind: "marked" }, { kind: "random", count: 3 }], repetitions: 2 }));
    expect(units).toHaveLength(12 * 3);
    expect(units.map((u) => u.index)).toEqual(units.map((_, i) => i));
    expect(units.slice(0, 4).map((u) => `${comboLabel(u.combo)} ${u.workload}`)).toEqual([
      "external/hybrid/ckpt hash",
      "external/hybrid/ckpt sieve",
      "external/hybrid/ckpt fork-tree",
      "external/hybrid/cpt hash",
    ]);
    const runs = units[0].runs.map((r) => `${r.seed} ${r.points.kind} ${r.workloads.map((w) => w.name).join()}`);
    expect(runs).toEqual(["5 marked hash", "5 marked hash", "5 random hash", "5 random hash", "6 marked hash", "6 marked hash", "6 random hash", "6 random hash"]);
    expect(units[0].runs[0]).toMatchObject({ initiator: "external", creator: "hybrid", codec: "ckpt", modes: ["kill"], targets: ["same"] });
  });
});

describe("--shard i/n", () => {
  it("parses 1-based i/n and explains what a shard is otherwise", () => {
    expect(parseShard("1/1")).toEqual({ index: 1, count: 1 });
    expect(parseShard("3/8")).toEqual({ index: 3, count: 8 });
    for (const bad of ["3/2", "0/2", "1/0", "x", "1/2/3", "-1/2", "1"]) {
      expect(() => parseShard(bad), bad).toThrow(/a shard is "i\/n": split the matrix into n parts and run part i, 1 ≤ i ≤ n/);
    }
  });

  it("deals units round robin in canonical order", () => {
    const units = unitsOf(plan());
    expect(shardUnits(units, { index: 2, count: 4 }).map((u) => u.index)).toEqual([1, 5, 9, 13, 17, 21, 25, 29, 33]);
  });

  fcTest.prop([fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 })])("covers every unit exactly once over the n shards", (total, n) => {
    const units = Array.from({ length: total }, (_, i) => i);
    const dealt = Array.from({ length: n }, (_, i) => shardUnits(units, { index: i + 1, count: n }));
    expect(dealt.flat().sort((a, b) => a - b)).toEqual(units);
    // Balanced: shard sizes differ by at most one.
    const sizes = dealt.map((d) => d.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });
});
