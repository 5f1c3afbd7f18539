// mmap/munmap: placement (hints, top-down from mmap_base), MAP_FIXED and MAP_FIXED_NOREPLACE,
// flag and length errors, overcommit, MAP_POPULATE, shared anonymous memory, the frame limit.
import { describe, expect, it } from "vitest";
import { EEXIST, EINVAL, ENOMEM, EOVERFLOW, EPERM } from "../../../src/machine/kernel/errno.ts";
import { STACK_TOP as EXEC_STACK_TOP } from "../../../src/machine/kernel/exec.ts";
import { MMAP_MIN_ADDR, mmapBase, STACK_GUARD_GAP, STACK_TOP, TASK_SIZE, TASK_UNMAPPED_BASE } from "../../../src/machine/mm/layout.ts";
import { ACCESS_WRITE, FAULT_OOM } from "../../../src/machine/mm/mm.ts";
import {
  doMmap, doMunmap, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_NORESERVE, MAP_POPULATE,
  MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE,
} from "../../../src/machine/mm/mmap.ts";
import { PROT_NONE, PROT_READ, VM_GROWSDOWN } from "../../../src/machine/mm/vma.ts";
import { areas, BASE, fixed, mmap, newMm, P, peek, poke, PRIV, RW, SHARED } from "./mm-helpers.ts";

describe("mmap placement", () => {
  it("puts mmap_base 128 MiB below the stack top (Linux's minimum gap) and allocates top-down", () => {
    expect(STACK_TOP).toBe(EXEC_STACK_TOP);
    expect(mmapBase()).toBe(STACK_TOP - (128 << 20));
    const mm = newMm();
    expect(mmap(mm, 0, P, RW, PRIV)).toBe(mm.mmapBase - P);
    expect(mmap(mm, 0, 3 * P, PROT_READ, PRIV)).toBe(mm.mmapBase - 4 * P);
    // A freed hole at the top is reused before going lower.
    doMunmap(mm, mm.mmapBase - P, P);
    expect(mmap(mm, 0, P, RW, PRIV)).toBe(mm.mmapBase - P);
  });

  it("takes a free hint as is, and ignores one that is taken", () => {
    const mm = newMm();
    expect(mmap(mm, BASE, 2 * P, RW, PRIV)).toBe(BASE);
    expect(mmap(mm, BASE + P, P, RW, PRIV)).toBe(mm.mmapBase - P);
    // An unaligned hint is rounded down.
    expect(mmap(mm, BASE + 8 * P + 123, P, RW, PRIV)).toBe(BASE + 8 * P);
  });

  it("raises a hint below mmap_min_addr to it, and ignores one beyond user space", () => {
    const mm = newMm();
    expect(mmap(mm, 0x1000, P, RW, PRIV)).toBe(MMAP_MIN_ADDR);
    expect(mmap(mm, 0x90000000, P, RW, PRIV)).toBe(mm.mmapBase - P);
  });

  it("keeps the stack guard gap free below a grows-down area", () => {
    const mm = newMm();
    const top = mm.mmapBase;
    mm.mapRegion(top - 4 * P, 4 * P, RW, VM_GROWSDOWN, "stack");
    expect(mmap(mm, 0, P, RW, PRIV)).toBe(top - 4 * P - STACK_GUARD_GAP - P);
    expect(mmap(mm, top - 4 * P - P, P, RW, PRIV)).not.toBe(top - 5 * P);
  });

  it("falls back to bottom-up from TASK_UNMAPPED_BASE when the top-down area is full", () => {
    const mm = newMm();
    // Fill [MMAP_MIN_ADDR, mmap_base) with one huge read-only mapping (not charged).
    expect(mmap(mm, MMAP_MIN_ADDR, mm.mmapBase - MMAP_MIN_ADDR, PROT_READ, PRIV | MAP_FIXED)).toBe(MMAP_MIN_ADDR);
    expect(mmap(mm, 0, P, RW, PRIV)).toBe(mm.mmapBase);
    expect(TASK_UNMAPPED_BASE).toBe(0x2aaab000);
  });

  it("is ENOMEM when no gap is big enough", () => {
    const mm = newMm();
    expect(mmap(mm, 0, TASK_SIZE - MMAP_MIN_ADDR + P, PROT_READ, PRIV)).toBe(-ENOMEM);
    expect(mmap(mm, 0, 0x7f000000, PROT_READ, PRIV)).toBe(-ENOMEM);
  });
});

