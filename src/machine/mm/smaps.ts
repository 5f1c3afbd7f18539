// /proc/<pid>/smaps: Linux 6.1's show_smap (fs/proc/task_mmu.c) for each VMA — the maps line,
// then the page counts in kB with Linux's labels and widths, then VmFlags. Values come from the
// page table: a page is resident when its pte maps a frame of its own (the shared zero page does
// not count, as vm_normal_page skips it), shared when more than one mapping holds its frame (a
// page cache or shmem object holds one reference besides the mappings), and its proportional
// share (Pss) is a page divided by that count. This kernel keeps no dirty bits: a page a mapping
// may have written (private writable, shared writable, anonymous) counts as dirty, a read-only
// program page as clean. Nothing is ever swapped, locked or huge.
import { PAGE_SIZE } from "./frame.ts";
import { showMapVma } from "./maps.ts";
import type { Mm } from "./mm.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE, VM_MAYWRITE, type Vma } from "./vma.ts";

/** Page counts of one area, in bytes (Pss in bytes too, fractional). */
export interface SmapsCounts {
  resident: number;
  pss: number;
  pssDirty: number;
  sharedClean: number;
  sharedDirty: number;
  privateClean: number;
  privateDirty: number;
  anonymous: number;
}

/** The mnemonics of show_smap_vma_flags, by bit number of vm_flags. */
const FLAG_NAMES: Record<number, string> = {
  0: "rd", 1: "wr", 2: "ex", 3: "sh", 4: "mr", 5: "mw", 6: "me", 7: "ms", 8: "gd", 10: "pf", 13: "lo", 14: "io",
  15: "sr", 16: "rr", 17: "dc", 18: "de", 20: "ac", 21: "nr", 22: "ht", 23: "sf", 24: "ar", 25: "wf", 26: "dd",
};

/**
 * The area's vm_flags as Linux would hold them: the protection bits, the may-bits (a private
 * mapping may become anything; a shared file mapping may become writable only if the file was
 * opened for writing, which the VMA's VM_MAYWRITE records), and the flags the VMA keeps.
 */
export function vmFlags(v: Vma): number {
  const VM_MAYREAD = 0x10;
  const VM_MAYEXEC = 0x40;
  const VM_MAYSHARE = 0x80;
  let f = (v.prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) | v.flags | VM_MAYREAD | VM_MAYEXEC;
  if (!v.shared || v.backing.kind !== "file") f |= VM_MAYWRITE;
  if (v.shared) f |= VM_MAYSHARE;
  return f >>> 0;
}

export function smapsCounts(mm: Mm, v: Vma): SmapsCounts {
  const c: SmapsCounts = { resident: 0, pss: 0, pssDirty: 0, sharedClean: 0, sharedDirty: 0, privateClean: 0, privateDirty: 0, anonymous: 0 };
  // A page cache or shmem object keeps a reference of its own on each of its frames.
  const cacheRef = v.backing.kind === "anon" ? 0 : 1;
  const dirty = (v.prot & PROT_WRITE) !== 0 || v.kind !== "elf";
  for (let a = v.start; a < v.end; a += PAGE_SIZE) {
    const pte = mm.pt.get(a / PAGE_SIZE);
    if (pte === undefined || pte.frame === mm.frames.zeroPage) continue;
    const mapcount = Math.max(1, pte.frame.refs - cacheRef);
    // A private file page that was written is an anonymous copy: its frame is not the cache's.
    c.resident += PAGE_SIZE;
    c.pss += PAGE_SIZE / mapcount;
    if (dirty) c.pssDirty += PAGE_SIZE / mapcount;
    if (mapcount > 1) {
      if (dirty) c.sharedDirty += PAGE_SIZE;
      else c.sharedClean += PAGE_SIZE;
    } else if (dirty) c.privateDirty += PAGE_SIZE;
    else c.privateClean += PAGE_SIZE;
    if (v.backing.kind === "anon" && !v.shared && dirty) c.anonymous += PAGE_SIZE;
  }
  return c;
}

/** SEQ_PUT_DEC: the label, then the value in kB right-aligned to width. */
const dec = (label: string, bytes: number, width = 8): string => label + String(Math.floor(bytes / 1024)).padStart(width, " ") + " kB\n";

/** One area's smaps entry. */
export function showSmapVma(mm: Mm, v: Vma): string {
  const c = smapsCounts(mm, v);
  let s = showMapVma(mm, v);
  s += dec("Size:           ", v.end - v.start);
  s += dec("KernelPageSize: ", PAGE_SIZE);
  s += dec("MMUPageSize:    ", PAGE_SIZE);
  s += dec("Rss:            ", c.resident);
  s += dec("Pss:            ", c.pss);
  s += dec("Pss_Dirty:      ", c.pssDirty);
  s += dec("Shared_Clean:   ", c.sharedClean);
  s += dec("Shared_Dirty:   ", c.sharedDirty);
  s += dec("Private_Clean:  ", c.privateClean);
  s += dec("Private_Dirty:  ", c.privateDirty);
  s += dec("Referenced:     ", c.resident);
  s += dec("Anonymous:      ", c.anonymous);
  for (const l of ["LazyFree:       ", "AnonHugePages:  ", "ShmemPmdMapped: ", "FilePmdMapped:  ", "Shared_Hugetlb: "]) s += dec(l, 0);
  s += dec("Private_Hugetlb: ", 0, 7);
  for (const l of ["Swap:           ", "SwapPss:        ", "Locked:         "]) s += dec(l, 0);
  s += "THPeligible:    0\n";
  const f = vmFlags(v);
  s += "VmFlags: ";
  for (let bit = 0; bit < 32; bit++) if ((f & (1 << bit)) !== 0 && FLAG_NAMES[bit] !== undefined) s += FLAG_NAMES[bit] + " ";
  return s + "\n";
}

/** The whole smaps file of an mm. */
export function showSmaps(mm: Mm): string {
  let out = "";
  for (const v of mm.vmas) out += showSmapVma(mm, v);
  return out;
}
