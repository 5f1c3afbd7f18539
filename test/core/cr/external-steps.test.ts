// The external initiator's five steps (pre-dump, freeze, dump, thaw-or-kill, post-dump): each is
// in the trace, and a failure at any one of them leaves the container running as if nothing
// had happened, with the error reaching the controller and no image left behind.
import { describe, expect, it } from "vitest";
import { CPT_FAIL_STEP_SHIFT, CPT_KILL } from "../../../src/core/cr/interfaces.ts";
import { crTrace, type CrOpRecord } from "../../../src/core/cr/trace.ts";
import { STEPS } from "../../../src/plugins/openvz-cpt/initiator.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { CT_CGROUP, CTL_LOG, ctlLog, IMAGE_PATH, readGuestFile } from "../../../src/workbench/scenario/setup.ts";
import { shellStatus } from "../../../src/machine/kernel/task.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { armAtMark, experiment, openvzDesign, workloadRef } from "../../support/cr.ts";

const EIO = 5;
const ENOSYS = 38;

/** Run until the first checkpoint finishes, let the held task go, then run to the end. */
function drive(k: Kernel): CrOpRecord | undefined {
  const op = (): CrOpRecord | undefined => crTrace(k).ops.find((o) => o.op === "checkpoint");
  for (let i = 0; i < 100_000 && op()?.done !== true; i++) if (k.run(20_000, true) === 0 && op()?.done !== true) break;
  k.releaseCptMarks();
  k.run();
  return op();
}

describe("external initiator", () => {
  const w = workloadRef("fork-tree");
  const ref = referenceRun(experiment(), w, openvzDesign().module());

  it("records the five steps in order, with the container killed after the dump", () => {
    const a = armAtMark(w, CPT_KILL);
    const op = drive(a.m.kernel)!;
    expect(a.triggered()).toBe(true);
    expect(op.result).toBe(0);
    expect(op.steps.map((s) => s.step)).toEqual(["pre-dump", "freeze", "dump", "kill", "post-dump"]);
    expect(op.steps.every((s) => s.result === 0 && s.end >= s.start)).toBe(true);
    for (let i = 1; i < op.steps.length; i++) expect(op.steps[i].start).toBeGreaterThanOrEqual(op.steps[i - 1].end);
    expect(op.tasks).toBeGreaterThan(1);
    expect(readGuestFile(a.m, IMAGE_PATH)?.length).toBe(op.imageBytes);
    // Killed after the dump: the controller saw the container die of SIGKILL.
    expect(ctlLog(a.m, CTL_LOG)).toEqual([["checkpoint", 0], ["exit", 9]]);
    a.m.kernel.shutdown();
    expect(a.m.kernel.oopses.count).toBe(0);
  });

  it("thaws the container after the dump without CPT_KILL, and it finishes as the reference did", () => {
    const a = armAtMark(w, 0);
    const op = drive(a.m.kernel)!;
    expect(op.steps.map((s) => s.step)).toEqual(["pre-dump", "freeze", "dump", "thaw", "post-dump"]);
    expect(Buffer.from(a.m.console.stdout).toString()).toBe(Buffer.from(ref.stdout).toString());
    expect(shellStatus(a.ctl.exit!)).toBe(ref.exitCode);
    expect(a.m.kernel.freezer.state(a.m.kernel.freezer.root.children.get(CT_CGROUP)!)).toBe("THAWED");
  });

  for (let n = 1; n <= 5; n++) {
    it(`a failure at step ${n} (${STEPS[n - 1]}) leaves the container running and no image`, () => {
      const a = armAtMark(w, CPT_KILL | (n << CPT_FAIL_STEP_SHIFT));
      const op = drive(a.m.kernel)!;
      expect(op.result).toBe(-EIO);
      expect(op.error).toContain(STEPS[n - 1]);
      expect(op.steps.filter((s) => s.result === 0).length).toBe(n - 1);
      expect(ctlLog(a.m, CTL_LOG)[0]).toEqual(["checkpoint", -EIO]);
      // Nothing happened to the container: same output and status as the reference.
      expect(Buffer.from(a.m.console.stdout).toString()).toBe(Buffer.from(ref.stdout).toString());
      expect(shellStatus(a.ctl.exit!)).toBe(ref.exitCode);
      expect(readGuestFile(a.m, IMAGE_PATH)?.length ?? 0).toBe(0);
      a.m.kernel.shutdown();
      expect(a.m.kernel.oopses.count).toBe(0);
    });
  }

  it("answers ENOSYS once cptrst is unloaded, and works again after a reload", () => {
    const a = armAtMark(w, CPT_KILL);
    const k = a.m.kernel;
    expect(k.modules.unload("cptrst")).toBe(0);
    expect(k.cptOps).toBeNull();
    const op = drive(k);
    expect(op).toBeUndefined();
    expect(ctlLog(a.m, CTL_LOG)[0]).toEqual(["checkpoint", -ENOSYS]);
    expect(Buffer.from(a.m.console.stdout).toString()).toBe(Buffer.from(ref.stdout).toString());
    k.shutdown();
    expect(k.oopses.count).toBe(0);

    const b = armAtMark(w, CPT_KILL);
    expect(b.m.kernel.modules.unload("cptrst")).toBe(0);
    expect(b.m.kernel.modules.load("cptrst")).toBe(0);
    expect(drive(b.m.kernel)?.result).toBe(0);
  });

  it("holds a module reference while the dump runs: rmmod is refused, then the count returns to zero", () => {
    const a = armAtMark(w, CPT_KILL);
    const k = a.m.kernel;
    const mod = k.modules.loaded.get("cptrst")!;
    const refused: number[] = [];
    for (let i = 0; i < 100_000 && crTrace(k).ops[0]?.done !== true; i++) {
      if (crTrace(k).ops.length > 0) refused.push(k.modules.unload("cptrst"));
      if (k.run(1, true) === 0 && crTrace(k).ops[0]?.done !== true) break;
    }
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e === -11)).toBe(true); // EWOULDBLOCK
    k.releaseCptMarks();
    k.run();
    expect(mod.refs).toBe(0);
    expect(k.modules.unload("cptrst")).toBe(0);
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
