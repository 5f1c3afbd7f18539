// VMA splitting and merging as Linux does it (split_vma, vma_merge), through the operations that
// cause them, plus a property test against a page-by-page model.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SHIFT } from "../../../src/machine/mm/frame.ts";
import { doMadvise, MADV_DONTNEED } from "../../../src/machine/mm/madvise.ts";
import { doMunmap } from "../../../src/machine/mm/mmap.ts";
import { doMprotect } from "../../../src/machine/mm/mprotect.ts";
import type { Mm } from "../../../src/machine/mm/mm.ts";
import { canMerge, PROT_NONE, PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { areas, BASE, fixed, mmap, newMm, P, peek, poke, PRIV, RW, SHARED } from "./mm-helpers.ts";

describe("VMA split and merge", () => {
  it("merges a mapping with an adjacent compatible one on either side", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    fixed(mm, 2, 2);
    expect(areas(mm)).toEqual([[0, 4, "rw-"]]);
    fixed(mm, 6, 1);
    fixed(mm, 5, 1, PROT_READ);
    expect(areas(mm)).toEqual([[0, 4, "rw-"], [5, 1, "r--"], [6, 1, "rw-"]]);
    // Filling the hole joins three areas into one.
    fixed(mm, 4, 1);
    expect(areas(mm)).toEqual([[0, 5, "rw-"], [5, 1, "r--"], [6, 1, "rw-"]]);
  });

  it("merges consecutive top-down mmaps into one area, as Linux does", () => {
    const mm = newMm();
    const a = mmap(mm, 0, 4 * P, RW, PRIV);
    const b = mmap(mm, 0, 4 * P, RW, PRIV);
    expect(a - b).toBe(4 * P);
    expect(mm.vmas).toHaveLength(1);
    expect([mm.vmas[0].start, mm.vmas[0].end]).toEqual([b, a + 4 * P]);
  });

  it("never merges different protections, private with shared, or two shared objects", () => {
    const mm = newMm();
    fixed(mm, 0, 1, PROT_READ);
    fixed(mm, 1, 1);
    fixed(mm, 2, 1, RW, SHARED);
    fixed(mm, 3, 1, RW, SHARED);
    expect(mm.vmas).toHaveLength(4);
  });

  it("munmap of the middle splits one area in two and frees only the middle frames", () => {
    const mm = newMm();
    fixed(mm, 0, 6);
    for (let p = 0; p < 6; p++) poke(mm, BASE + p * P, p + 1);
    expect(mm.frames.inUse).toBe(6);
    expect(doMunmap(mm, BASE + 2 * P, 2 * P)).toBe(0);
    expect(areas(mm)).toEqual([[0, 2, "rw-"], [4, 2, "rw-"]]);
    expect(mm.frames.inUse).toBe(4);
    expect(peek(mm, BASE + 2 * P)).toBeNull();
    expect(peek(mm, BASE + 4 * P)).toBe(5);
    // The upper half keeps its page offset: refilling the hole merges everything back.
    expect(mm.vmas[1].pgoff).toBe(mm.vmas[0].pgoff + 4);
  });

  it("munmap of either edge shrinks the area", () => {
    const mm = newMm();
    fixed(mm, 0, 6);
    doMunmap(mm, BASE, P);
    doMunmap(mm, BASE + 5 * P, P);
    expect(areas(mm)).toEqual([[1, 4, "rw-"]]);
    // Unmapping nothing is not an error; several areas at once are fine.
    expect(doMunmap(mm, BASE + 40 * P, P)).toBe(0);
    fixed(mm, 8, 1, PROT_READ);
    expect(doMunmap(mm, BASE, 20 * P)).toBe(0);
    expect(areas(mm)).toEqual([]);
  });

  it("mprotect of the middle splits in three; restoring it merges back", () => {
    const mm = newMm();
    fixed(mm, 0, 6);
    expect(doMprotect(mm, BASE + 2 * P, 2 * P, PROT_READ)).toBe(0);
    expect(areas(mm)).toEqual([[0, 2, "rw-"], [2, 2, "r--"], [4, 2, "rw-"]]);
    expect(doMprotect(mm, BASE + 2 * P, 2 * P, RW)).toBe(0);
    expect(areas(mm)).toEqual([[0, 6, "rw-"]]);
  });

  it("mprotect of an edge splits in two and joins the neighbour that now matches", () => {
    const mm = newMm();
    fixed(mm, 0, 3, PROT_READ);
    fixed(mm, 3, 3, PROT_READ);
    expect(doMprotect(mm, BASE + 3 * P, 3 * P, RW)).toBe(0);
    expect(areas(mm)).toEqual([[0, 3, "r--"], [3, 3, "rw-"]]);
    // Made writable, the area was charged (VM_ACCOUNT) like one mapped writable...
    fixed(mm, 6, 1);
    expect(areas(mm)).toEqual([[0, 3, "r--"], [3, 4, "rw-"]]);
    expect(doMprotect(mm, BASE + 3 * P, P, PROT_READ)).toBe(0);
    // ...and stays charged when made read-only again, so it does not join the never-charged
    // area below. That is Linux 6.1; from 6.3 an area whose pages were never touched drops
    // VM_ACCOUNT and would merge (the host kernel may show that).
    expect(areas(mm)).toEqual([[0, 3, "r--"], [3, 1, "r--"], [4, 3, "rw-"]]);
    expect(doMprotect(mm, BASE, P, PROT_NONE)).toBe(0);
    expect(areas(mm)).toEqual([[0, 1, "---"], [1, 2, "r--"], [3, 1, "r--"], [4, 3, "rw-"]]);
    expect(doMprotect(mm, BASE + 3 * P, P, RW)).toBe(0);
    expect(areas(mm)).toEqual([[0, 1, "---"], [1, 2, "r--"], [3, 4, "rw-"]]);
  });
});

