// Memory-management syscalls: brk, mmap2, munmap, mremap, mprotect, madvise. The handlers only
// decode registers (unsigned longs arrive as signed int32) and look up the fd; the semantics are
// in src/machine/mm, one file per call.
//
// Supported: anonymous MAP_PRIVATE and MAP_SHARED with MAP_FIXED, MAP_FIXED_NOREPLACE,
// MAP_GROWSDOWN, MAP_NORESERVE, MAP_POPULATE, MAP_LOCKED (populates; nothing is locked: there is
// no reclaim), MAP_STACK (a hint). File mappings: tmpfs regular files, MAP_SHARED and
// MAP_PRIVATE, through the page cache (mm/mmap.ts, Mm.faultIn); EBADF for an fd that is not open
// (or O_PATH), ENODEV for files with no mmap (pipes, the console, device nodes, directories).
// MAP_HUGETLB: ENOMEM (no huge pages reserved). A write-sealed memfd (fs/memfd.ts) maps shared
// only read-only, and never becomes writable.
// mremap: MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP. madvise: see mm/madvise.ts's table.
import { EBADF, EINVAL, ENOMEM, EPERM } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { RLIMIT_AS, softLimit } from "../rlimit.ts";
import type { Task } from "../task.ts";
import { PAGE_SIZE } from "../../mm/frame.ts";
import { doMadvise } from "../../mm/madvise.ts";
import { doMmap, doMunmap, MAP_ANONYMOUS, MAP_HUGETLB, MAP_PRIVATE, MAP_TYPE, type MmapFile } from "../../mm/mmap.ts";
import { doMprotect } from "../../mm/mprotect.ts";
import { doMremap } from "../../mm/mremap.ts";
import { PROT_READ, PROT_WRITE } from "../../mm/vma.ts";
import { TmpfsFile } from "../../fs/tmpfs/tmpfs.ts";
import { MemfdInode } from "../../fs/memfd.ts";
import type { SyscallEntry } from "./types.ts";

function sysBrk(_k: Kernel, t: Task, addr: number): number {
  return t.mm.setBrk(addr >>> 0);
}

/** mmap2 (riscv_sys_mmap with the offset in 4096-byte units, so it is never misaligned). */
function sysMmap2(k: Kernel, t: Task, addr: number, len: number, prot: number, flags: number, fd: number, pgoff: number): number {
  // Linux 6.1 on riscv refuses write-only mappings: its page tables cannot express them.
  if ((prot & PROT_WRITE) !== 0 && (prot & PROT_READ) === 0) return -EINVAL;
  let file: MmapFile | null = null;
  if ((flags & MAP_ANONYMOUS) === 0) {
    const f = t.files?.get(fd);
    if (f === undefined || f.isPath) return -EBADF;
    if ((flags & MAP_HUGETLB) !== 0) return -EINVAL;
    let writable = f.writable;
    // A write-sealed memfd (memfd_check_seals_mmap): no shared writable mapping, and a shared
    // read-only one may never become writable (VM_MAYWRITE cleared).
    if (f.inode instanceof MemfdInode && f.inode.writeSealed && (flags & MAP_TYPE) !== MAP_PRIVATE) {
      if ((prot & PROT_WRITE) !== 0) return -EPERM;
      writable = false;
    }
    file = {
      inode: f.inode instanceof TmpfsFile ? f.inode : null,
      path: f.path,
      readable: f.readable,
      writable,
    };
  } else if ((flags & MAP_HUGETLB) !== 0) {
    return -ENOMEM;
  }
  // may_expand_vm: RLIMIT_AS caps the address space (what a MAP_FIXED mapping replaces is counted
  // as new, a simplification that only matters at the limit).
  const as = softLimit(k, t.group, RLIMIT_AS);
  if (as !== Infinity && totalVm(t.mm) + Math.ceil((len >>> 0) / PAGE_SIZE) * PAGE_SIZE > as) return -ENOMEM;
  return doMmap(t.mm, addr >>> 0, len >>> 0, prot >>> 0, flags >>> 0, pgoff >>> 0, file);
}

/** Bytes mapped (total_vm). */
function totalVm(mm: Task["mm"]): number {
  let n = 0;
  for (const v of mm.vmas) n += v.end - v.start;
  return n;
}

export const MM_SYSCALLS: SyscallEntry[] = [
  { nr: 214, name: "brk", args: ["p"], ret: "p", level: "full", cr: "mms (brk, vmas, pages)", fn: sysBrk },
  {
    nr: 215, name: "munmap", args: ["p", "u"],
    level: "full", cr: "mms (vmas, pages)",
    fn: (_k, t, addr, len) => doMunmap(t.mm, addr >>> 0, len >>> 0),
  },
  {
    nr: 216, name: "mremap", args: ["p", "u", "u", "x", "p"], ret: "p", level: "full", cr: "mms (vmas, pages)",
    fn: (_k, t, addr, oldLen, newLen, flags, newAddr) => doMremap(t.mm, addr >>> 0, oldLen >>> 0, newLen >>> 0, flags >>> 0, newAddr >>> 0),
  },
  {
    nr: 222, name: "mmap2", args: ["p", "u", "x", "x", "d", "x"], ret: "p",
    level: "partial", cr: "mms (vmas, pages); shmem (MAP_SHARED anonymous); inodes (file mappings)",
    note: "only tmpfs files can be mapped (ENODEV for the others); MAP_HUGETLB gives ENOMEM (anonymous) or EINVAL (file); MAP_LOCKED populates but locks nothing (there is no reclaim)",
    fn: sysMmap2,
  },
  {
    nr: 226, name: "mprotect", args: ["p", "u", "x"],
    level: "full", cr: "mms (vmas)",
    fn: (_k, t, addr, len, prot) => doMprotect(t.mm, addr >>> 0, len >>> 0, prot >>> 0),
  },
  {
    nr: 233, name: "madvise", args: ["p", "u", "d"],
    level: "partial", cr: "mms (vmas, pages)",
    note: "MADV_REMOVE gives EINVAL; WILLNEED, COLD and PAGEOUT are accepted and do nothing (no swap, no read-ahead)",
    fn: (_k, t, addr, len, advice) => doMadvise(t.mm, addr >>> 0, len >>> 0, advice | 0),
  },
];
