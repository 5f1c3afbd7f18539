// tmpfs: file data in machine frames (so the memory limit applies), holes, truncation, links
// and unlinked-but-open files, directory link counts, and the page interface the mm will map.
import { fc, test as fcTest } from "@fast-check/vitest";
import { beforeEach, describe, expect, it } from "vitest";
import { AT_FDCWD, O_RDONLY, O_RDWR, O_TRUNC } from "../../../src/machine/fs/constants.ts";
import { EFAULT, ENOSPC, ENOTEMPTY } from "../../../src/machine/fs/errno.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { KernelIter, KvecIter, SpliceIter, type IoIter } from "../../../src/machine/fs/iov.ts";
import type { Path } from "../../../src/machine/fs/inode.ts";
import { lookupAt } from "../../../src/machine/fs/namei.ts";
import { vfsRead, vfsWrite } from "../../../src/machine/fs/read-write.ts";
import { TmpfsDir, TmpfsFile } from "../../../src/machine/fs/tmpfs/tmpfs.ts";
import { linkAt, mkdirAt, renameAt, rmdirAt, unlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import { truncateInode } from "../../../src/machine/fs/attr-ops.ts";
import { PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { FRAME_POOL } from "../../../src/machine/mm/frame-pool.ts";
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

describe("tmpfs writes and reads a run of pages at a time", () => {
  // The process's pool holds what earlier tests freed, in whatever order: start from new slabs.
  beforeEach(() => FRAME_POOL.drain());

  /** An IoIter over `data` that faults after `stopAt` bytes, as a user buffer with a hole would. */
  class FaultingIter implements IoIter {
    private pos = 0;
    constructor(private readonly data: Uint8Array, private readonly stopAt: number) {}
    get remaining(): number {
      return this.data.length - this.pos;
    }
    copyOut(): number {
      throw new Error("a write source");
    }
    copyIn(n: number): Uint8Array {
      const m = Math.min(n, this.remaining, this.stopAt - this.pos);
      const out = this.data.slice(this.pos, this.pos + m);
      this.pos += m;
      return out;
    }
    copyInto(dst: Uint8Array, at: number, n: number): number {
      const got = this.copyIn(n);
      dst.set(got, at);
      return got.length;
    }
    advance(n: number): void {
      this.pos += n;
    }
  }

  const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

  it("fills fresh pages from the pool side by side with one copy, and reads them back whole", () => {
    const b = boot(8);
    const f = open(b.c, "/runs");
    const data = bytes(40 * PAGE_SIZE + 123, 5);
    expect(pwrite(b, f, data, 0)).toBe(data.length);
    const cache = (f.inode as TmpfsFile).cache;
    // The frames a run was made of lie side by side (pages 0..39 are whole pages of one write).
    const adjoining = [...Array(39).keys()].filter((i) => {
      const a = cache.find(i)!.data;
      const n = cache.find(i + 1)!.data;
      return a.buffer === n.buffer && a.byteOffset + PAGE_SIZE === n.byteOffset;
    }).length;
    expect(adjoining).toBeGreaterThan(30);
    expect(Buffer.from(pread(b, f, data.length + 50, 0)).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(pread(b, f, 3 * PAGE_SIZE, PAGE_SIZE + 7)).equals(Buffer.from(data.subarray(PAGE_SIZE + 7, 4 * PAGE_SIZE + 7)))).toBe(true);
    b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });

  it("a copy that faults part way keeps the page it stopped in, zeroed past it, and no page after", () => {
    const b = boot(8);
    const f = open(b.c, "/fault");
    const data = bytes(8 * PAGE_SIZE, 9);
    const stop = 2 * PAGE_SIZE + 100;
    // The pool's memory has old bytes in it: the kept page must not show them.
    const junk = b.k.frames.alloc()!;
    junk.data.fill(0xee);
    b.k.frames.put(junk);
    expect(vfsWrite(b.c, f, new FaultingIter(data, stop), { value: 0 })).toBe(stop);
    const inode = f.inode as TmpfsFile;
    expect(inode.size).toBe(stop);
    expect(inode.cache.nrPages).toBe(3);
    expect(inode.cache.find(2)!.data.subarray(100).every((x) => x === 0)).toBe(true);
    expect(Buffer.from(pread(b, f, stop, 0)).equals(Buffer.from(data.subarray(0, stop)))).toBe(true);
    // What Linux does (a host tmpfs file, pwrite from a bad pointer: -EFAULT, one more page in
    // st_blocks, st_size at the write's offset): the page the copy stopped in was taken before
    // the copy and stays, zeroed, even when no byte reached it, and i_size moves to where the
    // copy stopped. A run and the page-by-page loop agree.
    expect(vfsWrite(b.c, f, new FaultingIter(data, 0), { value: 4 * PAGE_SIZE })).toBe(-EFAULT);
    expect(inode.size).toBe(4 * PAGE_SIZE);
    expect(inode.cache.find(4)!.data.every((x) => x === 0)).toBe(true);
    expect(inode.cache.find(5)).toBeUndefined();
    expect(vfsWrite(b.c, f, new FaultingIter(data, PAGE_SIZE), { value: 10 * PAGE_SIZE })).toBe(PAGE_SIZE);
    expect(inode.size).toBe(11 * PAGE_SIZE);
    expect(inode.cache.nrPages).toBe(6);
    expect(inode.cache.find(11)!.data.every((x) => x === 0)).toBe(true);
    expect(inode.cache.find(12)).toBeUndefined();
    b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });

  fcTest.prop([fc.array(fc.tuple(fc.nat(6 * PAGE_SIZE), fc.nat(5 * PAGE_SIZE), fc.boolean()), { minLength: 1, maxLength: 10 }), fc.nat(40)], { numRuns: 30 })(
    "reads back what a model says when big writes, holes and scattered pool memory mix",
    (ops, scatter) => {
      const b = boot(8);
      // Leave the pool's free list out of address order, so some runs break where memory does.
      const held = Array.from({ length: scatter }, () => b.k.frames.alloc()!);
      for (let i = 0; i < held.length; i += 2) b.k.frames.put(held[i]!);
      const f = open(b.c, "/mix");
      let model = new Uint8Array(0);
      ops.forEach(([pos, len, aligned], n) => {
        const at = aligned ? pos - (pos % PAGE_SIZE) : pos;
        const data = bytes(len, n);
        expect(pwrite(b, f, data, at)).toBe(data.length);
        if (len === 0) return;
        const next = new Uint8Array(Math.max(model.length, at + len));
        next.set(model);
        next.set(data, at);
        model = next;
      });
      expect(f.inode.size).toBe(model.length);
      expect(Buffer.from(pread(b, f, model.length + 10, 0)).equals(Buffer.from(model))).toBe(true);
      const it = new SpliceIter(model.length);
      expect(vfsRead(b.c, f, it, { value: 0 })).toBe(model.length);
      expect(Buffer.from(Buffer.concat(it.pieces)).equals(Buffer.from(model))).toBe(true);
      for (let i = 1; i < held.length; i += 2) b.k.frames.put(held[i]!);
      b.k.kobj.put(f);
      expect(shutdown(b)).toBe(0);
    },
  );

  it("a splice read hands out the file's own pages, a run of them per piece", () => {
    const b = boot(8);
    const f = open(b.c, "/splice");
    const data = bytes(20 * PAGE_SIZE, 3);
    expect(pwrite(b, f, data, 0)).toBe(data.length);
    const it = new SpliceIter(1 << 20);
    expect(vfsRead(b.c, f, it, { value: 0 })).toBe(data.length);
    const first = (f.inode as TmpfsFile).cache.find(0)!.data;
    expect(it.pieces[0]!.buffer).toBe(first.buffer); // no copy: the page's memory
    expect(it.pieces[0]!.byteOffset).toBe(first.byteOffset);
    expect(it.pieces.length).toBeLessThan(20);
    expect(Buffer.concat(it.pieces).equals(Buffer.from(data))).toBe(true);
    b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });
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
