// Finding out what there is without provoking an error: `cptbench list`, the choices in --help,
// and `matrix --plan` (cells and an estimate, nothing run).
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../src/workbench/plugins.ts";
import { crWorkloads } from "../../src/workbench/config/experiment.ts";
import { CASES } from "../../src/workbench/cases/index.ts";
import { combinations, comboLabel } from "../../src/workbench/matrix/combos.ts";
import { captureCli } from "../support/cli.ts";

const { main } = await import("../../src/cli/main.ts");
const io = captureCli(main, { NO_COLOR: "1", CI: "" });
const cptbench = io.cptbench;
const registry = builtinRegistry();

describe("cptbench list", () => {
  it("workloads: every built-in C/R workload with its description, controllers left out", async () => {
    expect(await cptbench("list", "workloads")).toBe(0);
    const lines = io.out.trim().split("\n");
    const ws = crWorkloads();
    expect(lines).toHaveLength(ws.length);
    expect(lines[0]).toMatch(new RegExp(`^${ws[0].name}\\s+\\S`));
    expect(io.out).not.toContain("cptbench-ctl");
  });

  it("plugins: name, what each binds on which axis, description", async () => {
    expect(await cptbench("list", "plugins", "--json")).toBe(0);
    const ps = JSON.parse(io.out) as { name: string; binds: { axis: string; name: string }[] }[];
    expect(ps.map((p) => p.name)).toEqual(registry.plugins.map((p) => p.name));
    const bound = ps.flatMap((p) => p.binds.map((b) => `${b.axis}:${b.name}`)).sort();
    expect(bound).toEqual(["initiator", "creator", "codec"].flatMap((a) => registry.names(a as "codec").map((n) => `${a}:${n}`)).sort());
  });

  it("designs: every initiator × creator × codec, with the flags that pick it", async () => {
    expect(await cptbench("list", "designs")).toBe(0);
    const all = combinations(registry);
    const lines = io.out.trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(all.map(comboLabel));
    expect(lines[0]).toContain(`--initiator ${all[0].initiator} --fork ${all[0].creator} --codec ${all[0].codec}`);
  });

  it("cases: the review cases by number and id; --json has their titles", async () => {
    expect(await cptbench("list", "cases", "--json")).toBe(0);
    expect(JSON.parse(io.out).map((c: { id: string }) => c.id)).toEqual(CASES.map((c) => c.id));
  });

  it("syscalls: the same table as cptbench syscalls, text and --json", async () => {
    expect(await cptbench("syscalls")).toBe(0);
    const table = io.out;
    io.out = "";
    expect(await cptbench("list", "syscalls")).toBe(0);
    expect(io.out).toBe(table);
    io.out = "";
    expect(await cptbench("syscalls", "--json")).toBe(0);
    const rows = io.out;
    io.out = "";
    expect(await cptbench("list", "syscalls", "--json")).toBe(0);
    expect(io.out).toBe(rows);
    expect(JSON.parse(rows).length).toBeGreaterThan(300);
  });

  it("an unknown kind lists the kinds", async () => {
    expect(await cptbench("list", "things")).toBe(2);
    expect(io.err).toContain("Allowed choices are workloads, plugins, designs, cases, syscalls.");
  });
});

describe("--help names the choices", () => {
  it.each([["run"], ["matrix"]])("%s --help lists the plugin names per axis and the workloads", async (command) => {
    expect(await cptbench(command, "--help")).toBe(0);
    expect(io.out).toContain(`--initiator  ${registry.names("initiator").join(", ")}`);
    expect(io.out).toContain(`--fork       ${registry.names("creator").join(", ")}`);
    expect(io.out).toContain(`--codec      ${registry.names("codec").join(", ")}`);
    for (const w of crWorkloads()) expect(io.out).toMatch(new RegExp(`[ ,]${w.name}(,|$)`, "m"));
    expect(io.out).toContain("130 after Ctrl-C");
  });
});

describe("cptbench matrix --plan", () => {
  it("prints the units, their cells and an estimate, and runs no cell", async () => {
    const args = ["matrix", "--plan", "--initiator", "external", "--fork", "kernel", "--codec", "cpt", "--workload", "fork-tree", "--workload", "hash", "--mode", "kill", "--target", "same", "--target", "fresh"];
    expect(await cptbench(...args)).toBe(0);
    expect(io.err).toBe(""); // no progress: nothing runs
    const lines = io.out.trim().split("\n");
    // fork-tree marks 3 points, hash 2: × 1 mode × 2 targets.
    expect(lines[1]).toMatch(/^external\/kernel\/cpt fork-tree\s+6\s+\d+:\d\d$/);
    expect(lines[2]).toMatch(/^external\/kernel\/cpt hash\s+4\s+\d+:\d\d$/);
    expect(lines.at(-1)).toMatch(/^plan: 2 units, 10 cells, about \d+:\d\d on \d+ jobs? \(\d+:\d\d of work/);
    io.out = "";
    expect(await cptbench(...args, "--json", "--points", "random:5")).toBe(0);
    const doc = JSON.parse(io.out);
    expect(doc.units.map((u: { cells: number }) => u.cells)).toEqual([10, 10]);
    expect(doc.total).toMatchObject({ units: 2, run: 2, cells: 20 });
    expect(doc.total.estimateMs).toBeGreaterThan(0);
  }, 60_000);
});
