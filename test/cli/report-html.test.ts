// `cptbench report --quick --html DIR` end to end, viewed in a real browser: Debian's chromium
// (/usr/bin/chromium, installed by .ci/run), driven by playwright-core, never a downloaded browser.
// The page must load with no request leaving it (every request is routed: only file: and data:
// URLs may pass), every chart must have data marks whose numbers are those of DIR/report.json,
// and a full-page screenshot is saved (CPTBENCH_SCREENSHOT=PATH keeps a copy for a human to look
// at). Without chromium the test fails when CI=true and is skipped, saying why, elsewhere.
import { copyFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { CaseOutcome } from "../../src/workbench/cases/types.ts";
import { comboLabel } from "../../src/workbench/matrix/combos.ts";
import type { Report } from "../../src/workbench/report/report.ts";
import type { CellResult } from "../../src/workbench/scenario/types.ts";
import { captureCli } from "../support/cli.ts";
import { tempDir } from "../support/tmp.ts";
import { renderResultsHtml } from "../../src/cli/results-html.ts";
import { cell, syntheticReport } from "../workbench/report/html-fixtures.ts";
import { EXEC_ROW, QEMU_ROW, renderZdtmHtml } from "../../src/workbench/zdtm/render-html.ts";
import type { ZdtmRow } from "../../src/workbench/zdtm/suite.ts";

const { main } = await import("../../src/cli/main.ts");
const io = captureCli(main, {});

/** Debian's chromium; CPTBENCH_CHROMIUM names another installed one (GitHub's runners have Chrome). */
const CHROMIUM = process.env.CPTBENCH_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let browser: Browser | undefined;
let unavailable = "";

beforeAll(async () => {
  try {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  } catch (e) {
    unavailable = `cannot launch ${CHROMIUM} (apt-get install chromium; .ci/run does): ${(e as Error).message.split("\n")[0]}`;
    if (process.env.CI !== "true") console.warn(`report-html: skipped: ${unavailable}`);
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
});

/** Without a browser: in CI a failure to fix, elsewhere a test skipped with the reason printed above. */
function noBrowser(ctx: { skip: () => void }): void {
  if (process.env.CI === "true") expect.fail(unavailable);
  ctx.skip();
}

interface Mark {
  chart: string;
  group?: string;
  series?: string;
  value?: number;
  x?: number;
  y?: number;
  width: number;
}

describe("cptbench report --html in headless Chromium", () => {
  it("writes a page that loads nothing from outside, whose every chart has the run's numbers", async (ctx) => {
    if (browser === undefined) return noBrowser(ctx);
    const dir = tempDir("report-html");
    expect(await io.cptbench("report", "--quick", "--html", dir, "--workload", "hash", "--workload", "pipes", "--jobs", "2")).toBe(0);
    expect(io.err).toContain(`wrote ${join(dir, "index.html")}`);
    const html = readFileSync(join(dir, "index.html"), "utf8");
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    const data = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as { report: Report; matrix: { cells: CellResult[]; combinations: string[] } };

    const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
    const outside: string[] = [];
    const problems: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
      outside.push(url);
      return route.abort();
    });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(pathToFileURL(join(dir, "index.html")).href, { waitUntil: "load" });
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);

    // Every chart has at least one data mark, and a mark with a value above zero is drawn.
    const charts = await page.$$eval("svg.chart", (svgs) => svgs.map((s) => ({ title: s.getAttribute("data-title") ?? "", marks: s.querySelectorAll(".mark").length })));
    expect(charts.length).toBeGreaterThanOrEqual(10);
    for (const c of charts) expect(c.marks, c.title).toBeGreaterThan(0);
    const marks: Mark[] = await page.$$eval("svg.chart .mark", (els) =>
      els.map((el) => {
        const n = (a: string): number | undefined => (el.hasAttribute(a) ? Number(el.getAttribute(a)) : undefined);
        return {
          chart: el.closest("svg")!.getAttribute("data-title")!,
          group: el.getAttribute("data-group") ?? undefined,
          series: el.getAttribute("data-series") ?? undefined,
          value: n("data-value"),
          x: n("data-x"),
          y: n("data-y"),
          width: el.getBoundingClientRect().width,
        };
      }),
    );
    for (const m of marks) if ((m.value ?? m.y ?? 0) > 0) expect(m.width, `${m.chart} ${m.group} ${m.series}`).toBeGreaterThan(0);

    // The grid: one row per design, one square per design × workload, counts as in the cells.
    const squares = await page.$$eval("table.grid td[data-state]", (tds) => tds.map((td) => ({ pass: Number(td.dataset.pass), fail: Number(td.dataset.fail), unsupported: Number(td.dataset.unsupported) })));
    expect(squares).toHaveLength(data.matrix.combinations.length * 2);
    expect(squares.reduce((a, s) => a + s.pass + s.fail + s.unsupported, 0)).toBe(data.matrix.cells.length);

    // Image size per design: the mean of the cells' image bytes, in KiB.
    for (const d of data.matrix.combinations) {
      const ran = data.matrix.cells.filter((c) => comboLabel(c) === d && c.checkpoint !== null && c.imageBytes > 0);
      const bar = marks.find((m) => m.chart === "Image size" && m.group === d)!;
      expect(bar.value).toBeCloseTo(ran.reduce((a, c) => a + c.imageBytes / 1024, 0) / ran.length, 9);
    }

    // Review-case figures: useless creations and steal rates are the report's own numbers.
    const figures = (caseId: string): CaseOutcome[] => data.report.sections.find((s) => s.caseId === caseId)!.outcomes;
    for (const o of figures("sharing")) {
      for (const [k, v] of Object.entries(o.figures)) {
        const m = /^(.+): objects destroyed$/.exec(k);
        if (m === null) continue;
        const bar = marks.find((b) => b.chart.startsWith("Useless creations: kernel objects made") && b.group === m[1] && b.series === comboLabel(o.design));
        expect(bar?.value, k).toBe(v);
      }
    }
    const steals = marks.filter((m) => m.chart === "How often a fork steals the pid written to ns_last_pid");
    expect(steals.length).toBeGreaterThan(0);
    for (const s of steals) {
      const f = figures("pids").find((o) => comboLabel(o.design) === s.series)!.figures;
      expect(s.value).toBeCloseTo((100 * Number(f[`${s.group}: explorations with a stolen pid`])) / Number(f[`${s.group}: explorations`]), 9);
    }
    const lines = marks.filter((m) => m.chart.startsWith("Restart time of"));
    expect(lines.length).toBeGreaterThan(0);
    for (const p of lines) {
      const tasks = /of (\d+) tasks/.exec(p.chart)![1];
      const [design, layout] = p.series!.split(", ");
      const f = figures("parallel-restart").find((o) => comboLabel(o.design) === design)!.figures;
      expect(f[`${layout.replace(/ images$/, "")} restart µs, ${tasks} tasks, ${p.x} CPU${p.x === 1 ? "" : "s"}`]).toBe(p.y);
    }

    // The temporary directory goes when the file is done; CPTBENCH_SCREENSHOT=PATH keeps a copy to look at.
    const shot = join(dir, "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    const keep = process.env.CPTBENCH_SCREENSHOT;
    if (keep !== undefined && keep !== "") {
      copyFileSync(shot, keep);
      console.log(`report-html: screenshot ${keep}`);
    }
    await page.close();
  }, 600_000);
});

