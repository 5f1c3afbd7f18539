// A checkpoint of a container holding what the model does not carry yet (file locks, FIFOs, a POSIX
// timer aimed at a thread that is gone: issue 16; groups and resource limits are carried now:
// groups-rlimits.test.ts, timers, affinity and prctl flags: task-state.test.ts) is refused with EOPNOTSUPP
// and a message naming the object, so the cell is "unsupported" instead of restoring it wrong.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { EBUSY, EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import { AT_FDCWD, O_CREAT, O_RDWR } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { F_WRLCK, flockLock, OFFSET_MAX } from "../../../src/machine/fs/locks.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { allocTimerId } from "../../../src/machine/kernel/posix-timers.ts";
import { frozenForkTree, refusal } from "../../support/cr.ts";

describe("a checkpoint refuses what the model does not carry yet", () => {
  it("collects the container as before when it holds none of it", () => {
    const { k, init } = frozenForkTree();
    expect(collectContainer(k, init, "test").tasks.length).toBeGreaterThanOrEqual(2);
  });

  it("refuses a lock on a container's file held through a file outside the container (locks themselves are carried)", () => {
    const { k, init } = frozenForkTree();
    const f = openAt({ k, t: init }, AT_FDCWD, "locked", O_RDWR | O_CREAT, 0o644, "test") as File;
    init.files!.installNew(f, false);
    // Another open file of the inode that no task of the container holds (an outsider's).
    const outside = openAt({ k, t: init }, AT_FDCWD, "locked", O_RDWR, 0, "test") as File;
    const req = { kind: "flock" as const, type: F_WRLCK, start: 0n, end: OFFSET_MAX, owner: outside, file: outside, pid: init.pid };
    expect(flockLock(k, init, req, false)).toBe(0);
    const e = refusal(k, init);
    expect(e.errno).toBe(EBUSY);
    expect(e.message).toMatch(/^inode \d+ \(.*\/locked\) has a flock lock held through a file outside the container$/);
  });

  it("refuses a process with a POSIX timer aimed at a thread that is not in the container (gone)", () => {
    const a = frozenForkTree();
    const id = allocTimerId(a.init.group);
    const outside = [...a.k.tasks.values()].find((t) => t.pidNs === a.k.initNs)!;
    a.init.group.posixTimers.set(id, {
      id, clock: 1, notify: 4, signo: 14, value: id, target: outside, expires: 0, interval: 0, queueId: 0, info: null, overrunLast: 0,
    });
    const e = refusal(a.k, a.init);
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.message).toMatch(/^process \d+ \(.*\): POSIX timer 0 signals thread \d+, which is not a task of the container \(it has exited\): checkpoint\/restart of such a timer is not implemented yet$/);
  });
});
