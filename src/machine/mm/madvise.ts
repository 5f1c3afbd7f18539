// madvise(2): Linux's do_madvise and madvise_walk_vmas. Support is a table, as the syscall table is.
//
// Holes in the range are skipped and reported as ENOMEM at the end, after the advice has been
// applied to the mapped parts (unlike mprotect, which stops at the hole).
import { PAGE_MASK, PAGE_SHIFT } from "./frame.ts";
import { pageAlignUp } from "./layout.ts";
import { FAULT_SIGBUS, type Mm } from "./mm.ts";
import { isolate, mergeRange, vmaIndex } from "./vma-list.ts";
import { PROT_READ, PROT_WRITE, VM_DONTCOPY, VM_DONTDUMP, VM_RAND_READ, VM_SEQ_READ, VM_SHARED, VM_WIPEONFORK, type Vma } from "./vma.ts";
import { EFAULT, EINVAL, ENOMEM } from "../kernel/errno.ts";

export const MADV_NORMAL = 0;
export const MADV_RANDOM = 1;
export const MADV_SEQUENTIAL = 2;
export const MADV_WILLNEED = 3;
export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_REMOVE = 9;
export const MADV_DONTFORK = 10;
export const MADV_DOFORK = 11;
export const MADV_DONTDUMP = 16;
export const MADV_DODUMP = 17;
export const MADV_WIPEONFORK = 18;
export const MADV_KEEPONFORK = 19;
export const MADV_COLD = 20;
export const MADV_PAGEOUT = 21;
export const MADV_POPULATE_READ = 22;
export const MADV_POPULATE_WRITE = 23;
export const MADV_DONTNEED_LOCKED = 24;

/** What one piece of advice does to [start, end) of one area: 0 or -errno. */
type Visit = (mm: Mm, v: Vma, start: number, end: number) => number;

const noop: Visit = () => 0;

/** madvise_update_vma: set and clear vm_flags on part of an area, splitting it off. */
const setFlags = (set: number, clear: number): Visit => (mm, v, start, end) => {
  const flags = (v.flags & ~clear) | set;
  if (flags === v.flags) return 0;
  const piece = isolate(mm.vmas, start, end);
  if (piece === null) return -ENOMEM;
  piece.flags = flags;
  return 0;
};

/**
 * Private pages go back to demand-zero; shared ones leave this mm but stay in their object.
 * Executable-file areas keep their pages: Linux would reread them from the file, which they
 * do not have yet, and zeroing loaded code or data would be worse than keeping it.
 */
const dontneed: Visit = (mm, v, start, end) => {
  if (v.kind === "elf") return 0;
  mm.zapRange(start, end);
  mm.epoch++;
  return 0;
};

/** MADV_POPULATE_READ/WRITE: prefault, failing where the access itself would fail. */
const populate = (write: boolean): Visit => (mm, v, start, end) => {
  if ((v.prot & (write ? PROT_WRITE : PROT_READ)) === 0) return -EINVAL;
  for (let a = start; a < end; a += 1 << PAGE_SHIFT) {
    if (mm.faultIn(v, a >>> PAGE_SHIFT, write) === null) return mm.lastFault === FAULT_SIGBUS ? -EFAULT : -ENOMEM;
  }
  return 0;
};

/**
 * The advice Linux on riscv32 knows, and what it does here. Absent (EINVAL): MADV_REMOVE (hole
 * punching in shared memory needs a reverse map of the mms mapping it: not yet), and the advice
 * of features a riscv32 kernel lacks: KSM (MERGEABLE), transparent huge pages (HUGEPAGE,
 * NOHUGEPAGE, COLLAPSE), memory-failure injection (HWPOISON, SOFT_OFFLINE).
 */
const ADVICE = new Map<number, Visit>([
  [MADV_NORMAL, setFlags(0, VM_SEQ_READ | VM_RAND_READ)],
  [MADV_RANDOM, setFlags(VM_RAND_READ, VM_SEQ_READ)],
  [MADV_SEQUENTIAL, setFlags(VM_SEQ_READ, VM_RAND_READ)],
  // Read-ahead and reclaim hints: there is no swap and no page cache to read ahead into.
  [MADV_WILLNEED, noop],
  [MADV_COLD, noop],
  [MADV_PAGEOUT, noop],
  [MADV_DONTNEED, dontneed],
  [MADV_DONTNEED_LOCKED, dontneed],
  // Pages given with MADV_FREE are only reclaimed under memory pressure, which never comes here
  // (the machine fails allocations instead): the contents stay, as on an idle Linux.
  [MADV_FREE, (_mm, v) => (v.backing.kind === "anon" && (v.flags & VM_SHARED) === 0 ? 0 : -EINVAL)],
  [MADV_DONTFORK, setFlags(VM_DONTCOPY, 0)],
  [MADV_DOFORK, setFlags(0, VM_DONTCOPY)],
  [MADV_WIPEONFORK, (mm, v, s, e) => (v.backing.kind !== "anon" || v.shared ? -EINVAL : setFlags(VM_WIPEONFORK, 0)(mm, v, s, e))],
  [MADV_KEEPONFORK, setFlags(0, VM_WIPEONFORK)],
  [MADV_DONTDUMP, setFlags(VM_DONTDUMP, 0)],
  [MADV_DODUMP, setFlags(0, VM_DONTDUMP)],
  [MADV_POPULATE_READ, populate(false)],
  [MADV_POPULATE_WRITE, populate(true)],
]);

/** Apply advice to [start, start+lenIn). 0 or -errno. */
export function doMadvise(mm: Mm, start: number, lenIn: number, advice: number): number {
  const visit = ADVICE.get(advice);
  if (visit === undefined) return -EINVAL;
  if ((start & PAGE_MASK) !== 0) return -EINVAL;
  const len = pageAlignUp(lenIn);
  // A length that rounds up to zero was a small negative number.
  if (lenIn !== 0 && len === 0) return -EINVAL;
  const end = start + len;
  if (end > 0xffffffff) return -EINVAL;
  if (end === start) return 0;

  let unmapped = 0;
  let err = 0;
  let at = start;
  for (;;) {
    const v = mm.vmas[vmaIndex(mm.vmas, at)];
    if (v === undefined) {
      err = -ENOMEM;
      break;
    }
    if (at < v.start) {
      unmapped = -ENOMEM;
      at = v.start;
      if (at >= end) break;
    }
    const to = Math.min(v.end, end);
    err = visit(mm, v, at, to);
    if (err < 0) break;
    at = to;
    if (at >= end) break;
  }
  mergeRange(mm.vmas, start, Math.min(at, end));
  return err < 0 ? err : unmapped;
}