/** The page at `file` in the browser: it must load nothing from outside and raise no error. */
async function openPage(b: Browser, file: string): Promise<Awaited<ReturnType<Browser["newPage"]>>> {
  const page = await b.newPage({ viewport: { width: 1150, height: 900 } });
  const outside: string[] = [];
  const problems: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  expect(outside).toEqual([]);
  expect(problems).toEqual([]);
  return page;
}

describe("cptbench case --out DIR: the case's page in headless Chromium", () => {
  const pages: [string, string[], (f: CaseOutcome["figures"], m: Mark) => unknown, string][] = [
    // A case with a chart of its own (the steps' virtual time), and one drawn figure by figure.
    ["five-steps", ["--codec", "cpt"], (f, m) => f[`${m.group} ns`], "Checkpoint steps: virtual time of each"],
    ["layout", [], (f, m) => f[m.series!], "image bytes"],
  ];
  for (const [id, designArgs, figureOf, chartTitle] of pages) it(`${id}: its section, its table and charts whose every mark is a figure it measured`, async (ctx) => {
    if (browser === undefined) return noBrowser(ctx);
    const dir = tempDir("case-html");
    expect(await io.cptbench("case", id, "--quick", "--initiator", "external", "--fork", "kernel", ...designArgs, "--out", dir)).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { outcomes: CaseOutcome[] };
    const page = await openPage(browser, join(dir, "report.html"));
    expect(await page.$$eval("section", (ss) => ss.map((s) => s.id))).toEqual([`case-${id}`]);
    // The outcome table: one row per design, its verdict.
    const rows = await page.$$eval(`#case-${id} table.outcomes td[data-state]`, (tds) => tds.map((td) => td.dataset.state));
    expect(rows).toEqual(doc.outcomes.map((o) => o.verdict));
    const charts = await page.$$eval("svg.chart", (svgs) => svgs.map((s) => ({ title: s.getAttribute("data-title") ?? "", marks: s.querySelectorAll(".mark").length })));
    expect(charts.map((c) => c.title)).toContain(chartTitle);
    for (const c of charts) expect(c.marks, c.title).toBeGreaterThan(0);
    const marks: Mark[] = await page.$$eval("svg.chart .mark", (els) =>
      els.map((el) => ({
        chart: el.closest("svg")!.getAttribute("data-title")!,
        group: el.getAttribute("data-group") ?? undefined,
        series: el.getAttribute("data-series") ?? undefined,
        value: Number(el.getAttribute("data-value")),
        width: el.getBoundingClientRect().width,
      })),
    );
    const byDesign = new Map(doc.outcomes.map((o) => [comboLabel(o.design), o.figures]));
    for (const m of marks.filter((x) => x.chart === chartTitle)) {
      // The own chart's series are the designs; a figure chart's groups are.
      const f = byDesign.get(id === "layout" ? m.group! : m.series!)!;
      expect(m.value, `${m.chart} ${m.group} ${m.series}`).toBe(figureOf(f, m));
      if (m.value! > 0) expect(m.width).toBeGreaterThan(0);
    }
    // Every figure the chart stands for has its mark: each step's time, or the figure of each design.
    const drawn = doc.outcomes.flatMap((o) => Object.keys(o.figures).filter((k) => (id === "layout" ? k === chartTitle : / ns$/.test(k))));
    expect(marks.filter((x) => x.chart === chartTitle)).toHaveLength(drawn.length);
    await page.screenshot({ path: join(dir, "case.png"), fullPage: true });
    expect(statSync(join(dir, "case.png")).size).toBeGreaterThan(10_000);
    await page.close();
  }, 300_000);
});

