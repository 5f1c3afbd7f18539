// fork's copy of an address space: Linux's dup_mmap and copy_page_range.
//
// Private pages become copy-on-write: parent and child ptes both read-only, the frame's count
// raised, and the first write on either side copies (or, if the other side already copied,
// simply takes the frame back: Mm.breakCow). The zero page stays the zero page. Shared-memory
// areas are not copied page by page: the child's VMAs reference the same object and fault its
// pages in on first touch, as Linux skips copy_page_range for shared mappings.
import { PAGE_SIZE } from "./frame.ts";
import { addMapper } from "./filemap.ts";
import type { Mm } from "./mm.ts";
import { sharedCode } from "./shared-code.ts";
import { VM_DONTCOPY, VM_WIPEONFORK } from "./vma.ts";

/** Fill `child` (a fresh Mm on the same frames) with a copy of `parent`; returns child. */
export function dupMmap(parent: Mm, child: Mm): Mm {
  // Indexed loops and Map.forEach rather than for-of: a fork bomb forks 1,000 times in a slice,
  // mostly before V8 optimises this, and for-of then allocated an iterator result (and for a
  // Map an entry array) per element.
  // MADV_DONTFORK areas stay behind; MADV_WIPEONFORK ones come without their pages.
  const vmas = parent.vmas;
  for (let i = 0; i < vmas.length; i++) {
    const v = vmas[i];
    if ((v.flags & VM_DONTCOPY) !== 0) continue;
    child.vmas.push(v.slice(v.start, v.end));
    if (v.backing.kind === "file") addMapper(v.backing.inode, child);
  }
  parent.pt.forEach((pte, vpn) => {
    const vma = parent.findVma(vpn * PAGE_SIZE);
    if (vma === undefined || vma.shared || (vma.flags & (VM_DONTCOPY | VM_WIPEONFORK)) !== 0) return;
    pte.writable = false;
    child.pt.set(vpn, { frame: parent.frames.get(pte.frame), writable: false });
  });
  child.startBrk = parent.startBrk;
  child.brk = parent.brk;
  child.startStack = parent.startStack;
  child.mmapBase = parent.mmapBase;
  child.stackLimit = parent.stackLimit;
  // dup_mm copies the mm whole, membarrier registrations included (only exec clears them).
  child.membarrierState = parent.membarrierState;
  child.argStart = parent.argStart;
  child.argEnd = parent.argEnd;
  child.envStart = parent.envStart;
  child.envEnd = parent.envEnd;
  child.setExeFile(parent.exe);
  // Decoded instructions come with the frames they were decoded from: a child runs its parent's
  // code without decoding it again (a fork bomb's children decoded and translated a page each,
  // 16 KiB and more). Only where the child has the same frame under the page and under the page
  // after it (which an instruction straddling the boundary reads).
  parent.icache.forEach((code, vpn) => {
    const next = (vpn + 1) & 0xfffff;
    if (child.pt.get(vpn)?.frame !== parent.pt.get(vpn)?.frame || child.pt.get(vpn) === undefined) return;
    if (child.pt.get(next)?.frame !== parent.pt.get(next)?.frame) return;
    sharedCode.add(code);
    child.icache.set(vpn, code);
  });
  // The parent's harts may hold writable translations of pages that are now copy-on-write.
  parent.epoch++;
  return child;
}
