// mmap and munmap: Linux's do_mmap, get_unmapped_area, mmap_region and do_munmap, for anonymous
// memory and tmpfs files (mapped through their page cache: see MmapFile and Mm.faultIn).
import { accountable, vmEnoughMemory } from "./account.ts";
import { PAGE_MASK, PAGE_SHIFT } from "./frame.ts";
import { MAX_MAP_COUNT, MMAP_MIN_ADDR, pageAlignUp, TASK_SIZE, TASK_UNMAPPED_BASE } from "./layout.ts";
import type { Mm } from "./mm.ts";
import type { Path } from "../fs/inode.ts";
import type { TmpfsFile } from "../fs/tmpfs/tmpfs.ts";
import { addMapper } from "./filemap.ts";
import { ShmemObject } from "./shmem.ts";
import { vmaIndex } from "./vma-list.ts";
import { ANON, PROT_NONE, PROT_WRITE, VM_ACCOUNT, VM_GROWSDOWN, VM_MAYWRITE, VM_NORESERVE, VM_SHARED, vmStartGap, type VmaBacking } from "./vma.ts";
import { EACCES, EEXIST, EINVAL, ENODEV, ENOMEM, EOVERFLOW, EPERM } from "../kernel/errno.ts";

// mmap flags (asm-generic/mman-common.h).
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x100;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_NONBLOCK = 0x10000;
export const MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000;
export const MAP_FIXED_NOREPLACE = 0x100000;

/**
 * A file being mapped (the fd was looked up): a tmpfs regular file, mapped through its page cache,
 * or something with no mmap operation (inode null: pipes, the console, directories: ENODEV).
 */
export interface MmapFile {
  readonly inode: TmpfsFile | null;
  readonly path: Path;
  /** FMODE_READ and FMODE_WRITE of the open file. */
  readonly readable: boolean;
  readonly writable: boolean;
}

/** get_unmapped_area: where a mapping of len bytes goes, or -errno. */
export function getUnmappedArea(mm: Mm, addr: number, len: number, flags: number): number {
  if (len > TASK_SIZE) return -ENOMEM;
  let got: number;
  if ((flags & MAP_FIXED) !== 0) {
    got = addr;
  } else {
    if (len > TASK_SIZE - MMAP_MIN_ADDR) return -ENOMEM;
    // A hint is taken as is when the range is free (a stack's guard gap counts as taken).
    if (addr !== 0 && TASK_SIZE - len >= addr && addr >= MMAP_MIN_ADDR && fits(mm, addr, len)) return addr;
    got = topDown(mm, len);
    if (got < 0) got = bottomUp(mm, len);
    if (got < 0) return got;
  }
  if (got > TASK_SIZE - len) return -ENOMEM;
  if ((got & PAGE_MASK) !== 0) return -EINVAL;
  // security_mmap_addr: tasks here lack CAP_SYS_RAWIO, so the bottom of memory stays unmapped.
  if (got < MMAP_MIN_ADDR) return -EPERM;
  return got;
}

function fits(mm: Mm, addr: number, len: number): boolean {
  const next = mm.vmas[vmaIndex(mm.vmas, addr)];
  return next === undefined || addr + len <= vmStartGap(next);
}

/** unmapped_area_topdown: the highest free gap below mmap_base that holds len bytes. */
function topDown(mm: Mm, len: number): number {
  const v = mm.vmas;
  const low = MMAP_MIN_ADDR;
  const high = mm.mmapBase;
  for (let i = vmaIndex(v, high); i >= 0; i--) {
    const gapEnd = Math.min(i < v.length ? vmStartGap(v[i]) : TASK_SIZE, high);
    const gapStart = Math.max(i > 0 ? v[i - 1].end : 0, low);
    if (gapEnd - gapStart >= len) return gapEnd - len;
    if (gapStart <= low) break;
  }
  return -ENOMEM;
}

/** unmapped_area, the fallback when the top-down area is full: the lowest gap above TASK_UNMAPPED_BASE. */
function bottomUp(mm: Mm, len: number): number {
  const v = mm.vmas;
  for (let i = vmaIndex(v, TASK_UNMAPPED_BASE); i <= v.length; i++) {
    const gapStart = Math.max(i > 0 ? v[i - 1].end : 0, TASK_UNMAPPED_BASE);
    const gapEnd = i < v.length ? vmStartGap(v[i]) : TASK_SIZE;
    if (gapEnd - gapStart >= len) return gapStart;
  }
  return -ENOMEM;
}

/**
 * do_mmap: map len bytes with prot at addr (a hint, or exact with MAP_FIXED). pgoff is in pages
 * (mmap2's offset). `file` is null for MAP_ANONYMOUS. Returns the address or -errno.
 * Preconditions (ksys_mmap_pgoff's): the fd was looked up; MAP_HUGETLB was handled.
 */
