// A self checkpoint in kill mode kills its own caller before the caller takes the result. The
// checkpoint's kthread keeps the module for that result (core/cr/job.ts resultHeld) and must let
// it go as soon as the caller is dead, not at its next look COLLECT_POLL cycles later: ZDTM's
// deleted_dev, whose restart was refused right after such a checkpoint, found the module still in
// use when the machine stopped ("leak: module #1 (refcount 1, created by load)") in every self
// design. The same holds for a refused restart whose restarter is killed before it takes the
// refusal.
import { describe, expect, it } from "vitest";
import { CPT_KILL } from "../../../src/core/cr/interfaces.ts";
import { crTrace } from "../../../src/core/cr/trace.ts";
import { doGroupExit } from "../../../src/machine/kernel/exit.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { SIGKILL } from "../../../src/machine/kernel/signal-names.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { bootMachine, IMAGE_PATH, readGuestFile, startRestart, startRun, writeGuestFile } from "../../../src/workbench/scenario/setup.ts";
import { DESIGNS } from "../../support/tamper.ts";
import { experiment, openvzDesign, workloadRef } from "../../support/cr.ts";

/** How often resultHeld looks whether its results were taken (job.ts). */
const COLLECT_POLL = 10_000;

const moduleRefs = (k: Kernel): number => [...k.modules.loaded.values()].reduce((n, m) => n + m.refs, 0);
const crThreads = (k: Kernel): Task[] => [...k.tasks.values()].filter((t) => t.alive && t.kthread !== null && t !== k.initNs.reaper);

/** Run in small slices until `done` or the budget is spent; false if it never came. */
function runUntil(k: Kernel, done: () => boolean, slices = 1_000_000, slice = 50): boolean {
  for (let i = 0; i < slices && !done(); i++) if (k.run(slice, true) === 0 && !done()) return false;
  return done();
}

describe.each(DESIGNS)("self initiator, kill mode ($codec, $creator)", ({ codec, creator }) => {
  it("the checkpoint lets the module go when its killed caller dies, and a refused restart right after leaves nothing", () => {
    const exp = experiment({ initiator: "self", codec, creator });
    const design = openvzDesign(exp);
    const w = workloadRef("fork-tree");
    const m = bootMachine(exp, w, design.module());
    const k = m.kernel;
    const baseline = moduleRefs(k);
    const ctl = startRun(m, w, CPT_KILL, "self");
    let caller: Task | null = null;
    k.onCptMark = (t) => {
      if (t.pidNs === k.initNs || caller !== null) return false;
      caller = t;
      return { checkpoint: CPT_KILL };
    };
    const op = () => crTrace(k).ops.find((o) => o.op === "checkpoint");
    expect(runUntil(k, () => caller !== null)).toBe(true);
    // One instruction at a time: the caller must not run between the job's end and the check.
    expect(runUntil(k, () => op()?.done === true, 10_000_000, 1)).toBe(true);
    expect(op()!.result).toBe(0);
    // The caller, killed by CPT_KILL, has not come back for the result yet. It dies before it does
    // (deleted_dev's caller, in the shim's signal handler, died so; here the exit is forced).
    const c = caller as unknown as Task;
    expect(c.alive).toBe(true);
    expect(c.crJob?.collected).toBe(false);
    doGroupExit(k, c, { signal: SIGKILL });
    const died = k.clock;
    // The kthread keeping the module for that result wakes for the death at once.
    expect(runUntil(k, () => crThreads(k).length === 0 && moduleRefs(k) === baseline, 200)).toBe(true);
    expect(k.clock - died).toBeLessThan(COLLECT_POLL / 2);
    expect(runUntil(k, () => !ctl.alive)).toBe(true);

    // A restart refused at read-decode (a truncated image): first with its restarter killed
    // before it takes the refusal (the restart's kthread lets the module go at once too), then
    // taken as usual; the machine is stopped right after.
    const image = readGuestFile(m, IMAGE_PATH)!;
    writeGuestFile(m, IMAGE_PATH, image.subarray(0, image.length >> 1));
    const rops = () => crTrace(k).ops.filter((o) => o.op === "restart");
    const killed = startRestart(m, w, design.restarter);
    expect(runUntil(k, () => rops()[0]?.done === true, 10_000_000, 1)).toBe(true);
    expect(killed.crJob?.collected).toBe(false);
    doGroupExit(k, killed, { signal: SIGKILL });
    const gone = k.clock;
    expect(runUntil(k, () => crThreads(k).length === 0 && moduleRefs(k) === baseline, 200)).toBe(true);
    expect(k.clock - gone).toBeLessThan(COLLECT_POLL / 2);
    const rst = startRestart(m, w, design.restarter);
    expect(runUntil(k, () => rops()[1]?.done === true && !rst.alive)).toBe(true);
    for (const o of rops()) {
      expect(o.result).toBeLessThan(0);
      expect(o.error).toMatch(/read-decode/);
    }
    expect(moduleRefs(k)).toBe(baseline);
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
