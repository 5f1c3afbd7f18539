// Progress on stderr in its three modes, with a fake stream posing as a terminal or a log and a
// fake clock for the elapsed time and the ETA.
import { describe, expect, it } from "vitest";
import { clock, Progress, type ProgressStream } from "../../src/cli/progress.ts";
import type { CellResult } from "../../src/workbench/scenario/types.ts";

function stream(isTTY: boolean, columns = 200): ProgressStream & { text: string } {
  const s = { text: "", isTTY, columns, write: (chunk: string) => ((s.text += chunk), true) };
  return s;
}

const cell = (workload: string, verdict: CellResult["verdict"]): CellResult =>
  ({ workload, point: "mark:1", mode: "kill", target: "same", initiator: "external", creator: "kernel", codec: "cpt", seed: 1, verdict }) as CellResult;
const label = (c: CellResult): string => `${c.workload} ${c.point}`;

/** A clock that stands still until the test moves it. */
function fakeClock(): { now: () => number; ms: number } {
  const c = { ms: 0, now: () => c.ms };
  return c;
}

describe("Progress", () => {
  it("writes one line per finished cell when stderr is not a terminal, with the elapsed time and an ETA", () => {
    const s = stream(false);
    const t = fakeClock();
    const p = new Progress({ enabled: true, label, stream: s, env: {}, total: 3, now: t.now });
    p.begin("u1");
    t.ms = 5_000;
    p.cell(cell("hash", "pass"));
    p.end("u1");
    t.ms = 10_000;
    p.cell(cell("sieve", "fail"));
    p.end("u2");
    t.ms = 70_000;
    p.cell(cell("cow", "pass"));
    p.end("u3");
    p.done();
    expect(p.live).toBe(false);
    // No ETA before a unit has finished; then the units left at the mean pace of those done.
    expect(s.text).toBe("cptbench: [1] hash mark:1: pass (0:05 elapsed)\ncptbench: [2] sieve mark:1: fail (0:10 elapsed, ETA 0:20)\ncptbench: [3] cow mark:1: pass (1:10 elapsed, ETA 0:35)\n");
  });

  it("formats times as m:ss, and h:mm:ss past an hour", () => {
    expect([0, 999, 61_000, 600_000, 3_723_000].map(clock)).toEqual(["0:00", "0:01", "1:01", "10:00", "1:02:03"]);
  });

  it("also in CI, even on a terminal: CI logs do not render carriage returns", () => {
    const s = stream(true);
    const p = new Progress({ enabled: true, label, stream: s, env: { CI: "true" }, now: fakeClock().now });
    p.cell(cell("hash", "pass"));
    expect(p.live).toBe(false);
    expect(s.text).toBe("cptbench: [1] hash mark:1: pass (0:00 elapsed)\n");
  });

  it("redraws one bar on a terminal: units done/total, time, counts by verdict, units in flight; cleared at the end", () => {
    const s = stream(true);
    const t = fakeClock();
    const p = new Progress({ enabled: true, label, stream: s, env: {}, total: 4, now: t.now });
    p.begin("external/kernel/cpt hash");
    p.begin("self/kernel/cpt hash");
    p.cell(cell("hash", "pass"));
    p.cell(cell("hash", "unsupported"));
    t.ms = 12_000;
    p.end("external/kernel/cpt hash");
    expect(p.live).toBe(true);
    expect(p.line()).toBe("cptbench: [#####---------------] 1/4 · 0:12 elapsed, ETA 0:36 · 2 cells: 1 pass, 0 fail, 1 unsupported · self/kernel/cpt hash");
    expect(s.text).not.toContain("\n");
    expect(s.text.split("\r\x1b[2K").at(-1)).toBe(p.line());
    p.done();
    expect(s.text.endsWith("\r\x1b[2K")).toBe(true);
  });

  it("never wraps the live line: it is cut to the terminal's width", () => {
    const s = stream(true, 30);
    const p = new Progress({ enabled: true, label, stream: s, env: {}, total: 1 });
    p.begin("a-very-long-unit-name-that-would-wrap the line");
    expect(s.text.split("\r\x1b[2K").at(-1)).toHaveLength(29);
  });

  it("without a total (cptbench run) the live line is the last cell", () => {
    const s = stream(true);
    const p = new Progress({ enabled: true, label, stream: s, env: {}, now: fakeClock().now });
    p.cell(cell("hash", "pass"));
    expect(s.text).toBe("\r\x1b[2Kcptbench: [1] hash mark:1: pass (0:00 elapsed)");
  });

  it("prints nothing when disabled (--json)", () => {
    const s = stream(true);
    const p = new Progress({ enabled: false, label, stream: s, env: {}, total: 1 });
    p.begin("u");
    p.cell(cell("hash", "pass"));
    p.end("u");
    p.done();
    expect(s.text).toBe("");
  });
});
