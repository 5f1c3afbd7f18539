// mremap(2): Linux's mremap syscall, vma_to_resize, mremap_to and move_vma.
//
// Shrinking unmaps the tail. Growing extends the area in place when the pages above are free,
// else (with MREMAP_MAYMOVE) moves it: the page-table entries move to the new addresses with
// their frames, so nothing is copied and copy-on-write sharing with other mms is kept.
import { vmEnoughMemory } from "./account.ts";
import { PAGE_MASK, PAGE_SHIFT } from "./frame.ts";
import { MAX_MAP_COUNT, pageAlignUp, TASK_SIZE } from "./layout.ts";
import { doMunmap, getUnmappedArea, MAP_FIXED, MAP_SHARED } from "./mmap.ts";
import type { Mm, Pte } from "./mm.ts";
import { insertVma, mergeRange } from "./vma-list.ts";
import { VM_ACCOUNT, type Vma } from "./vma.ts";
import { EFAULT, EINVAL, ENOMEM } from "../kernel/errno.ts";

export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
/** Move the pages but leave the old area mapped (empty, for private memory). */
export const MREMAP_DONTUNMAP = 4;

/** Resize (and maybe move) the mapping at addr. Returns its new address or -errno. */
export function doMremap(mm: Mm, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  if ((flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) !== 0) return -EINVAL;
  if ((flags & MREMAP_FIXED) !== 0 && (flags & MREMAP_MAYMOVE) === 0) return -EINVAL;
  // DONTUNMAP always moves and never resizes.
  if ((flags & MREMAP_DONTUNMAP) !== 0 && ((flags & MREMAP_MAYMOVE) === 0 || oldLen !== newLen)) return -EINVAL;
  if ((addr & PAGE_MASK) !== 0) return -EINVAL;
  oldLen = pageAlignUp(oldLen);
  newLen = pageAlignUp(newLen);
  // old_len 0 is a request to duplicate a shared mapping (vma_to_resize); new_len 0 is nonsense.
  if (newLen === 0) return -EINVAL;
  if (mm.findVma(addr) === undefined) return -EFAULT;

  if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0) return mremapTo(mm, addr, oldLen, newAddr, newLen, flags);

  if (oldLen >= newLen) {
    const r = doMunmap(mm, addr + newLen, oldLen - newLen);
    return r < 0 && oldLen !== newLen ? r : addr;
  }
  const v = vmaToResize(mm, addr, oldLen, newLen);
  if (typeof v === "number") return v;
  if ((v.flags & VM_ACCOUNT) !== 0 && !vmEnoughMemory(mm.frames, (newLen - oldLen) >>> PAGE_SHIFT)) return -ENOMEM;
  // The range runs to the end of its area and the pages above are free: grow in place.
  if (oldLen === v.end - addr && addr + newLen <= TASK_SIZE && mm.isFree(v.end, addr + newLen)) {
    v.end = addr + newLen;
    mergeRange(mm.vmas, v.start, v.end);
    return addr;
  }
  if ((flags & MREMAP_MAYMOVE) === 0) return -ENOMEM;
  const to = getUnmappedArea(mm, 0, newLen, v.shared ? MAP_SHARED : 0);
  if (to < 0) return to;
  return moveVma(mm, v, addr, oldLen, newLen, to, flags);
}

/** vma_to_resize: the area holding [addr, addr+oldLen) if it may become newLen long, else -errno. */
function vmaToResize(mm: Mm, addr: number, oldLen: number, newLen: number): Vma | number {
  const v = mm.findVma(addr);
  if (v === undefined) return -EFAULT;
  // Duplicating a private mapping would give a fresh mapping unrelated to the old one.
  if (oldLen === 0 && !v.shared) return -EINVAL;
  // The range may not cross into the next area, even an adjacent one.
  if (oldLen > v.end - addr) return -EFAULT;
  if (newLen === oldLen) return v;
  if (v.pgoffAt(addr) + (newLen >>> PAGE_SHIFT) > 0xffffffff) return -EINVAL;
  return v;
}

/** mremap_to: MREMAP_FIXED or MREMAP_DONTUNMAP, where newAddr is exact or a hint. */
function mremapTo(mm: Mm, addr: number, oldLen: number, newAddr: number, newLen: number, flags: number): number {
  if ((newAddr & PAGE_MASK) !== 0) return -EINVAL;
  if (newLen > TASK_SIZE || newAddr > TASK_SIZE - newLen) return -EINVAL;
  if (addr + oldLen > newAddr && newAddr + newLen > addr) return -EINVAL;
  if (mm.vmas.length + 2 >= MAX_MAP_COUNT - 3) return -ENOMEM;
  if ((flags & MREMAP_FIXED) !== 0) {
    const r = doMunmap(mm, newAddr, newLen);
    if (r < 0) return r;
  }
  if (oldLen > newLen) {
    const r = doMunmap(mm, addr + newLen, oldLen - newLen);
    if (r < 0) return r;
    oldLen = newLen;
  }
  const v = vmaToResize(mm, addr, oldLen, newLen);
  if (typeof v === "number") return v;
  if ((v.flags & VM_ACCOUNT) !== 0 && newLen > oldLen && !vmEnoughMemory(mm.frames, (newLen - oldLen) >>> PAGE_SHIFT)) return -ENOMEM;
  const mapFlags = ((flags & MREMAP_FIXED) !== 0 ? MAP_FIXED : 0) | (v.shared ? MAP_SHARED : 0);
  const to = getUnmappedArea(mm, newAddr, newLen, mapFlags);
  if (to < 0) return to;
  return moveVma(mm, v, addr, oldLen, newLen, (flags & MREMAP_FIXED) !== 0 ? newAddr : to, flags);
}

/**
 * move_vma: a new area at newAddr (free) with v's attributes from oldAddr on, the ptes of
 * [oldAddr, oldAddr+oldLen) moved there, then the old range unmapped (unless DONTUNMAP).
 */
function moveVma(mm: Mm, v: Vma, oldAddr: number, oldLen: number, newLen: number, newAddr: number, flags: number): number {
  if (mm.vmas.length >= MAX_MAP_COUNT - 3) return -ENOMEM;
  const moved = v.slice(newAddr, newAddr + newLen);
  moved.pgoff = v.pgoffAt(oldAddr);
  const first = oldAddr >>> PAGE_SHIFT;
  const last = first + (oldLen >>> PAGE_SHIFT);
  const delta = (newAddr >>> PAGE_SHIFT) - first;
  const ptes: [number, Pte][] = [];
  if (last - first > mm.pt.size) {
    mm.pt.forEach((pte, vpn) => {
      if (vpn >= first && vpn < last) ptes.push([vpn, pte]);
    });
  } else {
    for (let vpn = first; vpn < last; vpn++) {
      const pte = mm.pt.get(vpn);
      if (pte !== undefined) ptes.push([vpn, pte]);
    }
  }
  for (const [vpn] of ptes) mm.pt.delete(vpn);
  for (const [vpn, pte] of ptes) mm.pt.set(vpn + delta, pte);
  if (oldLen > 0) mm.dropCode(first, last - 1);
  insertVma(mm.vmas, moved);
  // The ptes are gone from the old range, so unmapping it frees nothing but the area itself.
  if ((flags & MREMAP_DONTUNMAP) === 0 && oldLen > 0) mm.unmapRange(oldAddr, oldAddr + oldLen);
  mm.epoch++;
  return newAddr;
}
