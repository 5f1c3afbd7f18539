// Edges of pidfds and tmpfs holes a C program under qemu-riscv32 cannot reach: fdinfo's NSpid
// of a process in a nested pid namespace (qemu-user cannot unshare one as a test's guest), and a
// punched hole taken out of a shared mapping that another process holds while the file stays
// mapped (the mapping must read zeros, not a page the cache has dropped).
import { describe, expect, it } from "vitest";
import { pidfdFdinfo, pidfdCreate, pidfdPid } from "../../../src/machine/kernel/pidfd.ts";
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, seekHoleData, tmpfsFallocate } from "../../../src/machine/fs/tmpfs/fallocate.ts";
import { SEEK_DATA, SEEK_HOLE } from "../../../src/machine/fs/constants.ts";
import type { TmpfsFile } from "../../../src/machine/fs/tmpfs/tmpfs.ts";
import { doMmap, MAP_SHARED } from "../../../src/machine/mm/mmap.ts";
import { PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { boot, CLONE_NEWPID, fork, open, shutdown, write } from "../fs/helpers.ts";

describe("pidfd fdinfo", () => {
  it("shows the pid in the owner's namespace and, after NSpid, in each nested one", () => {
    const b = boot();
    const child = fork(b.k, b.t, CLONE_NEWPID);
    const f = pidfdCreate(b.k, child.pid, 0, "test");
    const pid = pidfdPid(f)!;
    const outer = child.pid.nrIn(b.t.pidNs);
    expect(child.pid.nrIn(child.pidNs)).toBe(1);
    expect(pidfdFdinfo(pid, b.t.pidNs)).toBe(`Pid:\t${outer}\nNSpid:\t${outer}\t1\n`);
    // Seen from inside the child's namespace there is only the inner number.
    expect(pidfdFdinfo(pid, child.pidNs)).toBe("Pid:\t1\nNSpid:\t1\n");
    // A pid not visible from the reader's namespace prints 0 and no nested numbers.
    expect(pidfdFdinfo(b.t.pid, child.pidNs)).toBe("Pid:\t0\nNSpid:\t0\n");
    b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });
});

describe("hole punching under a shared mapping", () => {
  it("zaps the mapped page so the mapping reads zeros, and SEEK_DATA/SEEK_HOLE see the hole", () => {
    const b = boot();
    const f = open(b.c, "/tmp/punched");
    write(b.c, f, "x".repeat(3 * 4096));
    const inode = f.inode as TmpfsFile;
    const other = fork(b.k, b.t);
    const addr = doMmap(other.mm, 0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0, { inode, path: f.path, readable: true, writable: true });
    expect(addr).toBeGreaterThan(0);
    expect(other.mm.copyIn(addr + 4096, 1)![0]).toBe(0x78);
    expect(tmpfsFallocate(inode, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096)).toBe(0);
    expect(inode.cache.find(1)).toBeUndefined();
    expect(seekHoleData(inode, 0, SEEK_HOLE)).toBe(4096);
    expect(seekHoleData(inode, 4096, SEEK_DATA)).toBe(8192);
    expect(other.mm.copyIn(addr + 4096, 4096)!.every((v) => v === 0)).toBe(true);
    expect(other.mm.copyIn(addr, 1)![0]).toBe(0x78);
    // The mapping's fault brought a (zeroed) page back, as shmem_fault does: data again.
    expect(inode.cache.find(1)).toBeDefined();
    expect(seekHoleData(inode, 0, SEEK_HOLE)).toBe(3 * 4096);
    b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });
});
