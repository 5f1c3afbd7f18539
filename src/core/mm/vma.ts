// A virtual memory area: [start, end) with one protection and one backing, like Linux's
// vm_area_struct. start and end are page aligned. VMAs of an mm never overlap and are kept
// sorted by start.
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

// vm_flags beyond the protection bits.
export const VM_SHARED = 0x8;
export const VM_GROWSDOWN = 0x100;

export type VmaKind = "anon" | "stack" | "heap" | "elf";

export class Vma {
  constructor(
    public start: number,
    public end: number,
    public prot: number,
    public flags: number,
    /** What the area is, for /proc/<pid>/maps names and for checkpoint; file backing comes with the VFS. */
    public kind: VmaKind,
  ) {}

  get length(): number {
    return this.end - this.start;
  }

  contains(addr: number): boolean {
    return addr >= this.start && addr < this.end;
  }
}