// --- property test: the VMA list against a page-by-page model ---------------------------------

const PAGES = 24;

interface PageModel {
  prot: number;
  /** The shared object's id (its mmap call number), or 0 for private memory. */
  shared: number;
  value: number;
}

type Op =
  | { op: "map"; page: number; n: number; prot: number; shared: boolean }
  | { op: "unmap"; page: number; n: number }
  | { op: "protect"; page: number; n: number; prot: number }
  | { op: "write"; page: number; value: number }
  | { op: "dontneed"; page: number; n: number };

const PROTS = [PROT_NONE, PROT_READ, RW];
const page = fc.integer({ min: 0, max: PAGES - 1 });
const count = fc.integer({ min: 1, max: 6 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("map" as const), page, n: count, prot: fc.constantFrom(...PROTS), shared: fc.boolean() }),
  fc.record({ op: fc.constant("unmap" as const), page, n: count }),
  fc.record({ op: fc.constant("protect" as const), page, n: count, prot: fc.constantFrom(...PROTS) }),
  fc.record({ op: fc.constant("write" as const), page, value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant("dontneed" as const), page, n: count }),
);

function apply(mm: Mm, model: (PageModel | null)[], o: Op, serial: number): void {
  const end = Math.min(o.op === "write" ? o.page + 1 : o.page + o.n, PAGES);
  const addr = BASE + o.page * P;
  const len = (end - o.page) * P;
  switch (o.op) {
    case "map":
      fixed(mm, o.page, end - o.page, o.prot, o.shared ? SHARED : PRIV);
      for (let p = o.page; p < end; p++) model[p] = { prot: o.prot, shared: o.shared ? serial : 0, value: 0 };
      break;
    case "unmap":
      expect(doMunmap(mm, addr, len)).toBe(0);
      for (let p = o.page; p < end; p++) model[p] = null;
      break;
    case "protect": {
      // Linux changes the pages up to the first hole, then reports ENOMEM.
      let p = o.page;
      while (p < end && model[p] !== null) model[p++]!.prot = o.prot;
      expect(doMprotect(mm, addr, len, o.prot)).toBe(p === end ? 0 : -12);
      break;
    }
    case "write": {
      const m = model[o.page];
      const ok = m !== null && (m.prot & PROT_WRITE) !== 0;
      expect(poke(mm, addr, o.value)).toBe(ok);
      if (ok) {
        // Every page of the same shared object at this offset is the same memory.
        m.value = o.value;
      }
      break;
    }
    case "dontneed": {
      let hole = false;
      for (let p = o.page; p < end; p++) {
        const m = model[p];
        if (m === null) hole = true;
        else if (m.shared === 0) m.value = 0;
      }
      expect(doMadvise(mm, addr, len, MADV_DONTNEED)).toBe(hole ? -12 : 0);
      break;
    }
  }
}

function check(mm: Mm, model: (PageModel | null)[]): void {
  const v = mm.vmas;
  for (let i = 1; i < v.length; i++) {
    expect(v[i - 1].end).toBeLessThanOrEqual(v[i].start);
    expect(canMerge(v[i - 1], v[i])).toBe(false);
  }
  for (const vpn of mm.pt.keys()) expect(mm.findVma(vpn << PAGE_SHIFT)).toBeDefined();
  for (let p = 0; p < PAGES; p++) {
    const vma = mm.findVma(BASE + p * P);
    const m = model[p];
    expect(vma === undefined ? null : vma.prot).toBe(m === null ? null : m.prot);
    if (vma === undefined || m === null) continue;
    expect(vma.shared).toBe(m.shared !== 0);
    if ((m.prot & PROT_READ) !== 0) expect(peek(mm, BASE + p * P)).toBe(m.value);
  }
}

describe("VMA list property", () => {
  it("matches a page-by-page model under random mmap/munmap/mprotect/write/DONTNEED", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const mm = newMm(4096);
        const model: (PageModel | null)[] = new Array<PageModel | null>(PAGES).fill(null);
        ops.forEach((o, i) => {
          apply(mm, model, o, i + 1);
          check(mm, model);
        });
        mm.destroy();
        expect(mm.frames.inUse).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
