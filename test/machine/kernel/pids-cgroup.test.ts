// The pids controller co-mounted with the freezer (issue 17 item 5): pids.max and pids.current
// in every group below the root, fork failing with EAGAIN at the limit (cgroup_can_fork), and a
// restart bounding the container it restores (a default pids.max; an image with more tasks than
// the group has room for is refused).
import { describe, expect, it } from "vitest";
import { Machine } from "../../../src/machine/machine.ts";
import { readFreezerFile, writeFreezerFile } from "../../../src/machine/kernel/freezer-files.ts";
import { CONTAINER_PIDS_MAX } from "../../../src/machine/kernel/freezer.ts";
import { Cred } from "../../../src/machine/kernel/cred.ts";
import { cloneArgsFromRegs, copyProcess } from "../../../src/machine/kernel/fork.ts";
import { sendSignal } from "../../../src/machine/kernel/signal.ts";
import { forkBombElf } from "../../fixtures/elf/fork-bomb.ts";
import { checkpointedIn, restartFrom } from "../../support/tamper.ts";

const EAGAIN = 11;
const EINVAL = 22;
const EPERM = 1;

describe("pids cgroup", () => {
  it("stops a fork bomb at pids.max: every task's fork fails with EAGAIN and the machine goes idle", () => {
    const m = new Machine({ seed: 3, capture: true });
    const k = m.kernel;
    const bomb = k.spawn(forkBombElf("sleep"), ["bomb"], [], "/bin/bomb");
    const g = k.freezer.createGroup(k.freezer.root, "bomb")!;
    expect(writeFreezerFile(k, g, "pids.max", bomb, "64\n")).toBe(3);
    k.freezer.attach(g, bomb);
    k.run(50_000_000, true);
    expect(g.pidsCurrent()).toBe(64);
    expect(readFreezerFile(k, g, "pids.current", bomb)).toBe("64\n");
    expect(readFreezerFile(k, g, "pids.max", bomb)).toBe("64\n");
    // Each task reaches the futex wait only after its fork returned -EAGAIN.
    const tasks = [...g.tasks];
    expect(tasks.every((t) => t.state === "sleeping")).toBe(true);
    expect(k.sched.nextCpu()).toBeNull();
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });

  it("a fork bomb in a container meets EAGAIN at its pids.max, and killing the container's init ends every task", () => {
    const m = new Machine({ seed: 5, capture: true });
    const k = m.kernel;
    const SIGCHLD = 17;
    const ctl = k.spawn(forkBombElf("sleep", { newPidNs: true }), ["ctl"], [], "/bin/ctl");
    const g = k.freezer.createGroup(k.freezer.root, "ct")!;
    g.pidsMax = CONTAINER_PIDS_MAX; // what a restart gives a restored container
    k.freezer.attach(g, ctl);
    const tasksBefore = k.kobj.liveCount("task_struct");
    const mmsBefore = k.kobj.liveCount("mm_struct");
    k.run(500_000_000, true);
    expect(g.pidsCurrent()).toBe(CONTAINER_PIDS_MAX);
    expect(k.kobj.liveCount("task_struct")).toBe(tasksBefore + CONTAINER_PIDS_MAX - 1);
    const inside = [...g.tasks].filter((t) => t !== ctl);
    const init = inside.find((t) => t.pidNs.reaper === t)!;
    expect(init.pidNs).not.toBe(ctl.pidNs);
    expect(inside.every((t) => t.pidNs === init.pidNs)).toBe(true);
    // Every task sleeps in the futex it reaches only after a fork returned -EAGAIN, and one
    // more fork from any of them fails the same way (cgroup_can_fork).
    expect([...g.tasks].every((t) => t.state === "sleeping")).toBe(true);
    expect(k.sched.nextCpu()).toBeNull();
    expect(copyProcess(k, inside[inside.length - 1], cloneArgsFromRegs(SIGCHLD, 0, 0, 0, 0))).toBe(-EAGAIN);
    // The container is killed through its init: the namespace goes down with it
    // (zap_pid_ns_processes), and only the controller and init's zombie stay in the group.
    sendSignal(k, init, { signo: 9, code: 0 }, true);
    k.run(50_000_000, true);
    expect(new Set(g.tasks)).toEqual(new Set([ctl, init]));
    expect(init.state).toBe("zombie");
    expect(inside.filter((t) => t !== init).every((t) => !k.tasks.has(t.id) && t.freed)).toBe(true);
    expect(k.kobj.liveCount("task_struct")).toBe(tasksBefore + 1);
    expect(k.kobj.liveCount("mm_struct")).toBe(mmsBefore);
    expect(g.pidsRoom()).toBe(CONTAINER_PIDS_MAX - 2);
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });

  it("pids.max takes max or a number from root only; the root group has no pids files", () => {
    const m = new Machine({ seed: 1 });
    const k = m.kernel;
    const t = k.spawn(forkBombElf("sleep"), ["x"], [], "/bin/x");
    const g = k.freezer.createGroup(k.freezer.root, "g")!;
    expect(readFreezerFile(k, g, "pids.max", t)).toBe("max\n");
    expect(writeFreezerFile(k, g, "pids.max", t, "12")).toBe(2);
    expect(g.pidsMax).toBe(12);
    expect(writeFreezerFile(k, g, "pids.max", t, "lots")).toBe(-EINVAL);
    expect(writeFreezerFile(k, g, "pids.max", t, "99999999")).toBe(-EINVAL);
    expect(writeFreezerFile(k, g, "pids.current", t, "1")).toBe(-EINVAL);
    expect(writeFreezerFile(k, g, "pids.max", t, "max")).toBe(3);
    expect(g.pidsMax).toBe(Infinity);
    expect(writeFreezerFile(k, k.freezer.root, "pids.max", t, "5")).toBe(-EINVAL);
    const user = new Cred(k.kobj, "test", 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0);
    t.setCred(user);
    k.kobj.put(user);
    expect(writeFreezerFile(k, g, "pids.max", t, "5")).toBe(-EPERM);
    k.killAll();
    k.run();
    k.shutdown();
  });

  it.each(["kernel", "userspace"])("a restart (%s creator) bounds the container, and refuses an image larger than the room left", (creator) => {
    const c = checkpointedIn("fork-tree", "cpt", creator);
    const ct = c.k.freezer.find(c.k.freezer.root, "ct")!;
    expect(ct.pidsMax).toBe(Infinity);
    const n = c.codec.decode(c.image.slice()).tasks.length;
    ct.pidsMax = n - 1;
    const tooMany = restartFrom(c, c.image);
    expect(tooMany.log[0]).toEqual(["restart", -EAGAIN]);
    expect(tooMany.op?.error).toBe(`read-decode: the image has ${n} tasks; the container's cgroup /ct has room for ${n - 1} more (pids.max)`);
    ct.pidsMax = Infinity;
    let bounded = 0;
    const ok = restartFrom(c, c.image, undefined, () => (bounded = Math.max(bounded, ct.pidsMax === CONTAINER_PIDS_MAX ? 1 : 0)));
    expect(ok.log[1]).toEqual(["exit", 0]);
    expect(bounded).toBe(1);
    expect(ct.pidsMax).toBe(CONTAINER_PIDS_MAX);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });
});
