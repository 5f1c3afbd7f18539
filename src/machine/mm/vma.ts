// A virtual memory area: [start, end) with one protection, one set of flags and one backing,
// like Linux's vm_area_struct. start and end are page aligned. VMAs of an mm never overlap and
// are kept sorted by start (vma-list.ts keeps that invariant).
import { PAGE_SHIFT } from "./frame.ts";
import { STACK_GUARD_GAP } from "./layout.ts";
import type { Path } from "../fs/inode.ts";
import type { TmpfsFile } from "../fs/tmpfs/tmpfs.ts";
import type { ShmemObject } from "./shmem.ts";

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

// vm_flags beyond the protection bits, with Linux's values.
export const VM_SHARED = 0x8;
/** The mapping may be made writable (a MAP_SHARED file mapping needs the file open for writing). */
export const VM_MAYWRITE = 0x20;
export const VM_GROWSDOWN = 0x100;
/** MADV_SEQUENTIAL / MADV_RANDOM: only a hint, but a distinct area (it splits and blocks merges). */
export const VM_SEQ_READ = 0x8000;
export const VM_RAND_READ = 0x10000;
/** MADV_DONTFORK: the child of a fork does not get this area. */
export const VM_DONTCOPY = 0x20000;
/** Charged to the overcommit heuristic when created or made writable (private writable, brk). */
export const VM_ACCOUNT = 0x100000;
/** MAP_NORESERVE: never counted, even if it becomes writable. */
export const VM_NORESERVE = 0x200000;
/** MADV_WIPEONFORK: the child gets the area empty (demand-zero). */
export const VM_WIPEONFORK = 0x2000000;
/** MADV_DONTDUMP: left out of core dumps (and, later, of checkpoint images that honour it). */
export const VM_DONTDUMP = 0x4000000;

/**
 * Where an area came from. Descriptive only (checkpoint, the [stack] fallback of maps.ts), except
 * that "elf" areas stand for file mappings of the executable and "vdso" for the kernel's special
 * mapping ([vdso] in maps): neither merges with anonymous memory.
 */
export type VmaKind = "anon" | "stack" | "heap" | "elf" | "vdso";

/**
 * What holds the pages of an area. Private anonymous pages belong to the page table alone; a
 * shared object owns its pages (Map<pgoff, Frame>) and every VMA mapping it takes a reference.
 * A tmpfs file is `{ kind: "file", inode, path }`: the inode's page cache owns the pages,
 * a shared mapping maps them, a private one maps them read-only and copies on write.
 */
export type VmaBacking =
  | { readonly kind: "anon" }
  | { readonly kind: "shmem"; readonly obj: ShmemObject }
  | FileBacking;

/**
 * A tmpfs file mapped through its page cache. Every VMA on it holds a user reference on the
 * inode (so an unlinked file stays while mapped); path is what /proc/<pid>/maps names.
 */
export interface FileBacking {
  readonly kind: "file";
  readonly inode: TmpfsFile;
  readonly path: Path;
}

export const ANON: VmaBacking = { kind: "anon" };

export class Vma {
  constructor(
    public start: number,
    public end: number,
    public prot: number,
    public flags: number,
    public kind: VmaKind,
    public backing: VmaBacking = ANON,
    /**
     * Linux's vm_pgoff: the page of the backing mapped at start. For private anonymous memory it
     * is start's page number when the area was created (it moves with mremap), so areas merge
     * only when their pages are contiguous, as Linux's anon_vma rules make them.
     */
    public pgoff: number = start >>> PAGE_SHIFT,
  ) {}

  get length(): number {
    return this.end - this.start;
  }

  get pages(): number {
    return (this.end - this.start) >>> PAGE_SHIFT;
  }

  contains(addr: number): boolean {
    return addr >= this.start && addr < this.end;
  }

  /** The backing's page offset of the page holding addr. */
  pgoffAt(addr: number): number {
    return this.pgoff + ((addr - this.start) >>> PAGE_SHIFT);
  }

  get shared(): boolean {
    return (this.flags & VM_SHARED) !== 0;
  }

  /** A copy over [start, end) of this area (a split half, a moved area, a child's area). */
  slice(start: number, end: number): Vma {
    backingGet(this.backing);
    return new Vma(start, end, this.prot, this.flags, this.kind, this.backing, this.pgoffAt(start));
  }
}

/** Where the area begins for placement purposes: a stack keeps its guard gap free below it. */
export function vmStartGap(v: Vma): number {
  return (v.flags & VM_GROWSDOWN) !== 0 ? Math.max(v.start - STACK_GUARD_GAP, 0) : v.start;
}

/** Take a reference on what backs an area (a new VMA maps it). */
export function backingGet(b: VmaBacking): void {
  if (b.kind === "shmem") b.obj.get();
  else if (b.kind === "file") b.inode.get();
}

/** Drop an area's reference on its backing (the VMA is gone). */
export function backingPut(b: VmaBacking): void {
  if (b.kind === "shmem") b.obj.put();
  else if (b.kind === "file") b.inode.put();
}

/**
 * True if `lo` and `hi` (lo directly below hi) would be one area in Linux: same protection,
 * flags and backing, and contiguous page offsets (is_mergeable_vma + can_vma_merge_after).
 */
export function canMerge(lo: Vma, hi: Vma): boolean {
  if (lo.end !== hi.start || lo.prot !== hi.prot || lo.flags !== hi.flags) return false;
  // Executable-file areas merge only with each other, anonymous kinds among themselves, and the
  // vdso with nothing.
  if (lo.kind === "vdso" || hi.kind === "vdso" || (lo.kind === "elf") !== (hi.kind === "elf")) return false;
  const a = lo.backing;
  const b = hi.backing;
  if (a.kind !== b.kind || (a.kind === "shmem" && b.kind === "shmem" && a.obj !== b.obj)) return false;
  if (a.kind === "file" && b.kind === "file" && (a.inode !== b.inode || a.path.dentry !== b.path.dentry)) return false;
  return lo.pgoff + lo.pages === hi.pgoff;
}

/** The kind a merged area keeps: the more specific one ("heap" over "anon"). */
export function mergedKind(lo: Vma, hi: Vma): VmaKind {
  return lo.kind !== "anon" ? lo.kind : hi.kind;
}