describe("MAP_FIXED", () => {
  it("replaces part of a mapping, freeing the replaced frames", () => {
    const mm = newMm();
    fixed(mm, 0, 4);
    for (let p = 0; p < 4; p++) poke(mm, BASE + p * P, 10 + p);
    expect(mm.frames.inUse).toBe(4);
    expect(mmap(mm, BASE + P, 2 * P, PROT_READ, PRIV | MAP_FIXED)).toBe(BASE + P);
    expect(mm.frames.inUse).toBe(2);
    expect(areas(mm)).toEqual([[0, 1, "rw-"], [1, 2, "r--"], [3, 1, "rw-"]]);
    expect([0, 1, 2, 3].map((p) => peek(mm, BASE + p * P))).toEqual([10, 0, 0, 13]);
  });

  it("needs an aligned address and stays inside user space", () => {
    const mm = newMm();
    expect(mmap(mm, BASE + 1, P, RW, PRIV | MAP_FIXED)).toBe(-EINVAL);
    expect(mmap(mm, TASK_SIZE - P, 2 * P, RW, PRIV | MAP_FIXED)).toBe(-ENOMEM);
    expect(mmap(mm, 0x1000, P, RW, PRIV | MAP_FIXED)).toBe(-EPERM);
  });

  it("MAP_FIXED_NOREPLACE maps a free range and refuses a taken one with EEXIST", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    poke(mm, BASE, 7);
    expect(mmap(mm, BASE + P, 2 * P, RW, PRIV | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expect(peek(mm, BASE)).toBe(7);
    expect(mmap(mm, BASE + 2 * P, 2 * P, RW, PRIV | MAP_FIXED_NOREPLACE)).toBe(BASE + 2 * P);
    expect(mmap(mm, BASE + 8 * P + 1, P, RW, PRIV | MAP_FIXED_NOREPLACE)).toBe(-EINVAL);
  });
});

describe("mmap errors", () => {
  it("EINVAL: length 0, no or a bad mapping type, a shared grows-down mapping", () => {
    const mm = newMm();
    expect(mmap(mm, 0, 0, RW, PRIV)).toBe(-EINVAL);
    expect(mmap(mm, 0, P, RW, MAP_ANONYMOUS)).toBe(-EINVAL);
    expect(mmap(mm, 0, P, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS)).toBe(-EINVAL);
    expect(mmap(mm, 0, P, RW, 0xf | MAP_ANONYMOUS)).toBe(-EINVAL);
    expect(mmap(mm, 0, P, RW, SHARED | MAP_GROWSDOWN)).toBe(-EINVAL);
    expect(mm.vmas).toEqual([]);
  });

  it("ENOMEM for a length that wraps when page aligned; EOVERFLOW for an offset that wraps", () => {
    const mm = newMm();
    expect(mmap(mm, 0, 0xfffff001, RW, PRIV)).toBe(-ENOMEM);
    expect(doMmap(mm, 0, 2 * P, RW, PRIV, 0xffffffff, null)).toBe(-EOVERFLOW);
  });

  it("refuses a single charged mapping larger than the machine, as Linux's overcommit heuristic does", () => {
    const mm = newMm(256);
    expect(mmap(mm, 0, 257 * P, RW, PRIV)).toBe(-ENOMEM);
    expect(mmap(mm, 0, 257 * P, RW, SHARED)).toBe(-ENOMEM);
    // Not charged: read-only private, MAP_NORESERVE (private or shared).
    expect(mmap(mm, 0, 257 * P, PROT_READ, PRIV)).toBeGreaterThan(0);
    expect(mmap(mm, 0, 257 * P, RW, PRIV | MAP_NORESERVE)).toBeGreaterThan(0);
    expect(mmap(mm, 0, 257 * P, RW, SHARED | MAP_NORESERVE)).toBeGreaterThan(0);
    // No running total: each request on its own fits.
    expect(mmap(mm, 0, 256 * P, RW, PRIV)).toBeGreaterThan(0);
    expect(mmap(mm, 0, 256 * P, RW, PRIV)).toBeGreaterThan(0);
  });

  it("munmap: EINVAL for an unaligned start, length 0 or a range beyond user space", () => {
    const mm = newMm();
    expect(doMunmap(mm, BASE + 1, P)).toBe(-EINVAL);
    expect(doMunmap(mm, BASE, 0)).toBe(-EINVAL);
    expect(doMunmap(mm, TASK_SIZE - P, 2 * P)).toBe(-EINVAL);
  });
});

describe("mmap behaviour", () => {
  it("MAP_POPULATE prefaults: private writable pages get frames, read-only ones the zero page", () => {
    const mm = newMm();
    const a = mmap(mm, 0, 4 * P, RW, PRIV | MAP_POPULATE);
    expect(mm.residentPages()).toBe(4);
    expect(mm.pt.get(a >>> 12)?.writable).toBe(true);
    mmap(mm, 0, 4 * P, PROT_READ, PRIV | MAP_POPULATE);
    expect(mm.pt.size).toBe(8);
    expect(mm.frames.inUse).toBe(4);
    mmap(mm, 0, 4 * P, PROT_NONE, PRIV | MAP_POPULATE);
    expect(mm.pt.size).toBe(8);
    mmap(mm, 0, 2 * P, PROT_READ, SHARED | MAP_POPULATE);
    expect(mm.frames.inUse).toBe(6);
  });

  it("MAP_POPULATE stops quietly at the frame limit; the mapping stands and later faults are FAULT_OOM", () => {
    const mm = newMm(3);
    const a = mmap(mm, 0, 8 * P, RW, PRIV | MAP_POPULATE | MAP_NORESERVE);
    expect(a).toBeGreaterThan(0);
    expect(mm.frames.inUse).toBe(3);
    expect(mm.translate((a >>> 12) + 5, ACCESS_WRITE)).toBeNull();
    expect(mm.lastFault).toBe(FAULT_OOM);
    expect(poke(mm, a, 1)).toBe(true);
  });

  it("running out of frames is FAULT_OOM for private and shared faults alike, never an exception", () => {
    const mm = newMm(1);
    const a = mmap(mm, 0, 2 * P, RW, PRIV | MAP_NORESERVE);
    const s = mmap(mm, 0, 2 * P, RW, SHARED | MAP_NORESERVE);
    expect(poke(mm, a, 1)).toBe(true);
    expect(mm.translate((a >>> 12) + 1, ACCESS_WRITE)).toBeNull();
    expect(mm.lastFault).toBe(FAULT_OOM);
    expect(peek(mm, s)).toBeNull();
    expect(mm.lastFault).toBe(FAULT_OOM);
    mm.destroy();
    expect(mm.frames.inUse).toBe(0);
  });

  it("a MAP_GROWSDOWN mapping grows down on a fault below it", () => {
    const mm = newMm();
    const a = mmap(mm, 0, 2 * P, RW, PRIV | MAP_GROWSDOWN);
    expect(poke(mm, a - 3 * P, 1)).toBe(true);
    expect(mm.findVma(a - 3 * P)?.start).toBe(a - 3 * P);
  });

  it("shared anonymous memory keeps its contents across munmap of one of two views", () => {
    const mm = newMm();
    const s = mmap(mm, 0, 2 * P, RW, SHARED);
    poke(mm, s + P, 42);
    expect(mm.frames.inUse).toBe(1);
    // The object, not the area, owns the page: dropping the other view keeps it.
    doMunmap(mm, s, P);
    expect(peek(mm, s + P)).toBe(42);
    expect(mm.vmas[0].pgoff).toBe(1);
    doMunmap(mm, s + P, P);
    expect(mm.frames.inUse).toBe(0);
  });
});

describe("MAP_PRIVATE vs MAP_SHARED constants", () => {
  it("are the asm-generic values", () => {
    expect([MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_NORESERVE, MAP_POPULATE, MAP_FIXED_NOREPLACE])
      .toEqual([0x01, 0x02, 0x10, 0x20, 0x100, 0x4000, 0x8000, 0x100000]);
  });
});
