// Host I/O failures in `cptbench run`: an errno error on the image's own file (ENOSPC writing it
// for the fresh machine) fails that cell with the reason and the run goes on (exit 1); any other
// error out of a cell stops the run, prints the cells that finished and exits 3. The failures
// come from a replaced host I/O layer, not from filling the real disk.
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { hostIo, nodeHostIo, setHostIo, type HostIo } from "../../src/workbench/scenario/host-io.ts";
import { captureCli } from "../support/cli.ts";

const io = captureCli(main, { NO_COLOR: "1" });
afterEach(() => {
  setHostIo(nodeHostIo);
});

function errno(code: string, syscall: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: simulated, ${syscall}`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  return e;
}

const cell = ["run", "--workload", "pipes", "--mode", "kill", "--target", "same", "--target", "fresh", "--json"];

describe("run: host I/O errors", () => {
  it("ENOSPC writing the image fails the fresh cell with the reason; the same-machine cells pass; exit 1", async () => {
    const full: HostIo = { ...nodeHostIo, write: () => { throw errno("ENOSPC", "write"); } };
    setHostIo(full);
    expect(hostIo()).toBe(full);
    expect(await io.cptbench(...cell)).toBe(1);
    const doc = JSON.parse(io.out);
    const fresh = doc.cells.filter((c: { target: string }) => c.target === "fresh");
    const same = doc.cells.filter((c: { target: string }) => c.target === "same");
    expect(fresh.length).toBeGreaterThan(0);
    for (const c of fresh) {
      expect(c.verdict).toBe("fail");
      expect(c.reason).toMatch(/^host I\/O error writing the image for the fresh machine: ENOSPC/);
    }
    expect(same.length).toBe(fresh.length);
    expect(same.every((c: { verdict: string }) => c.verdict === "pass")).toBe(true);
  });

  it("EIO reading the image back fails the fresh cell with the reason", async () => {
    setHostIo({ ...nodeHostIo, read: () => { throw errno("EIO", "read"); } });
    expect(await io.cptbench(...cell)).toBe(1);
    const doc = JSON.parse(io.out);
    for (const c of doc.cells.filter((x: { target: string }) => x.target === "fresh")) expect(c.reason).toMatch(/reading the image back: EIO/);
  });

  it("a failure that is no errno error stops the run: the finished cells are printed and the exit status is 3", async () => {
    let calls = 0;
    setHostIo({ ...nodeHostIo, mkdtemp: (p) => { if (++calls >= 2) throw new Error("the host broke"); return nodeHostIo.mkdtemp(p); } });
    expect(await io.cptbench("run", "--workload", "pipes", "--mode", "kill", "--target", "fresh")).toBe(3);
    expect(io.err).toContain("the run could not go on after 1 cell: the host broke");
    expect(io.out).toContain("pipes");
    expect(io.out).toMatch(/total: 1 passed/);
  });
});