describe("cptbench report --html: flags and other commands' results", () => {
  it("--workload and --jobs without --html, and an unknown workload, are usage errors before anything runs", async () => {
    expect(await io.cptbench("report", "--workload", "hash")).toBe(2);
    expect(io.err).toContain("give --html DIR too");
    io.err = "";
    expect(await io.cptbench("report", "--html", tempDir("report-html"), "--workload", "no-such-workload")).toBe(2);
    expect(io.err).toContain('unknown workload "no-such-workload"');
    expect(io.err).not.toContain("cptbench: report: ");
  });

  it("matrix --out DIR writes report.html beside the other formats, drawn from the same cells", async () => {
    const dir = tempDir("matrix-out-html");
    expect(await io.cptbench("matrix", "--initiator", "external", "--fork", "kernel", "--codec", "cpt", "--workload", "hash", "--mode", "kill", "--target", "same", "--jobs", "1", "--out", dir)).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { cells: CellResult[] };
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain('<section id="matrix">');
    expect(html).toContain(`data-pass="${doc.cells.filter((c) => c.verdict === "pass").length}"`);
    expect(html).toMatch(/<svg class="chart/);
  });

  it("renderResultsHtml draws a matrix document's cells and a report document's sections", () => {
    const matrixPage = renderResultsHtml({ command: "matrix", title: "2 designs", json: { matrix: {}, cells: [cell("external/kernel/cpt", "hash", "pass")] } });
    expect(matrixPage).toContain("<title>cptbench matrix: 2 designs</title>");
    expect(matrixPage).toContain('<section id="matrix">');
    expect(matrixPage).not.toContain('id="case-');
    const reportPage = renderResultsHtml({ command: "report", title: "seed 7", json: syntheticReport() });
    expect(reportPage).toContain('<section id="case-sharing">');
    expect(reportPage).not.toContain('<section id="matrix">');
    expect(renderResultsHtml({ command: "run", title: "x", json: { nothing: true } })).not.toContain("<section");
  });

  it("renderResultsHtml draws a case document as the case's section, a chart per non-negative number it has no chart for", () => {
    const design = { initiator: "external", creator: "kernel", codec: "cpt" };
    const outcomes: CaseOutcome[] = [
      { case: "nsproxy-pin", design, verdict: "pass", figures: { workload: "fork-tree", "tasks killed": 2, "checkpoint result": -3, clean: true }, seed: 3 },
      { case: "nsproxy-pin", design: { ...design, codec: "ckpt" }, verdict: "fail", reason: "a <leak>", figures: { "tasks killed": 5, "checkpoint result": -3 }, seed: 3 },
    ];
    const page = renderResultsHtml({ command: "case", title: "nsproxy-pin", json: { case: { id: "nsproxy-pin", number: 4, title: "nsproxy pinned", summary: "killed while checkpointed" }, seed: 3, bugs: [], quick: true, outcomes } });
    expect(page).toContain('<section id="case-nsproxy-pin">');
    expect(page).toContain("Case 4: nsproxy pinned");
    expect(page).toContain("killed while checkpointed");
    expect(page).toContain("a &lt;leak&gt;");
    expect([...page.matchAll(/<svg class="chart[^>]*data-title="([^"]*)"/g)].map((m) => m[1])).toEqual(["tasks killed"]);
    expect([...page.matchAll(/data-group="([^"]*)" data-series="tasks killed" data-value="(\d+)"/g)].map((m) => `${m[1]}=${m[2]}`)).toEqual(["external/kernel/cpt=2", "external/kernel/ckpt=5"]);
  });
});

describe("cptbench zdtm --html DIR: the ZDTM grid in headless Chromium", () => {
  it("draws one row per way the tests ran and one square per test, each with its verdict", async (ctx) => {
    if (browser === undefined) return noBrowser(ctx);
    const pass = { verdict: "pass" as const, reason: null };
    const rows: ZdtmRow[] = [
      { name: "zdtm/static/env00", built: true, buildError: null, skip: null, exec: pass, qemu: pass },
      { name: "zdtm/static/pidfd_self", built: true, buildError: null, skip: null, exec: { verdict: "fail", reason: "ENOSYS: pidfd_open" }, qemu: pass },
      { name: "zdtm/static/fpu00", built: true, buildError: null, skip: "x86 only", exec: { verdict: "skip", reason: "x86 only" }, qemu: { verdict: "skip", reason: "x86 only" } },
    ];
    const file = join(tempDir("zdtm-html"), "index.html");
    writeFileSync(file, renderZdtmHtml(rows, "cptbench zdtm --exec --qemu"));
    const page = await openPage(browser, file);
    expect(await page.$$eval("section", (ss) => ss.map((s) => s.id))).toEqual(["zdtm"]);
    const squares = await page.$$eval("#zdtm td[data-state]", (tds) => tds.map((td) => `${td.closest("tr")?.querySelector("th")?.textContent}|${td.dataset.state}`));
    expect(squares).toEqual([
      `${EXEC_ROW}|pass`, `${EXEC_ROW}|fail`, `${EXEC_ROW}|unsupported`,
      `${QEMU_ROW}|pass`, `${QEMU_ROW}|pass`, `${QEMU_ROW}|unsupported`,
    ]);
  });
});
