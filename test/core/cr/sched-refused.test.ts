// A checkpoint of a container holding a task whose scheduling parameters or membarrier
// registrations were set is refused with EOPNOTSUPP naming them: the model does not carry them
// yet (issue 16). Pidfds and memfds are carried now: misc-files.test.ts.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";

function frozen(): { k: Kernel; init: Task } {
  const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
  return { k: m.kernel, init };
}

function refusal(k: Kernel, init: Task): string {
  try {
    collectContainer(k, init, "test");
  } catch (e) {
    if (!(e instanceof CrError)) throw e;
    expect(e.errno).toBe(EOPNOTSUPP);
    return e.message;
  }
  return "collected";
}

describe("scheduling parameters at checkpoint time", () => {
  it("refuses a task with a nice value or policy set, or membarrier registrations", () => {
    const a = frozen();
    a.init.nice = 5;
    expect(refusal(a.k, a.init)).toMatch(/^task \d+ \(.*\) has nice 5, scheduling policy 0 \(setpriority\/sched_setscheduler\): checkpoint\/restart of it is not implemented yet$/);
    a.init.nice = 0;
    a.init.schedPolicy = 3;
    a.init.resetOnFork = true;
    expect(refusal(a.k, a.init)).toMatch(/has nice 0, scheduling policy 3 with SCHED_RESET_ON_FORK/);
    const b = frozen();
    b.init.mm.membarrierState = 1 << 4;
    expect(refusal(b.k, b.init)).toMatch(/registered for membarrier commands/);
  });
});
