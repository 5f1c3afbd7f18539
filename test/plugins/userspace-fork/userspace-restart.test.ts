// The user-space creator: a restart whose forked task dies in the window between fork and
// sys_restart fails cleanly (every forked task gone, no object left, the image intact, a retry
// restores); the objects fork made for each task and the kernel then replaced are counted, where
// the in-kernel creator makes none; clone_with_pid's rules (EPERM, EBUSY, EINVAL).
import { describe, expect, it } from "vitest";
import { crTrace } from "../../../src/core/cr/trace.ts";
import { KOBJECT_TYPES } from "../../../src/machine/kernel/kref.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { Cred } from "../../../src/machine/kernel/cred.ts";
import { sendSignal } from "../../../src/machine/kernel/signal.ts";
import { SIGCONT, SIGKILL, SIGSTOP } from "../../../src/machine/kernel/signal-names.ts";
import { SYSCALLS } from "../../../src/machine/kernel/syscalls/table.ts";
import { NR_CLONE_WITH_PID } from "../../../src/machine/kernel/syscalls/cr-nr.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { checkpointed, frozenAtMark, restart, workloadRef } from "../../support/cr.ts";

const ESRCH = 3;
const SIGCHLD = 17;

const live = (k: Kernel): Record<string, number> => Object.fromEntries(KOBJECT_TYPES.map((t) => [t, k.kobj.liveCount(t)]));

const inContainer = (k: Kernel): Task[] => [...k.tasks.values()].filter((t) => t.pidNs !== k.initNs);

describe("userspace creator", () => {
  it("a task killed between its fork and sys_restart fails the restart cleanly, and a retry restores", () => {
    const c = checkpointed("fork-tree", "userspace", { signals: "none" });
    const before = live(c.k);
    let killed = 0;
    const r = restart(c, (k) => {
      // The container's second task, as soon as the restarter has forked it.
      const victim = inContainer(k).find((t) => t.alive && t.pid.nrIn(t.pidNs) === 2 && t.pidNs.restarting !== null);
      if (killed === 0 && victim !== undefined) {
        killed = victim.id;
        sendSignal(k, victim, { signo: SIGKILL, code: 0 }, true);
      }
    });
    expect(killed).toBeGreaterThan(0);
    expect(r.log[0]).toEqual(["restart", -ESRCH]);
    expect(r.op.error).toMatch(/task 2 died \(killed by signal 9\) between its fork and sys_restart/);
    expect(inContainer(c.k).filter((t) => t.alive)).toEqual([]);
    c.k.run(Infinity, true);
    expect(live(c.k)).toEqual(before);
    const again = restart(c);
    expect(again.log[0][1]).toBeGreaterThan(0);
    expect(again.log[1]).toEqual(["exit", 0]);
    expect(again.op.result).toBeGreaterThan(0);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });

  it("signals: block holds a signal from outside until the container is whole, then delivers it", () => {
    const c = checkpointed("fork-tree", "userspace", { signals: "block" });
    let sent = -1;
    let target: Task | undefined;
    let rst: Task | undefined;
    const stoppedWhenDone: boolean[] = [];
    const r = restart(c, (k) => {
      rst ??= [...k.tasks.values()].find((t) => t.comm.startsWith("cptbench-mktre") && t.alive);
      const victim = inContainer(k).find((t) => t.alive && t.pid.nrIn(t.pidNs) === 2 && t.pidNs.restarting !== null);
      if (sent < 0 && victim !== undefined && rst !== undefined) {
        target = victim;
        // kill(pid, SIGSTOP) by the restarter, which is outside the container.
        sent = SYSCALLS[129]!.fn(k, rst, victim.id, SIGSTOP, 0, 0, 0, 0);
        expect(victim.pending.signals & (1n << BigInt(SIGSTOP - 1))).toBe(0n);
        expect(victim.state).not.toBe("stopped");
      }
      // Once the restart is over, the held SIGSTOP has stopped the restored task: let it go on.
      if (target?.state === "stopped") {
        stoppedWhenDone.push(crTrace(k).ops.at(-1)?.done === true);
        sendSignal(k, target, { signo: SIGCONT, code: 0 }, true);
      }
    });
    expect(sent).toBe(0);
    expect(r.op.result).toBeGreaterThan(0);
    expect(r.log.at(-1)).toEqual(["exit", 0]);
    // It stopped, and only once the restart was over.
    expect(stoppedWhenDone.length).toBeGreaterThan(0);
    expect(stoppedWhenDone.every((done) => done)).toBe(true);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });

  it("counts what fork made and the kernel replaced; the kernel creator replaces nothing", () => {
    const destroyed = (creator: string): Record<string, number> => {
      const c = checkpointed("fdshare", creator);
      const r = restart(c);
      expect(r.log.at(-1)).toEqual(["exit", 0]);
      c.k.shutdown();
      expect(c.k.oopses.count).toBe(0);
      return r.op.destroyed;
    };
    const kernel = destroyed("kernel");
    const user = destroyed("userspace");
    for (const type of ["mm_struct", "files_struct", "fs_struct", "sighand_struct", "signal_struct"]) {
      expect(kernel[type] ?? 0, `kernel creator destroys no ${type}`).toBe(0);
      expect(user[type] ?? 0, `userspace creator destroys the ${type} fork made`).toBeGreaterThan(0);
    }
  });

  it("clone_with_pid: EPERM without CAP_SYS_ADMIN outside a restart, EBUSY for a taken pid, EINVAL for pid 0", () => {
    const { m, init } = frozenAtMark(workloadRef("hash"), 1);
    const k = m.kernel;
    const call = (t: Task, pid: number): number => SYSCALLS[NR_CLONE_WITH_PID]!.fn(k, t, SIGCHLD, 0, 0, 0, 0, pid);
    expect(call(init, 0)).toBe(-22);
    expect(call(init, 1)).toBe(-16);
    const child = call(init, 777);
    expect(child).toBe(777);
    expect([...init.children].map((t) => t.pid.nrIn(init.pidNs))).toContain(777);
    const user = new Cred(k.kobj, "test: an unprivileged user", 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0);
    init.setCred(user);
    k.kobj.put(user);
    expect(call(init, 778)).toBe(-1);
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
