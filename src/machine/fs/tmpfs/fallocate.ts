// fallocate and SEEK_DATA / SEEK_HOLE on tmpfs files (Linux's shmem_fallocate and
// shmem_file_llseek): the page cache is sparse, so a page present is data and a page absent is
// a hole, at page granularity, as shmem reports them; a page fallocate allocated is a hole too
// until something writes it (TmpfsFile.unwritten), as shmem's fallocated folios and ext4's
// unwritten extents are.
import { PAGE_SIZE } from "../../mm/frame.ts";
import type { Mm } from "../../mm/mm.ts";
import { SEEK_DATA } from "../constants.ts";
import { ENOSPC, ENXIO, EOPNOTSUPP, EPERM } from "../errno.ts";
import type { TmpfsFile } from "./tmpfs.ts";

export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;

/**
 * shmem_fallocate: allocate [offset, offset+len) (growing i_size unless KEEP_SIZE), or punch it
 * out (PUNCH_HOLE|KEEP_SIZE: whole pages are dropped, the partial ones at the edges zeroed).
 * The caller made vfs_fallocate's checks (mode combinations, write access, file type, sizes).
 */
export function tmpfsFallocate(inode: TmpfsFile, mode: number, offset: number, len: number): number {
  if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) !== 0) return -EOPNOTSUPP;
  const end = offset + len;
  if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0) {
    if (!inode.mayPunch()) return -EPERM;
    punchHole(inode, offset, end);
    inode.touchData();
    return 0;
  }
  // F_SEAL_GROW refuses any allocation past the end, even one that keeps the size.
  if (end > inode.size && !inode.mayResize(end)) return -EPERM;
  const grow = (mode & FALLOC_FL_KEEP_SIZE) === 0 && end > inode.size;
  const fresh: number[] = [];
  for (let pg = Math.floor(offset / PAGE_SIZE); pg * PAGE_SIZE < end; pg++) {
    if (inode.cache.find(pg) !== undefined) continue;
    if (inode.cache.findOrCreate(pg) === null) {
      // Out of memory: undo what this call allocated, as shmem_undo_range does.
      for (const p of fresh) inode.cache.drop(p);
      return -ENOSPC;
    }
    fresh.push(pg);
  }
  if (fresh.length > 0) {
    inode.unwritten ??= new Set();
    for (const pg of fresh) inode.unwritten.add(pg);
  }
  if (grow) inode.growTo(end);
  inode.touchData();
  return 0;
}

/**
 * Drop the pages wholly inside [start, end) and zero the partial ones, taking the dropped pages
 * out of every shared mapping of the file (unmap_mapping_range; private copies stay).
 */
function punchHole(inode: TmpfsFile, start: number, end: number): void {
  const first = Math.ceil(start / PAGE_SIZE);
  const last = Math.floor(end / PAGE_SIZE); // exclusive
  const head = inode.cache.find(Math.floor(start / PAGE_SIZE));
  if (start % PAGE_SIZE !== 0 && head !== undefined) head.data.fill(0, start % PAGE_SIZE, Math.min(PAGE_SIZE, start % PAGE_SIZE + end - start));
  const tailPg = Math.floor(end / PAGE_SIZE);
  const tail = inode.cache.find(tailPg);
  if (end % PAGE_SIZE !== 0 && tail !== undefined && tailPg >= first) tail.data.fill(0, 0, end % PAGE_SIZE);
  if (first >= last) return;
  const dropped = new Map<number, object>();
  for (const [pg, f] of inode.cache.pages) if (pg >= first && pg < last) dropped.set(pg, f);
  if (dropped.size === 0) return;
  const frames = new Set(dropped.values());
  for (const mm of inode.cache.mappers ?? new Set<Mm>()) unmapPages(mm, inode, first, last, frames);
  for (const pg of dropped.keys()) {
    inode.cache.drop(pg);
    inode.markWritten(pg);
  }
}

function unmapPages(mm: Mm, inode: TmpfsFile, first: number, last: number, frames: Set<object>): void {
  for (const v of mm.vmas) {
    if (v.backing.kind !== "file" || v.backing.inode !== inode) continue;
    for (let pg = Math.max(first, v.pgoff); pg < Math.min(last, v.pgoff + v.pages); pg++) {
      const addr = v.start + (pg - v.pgoff) * PAGE_SIZE;
      const pte = mm.pt.get(addr / PAGE_SIZE);
      if (pte !== undefined && frames.has(pte.frame)) mm.zapRange(addr, addr + PAGE_SIZE);
    }
  }
}

/** shmem_file_llseek's SEEK_DATA / SEEK_HOLE: the offset found, or -ENXIO past the end. */
export function seekHoleData(inode: TmpfsFile, offset: number, whence: number): number {
  const size = inode.size;
  if (offset < 0 || offset >= size) return -ENXIO;
  const startPg = Math.floor(offset / PAGE_SIZE);
  let found: number;
  if (whence === SEEK_DATA) {
    // The first page present at or after the offset's page.
    let best = Infinity;
    for (const pg of inode.cache.pages.keys()) if (pg >= startPg && pg < best && inode.unwritten?.has(pg) !== true) best = pg;
    if (best === Infinity) return -ENXIO;
    found = best * PAGE_SIZE;
  } else {
    // The first page absent at or after it (at most one past the pages there are).
    let pg = startPg;
    while (inode.cache.find(pg) !== undefined && inode.unwritten?.has(pg) !== true) pg++;
    found = pg * PAGE_SIZE;
  }
  if (found >= size) return whence === SEEK_DATA ? -ENXIO : size;
  return Math.max(offset, found);
}
