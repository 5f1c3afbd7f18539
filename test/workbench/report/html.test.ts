// The HTML report's renderer on synthetic input: which sections and charts appear (and that a
// part without data is absent rather than empty), that every number drawn is the input's, and
// that names coming from plugins, workloads and figures are escaped.
import { describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../../src/workbench/report/html/index.ts";
import { designCosts } from "../../../src/workbench/report/html/matrix-sections.ts";
import { fmtNum, niceTicks } from "../../../src/workbench/report/html/markup.ts";
import { cell, KERNEL, syntheticCells, syntheticReport, USER } from "./html-fixtures.ts";

const unesc = (s: string): string => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The <figure> of the chart or grid titled `title` (exactly), or undefined. */
function figure(html: string, title: string): string | undefined {
  for (const m of html.matchAll(/<figure class="(?:chart|grid)-box">[\s\S]*?<\/figure>/g)) {
    const cap = /<figcaption[^>]*>([\s\S]*?)<\/figcaption>/.exec(m[0]);
    if (cap !== null && unesc(cap[1]) === title) return m[0];
  }
  return undefined;
}

const attr = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m === null ? undefined : unesc(m[1]);
};

function bars(fig: string): { group: string; series: string; value: number }[] {
  return [...fig.matchAll(/<rect class="mark"[^>]*>/g)].map((m) => ({ group: attr(m[0], "data-group")!, series: attr(m[0], "data-series")!, value: Number(attr(m[0], "data-value")) }));
}

function points(fig: string): { series: string; x: number; y: number }[] {
  return [...fig.matchAll(/<circle class="mark"[^>]*>/g)].map((m) => ({ series: attr(m[0], "data-series")!, x: Number(attr(m[0], "data-x")), y: Number(attr(m[0], "data-y")) }));
}

const sectionIds = (html: string): string[] => [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);

