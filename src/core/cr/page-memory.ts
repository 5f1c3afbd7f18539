// Memory for page data a decoder copies out of bytes it may not keep (an image file's page cache,
// read in place): 4 KiB from the host's frame pool, which the frame that adopts the page at
// restore (FrameAllocator.adopt) then owns, and gives back to the pool when it is freed. Taking
// reused memory here, rather than new buffers, is what keeps a restart of a big guest from
// running at the host's first-touch speed (README, "Where the time and memory go").
import { FRAME_POOL } from "../../machine/mm/frame-pool.ts";
import { PAGE_SIZE } from "../../machine/mm/frame.ts";

/**
 * A page-sized buffer whose bytes are undefined: the caller overwrites all of it before the page
 * is used (a page of an image, copied whole).
 */
export function pageMemory(): Uint8Array {
  return FRAME_POOL.takeBytes(false);
}

/**
 * Up to `max` page-sized buffers (at least one), as pageMemory, that lie side by side: a decoder
 * copies a run of pages into runView(run[0], run.length * PAGE_SIZE) at once (runs.ts).
 */
export function pageMemoryRun(max: number): Uint8Array[] {
  return FRAME_POOL.takeRun(max);
}

/** A buffer for `n` bytes of bulk copied out of borrowed bytes: pool memory for a whole page. */
export function bulkMemory(n: number): Uint8Array {
  return n === PAGE_SIZE ? pageMemory() : new Uint8Array(n);
}
