// A checkpoint of a container holding a pidfd or a memfd (by fd or only through a mapping), or
// a task whose scheduling parameters or membarrier registrations were set, is refused with
// EOPNOTSUPP naming the object: the model does not carry them yet (issue 16), and a memfd
// restored as a plain deleted tmpfs file would lose its seals and its name.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import { F_SEAL_WRITE, MemfdInode, memfdCreate, MFD_ALLOW_SEALING } from "../../../src/machine/fs/memfd.ts";
import { pidfdCreate } from "../../../src/machine/kernel/pidfd.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { doMmap, MAP_SHARED } from "../../../src/machine/mm/mmap.ts";
import { PROT_READ } from "../../../src/machine/mm/vma.ts";
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

describe("pidfds, memfds and scheduling parameters at checkpoint time", () => {
  it("refuses a pidfd, naming the fd, and collects again once it is closed", () => {
    const { k, init } = frozen();
    expect(refusal(k, init)).toBe("collected");
    const fd = init.files!.installNew(pidfdCreate(k, init.pid, 0, "test"), true);
    expect(refusal(k, init)).toBe(`fd ${fd} is a pidfd: checkpoint/restart of a pidfd is not implemented yet`);
    init.files!.close(fd);
    expect(refusal(k, init)).toBe("collected");
  });

  it("refuses a memfd held by an fd, and one only mapped after its fd was closed", () => {
    const { k, init } = frozen();
    const f = memfdCreate(k, init.cred, "state", MFD_ALLOW_SEALING, "test");
    const inode = f.inode as MemfdInode;
    inode.truncate(4096);
    inode.seals |= F_SEAL_WRITE;
    const fd = init.files!.installNew(f, false);
    expect(refusal(k, init)).toBe(`fd ${fd} is a memfd: checkpoint/restart of a memfd is not implemented yet`);
    const addr = doMmap(init.mm, 0, 4096, PROT_READ, MAP_SHARED, 0, { inode, path: f.path, readable: true, writable: false });
    expect(addr).toBeGreaterThan(0);
    init.files!.close(fd);
    expect(refusal(k, init)).toBe(`/memfd:state (deleted) is a memfd: checkpoint/restart of memfds is not implemented yet`);
  });

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
