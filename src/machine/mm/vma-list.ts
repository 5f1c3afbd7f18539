// The sorted VMA array of an mm and the edits Linux makes to it: split_vma, vma_merge, insertion.
// Invariant kept by every function here: sorted by start, never overlapping, and (after
// mergeRange) no two neighbours that canMerge, so the list reads as Linux's /proc/<pid>/maps.
//
// These functions change only the list and the backings' reference counts. Page tables are the
// caller's (mm.ts): a split or merge changes no translation.
import { MAX_MAP_COUNT } from "./layout.ts";
import { backingPut, canMerge, mergedKind, Vma } from "./vma.ts";

/** Index of the first VMA whose end is above addr (Linux's find_vma); vmas.length if none. */
export function vmaIndex(vmas: readonly Vma[], addr: number): number {
  let lo = 0;
  let hi = vmas.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vmas[mid].end <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * split_vma: cut vmas[i] at addr, which must lie strictly inside it; the upper half becomes
 * vmas[i + 1]. Returns false (nothing changed) at the map-count limit unless `force`, for the
 * second split of a munmap, which Linux checks for once up front.
 */
export function splitVma(vmas: Vma[], i: number, addr: number, force = false): boolean {
  const v = vmas[i];
  if (addr <= v.start || addr >= v.end) return true;
  if (!force && vmas.length >= MAX_MAP_COUNT) return false;
  const upper = v.slice(addr, v.end);
  v.end = addr;
  vmas.splice(i + 1, 0, upper);
  return true;
}

/**
 * Make [start, end), which lies inside one area, an area of its own and return it, for a change
 * of protection or flags on part of an area (mprotect_fixup, madvise_update_vma). null at the
 * map-count limit; a first split may have happened, which mergeRange undoes.
 */
export function isolate(vmas: Vma[], start: number, end: number): Vma | null {
  const i = vmaIndex(vmas, start);
  if (!splitVma(vmas, i, start)) return null;
  const j = vmaIndex(vmas, start);
  if (!splitVma(vmas, j, end)) return null;
  return vmas[j];
}

/** Merge every pair of neighbours that canMerge among the areas touching [start, end]. */
export function mergeRange(vmas: Vma[], start: number, end: number): void {
  for (let i = Math.max(vmaIndex(vmas, start), 1); i < vmas.length && vmas[i].start <= end; ) {
    const lo = vmas[i - 1];
    const hi = vmas[i];
    if (!canMerge(lo, hi)) {
      i++;
      continue;
    }
    lo.end = hi.end;
    lo.kind = mergedKind(lo, hi);
    backingPut(hi.backing);
    vmas.splice(i, 1);
  }
}

/**
 * Add an area over a free range and merge it with compatible neighbours (vma_merge in
 * mmap_region). Returns the area that now covers the range.
 */
export function insertVma(vmas: Vma[], vma: Vma): Vma {
  vmas.splice(vmaIndex(vmas, vma.start), 0, vma);
  mergeRange(vmas, vma.start, vma.end);
  return vmas[vmaIndex(vmas, vma.start)];
}
