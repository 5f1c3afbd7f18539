// `cptbench [run]` and `cptbench config` in-process, with the scenario runner mocked: flags,
// config files, output shapes and exit statuses. (The real runner is tested in test/workbench/scenario.)
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CellResult, Experiment, PhaseMetrics } from "../../src/workbench/scenario/types.ts";
import { tempDir } from "../support/tmp.ts";

const runExperiment = vi.hoisted(() => vi.fn());
vi.mock("../../src/workbench/scenario/runner.ts", () => ({ runExperiment }));

const { main } = await import("../../src/cli/main.ts");

function phase(virtualNs: number, wallMs: number): PhaseMetrics {
  return { virtualNs, wallMs, instructions: 1, syscalls: 1, contextSwitches: 0, created: {}, destroyed: {}, steps: [] };
}

function cell(exp: Experiment, workload: string, verdict: CellResult["verdict"], reason?: string): CellResult {
  return {
    workload,
    point: "mark:1",
    mode: exp.modes[0],
    target: exp.targets[0],
    initiator: exp.initiator,
    creator: exp.creator,
    codec: exp.codec,
    seed: exp.seed,
    verdict,
    reason,
    imageBytes: 12345,
    tasks: 3,
    objectsCreated: 42,
    checkpoint: phase(2_500_000, 1.25),
    restart: verdict === "unsupported" ? null : phase(1_000_000, 0.5),
    oopses: [],
  };
}

/** The runner's stand-in: one cell per workload, verdicts from `verdicts` in order. */
function fakeRunner(verdicts: CellResult["verdict"][]) {
  runExperiment.mockImplementation(async (exp: Experiment, opts?: { onCell?: (c: CellResult) => void }) => {
    const cells = exp.workloads.map((w, i) => cell(exp, w.name, verdicts[i] ?? "pass", verdicts[i] === "pass" ? undefined : `${verdicts[i]} because`));
    for (const c of cells) opts?.onCell?.(c);
    return cells;
  });
}

let out = "";
let err = "";
beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  vi.stubEnv("NO_COLOR", "1");
  runExperiment.mockReset();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const cptbench = (...args: string[]): Promise<number> => main(["node", "cptbench", ...args]);

function tempConfig(content: object): string {
  const p = join(tempDir("cli"), "exp.json");
  writeFileSync(p, JSON.stringify(content));
  return p;
}

describe("cptbench config", () => {
  it("prints the effective config: defaults, then the file, then flags", async () => {
    const file = tempConfig({ seed: 7, cpus: 2, modes: ["kill"] });
    const status = await cptbench("config", "--config", file, "--cpus", "4", "--target", "fresh", "--workload", "hash", "--workload", "sieve");
    expect(status).toBe(0);
    const c = JSON.parse(out);
    expect(c).toMatchObject({ initiator: "external", creator: "kernel", codec: "cpt", seed: 7, cpus: 4, modes: ["kill"], targets: ["fresh"], workloads: ["hash", "sieve"] });
    expect(err).toContain(`config file ${file}`);
    expect(runExperiment).not.toHaveBeenCalled();
  });

  it("a bad config file exits 2 with the key and allowed values", async () => {
    const file = tempConfig({ targets: ["elsewhere"] });
    expect(await cptbench("config", "--config", file)).toBe(2);
    expect(err).toMatch(/^cptbench: invalid config .*exp\.json:\n✖ Invalid option: expected one of "same"\|"fresh"\n\s+→ at targets\[0\]/m);
  });
});

