// --fault STEP:ERRNO on the command line and in a config file (issue 17 item 7): `--fault list`
// prints the steps; a step or errno that does not exist, a step the design does not have, and a
// fault given to `zdtm --exec` (which checkpoints nothing) are usage errors, exit 2, with the
// reason; a fault that fires fails the cells with the step in the reason (exit 1).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { faultSet, FAULT_POINTS, parseFault } from "../../src/core/cr/faults.ts";
import { ENOMEM, ENOSPC } from "../../src/machine/kernel/errno.ts";
import { captureCli } from "../support/cli.ts";
import { tempDir } from "../support/tmp.ts";

const { main } = await import("../../src/cli/main.ts");
const io = captureCli(main, { NO_COLOR: "1", CI: "" });

describe("fault specs", () => {
  it("parse STEP:ERRNO by name, and refuse unknown steps, errno names and a step given twice", () => {
    expect(parseFault("restore-mm:ENOMEM")).toEqual(["restore-mm", ENOMEM]);
    expect([...faultSet(["write:ENOSPC", "commit:ENOMEM", "write:ENOSPC"])]).toEqual([["write", ENOSPC], ["commit", ENOMEM]]);
    expect(() => parseFault("restore-everything:ENOMEM")).toThrow(/no step "restore-everything"; the steps are pre-dump, freeze/);
    expect(() => parseFault("restore-mm:ENOPE")).toThrow(/"ENOPE" is no errno name \(write STEP:ERRNO, e\.g\. restore-mm:ENOMEM\)/);
    expect(() => parseFault("restore-mm")).toThrow(/"" is no errno name/);
    expect(() => parseFault("restore-mm:ERESTARTSYS")).toThrow(/is no errno name/);
    expect(() => faultSet(["write:ENOSPC", "write:EIO"])).toThrow(/names step write twice \(ENOSPC and EIO\)/);
  });
});

describe("cptbench --fault", () => {
  it("--fault list prints every step with where it fails, for run, matrix and zdtm", async () => {
    for (const cmd of ["run", "matrix", "zdtm"]) {
      io.out = "";
      expect(await io.cptbench(cmd, "--fault", "list")).toBe(0);
      for (const p of FAULT_POINTS) expect(io.out).toMatch(new RegExp(`^ {2}${p.name} +${p.op} +\\S`, "m"));
    }
    expect(io.out).toMatch(/^ {2}pre-dump .*\[external only\]$/m);
  });

  it("--help names the steps and says how to list them", async () => {
    expect(await io.cptbench("run", "--help")).toBe(0);
    expect(io.out).toContain("--fault <step:errno>");
    expect(io.out).toContain("--fault list prints the steps");
  });

  it("refuses a bad value, a step the design does not have, and a fault for zdtm --exec: exit 2", async () => {
    expect(await io.cptbench("run", "--workload", "hash", "--fault", "restore:ENOMEM")).toBe(2);
    expect(io.err).toMatch(/--fault restore:ENOMEM: no step "restore"/);
    io.err = "";
    expect(await io.cptbench("run", "--workload", "hash", "--initiator", "self", "--fault", "post-dump:EIO")).toBe(2);
    expect(io.err).toMatch(/--fault post-dump:EIO: initiator self and creator kernel have no such step, so the fault would never fire/);
    io.err = "";
    expect(await io.cptbench("matrix", "--workload", "hash", "--initiator", "self", "--fault", "pre-dump:EIO")).toBe(2);
    expect(io.err).toMatch(/--fault pre-dump:EIO: no design of the matrix has that step/);
    io.err = "";
    expect(await io.cptbench("zdtm", "--exec", "-t", "env00", "--fault", "restore-mm:ENOMEM")).toBe(2);
    expect(io.err).toMatch(/--fault restore-mm:ENOMEM: --exec runs no checkpoint or restart, so there is no step to fail/);
  });

  it("run: the cells fail with the step and errno in the reason; exit 1", async () => {
    expect(await io.cptbench("run", "--workload", "hash", "--mode", "kill", "--target", "same", "--fault", "restore-sighand:ENOMEM", "--json")).toBe(1);
    const doc = JSON.parse(io.out) as { experiment: { faults: string[] }; cells: { verdict: string; reason: string }[] };
    expect(doc.experiment.faults).toEqual(["restore-sighand:ENOMEM"]);
    expect(doc.cells.length).toBeGreaterThan(0);
    for (const c of doc.cells) expect(c.reason).toMatch(/^restart failed: \S+: injected fault at step restore-sighand \(--fault restore-sighand:ENOMEM\)$/);
  }, 60_000);

  it("a config file's faults apply as the flag's; a bad one names the steps (exit 2)", async () => {
    const dir = tempDir("fault-config");
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ workloads: ["hash"], modes: ["kill"], targets: ["same"], faults: ["validate:EIO"] }));
    expect(await io.cptbench("run", "--config", good)).toBe(1);
    expect(io.out).toMatch(/hash mark:1 kill\/same: fail: restart failed: \S+: injected fault at step validate \(--fault validate:EIO\)/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ faults: ["validate:EWHAT"] }));
    io.err = "";
    expect(await io.cptbench("run", "--config", bad)).toBe(2);
    expect(io.err).toMatch(/must be STEP:ERRNO with STEP one of pre-dump, freeze.* \(got "validate:EWHAT"\)\n.*at faults\[0\]/);
  }, 60_000);

  it("matrix: a fault some designs lack applies to the others, with a note", async () => {
    const args = ["matrix", "--workload", "hash", "--mode", "kill", "--target", "same", "--fork", "kernel", "--codec", "cpt", "--jobs", "1"];
    expect(await io.cptbench(...args, "--initiator", "external", "--initiator", "self", "--fault", "post-dump:ENOSPC", "--json")).toBe(1);
    expect(io.err).toMatch(/--fault post-dump:ENOSPC does not apply to self\/kernel\/cpt \(no such step\)/);
    const doc = JSON.parse(io.out) as { cells: { initiator: string; verdict: string; reason?: string }[] };
    for (const c of doc.cells) {
      if (c.initiator === "external") expect(c.reason).toMatch(/injected fault at step post-dump \(--fault post-dump:ENOSPC\); the original ran on/);
      else expect(c.verdict).toBe("pass");
    }
  }, 60_000);
});
