// fork's copy of an address space (dup_mmap): same VMAs; private pages shared copy-on-write,
// shared pages shared. Stands in until the mm layer provides Mm.dup().
import { Mm } from "../mm/mm.ts";
import { Vma, VM_SHARED } from "../mm/vma.ts";

export function dupMm(parent: Mm): Mm {
  const child = new Mm(parent.frames);
  for (const v of parent.vmas) child.vmas.push(new Vma(v.start, v.end, v.prot, v.flags, v.kind));
  for (const [vpn, pte] of parent.pt) {
    const vma = parent.findVma(vpn * 4096);
    const shared = vma !== undefined && (vma.flags & VM_SHARED) !== 0;
    if (!shared) pte.writable = false;
    child.pt.set(vpn, { frame: parent.frames.get(pte.frame), writable: shared && pte.writable });
  }
  child.startBrk = parent.startBrk;
  child.brk = parent.brk;
  // The parent's harts may hold writable translations of pages that are now copy-on-write.
  parent.epoch++;
  return child;
}
