// A fatal signal pending for the restarter after the image is decoded aborts the restart at the
// next step, in both creators: no restored task runs as an orphan, nothing is left behind, and
// a retry restores exactly one copy of the container (issue 17, item 7).
import { describe, expect, it } from "vitest";
import { crTrace } from "../../../src/core/cr/trace.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { sendSignal } from "../../../src/machine/kernel/signal.ts";
import { SIGKILL } from "../../../src/machine/kernel/signal-names.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { checkpointed, restart } from "../../support/cr.ts";

const inContainer = (k: Kernel): Task[] => [...k.tasks.values()].filter((t) => t.alive && t.pidNs !== k.initNs);

describe.each(["kernel", "userspace"])("%s creator: SIGKILL to the restarter after decode", (creator) => {
  it("aborts the restart with EINTR at the next step; no orphan runs; a retry runs one copy", () => {
    const c = checkpointed("fork-tree", creator, creator === "userspace" ? { signals: "none" } : {});
    const k = c.k;
    let killed: Task | null = null;
    const r = restart(c, (kk) => {
      if (killed !== null) return;
      const op = crTrace(kk).ops.find((o) => o.op === "restart" && !o.done);
      // op.tasks is set once the image is decoded and validated.
      if (op === undefined || op.tasks === 0) return;
      const caller = [...kk.tasks.values()].find((t) => t.id === op.caller);
      if (caller === undefined || !caller.alive) return;
      killed = caller;
      sendSignal(kk, caller, { signo: SIGKILL, code: 0 }, true);
    });
    expect(killed).not.toBeNull();
    // Whichever the kthread sees first: the pending SIGKILL at a step boundary (Restart.fatalCheck)
    // or the restarter already gone (the creator's check); which one depends on when the killed
    // restarter is scheduled. Either way the restart fails before anything is committed.
    expect(r.op.error).toMatch(/fatal signal pending|restarting process died|restarter died/);
    expect(r.op.result).toBeLessThan(0);
    for (let i = 0; i < 50 && k.run(20_000, true) > 0; i++);
    expect(inContainer(k)).toEqual([]);
    const again = restart(c);
    expect(again.op.error).toBeUndefined();
    expect(again.op.result).toBeGreaterThan(0);
    const tasks = again.op.tasks;
    expect(tasks).toBeGreaterThan(0);
    // One copy: no more container tasks than the image holds (some may have exited already).
    expect(inContainer(k).length).toBeLessThanOrEqual(tasks);
  });
});
