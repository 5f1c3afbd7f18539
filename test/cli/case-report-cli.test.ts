// `cptbench case` and `cptbench report` in-process: the case list covers REVIEW-CASES.md's 15
// points, a case runs on the designs named and its exit status follows its verdicts, bad names
// and flags are usage errors, --bug reaches the machines; the report's Markdown has a table per
// section with the measured figures and the seed that reproduces them.
import { describe, expect, it } from "vitest";
import { CASES } from "../../src/workbench/cases/index.ts";
import { renderReportMarkdown, SECTIONS, type Report } from "../../src/workbench/report/report.ts";

import { captureCli } from "../support/cli.ts";

const { main } = await import("../../src/cli/main.ts");

const io = captureCli(main, {});
const cptbench = io.cptbench;

describe("cptbench case", () => {
  it("--list names every review case, 1 to 15, one line each", async () => {
    expect(await cptbench("case", "--list")).toBe(0);
    const lines = io.out.trim().split("\n");
    expect(lines.length).toBe(CASES.length);
    expect(CASES.map((c) => c.number)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (const c of CASES) expect(io.out).toContain(c.id);
  });

  it("runs a case on the named design and prints its figures; --json has every outcome", async () => {
    expect(await cptbench("case", "parallel-restart", "--initiator", "external", "--fork", "kernel", "--codec", "cpt", "--quick", "--json")).toBe(0);
    const doc = JSON.parse(io.out) as { case: { id: string }; seed: number; outcomes: { verdict: string; design: object; figures: Record<string, unknown> }[] };
    expect(doc.case.id).toBe("parallel-restart");
    expect(doc.seed).toBe(1);
    expect(doc.outcomes).toHaveLength(1);
    expect(doc.outcomes[0].design).toEqual({ initiator: "external", creator: "kernel", codec: "cpt" });
    expect(doc.outcomes[0].verdict).toBe("pass");
    expect(doc.outcomes[0].figures["stream restart µs, 100 tasks, 1 CPU"]).toBeGreaterThan(0);
  });

  it("refuses an unknown case, a missing id, an unknown design name and an unknown bug", async () => {
    expect(await cptbench("case", "no-such-case")).toBe(2);
    expect(io.err).toContain('no review case "no-such-case"; cases: ');
    io.err = "";
    expect(await cptbench("case")).toBe(2);
    expect(io.err).toContain("or use --list");
    io.err = "";
    expect(await cptbench("case", "parallel-restart", "--fork", "stork")).toBe(2);
    expect(io.err).toContain('unknown creator (--fork) "stork"');
    io.err = "";
    expect(await cptbench("case", "parallel-restart", "--bug", "off-by-one")).toBe(2);
    expect(io.err).toContain("Allowed choices are try-module-get-this-module");
  });
});

describe("cptbench report", () => {
  it("renders one table per section with the figures, the reasons and the seed", () => {
    const report: Report = {
      seed: 7,
      quick: true,
      sections: [
        {
          title: "T", question: "Q?", caseId: "c",
          outcomes: [
            { case: "c", design: { initiator: "external", creator: "kernel", codec: "cpt" }, verdict: "pass", figures: { "window instructions": 0, note: "a|b" }, seed: 7 },
            { case: "c", design: { initiator: "external", creator: "userspace", codec: "cpt" }, verdict: "unsupported", reason: "cannot", figures: { "window instructions": 57.25 }, seed: 7 },
          ],
        },
        { title: "Missing", question: "?", caseId: "gone", outcomes: [], error: 'no review case "gone" in this build' },
      ],
    };
    const md = renderReportMarkdown(report);
    expect(md).toContain("seed 7, quick: sampled");
    expect(md).toContain("| design | verdict | window instructions | note |");
    expect(md).toContain("| external/kernel/cpt | pass | 0 | a\\|b |");
    expect(md).toContain("| external/userspace/cpt | unsupported | 57.250 |  |");
    expect(md).toContain("- external/userspace/cpt: cannot");
    expect(md).toContain('Not measured: no review case "gone" in this build.');
    // Many figures: the table is turned, one row per figure.
    const wide: Report = { ...report, sections: [{ ...report.sections[0], outcomes: [{ ...report.sections[0].outcomes[0], figures: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, i])) }] }] };
    const turned = renderReportMarkdown(wide);
    expect(turned).toContain("| figure | external/kernel/cpt |");
    expect(turned).toContain("| verdict | pass |");
    expect(turned).toContain("| f7 | 7 |");
  });

  it("every section names a review case that exists", () => {
    for (const s of SECTIONS) expect(CASES.map((c) => c.id), s.title).toContain(s.caseId);
  });
});
