// tmpfs: file data in machine frames (so the memory limit applies), holes, truncation, links
// and unlinked-but-open files, directory link counts, and the page interface the mm will map.
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { AT_FDCWD, O_RDONLY, O_RDWR, O_TRUNC } from "../../../src/machine/fs/constants.ts";
import { ENOSPC, ENOTEMPTY } from "../../../src/machine/fs/errno.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { KernelIter, KvecIter } from "../../../src/machine/fs/iov.ts";
import type { Path } from "../../../src/machine/fs/inode.ts";
import { lookupAt } from "../../../src/machine/fs/namei.ts";
import { vfsRead, vfsWrite } from "../../../src/machine/fs/read-write.ts";
import { TmpfsDir, TmpfsFile } from "../../../src/machine/fs/tmpfs/tmpfs.ts";
import { linkAt, mkdirAt, renameAt, rmdirAt, unlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import { truncateInode } from "../../../src/machine/fs/attr-ops.ts";
import { PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { boot, open, readAll, shutdown, write } from "./helpers.ts";

const pwrite = (b: ReturnType<typeof boot>, f: File, data: Uint8Array, pos: number): number =>
  vfsWrite(b.c, f, new KernelIter(data), { value: pos });

function pread(b: ReturnType<typeof boot>, f: File, len: number, pos: number): Uint8Array {
  const it = new KernelIter(new Uint8Array(len));
  const n = vfsRead(b.c, f, it, { value: pos });
  if (n < 0) throw new Error(`pread: ${n}`);
  return it.done.slice();
}

describe("tmpfs files", () => {
  it("keeps data in frames: a page per 4 KiB touched, holes cost nothing, truncate gives them back", () => {
    const b = boot();
    const frames = b.k.frames;
    const before = frames.inUse;
    const f = open(b.c, "/f");
    const inode = f.inode as TmpfsFile;
    expect(pwrite(b, f, new Uint8Array([1, 2, 3]), 10 * PAGE_SIZE + 5)).toBe(3);
    expect(inode.size).toBe(10 * PAGE_SIZE + 8);
    expect(frames.inUse - before).toBe(1);
    expect(inode.blocks).toBe(8);
    expect([...pread(b, f, 4, 5 * PAGE_SIZE)]).toEqual([0, 0, 0, 0]);
    expect([...pread(b, f, 4, 10 * PAGE_SIZE + 4)]).toEqual([0, 1, 2, 3]);
    expect(pwrite(b, f, new Uint8Array(2 * PAGE_SIZE).fill(7), PAGE_SIZE - 1)).toBe(2 * PAGE_SIZE);
    expect(frames.inUse - before).toBe(4);
    expect(truncateInode(b.c, inode, PAGE_SIZE + 1)).toBe(0);
    expect(frames.inUse - before).toBe(2);
    // The partial page's tail reads as zeros once the file grows again.
    expect(truncateInode(b.c, inode, 3 * PAGE_SIZE)).toBe(0);
    expect([...pread(b, f, 3, PAGE_SIZE - 1)]).toEqual([7, 7, 0]);
    b.k.kobj.put(f);
    expect(unlinkAt(b.c, AT_FDCWD, "/f")).toBe(0);
    expect(frames.inUse).toBe(before);
    expect(shutdown(b)).toBe(0);
  });

  it("a file unlinked while open keeps its data until the last close", () => {
    const b = boot();
    const frames = b.k.frames;
    const before = frames.inUse;
    const f = open(b.c, "/u");
    write(b.c, f, "x".repeat(3 * PAGE_SIZE));
    const g = open(b.c, "/u", O_RDONLY);
    expect(unlinkAt(b.c, AT_FDCWD, "/u")).toBe(0);
    expect(lookupAt(b.c, AT_FDCWD, "/u", 0)).toBe(-2);
    expect(f.inode.nlink).toBe(0);
    b.k.kobj.put(f);
    expect(frames.inUse - before).toBe(3);
    expect(readAll(b.c, g).length).toBe(3 * PAGE_SIZE);
    b.k.kobj.put(g);
    expect(frames.inUse).toBe(before);
    expect(shutdown(b)).toBe(0);
  });

  it("hard links share one inode; data goes when the last name and the last user are gone", () => {
    const b = boot();
    const before = b.k.frames.inUse;
    const f = open(b.c, "/h1");
    write(b.c, f, "data");
    b.k.kobj.put(f);
    expect(linkAt(b.c, AT_FDCWD, "/h1", AT_FDCWD, "/h2", 0)).toBe(0);
    const p = lookupAt(b.c, AT_FDCWD, "/h2", 0) as Path;
    expect(p.dentry.inode.nlink).toBe(2);
    expect(unlinkAt(b.c, AT_FDCWD, "/h1")).toBe(0);
    expect(b.k.frames.inUse - before).toBe(1);
    expect(readAll(b.c, open(b.c, "/h2", O_RDONLY))).toBe("data");
    expect(unlinkAt(b.c, AT_FDCWD, "/h2")).toBe(0);
    // The open file from readAll above still holds it: the machine's shutdown reports that leak.
    expect(b.k.frames.inUse - before).toBe(1);
    b.k.shutdown();
    expect(b.k.oopses.events.map((e) => e.kind)).toEqual(["leak"]);
    expect(b.k.oopses.events[0].objectType).toBe("file");
  });

  it("counts directory links as Linux does: 2 plus subdirectories", () => {
    const b = boot();
    const { c } = b;
    mkdirAt(c, AT_FDCWD, "/d", 0o755);
    mkdirAt(c, AT_FDCWD, "/d/a", 0o755);
    mkdirAt(c, AT_FDCWD, "/d/b", 0o755);
    b.k.kobj.put(open(c, "/d/file"));
    const d = (lookupAt(c, AT_FDCWD, "/d", 0) as Path).dentry.inode as TmpfsDir;
    expect(d.nlink).toBe(4);
    expect(d.size).toBe(5 * 20);
    expect(renameAt(c, AT_FDCWD, "/d/a", AT_FDCWD, "/a", 0)).toBe(0);
    expect(d.nlink).toBe(3);
    expect(rmdirAt(c, AT_FDCWD, "/d")).toBe(-ENOTEMPTY);
    expect(rmdirAt(c, AT_FDCWD, "/d/b")).toBe(0);
    expect(d.nlink).toBe(2);
    expect(d.list().map((e) => e.name)).toEqual(["file"]);
    expect(shutdown(b)).toBe(0);
  });

  it("returns ENOSPC when the machine's memory is used up, keeping what fit", () => {
    const b = boot(1);
    const f = open(b.c, "/big");
    const free = b.k.frames.limit - b.k.frames.inUse;
    const n = write(b.c, f, new Uint8Array((free + 4) * PAGE_SIZE));
    expect(n).toBe(free * PAGE_SIZE);
    expect(write(b.c, f, "more")).toBe(-ENOSPC);
    // O_TRUNC gives the memory back.
    b.k.kobj.put(open(b.c, "/big", O_RDWR | O_TRUNC));
    expect(b.k.frames.inUse).toBe(b.k.frames.limit - free);
    b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });

  fcTest.prop([fc.nat(2 * PAGE_SIZE), fc.array(fc.uint8Array({ minLength: 0, maxLength: 2 * PAGE_SIZE + 10 }), { maxLength: 8 })], { numRuns: 40 })(
    "a write of several kernel buffers (a kvec, as the checkpoint writes an image) stores them in order, as one buffer would",
    (pos, vecs) => {
      const b = boot(8);
      const f = open(b.c, "/k");
      const all = Buffer.concat(vecs);
      expect(vfsWrite(b.c, f, new KvecIter(vecs), { value: pos })).toBe(all.length);
      expect(f.inode.size).toBe(all.length === 0 ? 0 : pos + all.length);
      const back = pread(b, f, pos + all.length, 0);
      // The bytes before pos were never written: a hole, or the unwritten head of a page.
      expect(back.subarray(0, pos).every((x) => x === 0)).toBe(true);
      expect(Buffer.from(back.subarray(pos)).equals(all)).toBe(true);
      b.k.kobj.put(f);
      expect(shutdown(b)).toBe(0);
    },
  );

  it("a kvec write that runs out of memory keeps what fit, and the next write says ENOSPC", () => {
    const b = boot(1);
    const f = open(b.c, "/big");
    const free = b.k.frames.limit - b.k.frames.inUse;
    const page = (v: number): Uint8Array => new Uint8Array(PAGE_SIZE).fill(v);
    const vecs = Array.from({ length: free + 3 }, (_, i) => page(i + 1));
    const it = new KvecIter(vecs);
    expect(vfsWrite(b.c, f, it, { value: 0 })).toBe(free * PAGE_SIZE);
    expect(it.remaining).toBe(3 * PAGE_SIZE);
    expect(vfsWrite(b.c, f, it, { value: free * PAGE_SIZE })).toBe(-ENOSPC);
    expect(pread(b, f, PAGE_SIZE, (free - 1) * PAGE_SIZE).every((x) => x === free)).toBe(true);
    b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });

  fcTest.prop([fc.array(fc.tuple(fc.nat(3 * PAGE_SIZE), fc.uint8Array({ minLength: 0, maxLength: 5000 }), fc.option(fc.nat(4 * PAGE_SIZE))), { maxLength: 12 })], { numRuns: 40 })(
    "reads back what a model of writes and truncates says",
    (ops) => {
      const b = boot(8);
      const f = open(b.c, "/m");
      let model = new Uint8Array(0);
      for (const [pos, data, trunc] of ops) {
        expect(pwrite(b, f, data, pos)).toBe(data.length);
        if (data.length > 0) {
          const next = new Uint8Array(Math.max(model.length, pos + data.length));
          next.set(model);
          next.set(data, pos);
          model = next;
        }
        if (trunc !== null) {
          truncateInode(b.c, f.inode, trunc);
          const next = new Uint8Array(trunc);
          next.set(model.subarray(0, trunc));
          model = next;
        }
      }
      expect(f.inode.size).toBe(model.length);
      expect(Buffer.from(pread(b, f, model.length + 10, 0)).equals(Buffer.from(model))).toBe(true);
      b.k.kobj.put(f);
      expect(shutdown(b)).toBe(0);
    },
  );
});

describe("the page interface for file mappings", () => {
  it("hands out the frames read(2) and write(2) use, allocating holes, and nothing past EOF", () => {
    const b = boot();
    const f = open(b.c, "/map");
    const inode = f.inode as TmpfsFile;
    write(b.c, f, "abc");
    truncateInode(b.c, inode, 2 * PAGE_SIZE);
    const p0 = inode.getPage(0, false)!;
    expect(Buffer.from(p0.data.subarray(0, 3)).toString()).toBe("abc");
    // A write through the "mapping" is what read(2) sees.
    p0.data[1] = 0x42;
    expect(Buffer.from(pread(b, f, 3, 0)).toString()).toBe("aBc");
    const before = b.k.frames.inUse;
    const p1 = inode.getPage(1, true)!;
    expect(b.k.frames.inUse).toBe(before + 1);
    expect(p1.data.every((x) => x === 0)).toBe(true);
    expect(inode.getPage(1, false)).toBe(p1);
    expect(inode.getPage(2, false)).toBeNull();
    // A mapper takes its own reference and hears about truncation.
    b.k.frames.get(p1);
    const zapped: number[] = [];
    inode.cache.truncateListeners.add((from) => zapped.push(from));
    truncateInode(b.c, inode, 10);
    expect(zapped).toEqual([1]);
    expect(p1.refs).toBe(1);
    b.k.frames.put(p1);
    b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });
});
