// mremap: shrink, grow in place, move (frames move, nothing is copied), MREMAP_FIXED,
// MREMAP_DONTUNMAP, shared memory, and Linux's EFAULT/EINVAL/ENOMEM cases.
import { describe, expect, it } from "vitest";
import { EFAULT, EINVAL, ENOMEM } from "../../../src/machine/kernel/errno.ts";
import { ACCESS_READ, ACCESS_WRITE, FAULT_SIGBUS, SEGV_MAPERR } from "../../../src/machine/mm/mm.ts";
import { doMremap, MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE } from "../../../src/machine/mm/mremap.ts";
import { MAP_NORESERVE } from "../../../src/machine/mm/mmap.ts";
import { PROT_READ } from "../../../src/machine/mm/vma.ts";
import { areas, BASE, fixed, mmap, newMm, P, peek, poke, PRIV, RW, SHARED } from "./mm-helpers.ts";

const fill = (mm: ReturnType<typeof newMm>, addr: number, pages: number): void => {
  for (let p = 0; p < pages; p++) poke(mm, addr + p * P, p + 1);
};
const read = (mm: ReturnType<typeof newMm>, addr: number, pages: number): (number | null)[] =>
  Array.from({ length: pages }, (_, p) => peek(mm, addr + p * P));

describe("mremap", () => {
  it("shrinks in place, unmapping and freeing the tail", () => {
    const mm = newMm();
    fixed(mm, 0, 4);
    fill(mm, BASE, 4);
    expect(doMremap(mm, BASE, 4 * P, P + 1, 0, 0)).toBe(BASE);
    expect(areas(mm)).toEqual([[0, 2, "rw-"]]);
    expect(mm.frames.inUse).toBe(2);
    // Same size: nothing to do.
    expect(doMremap(mm, BASE, 2 * P, 2 * P, 0, 0)).toBe(BASE);
  });

  it("grows in place when the pages above are free, keeping the contents", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    fill(mm, BASE, 2);
    fixed(mm, 6, 1);
    expect(doMremap(mm, BASE, 2 * P, 6 * P, 0, 0)).toBe(BASE);
    // Grown up to the next area, with which it merges.
    expect(areas(mm)).toEqual([[0, 7, "rw-"]]);
    expect(read(mm, BASE, 3)).toEqual([1, 2, 0]);
  });

  it("without MREMAP_MAYMOVE, growth that does not fit is ENOMEM", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    fixed(mm, 2, 1, PROT_READ);
    expect(doMremap(mm, BASE, 2 * P, 3 * P, 0, 0)).toBe(-ENOMEM);
    // Growing from the middle of an area cannot be done in place either.
    expect(doMremap(mm, BASE, P, 2 * P, 0, 0)).toBe(-ENOMEM);
  });

  it("with MREMAP_MAYMOVE, moves the pages (same frames, no copy) and unmaps the old range", () => {
    const mm = newMm();
    fixed(mm, 0, 3);
    fill(mm, BASE, 3);
    fixed(mm, 3, 1, PROT_READ);
    const frames = [0, 1, 2].map((p) => mm.pt.get((BASE >>> 12) + p)!.frame);
    const used = mm.frames.inUse;
    const epoch = mm.epoch;
    const to = doMremap(mm, BASE, 3 * P, 5 * P, MREMAP_MAYMOVE, 0);
    expect(to).toBe(mm.mmapBase - 5 * P);
    expect(read(mm, to, 5)).toEqual([1, 2, 3, 0, 0]);
    expect([0, 1, 2].map((p) => mm.pt.get((to >>> 12) + p)!.frame)).toEqual(frames);
    expect(mm.frames.inUse).toBe(used);
    expect(mm.translate(BASE >>> 12, ACCESS_READ)).toBeNull();
    expect(mm.lastFault).toBe(SEGV_MAPERR);
    expect(mm.epoch).toBeGreaterThan(epoch);
  });

  it("moves a piece out of the middle of an area, which splits; the moved piece does not merge with new neighbours", () => {
    const mm = newMm();
    fixed(mm, 0, 6);
    fill(mm, BASE, 6);
    expect(doMremap(mm, BASE + 2 * P, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 20 * P)).toBe(BASE + 20 * P);
    fixed(mm, 22, 1);
    // As on Linux: the moved area keeps its page offset, so it is not contiguous with the new one.
    expect(areas(mm)).toEqual([[0, 2, "rw-"], [4, 2, "rw-"], [20, 2, "rw-"], [22, 1, "rw-"]]);
    expect(read(mm, BASE + 20 * P, 2)).toEqual([3, 4]);
    // Moved back, it fills its old hole and everything merges again.
    expect(doMremap(mm, BASE + 20 * P, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 2 * P)).toBe(BASE + 2 * P);
    expect(areas(mm)).toEqual([[0, 6, "rw-"], [22, 1, "rw-"]]);
    expect(read(mm, BASE, 6)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("MREMAP_FIXED replaces what is at the target and may shrink on the way", () => {
    const mm = newMm();
    fixed(mm, 0, 4);
    fill(mm, BASE, 4);
    fixed(mm, 10, 4, PROT_READ);
    expect(doMremap(mm, BASE, 4 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 11 * P)).toBe(BASE + 11 * P);
    expect(areas(mm)).toEqual([[10, 1, "r--"], [11, 2, "rw-"], [13, 1, "r--"]]);
    expect(read(mm, BASE + 11 * P, 2)).toEqual([1, 2]);
    expect(mm.frames.inUse).toBe(2);
  });

  it("MREMAP_DONTUNMAP moves the pages and leaves the old private range mapped and empty", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    fill(mm, BASE, 2);
    const to = doMremap(mm, BASE, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    expect(to).toBeGreaterThan(BASE);
    expect(read(mm, to, 2)).toEqual([1, 2]);
    expect(read(mm, BASE, 2)).toEqual([0, 0]);
    expect(mm.frames.inUse).toBe(2);
  });

  it("EINVAL per Linux: unknown flags, FIXED without MAYMOVE, new length 0, unaligned, DONTUNMAP resizing, overlap", () => {
    const mm = newMm();
    fixed(mm, 0, 4);
    expect(doMremap(mm, BASE, P, P, 8, 0)).toBe(-EINVAL);
    expect(doMremap(mm, BASE, P, 2 * P, MREMAP_FIXED, BASE + 8 * P)).toBe(-EINVAL);
    expect(doMremap(mm, BASE, P, 0, MREMAP_MAYMOVE, 0)).toBe(-EINVAL);
    expect(doMremap(mm, BASE + 1, P, P, 0, 0)).toBe(-EINVAL);
    expect(doMremap(mm, BASE, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0)).toBe(-EINVAL);
    expect(doMremap(mm, BASE, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + P)).toBe(-EINVAL);
    expect(doMremap(mm, BASE, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 8 * P + 1)).toBe(-EINVAL);
    // old_len 0 duplicates shared mappings only.
    expect(doMremap(mm, BASE, 0, P, MREMAP_MAYMOVE, 0)).toBe(-EINVAL);
  });

  it("EFAULT for an unmapped address, even to shrink, and for a range that crosses into the next area", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    fixed(mm, 2, 2, PROT_READ);
    expect(doMremap(mm, BASE + 8 * P, 2 * P, P, 0, 0)).toBe(-EFAULT);
    expect(doMremap(mm, BASE + 8 * P, P, 2 * P, MREMAP_MAYMOVE, 0)).toBe(-EFAULT);
    expect(doMremap(mm, BASE, 3 * P, 4 * P, MREMAP_MAYMOVE, 0)).toBe(-EFAULT);
  });

  it("ENOMEM when growth of a charged area is larger than the machine", () => {
    const mm = newMm(8);
    fixed(mm, 0, 2);
    expect(doMremap(mm, BASE, 2 * P, 20 * P, MREMAP_MAYMOVE, 0)).toBe(-ENOMEM);
    const nr = mmap(mm, 0, 2 * P, RW, PRIV | MAP_NORESERVE);
    expect(doMremap(mm, nr, 2 * P, 20 * P, MREMAP_MAYMOVE, 0)).toBeGreaterThan(0);
  });
});

