// Shared helpers of the mm tests: a fresh address space, mmap/byte access shorthands, and a
// readable picture of the VMA list.
import { FrameAllocator, PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { Mm } from "../../../src/machine/mm/mm.ts";
import { doMmap, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED } from "../../../src/machine/mm/mmap.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";

export const P = PAGE_SIZE;
export const RW = PROT_READ | PROT_WRITE;
export const PRIV = MAP_PRIVATE | MAP_ANONYMOUS;
export const SHARED = MAP_SHARED | MAP_ANONYMOUS;
export const FIXED = MAP_FIXED;
/** A quiet part of the address space for MAP_FIXED tests. */
export const BASE = 0x10000000;

export function newMm(limit = 1024): Mm {
  return new Mm(new FrameAllocator(limit));
}

/** Anonymous mmap with no file; the result is the address or -errno. */
export function mmap(mm: Mm, addr: number, len: number, prot: number, flags: number): number {
  return doMmap(mm, addr, len, prot, flags, 0, null);
}

/** MAP_FIXED private mapping of n pages at BASE + page * P; throws if it fails. */
export function fixed(mm: Mm, page: number, n: number, prot = RW, flags = PRIV): number {
  const r = mmap(mm, BASE + page * P, n * P, prot, flags | MAP_FIXED);
  if (r < 0) throw new Error(`mmap failed: ${r}`);
  return r;
}

/** Write one byte as the user would (faults, COW); false on a fault. */
export function poke(mm: Mm, addr: number, v: number): boolean {
  return mm.copyOut(addr, Uint8Array.of(v));
}

/** Read one byte as the user would; null on a fault. */
export function peek(mm: Mm, addr: number): number | null {
  const b = mm.copyIn(addr, 1);
  return b === null ? null : b[0];
}

const protName = (p: number): string =>
  ((p & PROT_READ) !== 0 ? "r" : "-") + ((p & PROT_WRITE) !== 0 ? "w" : "-") + ((p & PROT_EXEC) !== 0 ? "x" : "-");

/** The VMAs as [first page, page count, prot] relative to BASE, for the areas at or above it. */
export function areas(mm: Mm): [number, number, string][] {
  return mm.vmas.filter((v) => v.start >= BASE).map((v) => [(v.start - BASE) / P, v.pages, protName(v.prot)]);
}
