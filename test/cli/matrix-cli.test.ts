// `cptbench matrix` in-process with the real runner, on small workloads at their marked points,
// kill/same only, so the whole file stays short: flags and their errors, the registry's names as
// defaults, canonical order independent of --jobs and --shard, progress, reports, exit statuses,
// and a worker that dies.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../src/workbench/plugins.ts";
import { combinations, comboLabel } from "../../src/workbench/matrix/combos.ts";
import type { CellResult } from "../../src/workbench/scenario/types.ts";

import { captureCli } from "../support/cli.ts";
import { tempDir } from "../support/tmp.ts";

const { main } = await import("../../src/cli/main.ts");

const io = captureCli(main, { NO_COLOR: "1", CI: "" });
const cptbench = io.cptbench;
const SMALL = ["--mode", "kill", "--target", "same", "--points", "marked"];
const FIRST = (axis: "initiator" | "creator" | "codec"): string => builtinRegistry().names(axis)[0];
/** One design (the first name on each axis): the cheapest real matrix. */
const ONE = ["--initiator", FIRST("initiator"), "--fork", FIRST("creator"), "--codec", FIRST("codec")];

/** The JSON report without wall times, the only part allowed to differ between runs. */
/** The host's times (wall and CPU, of the phase and of the operation) differ from run to run. */
const HOST_TIMES = new Set(["wallMs", "cpuMs", "opWallMs", "opCpuMs"]);

function withoutWall(json: string): unknown {
  return JSON.parse(json, (k, v) => (HOST_TIMES.has(k) ? undefined : v));
}

function tempConfig(content: object): string {
  const p = join(tempDir("matrix"), "exp.json");
  writeFileSync(p, JSON.stringify(content));
  return p;
}

describe("cptbench matrix: usage errors exit 2 with a clear message", () => {
  it.each([
    [["--initiator", "nope"], /^cptbench: unknown initiator "nope"; available: .*external/m],
    [["--fork", "external"], /^cptbench: unknown creator \(--fork\) "external"; available: .*kernel/m],
    [["--codec", "zip"], /^cptbench: unknown codec "zip"; available: .*cpt/m],
    [["--shard", "3/2"], /--shard "3\/2" is out of range: a shard is "i\/n": split the matrix into n parts and run part i, 1 ≤ i ≤ n/],
    [["--shard", "two"], /--shard "two" is not a shard/],
    [["--jobs", "0"], /--jobs must be a positive integer, got "0"/],
    [["--points", "some"], /--points must be "marked" or "random:N"/],
    [["--mode", "pause"], /Allowed choices are kill, continue/],
    [["--json", "--md"], /--json and --md are two output formats: give one/],
    [["--workload", "no-such-workload"], /unknown workload "no-such-workload"/],
  ])("%j", async (args, message) => {
    expect(await cptbench("matrix", ...args)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.out).toBe("");
  });

  it("cptbench run refuses a config with several designs or point specs, pointing at matrix", async () => {
    const file = tempConfig({ initiator: ["external", "other"], workloads: ["hash"] });
    expect(await cptbench("run", "--config", file)).toBe(2);
    expect(io.err).toContain("the config gives several initiators (initiator: external, other) but cptbench run runs one: use cptbench matrix");
    const points = tempConfig({ points: ["marked", "random:2"], workloads: ["hash"] });
    expect(await cptbench("run", "--config", points)).toBe(2);
    expect(io.err).toContain("the config gives several point specs (points: marked, random:2)");
  });

  it("cptbench run takes a one-element list as the value itself", async () => {
    const file = tempConfig({ initiator: [FIRST("initiator")], codec: [FIRST("codec")], points: ["marked"], workloads: ["hash"], modes: ["kill"], targets: ["same"] });
    expect(await cptbench("run", "--config", file, "--json")).toBe(0);
    expect(JSON.parse(io.out).experiment).toMatchObject({ initiator: FIRST("initiator"), codec: FIRST("codec"), points: { kind: "marked" } });
  }, 60_000);
});

