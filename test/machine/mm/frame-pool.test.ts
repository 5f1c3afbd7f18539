// The host pool of frame memory (frame-pool.ts): a freed frame's memory is reused, by the same
// machine or another, and never shows a guest the bytes it held before.
import { beforeEach, describe, expect, it } from "vitest";
import { FRAME_POOL, FramePool } from "../../../src/machine/mm/frame-pool.ts";
import { Frame, FrameAllocator, PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { doMunmap } from "../../../src/machine/mm/mmap.ts";
import { ACCESS_READ, ACCESS_WRITE, Mm } from "../../../src/machine/mm/mm.ts";
import { dupMmap } from "../../../src/machine/mm/fork.ts";
import { BASE, fixed, P, peek, poke } from "./mm-helpers.ts";

/** Give back a page taken as bytes. */
function give(pool: FramePool, p: Uint8Array): void {
  pool.give(p.buffer, p.byteOffset);
}

/** A page of 0xa5 in mm at BASE, written as a guest would. */
function dirtyPage(mm: Mm): void {
  fixed(mm, 0, 1);
  expect(mm.copyOut(BASE, new Uint8Array(P).fill(0xa5))).toBe(true);
}

describe("frame pool", () => {
  beforeEach(() => FRAME_POOL.drain());

  it("gives a freed frame's memory to the next frame, zeroed, in another machine too", () => {
    const a = new FrameAllocator(16);
    const f = a.alloc()!;
    f.data.fill(0xa5);
    const mem = [f.buf, f.off] as const;
    a.put(f);
    expect(FRAME_POOL.size).toBe(1);
    // Another machine's allocator (every machine shares the process's pool).
    const b = new FrameAllocator(16);
    const g = b.alloc()!;
    expect(g.buf).toBe(mem[0]); // the same memory, reused...
    expect(g.off).toBe(mem[1]);
    expect(g.data.every((x) => x === 0)).toBe(true); // ...without its old bytes
    expect(FRAME_POOL.size).toBe(0);
  });

  it("never leaks an exited mm's bytes into another mm's fresh pages", () => {
    const old = new Mm(new FrameAllocator(64));
    dirtyPage(old);
    old.destroy();
    expect(FRAME_POOL.size).toBe(1);
    const mm = new Mm(new FrameAllocator(64));
    fixed(mm, 0, 2);
    // A write fault takes the pooled memory; every other byte of the page reads zero.
    expect(poke(mm, BASE + 100, 7)).toBe(true);
    expect(FRAME_POOL.size).toBe(0);
    const page = mm.copyIn(BASE, P)!;
    expect(page[100]).toBe(7);
    expect(page.filter((x) => x !== 0).length).toBe(1);
    // Read faults still map the zero page.
    expect(peek(mm, BASE + P + 5)).toBe(0);
  });

  it("reuses munmapped memory in the same mm zeroed", () => {
    const mm = new Mm(new FrameAllocator(64));
    dirtyPage(mm);
    expect(doMunmap(mm, BASE, P)).toBe(0);
    expect(FRAME_POOL.size).toBe(1);
    fixed(mm, 0, 1);
    const w = mm.translate(BASE >>> 12, ACCESS_WRITE)!;
    expect(FRAME_POOL.size).toBe(0);
    expect(new Uint8Array(w.buffer, w.byteOffset, PAGE_SIZE).every((x) => x === 0)).toBe(true);
  });

  it("copies a whole page on a copy-on-write break without zeroing, and exactly", () => {
    const old = new Mm(new FrameAllocator(64));
    dirtyPage(old);
    old.destroy();
    const parent = new Mm(new FrameAllocator(64));
    fixed(parent, 0, 1);
    const bytes = Uint8Array.from({ length: P }, (_, i) => i * 7);
    expect(parent.copyOut(BASE, bytes)).toBe(true);
    const child = dupMmap(parent, new Mm(parent.frames));
    // The child's write breaks COW into pooled memory: the parent's bytes, not 0xa5, then its own.
    expect(poke(child, BASE + 1, 0)).toBe(true);
    const got = child.copyIn(BASE, P)!;
    expect(got[1]).toBe(0);
    expect([...got.subarray(2)]).toEqual([...bytes.subarray(2)]);
    expect(parent.translate(BASE >>> 12, ACCESS_READ)!.getUint8(1)).toBe(7);
  });

  it("gives a frame's memory back once, even if it is put again after it was freed", () => {
    const a = new FrameAllocator(16);
    const f = a.alloc()!;
    a.put(f);
    a.get(f); // a use after free, caught elsewhere: the pool must not hold one page twice
    a.put(f);
    expect(FRAME_POOL.size).toBe(1);
    const g = a.alloc()!;
    const h = a.alloc()!;
    expect(g.buf !== h.buf || g.off !== h.off).toBe(true);
  });

  it("reads each page where it lies in its buffer, and knows which pages adjoin", () => {
    const mem = new ArrayBuffer(3 * PAGE_SIZE);
    new Uint8Array(mem)[2 * PAGE_SIZE + 5] = 0x5a;
    const f = Frame.over(1, new Uint8Array(mem, PAGE_SIZE, PAGE_SIZE));
    const g = Frame.over(2, new Uint8Array(mem, 2 * PAGE_SIZE, PAGE_SIZE));
    expect(g.data[5]).toBe(0x5a);
    expect(g.view.getUint8(5)).toBe(0x5a);
    expect(g.view).toBe(g.view); // made once: the TLBs keep it
    expect(f.data.every((x) => x === 0)).toBe(true);
    expect(g.adjoins(f.buf, f.off + PAGE_SIZE)).toBe(true);
    expect(f.adjoins(g.buf, g.off + PAGE_SIZE)).toBe(false);
    expect(() => Frame.over(3, new Uint8Array(mem, 0, 100))).toThrow(/4096 bytes, not 100/);
  });

  it("keeps at most its limit of free pages, and cuts new ones from slabs when empty", () => {
    const pool = new FramePool(2);
    const pages = [pool.takeBytes(true), pool.takeBytes(true), pool.takeBytes(true)];
    expect(pool.freshPages).toBe(3);
    // Pages cut from one slab lie side by side.
    expect(pages[1].byteOffset - pages[0].byteOffset).toBe(PAGE_SIZE);
    for (const p of pages) give(pool, p);
    expect(pool.size).toBe(2);
    pool.takeBytes(false);
    expect(pool.reusedPages).toBe(1);
  });

  it("hands pages out again in the order they were freed, so a run freed in order comes back as one", () => {
    const pool = new FramePool(64);
    const pages = Array.from({ length: 8 }, () => pool.takeBytes(true));
    for (const p of pages) give(pool, p);
    expect(pool.adjoiningAhead(100)).toBe(8);
    expect(pool.adjoiningAhead(3)).toBe(3);
    const run = pool.takeRun(5);
    expect(run.map((p) => p.byteOffset)).toEqual(pages.slice(0, 5).map((p) => p.byteOffset));
    for (let i = 1; i < run.length; i++) expect(run[i]!.byteOffset - run[i - 1]!.byteOffset).toBe(PAGE_SIZE);
    expect(pool.size).toBe(3);
    const next = pool.takeBytes(false);
    expect(next.buffer).toBe(pages[5]!.buffer);
    expect(next.byteOffset).toBe(pages[5]!.byteOffset);
  });

  it("keeps its order and its runs across thousands of free pages (a torn-down big guest)", () => {
    const pool = new FramePool(20_000);
    // Ten pages kept out, so that slabs (256 pages) and the free list's pieces (4,096 pages,
    // frame-pool.ts FreeChunk) do not start together: slab k holds pages[256k - 10, 256k + 246).
    for (let i = 0; i < 10; i++) pool.takeBytes(true);
    const pages = Array.from({ length: 10_240 }, () => pool.takeBytes(true));
    for (const p of pages) give(pool, p);
    expect(pool.size).toBe(10_240);
    let taken = 0;
    while (taken < 4086) taken += pool.takeRun(Math.min(256, 4086 - taken)).length;
    // The next slab's run, pages 4086-4341, crosses the list's first piece into its second.
    expect(pool.adjoiningAhead(300)).toBe(256);
    const next = pool.takeBytes(false);
    expect(next.buffer === pages[4086]!.buffer && next.byteOffset === pages[4086]!.byteOffset).toBe(true);
    for (let i = 0; i <= 4086; i++) give(pool, pages[i]!);
    expect(pool.size).toBe(10_240);
    for (let i = 4087; i < 10_240; i++) {
      const p = pool.takeBytes(false);
      expect(p.buffer === pages[i]!.buffer && p.byteOffset === pages[i]!.byteOffset, `page ${i}`).toBe(true);
    }
    // Then the pages given back, from the first: the rest of the first slab is one run.
    expect(pool.adjoiningAhead(300)).toBe(246);
    expect(pool.takeBytes(false).byteOffset).toBe(pages[0]!.byteOffset);
    expect(pool.size).toBe(4086);
    pool.drain();
    expect(pool.size).toBe(0);
  });

  it("counts a run only while the pages adjoin, and in a new slab as far as it goes", () => {
    const pool = new FramePool(64);
    const pages = Array.from({ length: 6 }, () => pool.takeBytes(true));
    // Freed out of order: 0 1 2 in a row, then 4, 3 and 5, none of which follows the one before.
    for (const i of [0, 1, 2, 4, 3, 5]) give(pool, pages[i]!);
    expect(pool.adjoiningAhead(10)).toBe(3);
    expect(pool.takeRun(10)).toHaveLength(3);
    expect(pool.adjoiningAhead(10)).toBe(1); // 4, then 3 lies before it
    pool.takeBytes(false);
    expect(pool.adjoiningAhead(10)).toBe(1); // 3, then 5 does not follow it
    pool.takeBytes(false);
    pool.takeBytes(false);
    // Empty: a new slab's pages, up to its end (the slab in use has 256 - 6 left).
    expect(pool.size).toBe(0);
    expect(pool.adjoiningAhead(1000)).toBe(256 - 6);
    expect(pool.takeRun(4)).toHaveLength(4);
    // The allocator never promises more than the machine may still take.
    const a = new FrameAllocator(3);
    expect(a.adjoiningAhead(10)).toBe(Math.min(3, FRAME_POOL.adjoiningAhead(10)));
    expect(a.adjoiningAhead(10)).toBeGreaterThan(0);
    a.alloc();
    a.alloc();
    a.alloc();
    expect(a.adjoiningAhead(10)).toBe(0);
  });
});
