// Progress on stderr in its three modes, with a fake stream posing as a terminal or a log.
import { describe, expect, it } from "vitest";
import { Progress, type ProgressStream } from "../../src/cli/progress.ts";
import type { CellResult } from "../../src/workbench/scenario/types.ts";

function stream(isTTY: boolean, columns = 200): ProgressStream & { text: string } {
  const s = { text: "", isTTY, columns, write: (chunk: string) => ((s.text += chunk), true) };
  return s;
}

const cell = (workload: string, verdict: CellResult["verdict"]): CellResult =>
  ({ workload, point: "mark:1", mode: "kill", target: "same", initiator: "external", creator: "kernel", codec: "cpt", seed: 1, verdict }) as CellResult;
const label = (c: CellResult): string => `${c.workload} ${c.point}`;

describe("Progress", () => {
  it("writes one line per finished cell when stderr is not a terminal", () => {
    const s = stream(false);
    const p = new Progress({ enabled: true, label, stream: s, env: {}, total: 2 });
    p.begin("u1");
    p.cell(cell("hash", "pass"));
    p.cell(cell("sieve", "fail"));
    p.end("u1");
    p.done();
    expect(p.live).toBe(false);
    expect(s.text).toBe("cptbench: [1] hash mark:1: pass\ncptbench: [2] sieve mark:1: fail\n");
  });

  it("also in CI, even on a terminal: CI logs do not render carriage returns", () => {
    const s = stream(true);
    const p = new Progress({ enabled: true, label, stream: s, env: { CI: "true" } });
    p.cell(cell("hash", "pass"));
    expect(p.live).toBe(false);
    expect(s.text).toBe("cptbench: [1] hash mark:1: pass\n");
  });

  it("redraws one bar on a terminal: units done/total, counts by verdict, units in flight; cleared at the end", () => {
    const s = stream(true);
    const p = new Progress({ enabled: true, label, stream: s, env: {}, total: 4 });
    p.begin("external/kernel/cpt hash");
    p.begin("self/kernel/cpt hash");
    p.cell(cell("hash", "pass"));
    p.cell(cell("hash", "unsupported"));
    p.end("external/kernel/cpt hash");
    expect(p.live).toBe(true);
    expect(p.line()).toBe("cptbench: [#####---------------] 1/4 · 2 cells: 1 pass, 0 fail, 1 unsupported · self/kernel/cpt hash");
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
    const p = new Progress({ enabled: true, label, stream: s, env: {} });
    p.cell(cell("hash", "pass"));
    expect(s.text).toBe("\r\x1b[2Kcptbench: [1] hash mark:1: pass");
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