describe("cptbench matrix: runs", () => {
  it("takes every registered name on an axis no flag names, and reports per combination × workload", async () => {
    // Whether each design passes is the conformance suite's business; here only the shape matters.
    const status = await cptbench("matrix", "--workload", "hash", ...SMALL, "--json", "--jobs", "1");
    expect(io.err).toBe(""); // --json: no progress
    const doc = JSON.parse(io.out);
    const all = combinations(builtinRegistry()).map(comboLabel);
    expect(doc.matrix.combinations).toEqual(all);
    expect(doc.rows.map((r: { combination: string }) => r.combination)).toEqual(all);
    expect(doc.summary.byCombination.map((b: { combination: string }) => b.combination)).toEqual(all);
    expect(status).toBe(doc.summary.fail > 0 ? 1 : 0);
    expect(doc.matrix.units).toEqual({ total: all.length, run: all.length });
  }, 60_000);

  it("gives identical results with --jobs 1 and --jobs 2, in canonical order", async () => {
    const args = ["matrix", ...ONE, "--initiator", builtinRegistry().names("initiator").at(-1)!, "--workload", "hash", "--workload", "sieve", "--workload", "fork-tree", ...SMALL, "--json"];
    const status = await cptbench(...args, "--jobs", "1");
    const inline = io.out;
    io.out = "";
    expect(await cptbench(...args, "--jobs", "2")).toBe(status);
    expect(withoutWall(io.out)).toEqual(withoutWall(inline));
    // Canonical: combination order, then workload order, then the runner's point order.
    const cells = (JSON.parse(inline) as { cells: CellResult[] }).cells;
    const units = [...new Set(cells.map((c) => `${comboLabel(c)} ${c.workload}`))];
    const combos = [...new Set(cells.map((c) => comboLabel(c)))];
    expect(units).toEqual(combos.flatMap((c) => ["hash", "sieve", "fork-tree"].map((w) => `${c} ${w}`)));
    expect(cells.filter((c) => c.workload === "fork-tree" && comboLabel(c) === combos[0]).map((c) => c.point)).toEqual(["mark:1", "mark:2", "mark:3"]);
  }, 60_000);

  it("--shard parts together give the whole matrix, each unit once", async () => {
    const args = ["matrix", "--fork", FIRST("creator"), "--codec", FIRST("codec"), "--workload", "hash", "--workload", "fork-tree", ...SMALL, "--json", "--jobs", "1"];
    await cptbench(...args);
    const whole = withoutWall(io.out) as { cells: CellResult[] };
    const parts: CellResult[] = [];
    for (const shard of ["1/3", "2/3", "3/3"]) {
      io.out = "";
      await cptbench(...args, "--shard", shard);
      const doc = withoutWall(io.out) as { matrix: { shard: string }; cells: CellResult[] };
      expect(doc.matrix.shard).toBe(shard);
      parts.push(...doc.cells);
    }
    const key = (c: CellResult): string => `${comboLabel(c)} ${c.workload} ${c.point}`;
    expect(parts.map(key).sort()).toEqual(whole.cells.map(key).sort());
    expect(new Set(parts.map(key)).size).toBe(parts.length);
  }, 60_000);

  it("prints a table, the summary and one progress line per cell when stderr is not a terminal", async () => {
    expect(await cptbench("matrix", ...ONE, "--workload", "hash", ...SMALL, "--jobs", "1")).toBe(0);
    const combo = `${FIRST("initiator")}/${FIRST("creator")}/${FIRST("codec")}`;
    expect(io.out).toMatch(/^design\s+workload\s+cells\s+pass\s+fail\s+unsup\s+image B\s+ckpt ms\s+restart ms\s+objects$/m);
    expect(io.out).toMatch(new RegExp(`^${combo.replace(/\//g, "\\/")}\\s+hash\\s+2\\s+2\\s+0\\s+0\\s+\\d+\\s`, "m"));
    expect(io.out).not.toMatch(/[│─┼]/);
    expect(io.out).toContain(`${combo}: 2 passed, 0 failed, 0 unsupported`);
    expect(io.out).toContain("total: 2 passed, 0 failed, 0 unsupported");
    expect(io.out).not.toContain("\x1b[");
    expect(io.err.trim().split("\n").map((l) => l.replace(/ \(\d+:\d\d elapsed.*\)$/, ""))).toEqual([`cptbench: [1] ${combo} hash mark:1 kill/same: pass`, `cptbench: [2] ${combo} hash mark:2 kill/same: pass`]);
  }, 60_000);

  it("draws a live bar on a terminal and clears it before the results", async () => {
    const stderr = process.stderr as { isTTY?: boolean; columns?: number };
    const [was, wasColumns] = [stderr.isTTY, stderr.columns];
    stderr.isTTY = true;
    stderr.columns = 200;
    try {
      expect(await cptbench("matrix", ...ONE, "--workload", "hash", ...SMALL, "--jobs", "1")).toBe(0);
    } finally {
      stderr.isTTY = was;
      stderr.columns = wasColumns;
    }
    expect(io.err).not.toContain("\n");
    expect(io.err).toMatch(/\[--------------------\] 0\/1 · \d+:\d\d elapsed · /);
    expect(io.err).toMatch(/\[####################\] 1\/1 · \d+:\d\d elapsed · 2 cells: 2 pass, 0 fail, 0 unsupported/);
    expect(io.err.endsWith("\r\x1b[2K")).toBe(true);
  }, 60_000);

  it("--md prints a Markdown table; a config's lists and report paths are used", async () => {
    const file = tempConfig({
      initiator: [FIRST("initiator")], creator: [FIRST("creator")], codec: FIRST("codec"), workloads: ["hash"],
      points: ["marked"], modes: ["kill"], targets: ["same"], output: { json: "reports/m.json", md: "reports/m.md" },
    });
    expect(await cptbench("matrix", "--config", file, "--md", "--jobs", "1")).toBe(0);
    expect(io.out).toMatch(/^#### cptbench matrix: 1 combination × 1 workload\n\n\| combination \| workload \| cells \|/);
    expect(io.out).toContain("| ---: |");
    expect(io.out).toMatch(/^\| \S+ \| hash \| 2 \| 2 \| 0 \| 0 \|/m);
    expect(readFileSync(join(file, "..", "reports", "m.md"), "utf8")).toBe(io.out);
    const doc = JSON.parse(readFileSync(join(file, "..", "reports", "m.json"), "utf8"));
    expect(doc.cells).toHaveLength(2);
  }, 60_000);
});

describe("cptbench matrix: failures", () => {
  const plugin = join(import.meta.dirname, "..", "fixtures", "matrix", "crash-plugin.mjs");

  it("a worker that dies fails its unit's cells with the reason and exits 3 (could not go on); other units still run", async () => {
    const file = tempConfig({ plugins: [plugin], initiator: [FIRST("initiator"), "crash"], creator: FIRST("creator"), codec: FIRST("codec") });
    const status = await cptbench("matrix", "--config", file, "--workload", "hash", ...SMALL, "--jobs", "2", "--json");
    expect(status).toBe(3);
    expect(io.err).toMatch(/^cptbench: 1 run of the matrix could not go on .*\n {2}the worker running crash\/\S+ hash died \(exit code 7\)/m);
    const doc = JSON.parse(io.out) as { cells: CellResult[]; summary: { pass: number; fail: number }; errors: string[] };
    expect(doc.errors).toHaveLength(1);
    expect(doc.cells.map((c) => `${c.initiator} ${c.point} ${c.verdict}`)).toEqual([
      `${FIRST("initiator")} mark:1 pass`,
      `${FIRST("initiator")} mark:2 pass`,
      "crash - fail",
    ]);
    expect(doc.cells[2].reason).toMatch(/^the worker running crash\/\S+ hash died \(exit code 7\)/);
  }, 60_000);

  it("inline, a run that throws becomes failed cells too, printed, and the status is 3", async () => {
    const file = tempConfig({ plugins: [plugin], initiator: "crash", creator: FIRST("creator"), codec: FIRST("codec") });
    expect(await cptbench("matrix", "--config", file, "--workload", "hash", ...SMALL, "--jobs", "1")).toBe(3);
    expect(io.err).toMatch(/^ {2}crash\/\S+ hash: the run threw: crash plugin: registration failed inline$/m);
    expect(io.out).toMatch(/crash\/\S+ hash - kill\/same: fail: the run threw: crash plugin: registration failed inline/);
    expect(io.out).toContain("total: 0 passed, 1 failed, 0 unsupported");
  }, 60_000);
});

describe("cptbench matrix: cells that fail are not a run that cannot go on", () => {
  it("cells failed by the design (an injected restart fault) exit 1, with no run listed as broken", async () => {
    expect(await cptbench("matrix", ...ONE, "--workload", "hash", ...SMALL, "--jobs", "1", "--fault", "commit:ENOMEM", "--json")).toBe(1);
    const doc = JSON.parse(io.out) as { cells: CellResult[]; errors?: string[] };
    expect(doc.errors).toBeUndefined();
    expect(doc.cells.map((c) => c.verdict)).toEqual(["fail", "fail"]);
    expect(io.err).not.toContain("could not go on");
  }, 60_000);
});

describe("cptbench matrix: nothing to run, and --out", () => {
  const hello = join(import.meta.dirname, "..", "fixtures", "guest", "hello.elf");

  it("a program without cpt_mark() at marked points: no cell, exit 1 with the reason", async () => {
    expect(await cptbench("matrix", ...ONE, "--workload", hello, ...SMALL, "--jobs", "1")).toBe(1);
    expect(io.err).toMatch(/^cptbench: no cell ran: \S+ hello: it marks no checkpoint point \(it never calls cpt_mark\(\)\): use --points random:N$/m);
    expect(io.out).toBe("");
  }, 60_000);

  it("--out DIR gets results.json, results.md and a JUnit results.xml", async () => {
    const dir = join(tempDir("matrix"), "out");
    expect(await cptbench("matrix", ...ONE, "--workload", "hash", ...SMALL, "--jobs", "1", "--out", dir)).toBe(0);
    const combo = `${FIRST("initiator")}/${FIRST("creator")}/${FIRST("codec")}`;
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).cells).toHaveLength(2);
    expect(readFileSync(join(dir, "results.md"), "utf8")).toMatch(/^#### cptbench matrix: 1 combination × 1 workload/);
    const xml = readFileSync(join(dir, "results.xml"), "utf8");
    expect(xml).toContain(`<testsuite name="${combo}" tests="2" failures="0" skipped="0">`);
    expect(xml).toMatch(new RegExp(`<testcase name="hash mark:2 kill/same" classname="${combo.replace(/\//g, "\\/")}\\.hash" time="[\\d.]+"/>`));
  }, 60_000);

  it("--iters 2 checkpoints and restarts each cell twice, in the worker threads too, and the JSON has every iteration", async () => {
    expect(await cptbench("matrix", ...ONE, "--workload", "hash", ...SMALL, "--iters", "2", "--jobs", "2", "--json")).toBe(0);
    const cells = (JSON.parse(io.out) as { cells: CellResult[] }).cells;
    // hash marks 2 points: from mark:2 the second checkpoint is taken at once after the restart.
    expect(cells.map((c) => `${c.point} ${c.verdict} ${c.iterations?.map((i) => i.point).join(",")}`)).toEqual(["mark:1 pass mark:1,mark:2", "mark:2 pass mark:2,in-a-row"]);
    for (const c of cells) for (const i of c.iterations!) expect([i.checkpoint?.virtualNs, i.restart?.virtualNs].every((ns) => ns !== undefined && ns > 0)).toBe(true);
    io.out = "";
    expect(await cptbench("matrix", ...ONE, "--workload", "hash", ...SMALL, "--iters", "2", "--jobs", "1")).toBe(0);
    expect(io.out).toContain("--iters 2: each cell checkpointed and restarted 2 times in a row");
  }, 120_000);
});
