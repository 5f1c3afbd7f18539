// procfs for real programs: /proc/<pid>/exe (with and without a file in the tree), maps naming the
// executable's segments, smaps in Linux 6.1's format with values from the page table, fdinfo's
// generic lines and its hooks, environ/auxv/stat's env fields, and loadavg/uptime/meminfo.
import { describe, expect, it } from "vitest";
import { AT_FDCWD, O_CLOEXEC, O_RDONLY } from "../../../src/machine/fs/constants.ts";
import { ENOENT } from "../../../src/machine/fs/errno.ts";
import { registerFdinfoSource } from "../../../src/machine/fs/fdinfo.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import type { FsCtx, Path } from "../../../src/machine/fs/inode.ts";
import { KernelIter } from "../../../src/machine/fs/iov.ts";
import { LOOKUP_FOLLOW, lookupAt } from "../../../src/machine/fs/namei.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { vfsRead } from "../../../src/machine/fs/read-write.ts";
import { readlinkAt, unlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import { exeSegments } from "../../../src/machine/mm/exe-file.ts";
import { PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { showMaps } from "../../../src/machine/mm/maps.ts";
import { PROT_READ, PROT_WRITE, VM_ACCOUNT } from "../../../src/machine/mm/vma.ts";
import { parseElf } from "../../../src/machine/elf/elf.ts";
import { boot, fixture, fork, open, shutdown, write } from "./helpers.ts";

function cat(c: FsCtx, path: string): string | number {
  const f = openAt(c, AT_FDCWD, path, O_RDONLY, 0, "test");
  if (typeof f === "number") return f;
  const it = new KernelIter(new Uint8Array(1 << 17));
  const n = vfsRead(c, f, it);
  c.k.kobj.put(f);
  return n < 0 ? n : Buffer.from(it.done).toString("latin1");
}

/** Give the booted task an exe_file that is a tmpfs file, as execve of that path would. */
function exeFromTmpfs(c: FsCtx, path: string): Path {
  const bytes = fixture("guest", "hello.elf");
  c.k.vfs.installFile(path, bytes, 0o755);
  const p = lookupAt(c, AT_FDCWD, path, LOOKUP_FOLLOW);
  if (typeof p === "number") throw new Error(`lookup ${path}: ${p}`);
  c.t.mm.setExeFile({ path: p, name: path, segments: exeSegments(parseElf(bytes).segments, 0) });
  return p;
}

describe("/proc/<pid>/exe", () => {
  it("links to the executable's file, follows to it, and says (deleted) once it is unlinked", () => {
    const b = boot();
    const { c } = b;
    const p = exeFromTmpfs(c, "/bin/prog");
    expect(readlinkAt(c, AT_FDCWD, "/proc/self/exe")).toBe("/bin/prog");
    const f = openAt(c, AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, "test") as File;
    expect(f.inode).toBe(p.dentry.inode);
    b.k.kobj.put(f);
    // maps names each segment with the file's device, inode and offset.
    const text = showMaps(b.t.mm).split("\n")[0];
    expect(text).toMatch(new RegExp(`^00010000-[0-9a-f]{8} r-xp 00000000 00:14 ${p.dentry.inode.ino} +/bin/prog$`));
    expect(unlinkAt(c, AT_FDCWD, "/bin/prog")).toBe(0);
    expect(readlinkAt(c, AT_FDCWD, "/proc/self/exe")).toBe("/bin/prog (deleted)");
    // exe_file pins the inode: still readable through the link.
    expect(String(cat(c, "/proc/self/exe")).slice(1, 4)).toBe("ELF");
    expect(shutdown(b)).toBe(0);
  });

  it("names a program started from host bytes as if it lay at the root, and opens to its image", () => {
    const b = boot();
    const { c } = b;
    expect(readlinkAt(c, AT_FDCWD, "/proc/self/exe")).toBe("/hello");
    const elf = cat(c, "/proc/self/exe");
    expect(elf).toBe(Buffer.from(fixture("guest", "hello.elf")).toString("latin1"));
    // A forked child shares the exe_file.
    const child = fork(b.k, b.t);
    expect(readlinkAt({ k: b.k, t: child }, AT_FDCWD, `/proc/${child.pid.nrIn(b.t.pidNs)}/exe`)).toBe("/hello");
    expect(showMaps(b.t.mm).split("\n")[0]).toMatch(/ 00:00 0 +\/hello$/);
    expect(shutdown(b)).toBe(0);
  });

  it("is ENOENT for an mm without an exe_file (a restored one)", () => {
    const b = boot();
    b.t.mm.setExeFile(null);
    expect(readlinkAt(b.c, AT_FDCWD, "/proc/self/exe")).toBe(-ENOENT);
    expect(cat(b.c, "/proc/self/exe")).toBe(-ENOENT);
    expect(shutdown(b)).toBe(0);
  });
});

describe("/proc/<pid>/smaps", () => {
  it("prints Linux 6.1's fields for every area, in order, with the page-table counts", () => {
    const b = boot();
    const mm = b.t.mm;
    const base = 0x40000000;
    mm.mapRegion(base, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, VM_ACCOUNT, "anon");
    mm.writeU32(base, 1);
    mm.writeU32(base + PAGE_SIZE, 2);
    const s = cat(b.c, "/proc/self/smaps") as string;
    const entries = s.split(/\n(?=[0-9a-f]{8}-)/);
    expect(entries.length).toBe(mm.vmas.length);
    const e = entries.find((x) => x.startsWith("40000000-40004000"))!;
    const labels = e.split("\n").slice(1).filter((l) => l !== "").map((l) => l.split(":")[0]);
    expect(labels).toEqual([
      "Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty", "Shared_Clean", "Shared_Dirty", "Private_Clean",
      "Private_Dirty", "Referenced", "Anonymous", "LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped",
      "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss", "Locked", "THPeligible", "VmFlags",
    ]);
    expect(e).toContain("\nSize:                 16 kB\n");
    expect(e).toContain("\nRss:                   8 kB\nPss:                   8 kB\n");
    expect(e).toContain("\nPrivate_Dirty:         8 kB\n");
    expect(e).toContain("\nAnonymous:             8 kB\n");
    expect(e).toContain("\nPrivate_Hugetlb:       0 kB\n");
    expect(e).toContain("\nTHPeligible:    0\nVmFlags: rd wr mr mw me ac ");
    // After a fork both copies of a page are shared: Pss halves, the pages count as shared.
    const child = fork(b.k, b.t);
    const after = (cat(b.c, "/proc/self/smaps") as string).split(/\n(?=[0-9a-f]{8}-)/).find((x) => x.startsWith("40000000-"))!;
    expect(after).toContain("\nRss:                   8 kB\nPss:                   4 kB\n");
    expect(after).toContain("\nShared_Dirty:          8 kB\nPrivate_Clean:         0 kB\nPrivate_Dirty:         0 kB\n");
    expect(cat({ k: b.k, t: child }, "/proc/self/smaps")).toContain("[stack]");
    expect(shutdown(b)).toBe(0);
  });
});

describe("/proc/<pid>/fdinfo", () => {
  it("prints pos, flags in octal with O_CLOEXEC from the fd, mnt_id and ino, then the hooks' lines", () => {
    const b = boot();
    const { c, t } = b;
    const f = open(c, "/tmp/x");
    write(c, f, "hello");
    const fd = t.files!.installNew(f, true);
    const info = cat(c, `/proc/self/fdinfo/${fd}`) as string;
    expect(info).toBe(`pos:\t5\nflags:\t0${(0o2 | O_CLOEXEC).toString(8)}\nmnt_id:\t${f.path.mnt.id}\nino:\t${f.inode.ino}\n`);
    // A file kind's own lines (show_fdinfo) come last, a subsystem's (locks) before them.
    f.ops = { ...f.ops, fdinfo: () => "kind-line:\t1\n" };
    const source = (file: File): string => (file === f ? "lock:\t1: FLOCK  ADVISORY  WRITE\n" : "");
    registerFdinfoSource(source);
    expect(cat(c, `/proc/self/fdinfo/${fd}`)).toMatch(/\nino:\t\d+\nlock:\t1: FLOCK {2}ADVISORY {2}WRITE\nkind-line:\t1\n$/);
    expect(cat(c, "/proc/self/fdinfo/77")).toBe(-ENOENT);
    expect(shutdown(b)).toBe(0);
  });
});

describe("environ, auxv, stat and the system files", () => {
  it("reads environ and auxv as exec left them, and stat's env_start/env_end", () => {
    const b = boot();
    const t = b.k.spawn(fixture("guest", "hello.elf"), ["hello", "a"], ["X=1", "YY=22"], "hello");
    const c = { k: b.k, t };
    expect(cat(c, "/proc/self/environ")).toBe("X=1\0YY=22\0");
    expect(cat(c, "/proc/self/cmdline")).toBe("hello\0a\0");
    const auxv = Buffer.from(cat(c, "/proc/self/auxv") as string, "latin1");
    const words = Array.from({ length: auxv.length / 4 }, (_, i) => auxv.readUInt32LE(i * 4));
    expect(words.slice(-2)).toEqual([0, 0]);
    const pairs = new Map<number, number>();
    for (let i = 0; i < words.length; i += 2) pairs.set(words[i], words[i + 1]);
    expect(pairs.get(6)).toBe(PAGE_SIZE); // AT_PAGESZ
    const stat = (cat(c, "/proc/self/stat") as string).trim().split(" ");
    expect(stat.length).toBe(52);
    expect(Number(stat[49]) < Number(stat[50])).toBe(true);
    expect(t.mm.copyIn(Number(stat[49]), Number(stat[50]) - Number(stat[49]))).toEqual(Uint8Array.from(Buffer.from("X=1\0YY=22\0")));
    expect(shutdown(b)).toBe(0);
  });

  it("prints loadavg, uptime and meminfo in Linux's formats", () => {
    const b = boot();
    expect(cat(b.c, "/proc/loadavg")).toMatch(/^0\.00 0\.00 0\.00 1\/1 1\n$/);
    expect(cat(b.c, "/proc/uptime")).toMatch(/^\d+\.\d\d 0\.00\n$/);
    const mem = cat(b.c, "/proc/meminfo") as string;
    expect(mem.split("\n")[0]).toBe(`MemTotal:${String(64 * 1024).padStart(15)} kB`);
    expect(mem).toMatch(/\nMemFree: +\d+ kB\nMemAvailable: +\d+ kB\n/);
    expect(shutdown(b)).toBe(0);
  });
});
