// Shared memory objects: what MAP_SHARED|MAP_ANONYMOUS maps (Linux: shmem_zero_setup gives each
// such mapping an unlinked tmpfs file, shown as "/dev/zero (deleted)" in /proc/<pid>/maps).
//
// The object owns its pages: one frame reference per page in its page cache, taken when the page is
// first touched and dropped when the last VMA mapping the object goes. Page-table entries that
// map a page hold references of their own, so dropping a pte (munmap, MADV_DONTNEED) never loses
// the contents. The pages live in a PageCache (fs/page-cache.ts), as a tmpfs file's do, and
// tmpfs files map through a `{ kind: "file" }` backing on theirs the same way.
import { PageCache } from "../fs/page-cache.ts";
import type { Frame, FrameAllocator } from "./frame.ts";

export class ShmemObject {
  /** The object's pages: a page cache like a tmpfs file's (shmem is tmpfs underneath). */
  readonly cache: PageCache;
  /** VMAs mapping the object, in every mm (Linux: the file's reference count from mappings). */
  refs = 1;

  constructor(
    readonly frames: FrameAllocator,
    /** The inode number maps.ts prints. */
    readonly ino: number,
    /** Size in pages (the file's i_size): a fault beyond it is SIGBUS, as after mremap growth. */
    readonly size: number,
  ) {
    this.cache = new PageCache(frames);
  }

  get(): void {
    this.refs++;
  }

  /** Drop a mapping's reference; the last one frees every page. */
  put(): void {
    if (--this.refs > 0) return;
    this.cache.release();
  }

  /**
   * The page at pgoff (Linux: shmem_get_folio), allocated zero-filled on first use. The caller
   * takes its own reference for a pte. null when the machine is out of frames.
   */
  findOrCreate(pgoff: number): Frame | null {
    return this.cache.findOrCreate(pgoff);
  }
}
