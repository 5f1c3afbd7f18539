// brk(2): Linux's sys_brk and do_brk_flags. The heap is a private read-write area from start_brk
// up to the page-aligned break, extended (merged) in place when it can be.
import { vmEnoughMemory } from "./account.ts";
import { PAGE_SHIFT, PAGE_SIZE } from "./frame.ts";
import { pageAlignUp, TASK_SIZE } from "./layout.ts";
import type { Mm } from "./mm.ts";
import { vmaIndex } from "./vma-list.ts";
import { PROT_READ, PROT_WRITE, VM_ACCOUNT, vmStartGap } from "./vma.ts";

/** Move mm's break to `brk`. Returns the new break, or the old one when refused. */
export function doBrk(mm: Mm, brk: number): number {
  const origBrk = mm.brk;
  if (brk < mm.startBrk) return origBrk;
  const newEnd = pageAlignUp(brk);
  const oldEnd = pageAlignUp(origBrk);
  if (newEnd === oldEnd) {
    mm.brk = brk;
    return brk;
  }
  // Shrinking is always allowed.
  if (brk <= origBrk) {
    mm.brk = brk;
    if (mm.unmapRange(newEnd, oldEnd) < 0) {
      mm.brk = origBrk;
      return origBrk;
    }
    return brk;
  }
  if (newEnd === 0 || newEnd > TASK_SIZE) return origBrk;
  // Keep a page, and a stack's guard gap, free between the heap and the next mapping.
  const next = mm.vmas[vmaIndex(mm.vmas, oldEnd)];
  if (next !== undefined && newEnd + PAGE_SIZE > vmStartGap(next)) return origBrk;
  if (!vmEnoughMemory(mm.frames, (newEnd - oldEnd) >>> PAGE_SHIFT)) return origBrk;
  // do_brk_flags: merging extends the heap VMA when it ends at the old break.
  mm.mapRegion(oldEnd, newEnd - oldEnd, PROT_READ | PROT_WRITE, VM_ACCOUNT, "heap");
  mm.brk = brk;
  return brk;
}
