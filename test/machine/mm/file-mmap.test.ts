// mmap of tmpfs files through the page cache, driven through the syscall handlers of a spawned
// task: MAP_SHARED coherent with read/write and across processes, MAP_PRIVATE copy on write,
// SIGBUS past the end, truncate zapping ptes, the inode kept alive by its mappings, the access
// checks, and /proc/<pid>/maps naming the file.
import { describe, expect, it } from "vitest";
import { AT_FDCWD, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { unlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import { truncateInode } from "../../../src/machine/fs/attr-ops.ts";
import { EACCES, ENODEV, EINVAL } from "../../../src/machine/kernel/errno.ts";
import { SYSCALLS } from "../../../src/machine/kernel/syscalls/table.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { ACCESS_READ, ACCESS_WRITE, FAULT_SIGBUS } from "../../../src/machine/mm/mm.ts";
import { showMaps } from "../../../src/machine/mm/maps.ts";
import { MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED } from "../../../src/machine/mm/mmap.ts";
import { PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { boot, fork, open, readAll, shutdown, write, type Booted } from "../fs/helpers.ts";

const P = 4096;
const RW = PROT_READ | PROT_WRITE;

function sys(b: Booted, t: Task, nr: number, ...args: number[]): number {
  const r = args.map((a) => a | 0);
  while (r.length < 6) r.push(0);
  return SYSCALLS[nr]!.fn(b.k, t, r[0], r[1], r[2], r[3], r[4], r[5]);
}

/** Install f in t's fd table; returns the fd. */
function fdOf(t: Task, f: File): number {
  return t.files!.installNew(f, false);
}

const mmap = (b: Booted, t: Task, len: number, prot: number, flags: number, fd: number, pgoff = 0): number =>
  sys(b, t, 222, 0, len, prot, flags, fd, pgoff) >>> 0;

const peekStr = (t: Task, addr: number, n: number): string => Buffer.from(t.mm.copyIn(addr, n)!).toString("latin1");
const poke = (t: Task, addr: number, s: string): void => expect(t.mm.copyOut(addr, Buffer.from(s, "latin1"))).toBe(true);

describe("mmap of tmpfs files", () => {
  it("MAP_SHARED sees write() and its stores are seen by read() and by another process", () => {
    const b = boot();
    const f = open(b.c, "/tmp/shared", O_RDWR | O_CREAT);
    write(b.c, f, "hello, world");
    const fd = fdOf(b.t, f);
    const a = mmap(b, b.t, P, RW, MAP_SHARED, fd);
    expect(a & 0xfff).toBe(0);
    expect(peekStr(b.t, a, 12)).toBe("hello, world");
    poke(b.t, a, "HELLO");
    const g = open(b.c, "/tmp/shared", O_RDONLY);
    expect(readAll(b.c, g)).toBe("HELLO, world");
    // A second process mapping the file on its own shares the page.
    const child = fork(b.k, b.t);
    const cfd = fdOf(child, open({ k: b.k, t: child }, "/tmp/shared", O_RDWR));
    const ca = mmap(b, child, P, RW, MAP_SHARED, cfd);
    expect(peekStr(child, ca, 5)).toBe("HELLO");
    poke(child, ca + 7, "W");
    expect(peekStr(b.t, a, 12)).toBe("HELLO, World");
    // The forked copy of the parent's shared area is the same page too.
    poke(child, a, "j");
    expect(peekStr(b.t, a, 1)).toBe("j");
    // write() lands in the mapped page.
    const h = open(b.c, "/tmp/shared", O_WRONLY);
    write(b.c, h, "J");
    expect(peekStr(child, ca, 1)).toBe("J");
    for (const x of [g, h]) b.k.kobj.put(x);
    expect(showMaps(b.t.mm)).toMatch(new RegExp(`^${a.toString(16).padStart(8, "0")}-[0-9a-f]{8} rw-s 00000000 00:14 ${f.inode.ino} +/tmp/shared$`, "m"));
    expect(shutdown(b)).toBe(0);
  });

  it("MAP_PRIVATE copies on write: the file and other mappings keep their bytes", () => {
    const b = boot();
    const f = open(b.c, "/tmp/priv", O_RDWR | O_CREAT);
    write(b.c, f, "abcdef");
    const fd = fdOf(b.t, f);
    const priv = mmap(b, b.t, P, RW, MAP_PRIVATE, fd);
    const shared = mmap(b, b.t, P, PROT_READ, MAP_SHARED, fd);
    expect(peekStr(b.t, priv, 6)).toBe("abcdef");
    poke(b.t, priv, "X");
    expect(peekStr(b.t, priv, 6)).toBe("Xbcdef");
    expect(peekStr(b.t, shared, 6)).toBe("abcdef");
    const g = open(b.c, "/tmp/priv", O_RDONLY);
    expect(readAll(b.c, g)).toBe("abcdef");
    b.k.kobj.put(g);
    expect(showMaps(b.t.mm)).toContain(" rw-p 00000000 00:14 ");
    expect(shutdown(b)).toBe(0);
  });

  it("a fault past the end of the file is SIGBUS; truncate zaps the pages it removes", () => {
    const b = boot();
    const f = open(b.c, "/tmp/short", O_RDWR | O_CREAT);
    write(b.c, f, "x".repeat(P + 10));
    const fd = fdOf(b.t, f);
    const a = mmap(b, b.t, 3 * P, RW, MAP_SHARED, fd);
    const p = mmap(b, b.t, 3 * P, RW, MAP_PRIVATE, fd);
    expect(peekStr(b.t, a + P, 1)).toBe("x");
    poke(b.t, p + P, "y"); // a private copy of page 1
    // Bytes past EOF in the last page read as zero; the page after is SIGBUS.
    expect(peekStr(b.t, a + P + 10, 1)).toBe("\0");
    expect(b.t.mm.translate((a + 2 * P) >>> 12, ACCESS_READ)).toBeNull();
    expect(b.t.mm.lastFault).toBe(FAULT_SIGBUS);
    expect(sys(b, b.t, 46, fd, 100, 0)).toBe(0);
    for (const base of [a, p]) {
      expect(b.t.mm.translate((base + P) >>> 12, ACCESS_READ)).toBeNull();
      expect(b.t.mm.lastFault).toBe(FAULT_SIGBUS);
    }
    // The tail of the straddling page is zeroed in the shared mapping.
    expect(peekStr(b.t, a + 99, 2)).toBe("x\0");
    // Growing again brings pages back, reading zero.
    expect(sys(b, b.t, 46, fd, 2 * P, 0)).toBe(0);
    expect(peekStr(b.t, a + P, 1)).toBe("\0");
    expect(peekStr(b.t, p + P, 1)).toBe("\0");
    expect(shutdown(b)).toBe(0);
  });

  it("the mapping keeps an unlinked file alive until munmap", () => {
    const b = boot();
    const f = open(b.c, "/tmp/gone", O_RDWR | O_CREAT);
    write(b.c, f, "still here");
    const fd = fdOf(b.t, f);
    const a = mmap(b, b.t, P, RW, MAP_SHARED, fd);
    expect(sys(b, b.t, 57, fd)).toBe(0); // close
    expect(unlinkAt(b.c, AT_FDCWD, "/tmp/gone")).toBe(0);
    expect(peekStr(b.t, a, 10)).toBe("still here");
    expect(showMaps(b.t.mm)).toContain("/tmp/gone (deleted)");
    const pages = b.k.frames.inUse;
    expect(sys(b, b.t, 215, a, P)).toBe(0);
    expect(b.k.frames.inUse).toBeLessThan(pages); // the page cache went with the last user
    expect(shutdown(b)).toBe(0);
  });

  it("EACCES for shared writable mappings of read-only files and for write-only files; ENODEV without mmap", () => {
    const b = boot();
    const f = open(b.c, "/tmp/ro", O_RDWR | O_CREAT);
    write(b.c, f, "data");
    b.k.kobj.put(f);
    const ro = fdOf(b.t, open(b.c, "/tmp/ro", O_RDONLY));
    const wo = fdOf(b.t, open(b.c, "/tmp/ro", O_WRONLY));
    expect(mmap(b, b.t, P, RW, MAP_SHARED, ro) | 0).toBe(-EACCES);
    expect(mmap(b, b.t, P, PROT_READ, MAP_SHARED, wo) | 0).toBe(-EACCES);
    expect(mmap(b, b.t, P, PROT_READ, MAP_SHARED, ro, 0) | 0).toBeGreaterThan(0);
    const shared = mmap(b, b.t, P, PROT_READ, MAP_SHARED, ro);
    expect(sys(b, b.t, 226, shared, P, RW)).toBe(-EACCES); // no VM_MAYWRITE
    expect(mmap(b, b.t, P, RW, MAP_PRIVATE, ro) | 0).toBeGreaterThan(0);
    expect(mmap(b, b.t, P, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, ro) | 0).toBe(-EINVAL);
    const dir = fdOf(b.t, open(b.c, "/tmp", O_RDONLY));
    expect(mmap(b, b.t, P, PROT_READ, MAP_PRIVATE, dir) | 0).toBe(-ENODEV);
    const null_ = fdOf(b.t, open(b.c, "/dev/null", O_RDWR));
    expect(mmap(b, b.t, P, PROT_READ, MAP_SHARED, null_) | 0).toBe(-ENODEV);
    expect(mmap(b, b.t, P, PROT_READ, MAP_SHARED, 0) | 0).toBe(-ENODEV); // the console
    // A pipe's read end.
    const pfds = 0x20000000;
    b.t.mm.mapRegion(pfds, P, RW, 0, "anon");
    expect(sys(b, b.t, 59, pfds, 0)).toBe(0);
    const rfd = b.t.mm.readU32(pfds)!;
    expect(mmap(b, b.t, P, PROT_READ, MAP_SHARED, rfd) | 0).toBe(-ENODEV);
    expect(b.t.mm.translate(0, ACCESS_WRITE)).toBeNull();
    expect(shutdown(b)).toBe(0);
  });
  it("write() of a hole from a mapping of that same hole reads zeros, not the old bytes of reused memory", () => {
    const b = boot();
    // Memory the pool will hand out again holds 0xaa (a task's freed pages, or another machine's).
    const junk = Array.from({ length: 64 }, () => b.k.frames.alloc()!);
    for (const f of junk) {
      f.data.fill(0xaa);
      b.k.frames.put(f);
    }
    const f = open(b.c, "/tmp/hole", O_RDWR | O_CREAT);
    const fd = fdOf(b.t, f);
    truncateInode(b.c, f.inode, 3 * P); // three pages of hole
    const a = mmap(b, b.t, 3 * P, RW, MAP_SHARED, fd);
    // pwrite64 at page 1 from page 1 of the file itself, still a hole: the write takes the
    // page, then the copy faults it in from the page it is filling. Linux (qemu-riscv32): zeros.
    expect(sys(b, b.t, 68, fd, a + P, P, P, 0)).toBe(P);
    expect([...new Set(b.t.mm.copyIn(a + P, P)!)]).toEqual([0]);
    expect(shutdown(b)).toBe(0);
  });
});