describe("cptbench run (the default command)", () => {
  it("a bad --mode exits 2 naming the allowed values", async () => {
    expect(await cptbench("--mode", "pause")).toBe(2);
    expect(err).toContain("argument 'pause' is invalid. Allowed choices are kill, continue.");
    expect(await cptbench("run", "--target", "there")).toBe(2);
    expect(err).toContain("Allowed choices are same, fresh.");
    expect(await cptbench("--points", "random:x")).toBe(2);
    expect(err).toContain('--points must be "marked" or "random:N"');
    expect(runExperiment).not.toHaveBeenCalled();
  });

  it("--bug takes the deliberate bugs by name, and a bad one exits 2 naming the allowed values", async () => {
    expect(await cptbench("--bug", "off-by-one")).toBe(2);
    expect(err).toContain("argument 'off-by-one' is invalid. Allowed choices are try-module-get-this-module, nsproxy-unpinned, double-fput, zero-page-abort.");
    expect(await cptbench("config", "--bug", "double-fputt")).toBe(2);
    expect(err).toContain("argument 'double-fputt' is invalid.");
    expect(runExperiment).not.toHaveBeenCalled();
    fakeRunner(["pass"]);
    expect(await cptbench("--workload", "hash", "--bug", "double-fput", "--bug", "zero-page-abort")).toBe(0);
    expect((runExperiment.mock.calls[0]![0] as Experiment).bugs).toEqual(["double-fput", "zero-page-abort"]);
  });

  it("an unknown initiator exits 2 listing the available ones", async () => {
    // A name no plugin will bind; the list is the registry's, whatever plugins exist by now.
    expect(await cptbench("--initiator", "no-such-initiator", "--workload", "hash")).toBe(2);
    expect(err).toMatch(/^cptbench: unknown initiator "no-such-initiator"; available: .*\bexternal\b/m);
  });

  it("arguments after -- go to the one workload (a path workload runs with them)", async () => {
    fakeRunner(["pass"]);
    const elf = join(import.meta.dirname, "..", "..", "bench", "guest", "tasktree.elf");
    expect(await cptbench("run", "--workload", elf, "--mode", "kill", "--", "10000", "-v")).toBe(0);
    const exp = runExperiment.mock.calls[0]![0] as Experiment;
    expect(exp.workloads.map((w) => [w.name, w.args])).toEqual([["tasktree", ["10000", "-v"]]]);
    // The default command takes them too, and they replace a built-in workload's own arguments.
    expect(await cptbench("--workload", "hash", "--", "7")).toBe(0);
    expect((runExperiment.mock.calls[1]![0] as Experiment).workloads[0].args).toEqual(["7"]);
    // Without arguments a path workload runs with none.
    expect(await cptbench("--workload", elf)).toBe(0);
    expect((runExperiment.mock.calls[2]![0] as Experiment).workloads[0].args).toEqual([]);
  });

  it("arguments after -- with several workloads exit 2 and run nothing", async () => {
    fakeRunner(["pass", "pass"]);
    expect(await cptbench("--workload", "hash", "--workload", "sieve", "--", "5")).toBe(2);
    expect(err).toContain("arguments after -- (5) go to one workload, but the experiment has 2 (hash, sieve): name one with --workload");
    expect(runExperiment).not.toHaveBeenCalled();
  });

  it("a missing workload file exits 2", async () => {
    const missing = join(tmpdir(), "cptbench-no-such-dir", "x.elf");
    expect(await cptbench("--workload", missing)).toBe(2);
    expect(err).toContain(`cannot read the ELF of workload "${missing}"`);
  });

  it("--json prints {experiment, cells, summary} without ELF bytes and no progress", async () => {
    fakeRunner(["pass", "unsupported"]);
    const status = await cptbench("--initiator", "external", "--fork", "kernel", "--workload", "hash", "--workload", "sieve", "--mode", "kill", "--mode", "continue", "--target", "same", "--seed", "3", "--json");
    expect(status).toBe(0);
    expect(err).toBe("");
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(["experiment", "cells", "summary"]);
    expect(doc.experiment).toMatchObject({ initiator: "external", creator: "kernel", codec: "cpt", modes: ["kill", "continue"], targets: ["same"], seed: 3, points: { kind: "marked" } });
    expect(doc.experiment.workloads.map((w: { name: string }) => w.name)).toEqual(["hash", "sieve"]);
    expect(doc.experiment.workloads[0].elf).toBeUndefined();
    expect(doc.experiment.workloads[0].elfBytes).toBeGreaterThan(0);
    expect(doc.cells).toHaveLength(2);
    expect(doc.cells[1]).toMatchObject({ workload: "sieve", verdict: "unsupported", reason: "unsupported because" });
    expect(doc.summary).toEqual({ pass: 1, fail: 0, unsupported: 1 });
    const [exp, opts] = runExperiment.mock.calls[0] as [Experiment, { registry: unknown }];
    expect(exp.workloads[0].elf).toBeInstanceOf(Uint8Array);
    expect(opts.registry).toBeDefined();
  });

  it("prints a table, the reasons under it and exits 1 when a cell fails", async () => {
    fakeRunner(["pass", "fail", "unsupported"]);
    const status = await cptbench("--workload", "hash", "--workload", "cow", "--workload", "sieve", "--mode", "kill", "--target", "fresh");
    expect(status).toBe(1);
    expect(out).toContain("checkpoint and restart: virtual ms / wall ms");
    expect(out).toMatch(/^hash\s+mark:1\s+kill\/fresh\s+pass\s+12345\s+2\.500 \/ 1\.3\s+1\.000 \/ 0\.5\s+3\s+42$/m);
    expect(out).toContain("cow mark:1 kill/fresh: fail: fail because");
    expect(out).toContain("sieve mark:1 kill/fresh: unsupported: unsupported because");
    expect(out).toContain("1 passed, 1 failed, 1 unsupported");
    expect(out).not.toContain("\x1b["); // NO_COLOR: no escape codes
    // Not a TTY: one progress line per finished cell on stderr, with the time.
    expect(err.trim().split("\n").map((l) => l.replace(/ \(\d+:\d\d elapsed.*\)$/, ""))).toEqual(["cptbench: [1] hash mark:1 kill/fresh: pass", "cptbench: [2] cow mark:1 kill/fresh: fail", "cptbench: [3] sieve mark:1 kill/fresh: unsupported"]);
  });

  it("runs once per seed and repetition and writes the report files of the config", async () => {
    fakeRunner(["pass"]);
    const file = tempConfig({ workloads: ["hash"], seeds: [1, 2], repetitions: 2, output: { json: "r/report.json", md: "r/report.md" } });
    expect(await cptbench("--config", file, "--json")).toBe(0);
    expect(runExperiment).toHaveBeenCalledTimes(4);
    const doc = JSON.parse(out);
    expect(doc.cells.map((c: CellResult) => c.seed)).toEqual([1, 1, 2, 2]);
    expect(doc.experiment.seeds).toEqual([1, 2]);
    expect(JSON.parse(readFileSync(join(file, "..", "r", "report.json"), "utf8"))).toEqual(doc);
    expect(readFileSync(join(file, "..", "r", "report.md"), "utf8")).toContain("| hash | mark:1 |");
  });

  it("--help states the exit statuses", async () => {
    expect(await cptbench("run", "--help")).toBe(0);
    expect(out).toContain("unsupported cells");
    expect(out).toContain("1 when at least one cell failed");
    expect(out.replace(/\s+/g, " ")).toContain('(choices: "kill", "continue")');
  });
});

