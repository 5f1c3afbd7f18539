// madvise: DONTNEED on private and shared memory, the hint flags, holes, unknown advice.
import { describe, expect, it } from "vitest";
import { EINVAL, ENOMEM } from "../../../src/machine/kernel/errno.ts";
import {
  doMadvise, MADV_DONTFORK, MADV_DONTNEED, MADV_FREE, MADV_NORMAL, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
  MADV_RANDOM, MADV_REMOVE, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_WIPEONFORK,
} from "../../../src/machine/mm/madvise.ts";
import { PROT_READ } from "../../../src/machine/mm/vma.ts";
import { areas, BASE, fixed, newMm, P, peek, poke, RW, SHARED } from "./mm-helpers.ts";

describe("madvise", () => {
  it("MADV_DONTNEED returns private pages to demand-zero and frees their frames", () => {
    const mm = newMm();
    fixed(mm, 0, 3);
    for (let p = 0; p < 3; p++) poke(mm, BASE + p * P, 7);
    const epoch = mm.epoch;
    expect(doMadvise(mm, BASE, 2 * P, MADV_DONTNEED)).toBe(0);
    expect(mm.frames.inUse).toBe(1);
    expect(mm.epoch).toBeGreaterThan(epoch);
    expect([0, 1, 2].map((p) => peek(mm, BASE + p * P))).toEqual([0, 0, 7]);
    expect(areas(mm)).toEqual([[0, 3, "rw-"]]);
  });

  it("MADV_DONTNEED on shared memory unmaps the pages here but the object keeps the contents", () => {
    const mm = newMm();
    fixed(mm, 0, 2, RW, SHARED);
    poke(mm, BASE, 5);
    poke(mm, BASE + P, 6);
    expect(doMadvise(mm, BASE, 2 * P, MADV_DONTNEED)).toBe(0);
    expect(mm.pt.size).toBe(0);
    expect(mm.frames.inUse).toBe(2);
    expect([peek(mm, BASE), peek(mm, BASE + P)]).toEqual([5, 6]);
  });

  it("accepts NORMAL, RANDOM, SEQUENTIAL and WILLNEED; RANDOM/SEQUENTIAL split like Linux's vm_flags", () => {
    const mm = newMm();
    fixed(mm, 0, 4);
    poke(mm, BASE, 1);
    expect(doMadvise(mm, BASE, 4 * P, MADV_WILLNEED)).toBe(0);
    expect(doMadvise(mm, BASE + P, P, MADV_RANDOM)).toBe(0);
    expect(doMadvise(mm, BASE + 2 * P, P, MADV_SEQUENTIAL)).toBe(0);
    expect(mm.vmas).toHaveLength(4);
    expect(doMadvise(mm, BASE, 4 * P, MADV_NORMAL)).toBe(0);
    expect(areas(mm)).toEqual([[0, 4, "rw-"]]);
    expect(peek(mm, BASE)).toBe(1);
  });

  it("EINVAL for unknown advice, an unaligned start, a length that wraps; 0 for length 0", () => {
    const mm = newMm();
    fixed(mm, 0, 1);
    expect(doMadvise(mm, BASE, P, 999)).toBe(-EINVAL);
    expect(doMadvise(mm, BASE, P, -1)).toBe(-EINVAL);
    expect(doMadvise(mm, BASE + 1, P, MADV_NORMAL)).toBe(-EINVAL);
    expect(doMadvise(mm, BASE, 0xfffff001, MADV_NORMAL)).toBe(-EINVAL);
    expect(doMadvise(mm, BASE, 0, MADV_NORMAL)).toBe(0);
    expect(doMadvise(mm, BASE, 0, 999)).toBe(-EINVAL);
    // Hole punching in shared memory is not supported; Linux refuses it on private memory too.
    expect(doMadvise(mm, BASE, P, MADV_REMOVE)).toBe(-EINVAL);
  });

  it("ENOMEM for holes, after advising the mapped parts", () => {
    const mm = newMm();
    fixed(mm, 0, 1);
    fixed(mm, 2, 1);
    poke(mm, BASE, 1);
    poke(mm, BASE + 2 * P, 1);
    expect(doMadvise(mm, BASE, 3 * P, MADV_DONTNEED)).toBe(-ENOMEM);
    expect(mm.frames.inUse).toBe(0);
    expect(doMadvise(mm, BASE + 8 * P, P, MADV_NORMAL)).toBe(-ENOMEM);
    expect(doMadvise(mm, BASE + 2 * P, 4 * P, MADV_NORMAL)).toBe(-ENOMEM);
  });

  it("MADV_FREE keeps private contents (no memory pressure here) and is EINVAL on shared memory", () => {
    const mm = newMm();
    fixed(mm, 0, 1);
    fixed(mm, 1, 1, RW, SHARED);
    poke(mm, BASE, 3);
    expect(doMadvise(mm, BASE, P, MADV_FREE)).toBe(0);
    expect(peek(mm, BASE)).toBe(3);
    expect(doMadvise(mm, BASE + P, P, MADV_FREE)).toBe(-EINVAL);
    expect(doMadvise(mm, BASE + P, P, MADV_WIPEONFORK)).toBe(-EINVAL);
  });

  it("MADV_POPULATE_READ/WRITE prefault, and refuse areas whose protection forbids the access", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    fixed(mm, 2, 1, PROT_READ);
    expect(doMadvise(mm, BASE, 2 * P, MADV_POPULATE_WRITE)).toBe(0);
    expect(mm.frames.inUse).toBe(2);
    expect(doMadvise(mm, BASE + 2 * P, P, MADV_POPULATE_READ)).toBe(0);
    expect(mm.pt.size).toBe(3);
    expect(doMadvise(mm, BASE + 2 * P, P, MADV_POPULATE_WRITE)).toBe(-EINVAL);
  });

  it("MADV_DONTFORK marks (and splits off) the area", () => {
    const mm = newMm();
    fixed(mm, 0, 3);
    expect(doMadvise(mm, BASE + P, P, MADV_DONTFORK)).toBe(0);
    expect(mm.vmas).toHaveLength(3);
  });
});
