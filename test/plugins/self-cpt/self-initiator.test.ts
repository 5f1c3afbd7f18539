// The self initiator: a task checkpoints its own container. Its three steps are in the trace;
// a failure at any of them leaves the container running as the reference did; the caller is
// recorded returning CPT_RESTARTED from sys_checkpoint, without its image fd; and the calls it
// must refuse get a clear errno before anything happens.
import { describe, expect, it } from "vitest";
import { collectContainer, containerTasks } from "../../../src/core/cr/collect/collect.ts";
import { CPT_FAIL_STEP_SHIFT, CPT_KILL, CPT_RESTARTED } from "../../../src/core/cr/interfaces.ts";
import { crTrace, type CrOpRecord } from "../../../src/core/cr/trace.ts";
import { Cred } from "../../../src/machine/kernel/cred.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { shellStatus, type Task } from "../../../src/machine/kernel/task.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { bootMachine, IMAGE_PATH, readGuestFile, startRun } from "../../../src/workbench/scenario/setup.ts";
import { SELF_STEPS } from "../../../src/plugins/self-cpt/initiator.ts";
import { experiment, frozenAtMark, openvzDesign, workloadRef } from "../../support/cr.ts";

const EIO = 5;
const EINVAL = 22;
const EBADF = 9;
const EPERM = 1;

const exp = experiment({ initiator: "self" });
const design = openvzDesign(exp);

/** Start `w` self-checkpointing at its first mark with `flags`; run it to its end. */
function selfCheckpoint(name: string, flags: number): { k: Kernel; ctl: Task; op: CrOpRecord | undefined; out: string; image: number } {
  const w = workloadRef(name);
  const m = bootMachine(exp, w, design.module());
  const k = m.kernel;
  const ctl = startRun(m, w, flags, "self");
  let seen = 0;
  k.onCptMark = (t) => (t.pidNs !== k.initNs && ++seen === 1 ? { checkpoint: flags } : false);
  k.run(Infinity, true);
  const op = crTrace(k).ops.find((o) => o.op === "checkpoint");
  const res = { k, ctl, op, out: Buffer.from(m.console.stdout).toString(), image: readGuestFile(m, IMAGE_PATH)?.length ?? 0 };
  k.shutdown();
  return res;
}

describe("self initiator", () => {
  const w = workloadRef("fork-tree");
  const ref = referenceRun(exp, w, design.module(), "self");

  it("records freeze, dump and kill, the caller inside the container, and the container dies", () => {
    const r = selfCheckpoint("fork-tree", CPT_KILL);
    expect(r.op?.result).toBe(0);
    expect(r.op!.steps.map((s) => s.step)).toEqual(["freeze", "dump", "kill"]);
    expect(r.image).toBe(r.op!.imageBytes);
    expect(shellStatus(r.ctl.exit!)).not.toBe(ref.exitCode);
    expect(r.k.oopses.count).toBe(0);
  });

  it("thaws without CPT_KILL: the program goes on as the reference did (the call returned 0)", () => {
    const r = selfCheckpoint("fork-tree", 0);
    expect(r.op!.steps.map((s) => s.step)).toEqual(["freeze", "dump", "thaw"]);
    expect(r.out).toBe(Buffer.from(ref.stdout).toString());
    expect(shellStatus(r.ctl.exit!)).toBe(ref.exitCode);
  });

  for (let n = 1; n <= SELF_STEPS.length; n++) {
    it(`a failure at step ${n} (${SELF_STEPS[n - 1]}) leaves the container running and no image`, () => {
      const r = selfCheckpoint("fork-tree", CPT_KILL | (n << CPT_FAIL_STEP_SHIFT));
      expect(r.op?.result).toBe(-EIO);
      expect(r.op!.error).toContain(SELF_STEPS[n - 1]);
      expect(r.out).toBe(Buffer.from(ref.stdout).toString());
      expect(shellStatus(r.ctl.exit!)).toBe(ref.exitCode);
      expect(r.image).toBe(0);
      expect(r.k.oopses.count).toBe(0);
    });
  }

  it("records the caller as returning CPT_RESTARTED from the call, without its image fd", () => {
    const { m, init } = frozenAtMark(workloadRef("hash"), 1, exp);
    const k = m.kernel;
    // The task held at its mark is asleep on an ecall, as a self-checkpointing caller is.
    const caller = [...k.tasks.values()].find((t) => t.pidNs === init.pidNs && t.restartCode !== 0 && t !== init)!;
    const fd = [...caller.files!.fds()][0];
    const model = collectContainer(k, init, "test", { self: { task: caller, fd, ret: CPT_RESTARTED } });
    const plain = collectContainer(k, init, "test");
    // Task records are in containerTasks order.
    const i = containerTasks(k, init).indexOf(caller);
    const rec = model.tasks[i];
    expect(plain.tasks[i].syscall).not.toBeNull();
    expect(rec.regs!.pc).toBe((caller.hart.pc + 4) >>> 0);
    expect(rec.regs!.x[10]).toBe(CPT_RESTARTED);
    expect(rec.syscall).toBeNull();
    const table = (m2: typeof model) => m2.fdTables.find((f) => f.id === m2.tasks[i].filesId)!.fds.map((e) => e.fd);
    expect(table(plain)).toContain(fd);
    expect(table(model)).not.toContain(fd);
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });

  it("refuses, before doing anything: the initial namespace, another pid, unknown flags, a bad fd, other users' tasks", () => {
    const { m, init } = frozenAtMark(workloadRef("hash"), 1, exp);
    const k = m.kernel;
    const call = (t: Task, pid: number, fd: number, flags: number): number => k.cptOps!.checkpoint(k, t, pid, fd, flags);
    const outside = [...k.tasks.values()].find((t) => t.pidNs === k.initNs && t.kthread === null)!;
    expect(call(outside, 0, 0, 0)).toBe(-EINVAL);
    expect(call(init, 5, 0, 0)).toBe(-EINVAL);
    expect(call(init, 0, 0, 0x4)).toBe(-EINVAL);
    expect(call(init, 0, 99, 0)).toBe(-EBADF);
    const user = new Cred(k.kobj, "test: an unprivileged user", 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0);
    init.setCred(user);
    k.kobj.put(user);
    expect(call(init, 0, 0, 0)).toBe(-EPERM);
    const refusals = crTrace(k).ops.filter((o) => o.op === "checkpoint");
    expect(refusals.length).toBe(5);
    expect(refusals.every((o) => o.done && o.result < 0 && o.error !== undefined)).toBe(true);
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