describe("mremap of shared memory", () => {
  it("moves a shared mapping with its object; old_len 0 makes a second view of it", () => {
    const mm = newMm();
    const s = mmap(mm, 0, 2 * P, RW, SHARED);
    poke(mm, s, 5);
    const t = doMremap(mm, s, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE);
    expect(t).toBe(BASE);
    expect(peek(mm, BASE)).toBe(5);
    const dup = doMremap(mm, BASE, 0, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 10 * P);
    expect(dup).toBe(BASE + 10 * P);
    poke(mm, BASE + 10 * P + P, 6);
    expect(peek(mm, BASE + P)).toBe(6);
    expect(peek(mm, BASE + 10 * P)).toBe(5);
    expect(mm.frames.inUse).toBe(2);
  });

  it("growing a shared mapping past its object is SIGBUS on access, as on Linux", () => {
    const mm = newMm();
    const s = mmap(mm, 0, 2 * P, RW, SHARED);
    const g = doMremap(mm, s, 2 * P, 4 * P, MREMAP_MAYMOVE, 0);
    expect(g).toBeGreaterThan(0);
    expect(mm.translate((g >>> 12) + 1, ACCESS_WRITE)).not.toBeNull();
    expect(mm.translate((g >>> 12) + 2, ACCESS_WRITE)).toBeNull();
    expect(mm.lastFault).toBe(FAULT_SIGBUS);
  });
});
