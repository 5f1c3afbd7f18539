// A file's page cache (Linux's address_space): page offset → 4 KiB frame from the machine's
// FrameAllocator, so file data counts against the memory limit exactly like anonymous memory.
//
// The cache owns one frame reference per page. Whoever maps a page (the mm, for MAP_SHARED and
// MAP_PRIVATE file mappings) takes a reference of its own with frames.get(), so dropping a page
// here (truncate, eviction) never frees a frame that a page table still points at. To keep
// mappings coherent with truncation, a mapper registers a truncate listener and zaps its ptes
// from the given page on (Linux's unmap_mapping_range).
import type { Frame, FrameAllocator } from "../mm/frame.ts";
import { PAGE_SIZE } from "../mm/frame.ts";
import type { Mm } from "../mm/mm.ts";
import { PageMap } from "./page-map.ts";

/** Called with the first page offset that is gone after a truncate. */
export type TruncateListener = (fromPgoff: number) => void;

export class PageCache {
  /** Sparse: a page absent here is a hole and reads as zeros. */
  readonly pages = new PageMap<Frame>();
  readonly truncateListeners = new Set<TruncateListener>();
  /**
   * Every mm that has mapped this file (i_mmap, loosely: an mm stays until it is destroyed), or
   * null before the first mapping; mm/filemap.ts keeps it and zaps these mms on truncate.
   */
  mappers: Set<Mm> | null = null;

  constructor(readonly frames: FrameAllocator) {}

  get nrPages(): number {
    return this.pages.size;
  }

  /** The page if present; never allocates (read(2) on a hole copies zeros instead). */
  find(pgoff: number): Frame | undefined {
    return this.pages.get(pgoff);
  }

  /**
   * The page, allocated zero-filled if absent (shmem_get_folio); null when memory is exhausted.
   * With `overwrite`, a page allocated here is not zeroed: the caller writes all of it, or zeroes
   * what it did not write, before anything can read it (a whole-page write).
   */
  findOrCreate(pgoff: number, overwrite = false): Frame | null {
    return this.pages.get(pgoff) ?? this.create(pgoff, overwrite);
  }

  /**
   * A new page at pgoff, which the caller found absent (find returned undefined): as
   * findOrCreate without a second lookup, for a writer that looked first.
   */
  create(pgoff: number, overwrite = false): Frame | null {
    const f = this.frames.alloc(!overwrite);
    if (f !== null) this.pages.set(pgoff, f);
    return f;
  }

  /**
   * Drop every page from byte `size` on and zero the tail of the page that straddles it, so a
   * later extension reads zeros there (truncate_inode_pages_range + the partial-page zeroing).
   */
  truncate(size: number): void {
    const first = Math.ceil(size / PAGE_SIZE);
    const tail = size % PAGE_SIZE;
    if (tail !== 0) this.pages.get(first - 1)?.data.fill(0, tail);
    let dropped = false;
    this.pages.forEach((f, pgoff) => {
      if (pgoff >= first) {
        this.frames.put(f);
        this.pages.delete(pgoff);
        dropped = true;
      }
    });
    if (dropped || tail !== 0) for (const l of this.truncateListeners) l(first);
  }

  /** Drop one page (a punched hole): it reads as zeros again. The caller unmapped it. */
  drop(pgoff: number): void {
    const f = this.pages.get(pgoff);
    if (f === undefined) return;
    this.frames.put(f);
    this.pages.delete(pgoff);
  }

  /** Free every page (the inode is evicted). */
  release(): void {
    this.pages.forEach((f) => this.frames.put(f));
    this.pages.clear();
  }
}
