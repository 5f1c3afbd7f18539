// `case` and `report` print each result as it is done (one design of a case, one section of the
// report can take minutes), and write --out directories. The cases are stand-ins here, so the
// order of events is what is checked, not the C/R.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tempDir } from "../support/tmp.ts";
import type { CaseContext, CaseOutcome, ReviewCase } from "../../src/workbench/cases/types.ts";
import type { Combination } from "../../src/workbench/matrix/combos.ts";

/** Everything in the order it happened: "out:", "err:" writes and "run:" case runs. */
const events: string[] = [];

const fakeCase: ReviewCase = {
  id: "fake", number: 1, title: "A stand-in", summary: "for the CLI's tests",
  run: (design: Combination, ctx: CaseContext): CaseOutcome => {
    const label = `${design.initiator}/${design.creator}/${design.codec}`;
    events.push(`run:${label}`);
    const fail = design.initiator === "self";
    return { case: "fake", design, verdict: fail ? "fail" : "pass", figures: { "things made": 3 }, seed: ctx.seed, ...(fail && { reason: "broke <here> & there" }) };
  },
};
vi.mock("../../src/workbench/cases/index.ts", () => ({ CASES: [fakeCase], findCase: (id: string) => (id === "fake" || id === "1" ? fakeCase : undefined) }));

const { main } = await import("../../src/cli/main.ts");
const { renderReportMarkdown, reportHeaderLines, sectionLines, SECTIONS } = await import("../../src/workbench/report/report.ts");

beforeEach(() => {
  events.length = 0;
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => (events.push(`out:${String(s)}`), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => (events.push(`err:${String(s)}`), true));
});
afterEach(() => vi.restoreAllMocks());

const cptbench = (...args: string[]): Promise<number> => main(["node", "cptbench", ...args]);
const out = (): string => events.filter((e) => e.startsWith("out:")).map((e) => e.slice(4)).join("");

describe("cptbench case streams", () => {
  it("prints each design's line before the next design runs, then the total", async () => {
    const dir = join(tempDir("case"), "res");
    expect(await cptbench("case", "fake", "--fork", "kernel", "--codec", "cpt", "--out", dir)).toBe(1);
    const order = events.filter((e) => e.startsWith("run:") || /^out:\s+\S+\/kernel\/cpt/.test(e)).map((e) => e.split(/\s+/).slice(0, 2).join(" ").trim());
    expect(order).toEqual(["run:external/kernel/cpt", "out: external/kernel/cpt", "run:self/kernel/cpt", "out: self/kernel/cpt"]);
    expect(out()).toMatch(/^case 1 fake: A stand-in\n/);
    expect(out()).toMatch(/1 of 2 designs did not fail \(seed 1\)\n$/);
    expect(events).toContain("err:cptbench: case fake on self/kernel/cpt: running\n");
    const xml = readFileSync(join(dir, "results.xml"), "utf8");
    expect(xml).toContain('<testsuite name="case fake" tests="2" failures="1" skipped="0">');
    expect(xml).toContain('<failure message="broke &lt;here&gt; &amp; there"/>');
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).outcomes).toHaveLength(2);
    expect(readFileSync(join(dir, "results.md"), "utf8")).toContain("| self/kernel/cpt | fail | broke <here> & there | things made=3 |");
  });
});

describe("cptbench report streams", () => {
  it("prints the header, then each section as it is done; together they are the whole report", async () => {
    expect(await cptbench("report", "--quick", "--seed", "4")).toBe(1); // the stand-in case fails on self
    // Each section's text comes out before the next section starts.
    const starts = events.map((e, i) => (e.startsWith("err:cptbench: report: ") ? i : -1)).filter((i) => i >= 0);
    const sections = events.map((e, i) => (e.startsWith("out:\n## ") ? i : -1)).filter((i) => i >= 0);
    expect(starts).toHaveLength(SECTIONS.length);
    expect(sections).toHaveLength(SECTIONS.length);
    for (let k = 0; k + 1 < SECTIONS.length; k++) expect(sections[k]).toBeLessThan(starts[k + 1]);
    expect(out().startsWith(reportHeaderLines(4, true).join("\n") + "\n")).toBe(true);
    expect(out()).toContain("## The signal-race window");
  });

  it("the streamed pieces join into renderReportMarkdown's text", () => {
    const report = {
      seed: 2, quick: false,
      sections: [
        { title: "A", question: "Q?", caseId: "a", outcomes: [] },
        { title: "B", question: "R?", caseId: "b", outcomes: [], error: "none here" },
      ],
    };
    const streamed = reportHeaderLines(2, false).join("\n") + "\n" + report.sections.map((s) => sectionLines(s).join("\n") + "\n").join("");
    expect(streamed).toBe(renderReportMarkdown(report));
  });
});
