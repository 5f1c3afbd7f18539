// File mappings and truncation (Linux's i_mmap reverse map + unmap_mapping_range): every mm that
// has mapped a tmpfs file is remembered in the file's page cache (PageCache.mappers), and a
// truncate zaps the ptes that map pages past the new end in each of them, private copies included
// (as truncate does with even_cows), so a later access faults and gets SIGBUS.
//
// The set is loose: an mm stays in it until it is destroyed, even after it unmapped the file;
// the zap then finds no areas of the file in it, which is harmless.
import type { TmpfsFile } from "../fs/tmpfs/tmpfs.ts";
import { PAGE_SIZE } from "./frame.ts";
import type { Mm } from "./mm.ts";

/** Remember that mm maps inode (a new file VMA in it: mmap, or fork's copy). */
export function addMapper(inode: TmpfsFile, mm: Mm): void {
  let set = inode.cache.mappers;
  if (set === null) {
    const fresh = new Set<Mm>();
    set = fresh;
    inode.cache.mappers = fresh;
    inode.cache.truncateListeners.add((from) => {
      for (const m of fresh) zapFileFrom(m, inode, from);
    });
  }
  set.add(mm);
  mm.mappedFiles.add(inode);
}

/** Forget mm (it is destroyed). */
export function removeMapper(inode: TmpfsFile, mm: Mm): void {
  inode.cache.mappers?.delete(mm);
}

/** Drop mm's ptes of inode's pages from page offset `from` on. */
function zapFileFrom(mm: Mm, inode: TmpfsFile, from: number): void {
  let zapped = false;
  for (const v of mm.vmas) {
    if (v.backing.kind !== "file" || v.backing.inode !== inode) continue;
    const lastPgoff = v.pgoff + v.pages;
    if (lastPgoff <= from) continue;
    const start = from <= v.pgoff ? v.start : v.start + (from - v.pgoff) * PAGE_SIZE;
    mm.zapRange(start, v.end);
    zapped = true;
  }
  if (zapped) mm.epoch++;
}
