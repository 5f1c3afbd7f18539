// Runs of host memory: views that lie side by side in one ArrayBuffer read as one view. The frame
// pool (frame-pool.ts) hands out pages freed in address order in that order again, so a big
// guest's frames, an image file's pages and a restart's page memory mostly come as runs of a slab;
// copying or checksumming a run with one call instead of one per 4 KiB page is what lets C/R of a
// 256 MiB guest go at memory speed (the per-call cost, not the bytes, was the bound). Whether two
// pages adjoin is host-side only: the guest never sees it, and every user falls back to page-at-a-
// time work when they do not.

/**
 * Whether `b` starts at byte `end` of `buf`: where a run of views in `buf` that ends at `end`
 * continues. The run's buffer and end are the caller's locals, read once per run: byteOffset and
 * buffer are calls into V8, not field loads (15-25 ns each here), and reading both for both views
 * at every page was 10 ms of a 256 MiB checkpoint.
 */
export function adjoinsEnd(buf: ArrayBufferLike, end: number, b: Uint8Array): boolean {
  return b.byteOffset === end && b.buffer === buf;
}

/** The `len` bytes from `a`'s start as one view (a itself when that is all of it). */
export function runView(a: Uint8Array, len: number): Uint8Array {
  return len === a.length ? a : new Uint8Array(a.buffer, a.byteOffset, len);
}
