// Mm.dup (fork's dup_mmap): copy-on-write private memory, shared memory shared, the zero page
// never copied, refcounts, and every frame freed when both address spaces are gone.
import { describe, expect, it } from "vitest";
import { doMadvise, MADV_DONTFORK, MADV_WIPEONFORK } from "../../../src/machine/mm/madvise.ts";
import { ACCESS_READ } from "../../../src/machine/mm/mm.ts";
import { mmapBase } from "../../../src/machine/mm/layout.ts";
import { BASE, fixed, mmap, newMm, P, peek, poke, PRIV, RW, SHARED } from "./mm-helpers.ts";

describe("Mm.dup", () => {
  it("shares private pages copy-on-write: each side then sees its own writes; refs go 1, 2, 1", () => {
    const parent = newMm();
    fixed(parent, 0, 1);
    poke(parent, BASE, 1);
    const vpn = BASE >>> 12;
    const frame = parent.pt.get(vpn)!.frame;
    expect(frame.refs).toBe(1);
    const epoch = parent.epoch;
    const child = parent.dup();
    // The parent's TLBs may hold a writable translation: it must flush.
    expect(parent.epoch).toBeGreaterThan(epoch);
    expect(frame.refs).toBe(2);
    expect(parent.pt.get(vpn)!.writable).toBe(false);
    expect(child.pt.get(vpn)!.writable).toBe(false);
    expect(parent.frames.inUse).toBe(1);

    poke(parent, BASE, 2);
    expect(frame.refs).toBe(1);
    expect(parent.frames.inUse).toBe(2);
    expect(parent.pt.get(vpn)!.frame).not.toBe(frame);
    // The child is now the frame's only user: its write takes the frame back, no copy.
    poke(child, BASE, 3);
    expect(child.pt.get(vpn)!.frame).toBe(frame);
    expect(parent.frames.inUse).toBe(2);
    expect([peek(parent, BASE), peek(child, BASE)]).toEqual([2, 3]);

    parent.destroy();
    child.destroy();
    expect(parent.frames.inUse).toBe(0);
  });

  it("the child writing first copies, and the parent then reuses its frame", () => {
    const parent = newMm();
    fixed(parent, 0, 1);
    poke(parent, BASE, 1);
    const frame = parent.pt.get(BASE >>> 12)!.frame;
    const child = parent.dup();
    poke(child, BASE, 9);
    expect(child.pt.get(BASE >>> 12)!.frame).not.toBe(frame);
    poke(parent, BASE, 8);
    expect(parent.pt.get(BASE >>> 12)!.frame).toBe(frame);
    expect([peek(parent, BASE), peek(child, BASE)]).toEqual([8, 9]);
  });

  it("never copies the zero page on a read, on either side", () => {
    const parent = newMm();
    fixed(parent, 0, 4);
    for (let p = 0; p < 4; p++) expect(peek(parent, BASE + p * P)).toBe(0);
    const child = parent.dup();
    for (let p = 0; p < 4; p++) expect(peek(child, BASE + p * P)).toBe(0);
    expect(parent.frames.inUse).toBe(0);
    expect(child.translate(BASE >>> 12, ACCESS_READ)).toBe(parent.frames.zeroPage.view);
    // A write after fork gets a fresh zero-filled frame.
    poke(child, BASE, 1);
    expect(peek(parent, BASE)).toBe(0);
    expect(parent.frames.zeroPage.data.every((b) => b === 0)).toBe(true);
  });

  it("keeps shared memory shared: both see each other's writes, even to pages untouched at fork", () => {
    const parent = newMm();
    const s = mmap(parent, 0, 3 * P, RW, SHARED);
    poke(parent, s, 1);
    const child = parent.dup();
    poke(child, s, 2);
    poke(child, s + P, 3);
    poke(parent, s + 2 * P, 4);
    expect([0, 1, 2].map((p) => peek(parent, s + p * P))).toEqual([2, 3, 4]);
    expect([0, 1, 2].map((p) => peek(child, s + p * P))).toEqual([2, 3, 4]);
    expect(parent.frames.inUse).toBe(3);
    // The pages outlive one side.
    parent.destroy();
    expect(peek(child, s + P)).toBe(3);
    expect(child.frames.inUse).toBe(3);
    child.destroy();
    expect(child.frames.inUse).toBe(0);
  });

  it("frees every frame once both mms are destroyed, in either order, after writes on both sides", () => {
    for (const parentFirst of [true, false]) {
      const parent = newMm();
      const a = mmap(parent, 0, 8 * P, RW, PRIV);
      const s = mmap(parent, 0, 2 * P, RW, SHARED);
      for (let p = 0; p < 8; p++) poke(parent, a + p * P, p);
      poke(parent, s, 1);
      const child = parent.dup();
      for (let p = 0; p < 8; p += 2) poke(child, a + p * P, 100 + p);
      for (let p = 1; p < 8; p += 3) poke(parent, a + p * P, 200 + p);
      poke(child, s + P, 2);
      const grandchild = child.dup();
      poke(grandchild, a, 77);
      for (const mm of parentFirst ? [parent, child, grandchild] : [grandchild, child, parent]) mm.destroy();
      expect(parent.frames.inUse).toBe(0);
    }
  });

  it("copies brk, the stack marker and mmap_base", () => {
    const parent = newMm();
    parent.startBrk = parent.brk = 0x20000;
    parent.setBrk(0x23000);
    parent.startStack = 0x7ffe0000;
    const child = parent.dup();
    expect([child.startBrk, child.brk, child.startStack, child.mmapBase]).toEqual([0x20000, 0x23000, 0x7ffe0000, mmapBase()]);
    expect(child.vmas.map((v) => [v.start, v.end])).toEqual(parent.vmas.map((v) => [v.start, v.end]));
    // The copies are separate objects: changing one side's list leaves the other alone.
    child.setBrk(0x21000);
    expect(parent.vmas[0].end).toBe(0x23000);
  });

  it("leaves MADV_DONTFORK areas behind and gives MADV_WIPEONFORK areas empty", () => {
    const parent = newMm();
    fixed(parent, 0, 1);
    fixed(parent, 1, 1, RW, PRIV);
    fixed(parent, 4, 1);
    for (const p of [0, 1, 4]) poke(parent, BASE + p * P, 5);
    doMadvise(parent, BASE, P, MADV_DONTFORK);
    doMadvise(parent, BASE + 4 * P, P, MADV_WIPEONFORK);
    const child = parent.dup();
    expect(peek(child, BASE)).toBeNull();
    expect(peek(child, BASE + P)).toBe(5);
    expect(peek(child, BASE + 4 * P)).toBe(0);
    expect(peek(parent, BASE + 4 * P)).toBe(5);
    parent.destroy();
    child.destroy();
    expect(parent.frames.inUse).toBe(0);
  });
});
