// The pids controller co-mounted with the freezer (issue 17 item 5): pids.max and pids.current
// in every group below the root, fork failing with EAGAIN at the limit (cgroup_can_fork), and a
// restart bounding the container it restores (a default pids.max; an image with more tasks than
// the group has room for is refused).
import { describe, expect, it } from "vitest";
import { Machine } from "../../../src/machine/machine.ts";
import { readFreezerFile, writeFreezerFile } from "../../../src/machine/kernel/freezer-files.ts";
import { CONTAINER_PIDS_MAX } from "../../../src/machine/kernel/freezer.ts";
import { Cred } from "../../../src/machine/kernel/cred.ts";
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
