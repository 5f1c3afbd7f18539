// Shared memory objects: what MAP_SHARED|MAP_ANONYMOUS maps (Linux: shmem_zero_setup gives each
// such mapping an unlinked tmpfs file, shown as "/dev/zero (deleted)" in /proc/<pid>/maps).
//
// The object owns its pages: one frame reference per page in `pages`, taken when the page is
// first touched and dropped when the last VMA mapping the object goes. Page-table entries that
// map a page hold references of their own, so dropping a pte (munmap, MADV_DONTNEED) never loses
// the contents. This is the contract of fs/page-cache.ts's PageCache (findOrCreate included):
// tmpfs files map through a `{ kind: "file" }` backing on their PageCache the same way.
import type { Frame, FrameAllocator } from "./frame.ts";

export class ShmemObject {
  /** Page offset → frame. Sparse: a page absent here has never been touched and reads as zero. */
  readonly pages = new Map<number, Frame>();
  /** VMAs mapping the object, in every mm (Linux: the file's reference count from mappings). */
  refs = 1;

  constructor(
    readonly frames: FrameAllocator,
    /** The inode number maps.ts prints. */
    readonly ino: number,
    /** Size in pages (the file's i_size): a fault beyond it is SIGBUS, as after mremap growth. */
    readonly size: number,
  ) {}

  get(): void {
    this.refs++;
  }

  /** Drop a mapping's reference; the last one frees every page. */
  put(): void {
    if (--this.refs > 0) return;
    for (const f of this.pages.values()) this.frames.put(f);
    this.pages.clear();
  }

  /**
   * The page at pgoff (Linux: shmem_get_folio), allocated zero-filled on first use. The caller
   * takes its own reference for a pte. null when the machine is out of frames.
   */
  findOrCreate(pgoff: number): Frame | null {
    let f = this.pages.get(pgoff);
    if (f === undefined) {
      const fresh = this.frames.alloc();
      if (fresh === null) return null;
      f = fresh;
      this.pages.set(pgoff, f);
    }
    return f;
  }
}