describe("the results table", () => {
  const exp = { initiator: "external", creator: "kernel", codec: "cpt", modes: ["kill"], targets: ["same"], seed: 1 } as unknown as Experiment;

  it("has colour only when asked", async () => {
    const { renderTable } = await import("../../src/cli/table.ts");
    const cells = [cell(exp, "hash", "pass"), cell(exp, "cow", "unsupported")];
    expect(renderTable(cells, true)).toContain("\x1b[");
    const plain = renderTable(cells, false);
    expect(plain).not.toContain("\x1b[");
    // An unsupported cell whose restart never ran shows "-" for it.
    expect(plain).toMatch(/^cow\s+mark:1\s+kill\/same\s+unsupported\s+12345\s+2\.500 \/ 1\.3\s+-\s+3\s+-$/m);
  });

  it("is one line per cell without rules, a summary line per workload, and fits 120 columns", async () => {
    const { renderTable } = await import("../../src/cli/table.ts");
    const long = { ...exp, modes: ["continue"], targets: ["fresh"] } as unknown as Experiment;
    const cells = [cell(long, "thread-signals", "pass"), { ...cell(long, "thread-signals", "fail"), point: "insn:123456789" }, cell(long, "cow", "pass")];
    const lines = renderTable(cells, false).split("\n");
    expect(lines).toHaveLength(1 + 2 + 1 + 1 + 1 + 1); // head, 2 cells, summary, 1 cell, summary, legend
    expect(lines[0]).toMatch(/^workload\s+point\s+mode\/target\s+verdict\s+image B\s+checkpoint ms\s+restart ms\s+tasks\s+objects$/);
    expect(lines[3]).toBe("  thread-signals: 1 passed, 1 failed, 0 unsupported");
    expect(lines[5]).toBe("  cow: 1 passed, 0 failed, 0 unsupported");
    expect(lines.some((l) => /[─│┼]/.test(l))).toBe(false);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(120);
    expect(lines[0]).not.toContain("seed");
  });

  it("gets a seed column with several seeds and a rep column with repetitions", async () => {
    const { renderTable, renderMarkdown } = await import("../../src/cli/table.ts");
    const cells = [cell(exp, "hash", "pass"), { ...cell(exp, "hash", "pass"), seed: 2 }];
    const lines = renderTable(cells, false).split("\n");
    expect(lines[0]).toMatch(/mode\/target\s+seed\s+verdict/);
    expect(lines[1]).toMatch(/kill\/same\s+1\s+pass/);
    expect(lines[2]).toMatch(/kill\/same\s+2\s+pass/);
    const reps = [{ ...cell(exp, "hash", "pass"), repetition: 0 }, { ...cell(exp, "hash", "pass"), repetition: 1 }];
    const repLines = renderTable(reps, false).split("\n");
    expect(repLines[0]).toMatch(/mode\/target\s+rep\s+verdict/);
    expect(repLines[2]).toMatch(/kill\/same\s+1\s+pass/);
    expect(renderMarkdown(cells, "t")).toContain("| hash | mark:1 | kill | same | 2 | pass |");
  });
});

