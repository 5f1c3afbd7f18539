// CrOp, the frame every checkpoint and restart runs in: steps timed on the virtual clock, fault
// injection by step number, a failure recorded against the step it happened in, and end().
import { describe, expect, it } from "vitest";
import { CrError, EBUSY, EIO } from "../../../src/core/cr/errors.ts";
import { CrOp, crTrace } from "../../../src/core/cr/trace.ts";
import { Machine } from "../../../src/machine/machine.ts";

function kernel() {
  return new Machine({ seed: 1 }).kernel;
}

describe("CrOp", () => {
  it("times each step from when it opened, under the name it closes with", () => {
    const k = kernel();
    const op = new CrOp(crTrace(k), "checkpoint", 7, "checkpoint", ["freeze", "dump", "thaw-or-kill"]);
    const start = k.clock;
    op.enter(1);
    k.clock += 100;
    op.close();
    op.enter(3);
    k.clock += 5;
    op.close("kill");
    op.end();
    expect(op.rec.caller).toBe(7);
    expect(op.rec.steps.map((s) => [s.step, s.start - start, s.end - start, s.result])).toEqual([
      ["freeze", 0, 100, 0],
      ["kill", 100, 105, 0],
    ]);
    expect(op.rec).toMatchObject({ done: true, result: 0, end: start + 105 });
    expect(op.rec.error).toBeUndefined();
  });

  it("fails the step fault injection names, and records the failure against it", () => {
    const k = kernel();
    const op = new CrOp(crTrace(k), "checkpoint", 1, "checkpoint", ["pre-dump", "freeze"], 2);
    op.enter(1);
    op.close();
    let thrown: unknown;
    try {
      op.enter(2);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CrError);
    expect(op.at).toBe(2);
    const err = op.fail(thrown, "cpt_dump");
    expect(err.errno).toBe(EIO);
    op.end();
    expect(op.rec.steps.map((s) => [s.step, s.result])).toEqual([["pre-dump", 0], ["freeze", -EIO]]);
    expect(op.rec.result).toBe(-EIO);
    expect(op.rec.error).toBe("freeze: freeze failed (injected by the checkpoint flags)");
  });

  it("moves its start with a clock jump, and turns a non-CrError into EIO and an oops", () => {
    const k = kernel();
    const op = new CrOp(crTrace(k), "restart", 1, "read-decode");
    const start = op.rec.start;
    op.next("create");
    op.shift(1000);
    expect(op.rec.start).toBe(start + 1000);
    op.fail(new CrError(EBUSY, "pid 5 cannot be taken"), "cpt_rst");
    expect(op.rec.steps.at(-1)).toMatchObject({ step: "create", result: -EBUSY, start: k.clock + 1000, detail: "pid 5 cannot be taken" });
    const bug = op.fail(new TypeError("x is undefined"), "cpt_rst");
    expect(bug.errno).toBe(EIO);
    expect(bug.message).toBe("bug in cpt_rst: x is undefined");
    expect(k.oopses.events.some((o) => o.message.includes("cpt_rst: bug in cpt_rst: x is undefined"))).toBe(true);
  });
});

describe("CrTrace.watchEnd", () => {
  it("tells every watcher and onEnd of each end, in that order, until the watcher stops", () => {
    const k = kernel();
    const trace = crTrace(k);
    const heard: string[] = [];
    trace.onEnd = (r) => heard.push(`onEnd ${r.op}`);
    const stopA = trace.watchEnd((r) => heard.push(`a ${r.op}`));
    trace.watchEnd((r) => heard.push(`b ${r.op}`));
    new CrOp(trace, "checkpoint", 1, "checkpoint").end();
    stopA();
    new CrOp(trace, "restart", 1, "read-decode").end();
    expect(heard).toEqual(["onEnd checkpoint", "a checkpoint", "b checkpoint", "onEnd restart", "b restart"]);
  });
});