export function doMmap(mm: Mm, addr: number, len: number, prot: number, flags: number, pgoff: number, file: MmapFile | null): number {
  if (len === 0) return -EINVAL;
  if ((flags & MAP_FIXED_NOREPLACE) !== 0) flags |= MAP_FIXED;
  // round_hint_to_min: a hint below mmap_min_addr is raised to it.
  if ((flags & MAP_FIXED) === 0) {
    addr = (addr & ~PAGE_MASK) >>> 0;
    if (addr !== 0 && addr < MMAP_MIN_ADDR) addr = MMAP_MIN_ADDR;
  }
  len = pageAlignUp(len);
  if (len === 0) return -ENOMEM;
  if (pgoff + (len >>> PAGE_SHIFT) > 0xffffffff) return -EOVERFLOW;
  if (mm.vmas.length > MAX_MAP_COUNT) return -ENOMEM;
  const got = getUnmappedArea(mm, addr, len, flags);
  if (got < 0) return got;
  addr = got;
  if ((flags & MAP_FIXED_NOREPLACE) !== 0 && !mm.isFree(addr, addr + len)) return -EEXIST;

  let vmFlags = 0;
  if ((flags & MAP_GROWSDOWN) !== 0) vmFlags |= VM_GROWSDOWN;
  // Overcommit mode 0 honours MAP_NORESERVE.
  if ((flags & MAP_NORESERVE) !== 0) vmFlags |= VM_NORESERVE;
  const type = flags & MAP_TYPE;
  if (file !== null) {
    if (type !== MAP_SHARED && type !== MAP_SHARED_VALIDATE && type !== MAP_PRIVATE) return -EINVAL;
    // do_mmap's file checks, in its order: a shared mapping may be writable only through a file
    // opened for writing (else it never may: no VM_MAYWRITE); reading is always needed; then the
    // file must have an mmap operation; file mappings do not grow.
    if (type !== MAP_PRIVATE) {
      if ((prot & PROT_WRITE) !== 0 && !file.writable) return -EACCES;
      vmFlags |= VM_SHARED;
      if (file.writable) vmFlags |= VM_MAYWRITE;
    }
    if (!file.readable) return -EACCES;
    if (file.inode === null) return -ENODEV;
    if ((vmFlags & VM_GROWSDOWN) !== 0) return -EINVAL;
    const r = mmapRegion(mm, addr, len, prot, vmFlags, pgoff, { kind: "file", inode: file.inode, path: file.path });
    if (r < 0) return r;
    if (((flags & MAP_POPULATE) !== 0 && (flags & MAP_NONBLOCK) === 0) || (flags & MAP_LOCKED) !== 0) populate(mm, addr, addr + len);
    return addr;
  }
  if (type === MAP_SHARED) {
    if ((vmFlags & VM_GROWSDOWN) !== 0) return -EINVAL;
    vmFlags |= VM_SHARED;
    pgoff = 0;
  } else if (type === MAP_PRIVATE) {
    pgoff = addr >>> PAGE_SHIFT;
  } else {
    return -EINVAL;
  }
  const r = mmapRegion(mm, addr, len, prot, vmFlags, pgoff);
  if (r < 0) return r;
  if (((flags & MAP_POPULATE) !== 0 && (flags & MAP_NONBLOCK) === 0) || (flags & MAP_LOCKED) !== 0) populate(mm, addr, addr + len);
  return addr;
}

/** mmap_region: replace whatever is at [addr, addr+len) with a new area (anonymous, or on `file`). */
function mmapRegion(mm: Mm, addr: number, len: number, prot: number, vmFlags: number, pgoff: number, file?: VmaBacking): number {
  const pages = len >>> PAGE_SHIFT;
  // As in Linux, a MAP_FIXED mapping that then fails has still removed what was there.
  if (mm.unmapRange(addr, addr + len) < 0) return -ENOMEM;
  prot &= 7;
  if (accountable(prot, vmFlags)) {
    if (!vmEnoughMemory(mm.frames, pages)) return -ENOMEM;
    vmFlags |= VM_ACCOUNT;
  }
  let backing: VmaBacking = ANON;
  if (file !== undefined && file.kind === "file") {
    // The VMA's reference on the inode: the file stays while mapped, even unlinked.
    file.inode.get();
    addMapper(file.inode, mm);
    backing = file;
  } else if ((vmFlags & VM_SHARED) !== 0) {
    // shmem_zero_setup: the object is charged for its whole size unless MAP_NORESERVE.
    if ((vmFlags & VM_NORESERVE) === 0 && !vmEnoughMemory(mm.frames, pages)) return -ENOMEM;
    backing = { kind: "shmem", obj: new ShmemObject(mm.frames, mm.frames.nextIno++, pages) };
  }
  mm.mapRegion(addr, len, prot, vmFlags, "anon", backing, pgoff);
  return 0;
}

/**
 * mm_populate (MAP_POPULATE, MAP_LOCKED): fault in every page of the accessible areas in
 * [start, end), writing where a write would copy (private writable). Stops quietly when memory
 * runs out: the mapping stands, and a later access faults (FAULT_OOM) as it would have.
 */
export function populate(mm: Mm, start: number, end: number): void {
  for (let i = vmaIndex(mm.vmas, start); i < mm.vmas.length && mm.vmas[i].start < end; i++) {
    const v = mm.vmas[i];
    if (v.prot === PROT_NONE) continue;
    const write = !v.shared && (v.prot & PROT_WRITE) !== 0;
    const last = Math.min(v.end, end);
    for (let a = Math.max(v.start, start); a < last; a += 1 << PAGE_SHIFT) {
      if (mm.faultIn(v, a >>> PAGE_SHIFT, write) === null) return;
    }
  }
}

/** munmap(2) (__do_munmap's checks): 0 or -errno. Unmapping nothing is not an error. */
export function doMunmap(mm: Mm, start: number, len: number): number {
  if ((start & PAGE_MASK) !== 0 || start > TASK_SIZE || len > TASK_SIZE - start) return -EINVAL;
  len = pageAlignUp(len);
  if (len === 0) return -EINVAL;
  return mm.unmapRange(start, start + len);
}
