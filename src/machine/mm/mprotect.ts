// mprotect(2): Linux's do_mprotect_pkey and mprotect_fixup.
//
// Each area in the range gets the new protection, split off where the range cuts it and merged
// back with neighbours that end up identical. Harts cache permissions in their TLBs and decoded
// instructions in mm.icache, so: taking any permission away bumps epoch (TLB flush on the next
// entry to user mode), and a page that loses PROT_EXEC or gains PROT_WRITE drops its decoded
// instructions (they could no longer be fetched, or could now be overwritten behind the cache).
import { vmEnoughMemory } from "./account.ts";
import { PAGE_MASK, PAGE_SHIFT } from "./frame.ts";
import { pageAlignUp } from "./layout.ts";
import type { Mm } from "./mm.ts";
import { isolate, mergeRange, vmaIndex } from "./vma-list.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE, VM_ACCOUNT, VM_GROWSDOWN, VM_MAYWRITE, VM_NORESERVE, VM_SHARED } from "./vma.ts";
import { EACCES, EINVAL, ENOMEM } from "../kernel/errno.ts";

export const PROT_SEM = 0x8;
export const PROT_GROWSDOWN = 0x01000000;
export const PROT_GROWSUP = 0x02000000;

/**
 * Change the protection of [start, start+len). 0 or -errno. As in Linux, a hole in the range is
 * ENOMEM, but the areas before the hole have been changed already.
 */
export function doMprotect(mm: Mm, start: number, len: number, prot: number): number {
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
  if ((start & PAGE_MASK) !== 0) return -EINVAL;
  if (len === 0) return 0;
  len = pageAlignUp(len);
  let end = start + len;
  if (len === 0 || end > 0xffffffff) return -ENOMEM;
  // arch_validate_prot: PROT_SEM is accepted (and means nothing), any other bit is not.
  if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) !== 0) return -EINVAL;
  prot &= PROT_READ | PROT_WRITE | PROT_EXEC;

  const first = mm.vmas[vmaIndex(mm.vmas, start)];
  if (first === undefined) return -ENOMEM;
  if (grows === PROT_GROWSDOWN) {
    // Extend the change down to the bottom of the stack area holding start.
    if (first.start >= end) return -ENOMEM;
    start = first.start;
    if ((first.flags & VM_GROWSDOWN) === 0) return -EINVAL;
  } else {
    if (first.start > start) return -ENOMEM;
    // No area grows up on riscv.
    if (grows === PROT_GROWSUP) return -EINVAL;
  }

  let err = 0;
  let at = start;
  for (;;) {
    const v = mm.vmas[vmaIndex(mm.vmas, at)];
    if (v === undefined || v.start > at) {
      err = -ENOMEM;
      break;
    }
    // VM_MAYWRITE: a shared mapping of a file opened without write access never becomes writable.
    if ((prot & PROT_WRITE) !== 0 && v.backing.kind === "file" && v.shared && (v.flags & VM_MAYWRITE) === 0) {
      err = -EACCES;
      break;
    }
    const to = Math.min(v.end, end);
    err = fixup(mm, at, to, prot);
    if (err < 0) break;
    at = to;
    if (at >= end) break;
  }
  end = at;
  mergeRange(mm.vmas, start, end);
  return err;
}

/** mprotect_fixup: give [start, end), inside one area, the protection prot. */
function fixup(mm: Mm, start: number, end: number, prot: number): number {
  const v = mm.findVma(start)!;
  let flags = v.flags;
  // A private area becoming writable for the first time is charged now (mmap did not).
  if ((prot & PROT_WRITE) !== 0 && (v.prot & PROT_WRITE) === 0 && (flags & (VM_ACCOUNT | VM_SHARED | VM_NORESERVE)) === 0) {
    if (!vmEnoughMemory(mm.frames, (end - start) >>> PAGE_SHIFT)) return -ENOMEM;
    flags |= VM_ACCOUNT;
  }
  if (prot === v.prot && flags === v.flags) return 0;
  const piece = isolate(mm.vmas, start, end);
  if (piece === null) return -ENOMEM;
  const lost = piece.prot & ~prot;
  const gained = prot & ~piece.prot;
  piece.prot = prot;
  piece.flags = flags;
  if (lost !== 0) mm.epoch++;
  if ((lost & PROT_EXEC) !== 0 || (gained & PROT_WRITE) !== 0) mm.dropCode(start >>> PAGE_SHIFT, (end - 1) >>> PAGE_SHIFT);
  return 0;
}