describe("HTML report: sections present only with data", () => {
  it("an empty input gives a page with no section, chart or grid", () => {
    const html = renderHtmlReport({});
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(sectionIds(html)).toEqual([]);
    expect(html).not.toContain("<svg");
    expect(html).not.toContain("<table");
    expect(renderHtmlReport({ matrix: { cells: [] }, zdtm: [] })).not.toContain("<section");
  });

  it("a matrix alone gives the grid and the cost charts, no review case and no ZDTM", () => {
    const html = renderHtmlReport({ matrix: { cells: syntheticCells() } });
    expect(sectionIds(html)).toEqual(["matrix", "costs"]);
    expect(html).toContain("3 passed, 1 failed, 1 unsupported of 5 cells");
  });

  it("a report alone gives one section per case that ran or failed to; a case with no outcome is absent", () => {
    const html = renderHtmlReport({ report: syntheticReport() });
    expect(sectionIds(html)).toEqual(["case-sharing", "case-signal-race", "case-pids", "case-pipe-stream", "case-parallel-restart", "case-five-steps", "case-rmmod"]);
    expect(html).toContain('Not measured: no review case &quot;rmmod&quot; in this build.');
    expect(html).not.toContain("A case with no design");
    expect(html).toContain("seed 7");
  });

  it("a case whose figures have nothing to chart gets its table but no chart", () => {
    const html = renderHtmlReport({ report: syntheticReport() });
    const pipe = /<section id="case-pipe-stream">[\s\S]*?<\/section>/.exec(html)![0];
    expect(pipe).toContain("<table");
    expect(pipe).not.toContain("<svg");
    // pids on the kernel creator alone measures no ns_last_pid race: no steal chart at all.
    const r = syntheticReport();
    r.sections[2].outcomes = r.sections[2].outcomes.slice(0, 1);
    expect(figure(renderHtmlReport({ report: r }), "How often a fork steals the pid written to ns_last_pid")).toBeUndefined();
  });

  it("ZDTM results, when given, are a grid of their own", () => {
    const html = renderHtmlReport({ zdtm: [{ design: KERNEL, test: "zdtm/static/env00", verdict: "pass" }, { design: USER, test: "zdtm/static/env00", verdict: "fail", reason: "pid mismatch" }] });
    expect(sectionIds(html)).toEqual(["zdtm"]);
    const grid = figure(html, "ZDTM: 2 designs × 1 tests")!;
    expect(grid).toContain('data-state="pass"');
    expect(grid).toContain('data-state="fail"');
    expect(grid).toContain("pid mismatch");
  });

  it("every chart on a full page has at least one data mark", () => {
    const html = renderHtmlReport({ report: syntheticReport(), matrix: { cells: syntheticCells() } });
    const charts = [...html.matchAll(/<svg class="chart[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    // 4 cost charts; sharing 2, signal-race 2, pids 1, five-steps 1, parallel restart 1 (one task count).
    expect(charts.length).toBe(11);
    for (const c of charts) expect(c).toMatch(/class="mark"/);
  });
});

describe("HTML report: the numbers drawn are the input's", () => {
  it("grid squares count each design × workload's cells and take the worst verdict", () => {
    const cells = [...syntheticCells(), cell(USER, "sieve", "pass"), cell(USER, "sieve", "unsupported")];
    const grid = figure(renderHtmlReport({ matrix: { cells } }), "Verdicts: 2 designs × 3 workloads")!;
    const squares = [...grid.matchAll(/<td class="sq v-([a-z]+)"(?: data-state="[a-z]+" data-pass="(\d+)" data-fail="(\d+)" data-unsupported="(\d+)")?[^>]*>([^<]*)<\/td>/g)].map((m) => [m[1], m[2], m[3], m[4], unesc(m[5])]);
    expect(squares).toEqual([
      ["pass", "1", "0", "0", "✓ 1"],
      ["pass", "1", "0", "0", "✓ 1"],
      ["none", undefined, undefined, undefined, "·"],
      ["pass", "1", "0", "0", "✓ 1"],
      ["fail", "0", "1", "1", "✗ 1/2"],
      ["mixed", "1", "0", "1", "◐ 1/2"],
    ]);
  });

  it("cost charts: means per task and per MiB over the cells that reached each phase", () => {
    expect(designCosts({ cells: syntheticCells() })).toEqual([
      { design: KERNEL, checkpointUsPerTask: 20, restartUsPerTask: 30, checkpointUsPerMiB: 40, restartUsPerMiB: 60, imageKiB: 1024, objectsCreated: 4, objectsDestroyed: 0 },
      { design: USER, checkpointUsPerTask: 25, restartUsPerTask: 25, checkpointUsPerMiB: 50, restartUsPerMiB: 50, imageKiB: 1536, objectsCreated: 8, objectsDestroyed: 3 },
    ]);
    const html = renderHtmlReport({ matrix: { cells: syntheticCells() } });
    expect(bars(figure(html, "Checkpoint and restart time per task")!)).toEqual([
      { group: KERNEL, series: "checkpoint", value: 20 },
      { group: KERNEL, series: "restart", value: 30 },
      { group: USER, series: "checkpoint", value: 25 },
      { group: USER, series: "restart", value: 25 },
    ]);
    expect(bars(figure(html, "Image size")!).map((b) => b.value)).toEqual([1024, 1536]);
    expect(bars(figure(html, "Useless creations: kernel objects the restart made and destroyed")!).filter((b) => b.series !== "created")).toEqual([
      { group: KERNEL, series: "destroyed during the restart", value: 0 },
      { group: USER, series: "destroyed during the restart", value: 3 },
    ]);
  });

  it("review-case charts carry the case figures: useless creations, pid steal rates, step times", () => {
    const html = renderHtmlReport({ report: syntheticReport() });
    expect(bars(figure(html, "Useless creations: kernel objects made and thrown away during the restart")!)).toEqual([
      { group: "threads", series: KERNEL, value: 0 },
      { group: "threads", series: USER, value: 10 },
      { group: "fdshare", series: KERNEL, value: 0 },
      { group: "fdshare", series: USER, value: 9 },
    ]);
    expect(bars(figure(html, "How often a fork steals the pid written to ns_last_pid")!)).toEqual([
      { group: "ns_last_pid, 2 CPUs", series: USER, value: 75 },
      { group: "eclone, 2 CPUs", series: USER, value: 0 },
    ]);
    expect(bars(figure(html, "Checkpoint steps: virtual time of each")!)).toEqual([
      { group: "pre-dump", series: KERNEL, value: 500 },
      { group: "dump", series: KERNEL, value: 21600 },
      { group: "dump", series: "self/kernel/cpt", value: 23900 },
      { group: "total", series: KERNEL, value: 22100 },
      { group: "total", series: "self/kernel/cpt", value: 23900 },
    ]);
  });

  it("the signal-race window per task is one past the last offset a signal was injected at", () => {
    const html = renderHtmlReport({ report: syntheticReport() });
    const fig = figure(html, "The signal-race window of each restored task")!;
    expect(bars(fig)).toEqual([
      { group: "pid 1", series: `${USER}, signals none`, value: 3 },
      { group: "pid 2", series: `${USER}, signals none`, value: 1 },
    ]);
    expect(fig).not.toContain("lower bound");
    const sampled = syntheticReport();
    sampled.sections[1].outcomes[1].figures["none: points tried"] = 2;
    expect(figure(renderHtmlReport({ report: sampled }), "The signal-race window of each restored task")).toContain("each bar is a lower bound");
    expect(bars(figure(html, "A signal sent inside the window: what became of the restart")!).map((b) => [b.series, b.value])).toEqual([
      ["restored", 1],
      ["clean failures", 3],
      ["broken", 0],
    ]);
  });

  it("parallel restart: one line chart per task count, a point per CPU count", () => {
    const fig = figure(renderHtmlReport({ report: syntheticReport() }), "Restart time of 10 tasks against virtual CPUs")!;
    expect(points(fig)).toEqual([
      { series: `${KERNEL}, stream images`, x: 1, y: 67.2 },
      { series: `${KERNEL}, stream images`, x: 2, y: 60.2 },
      { series: `${KERNEL}, per-task images`, x: 1, y: 72.7 },
      { series: `${KERNEL}, per-task images`, x: 2, y: 60.7 },
    ]);
    expect(fig).toContain("virtual CPUs 1 → 67.2 restart µs");
  });

  it("labels round to a few digits; axes start at zero and cover the largest value", () => {
    expect([fmtNum(3), fmtNum(2.5), fmtNum(1 / 3), fmtNum(13.9666), fmtNum(431.4666)]).toEqual(["3", "2.5", "0.333", "13.97", "431.5"]);
    expect(niceTicks(23900)).toEqual([0, 5000, 10000, 15000, 20000, 25000]);
    expect(niceTicks(75)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

describe("HTML report: names are text, never markup", () => {
  it("escapes design, workload, figure and reason names everywhere", () => {
    const evil = `<img src=x onerror="alert(1)">&'`;
    const cells = [cell(`ext<b>/kernel/"cpt"`, evil, "fail", { reason: evil })];
    const r = syntheticReport();
    r.sections[0].outcomes[1].figures[`${evil}: objects destroyed`] = 5;
    r.sections[0].title = evil;
    const html = renderHtmlReport({ title: evil, matrix: { cells }, report: r, zdtm: [{ design: evil, test: evil, verdict: "unsupported", reason: evil }] });
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).not.toMatch(/onerror="/);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;");
    // The escaped name still reads back as the name, and its bar is drawn.
    expect(bars(figure(html, "Useless creations: kernel objects made and thrown away during the restart")!)).toContainEqual({ group: evil, series: USER, value: 5 });
  });
});