describe("cptbench run: what went wrong is said, with the right status", () => {
  it("no cell at all is exit 1 with the reason (a program without marks at --points marked)", async () => {
    runExperiment.mockImplementation(async (exp: Experiment, opts?: { onNoPoints?: (w: string, why: string) => void }) => {
      opts?.onNoPoints?.(exp.workloads[0].name, "it marks no checkpoint point (it never calls cpt_mark()): use --points random:N");
      return [];
    });
    expect(await cptbench("--workload", "hash", "--mode", "kill", "--target", "same")).toBe(1);
    expect(err).toContain("cptbench: no cell ran: hash: it marks no checkpoint point (it never calls cpt_mark()): use --points random:N");
    expect(out).toBe("");
    expect(await cptbench("--workload", "hash", "--json")).toBe(1);
    expect(JSON.parse(out).noPoints).toEqual(["hash: it marks no checkpoint point (it never calls cpt_mark()): use --points random:N"]);
  });

  it("a file that is no ELF as --workload is exit 2, as in exec", async () => {
    const dir = tempDir("cli");
    const bad = join(dir, "bad.elf");
    writeFileSync(bad, "#!/bin/sh\necho not an ELF\n");
    expect(await cptbench("--workload", bad)).toBe(2);
    expect(err).toMatch(/^cptbench: workload .*bad\.elf: not an ELF file/m);
    expect(runExperiment).not.toHaveBeenCalled();
  });

  it.each([
    [["--pre", "2"], "--pre: not yet: pre-dump does not exist"],
    [["--iters", "0"], "--iters must be a positive integer"],
    [["--keep-going", "--fail-fast"], "--keep-going and --fail-fast contradict each other"],
    [["--norst", "--mode", "kill"], "--norst leaves the original running: it cannot go with --mode kill"],
  ])("%j is a usage error (exit 2)", async (args, message) => {
    expect(await cptbench("--workload", "hash", ...args)).toBe(2);
    expect(err).toContain(message);
    expect(runExperiment).not.toHaveBeenCalled();
  });

  it("--norst asks the runner for no restart, in continue mode", async () => {
    fakeRunner(["pass"]);
    expect(await cptbench("--workload", "hash", "--norst", "--json")).toBe(0);
    const [exp] = runExperiment.mock.calls[0] as [Experiment];
    expect(exp.norst).toBe(true);
    expect(exp.modes).toEqual(["continue"]);
  });

  it("--iters N asks the runner for N checkpoint/restarts in a row; --iters 1 is the plain run", async () => {
    fakeRunner(["pass"]);
    expect(await cptbench("--workload", "hash", "--iters", "3", "--json")).toBe(0);
    const [exp] = runExperiment.mock.calls[0] as [Experiment];
    expect(exp.iters).toBe(3);
    expect(JSON.parse(out).experiment.iters).toBe(3);
    runExperiment.mockClear();
    fakeRunner(["pass"]);
    expect(await cptbench("--workload", "hash", "--iters", "1", "--json")).toBe(0);
    const [one] = runExperiment.mock.calls[0] as [Experiment];
    expect(one.iters).toBeUndefined();
  });

  it("--fail-fast stops after the first failed cell; what finished is reported", async () => {
    fakeRunner(["fail"]);
    const file = tempConfig({ workloads: ["hash"], seeds: [1, 2, 3] });
    expect(await cptbench("--config", file, "--fail-fast")).toBe(1);
    expect(runExperiment).toHaveBeenCalledTimes(1);
    expect(out).toContain("total: 0 passed, 1 failed, 0 unsupported");
    expect(err).toContain("cptbench: stopped (--fail-fast) after 1 cell");
    runExperiment.mockClear();
    expect(await cptbench("--config", file, "--keep-going")).toBe(1);
    expect(runExperiment).toHaveBeenCalledTimes(3);
  });

  it("--out DIR writes the results as JSON, Markdown and JUnit XML", async () => {
    fakeRunner(["pass", "fail", "unsupported"]);
    const dir = join(tempDir("cli"), "results");
    expect(await cptbench("--workload", "hash", "--workload", "cow", "--workload", "sieve", "--mode", "kill", "--target", "same", "--out", dir)).toBe(1);
    const doc = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(doc.cells.map((c: CellResult) => c.verdict)).toEqual(["pass", "fail", "unsupported"]);
    expect(readFileSync(join(dir, "results.md"), "utf8")).toContain("| cow | mark:1 | kill | same | fail |");
    const xml = readFileSync(join(dir, "results.xml"), "utf8");
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="cptbench run: [^"]+" tests="3" failures="1" skipped="1">/);
    expect(xml).toContain('<testsuite name="external/kernel/cpt" tests="3" failures="1" skipped="1">');
    expect(xml).toMatch(/<testcase name="hash mark:1 kill\/same" classname="external\/kernel\/cpt\.hash" time="[\d.]+"\/>/);
    expect(xml).toContain('<failure message="fail because"/>');
    expect(xml).toContain('<skipped message="unsupported because"/>');
  });
});
