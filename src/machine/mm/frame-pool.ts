// The host's memory for guest frames, reused across frames and across machines of this process.
//
// Why a pool: memory the Node process has never touched costs a host page fault per 4 KiB on
// first touch (100-160 MiB/s on the 2-core VM, `cr.host-first-touch`), memory it rewrites runs
// at several GB/s. Without the pool every frame came from a new slab (or from whatever glibc's
// malloc handed back after the garbage collector freed an earlier machine's slabs, sometimes
// fresh, sometimes not: the bimodal checkpoint of issue 19), so a 256 MiB checkpoint or restart
// ran at first-touch speed. With it, a machine that frees its memory (its tasks exit, its files
// are evicted, it shuts down) leaves it here, and the next frame — in the same machine or the
// next one — takes it back.
//
// Host-side only: which memory backs a frame is invisible to the guest. A frame handed out as
// fresh memory is zeroed here (take(true)), exactly as a new slab would be; only callers that
// overwrite the whole page at once skip it (FrameAllocator.alloc(false)). Frame ids, the
// per-machine accounting and the leak checks do not change: they count Frames, not memory.
/** A frame's size: PAGE_SIZE of frame.ts, which imports this file (so it is not imported here). */
const PAGE_SIZE = 4096;

/**
 * New memory is cut from 1 MiB slabs rather than allocated one ArrayBuffer per frame: 256 MiB of
 * guest memory is then 256 host allocations instead of 65,536, which keeps a big guest's frames
 * out of the allocator's and the garbage collector's way (each buffer is external memory V8
 * tracks). A slab lives as long as one of its pages is in a frame or in the pool. Slabs are
 * SharedArrayBuffers so that a second host thread can checksum an image's pages while this one
 * copies them (core/cr/crc-worker.ts); nothing else about them is shared, and the guest sees none of it.
 */
const SLAB_BYTES = 1 << 20;

/** What a taken slot of the free list holds (not the memory: a frame has it now). */
const NO_BUF = new ArrayBuffer(0);

/** Free pages per chunk of the free list (a power of two). */
const CHUNK_SHIFT = 12;
const CHUNK = 1 << CHUNK_SHIFT;

/**
 * A piece of the free list: CHUNK pages, each 4 KiB of bufs[i] from byte offs[i]. The list is a
 * queue of these rather than one growing array: an exiting 256 MiB guest gives back 65,536
 * pages at once, and growing one array to that copied it again and again into the large-object
 * space, a few MiB that stayed resident until the next full collection (the `cptbench run`
 * peak is at such a teardown).
 */
class FreeChunk {
  readonly bufs = new Array<ArrayBufferLike>(CHUNK).fill(NO_BUF);
  readonly offs = new Int32Array(CHUNK);
}

/**
 * At most this many free pages are kept (768 MiB): enough for a 256 MiB guest and its image
 * twice over (a checkpointed machine's memory, reused by the machine that restarts it), while a
 * process that once ran something bigger still gives the rest back to the garbage collector.
 */
export const POOL_MAX_PAGES = (768 << 20) / PAGE_SIZE;

export class FramePool {
  /**
   * Free pages, in the order they were freed, taken from the front (first freed, first reused):
   * a run of pages freed in address order — an exiting guest's, an evicted file's — is handed out
   * again in that order, so the pages a big guest faults in, or an image file's pages, lie side by
   * side in one slab and the copies and checksums of a checkpoint or restart take them a run at a
   * time (runs.ts) instead of 4 KiB at a time. A stack would hand such a run out backwards.
   * The list is a queue of FreeChunks: its front is chunks[0] from slot head, its back
   * chunks[last] up to slot tail. Buffers and offsets, not a view per page (a freed 256 MiB
   * guest is 65,536 pages, and a view each was 6 MiB of heap the collector moved).
   */
  private chunks: FreeChunk[] = [];
  private head = 0;
  private tail = 0;
  private count = 0;
  private slab: SharedArrayBuffer | null = null;
  private slabOff = SLAB_BYTES;
  /** The buffer of the page the last take() returned the offset of. */
  takenBuf: ArrayBufferLike = NO_BUF;
  /** Pages taken that were cut from new slabs (fresh host memory), for the benchmarks. */
  freshPages = 0;
  /** Pages taken from the free list (memory reused). */
  reusedPages = 0;

  constructor(readonly maxPages = POOL_MAX_PAGES) {}

  /** Free pages held now. */
  get size(): number {
    return this.count;
  }

  /**
   * 4 KiB for a frame: reused memory when there is some (zeroed first if `zero`), else a new
   * slab's page (zero-filled by the host already). Returns the page's offset in takenBuf (a pair
   * without an object: FrameAllocator.alloc makes the frame of them).
   */
  take(zero: boolean): number {
    if (this.count > 0) {
      const c = this.chunks[0]!;
      const i = this.head++;
      const buf = c.bufs[i]!;
      const off = c.offs[i]!;
      // Leave no reference to memory that is in use.
      c.bufs[i] = NO_BUF;
      if (--this.count === 0) this.drain();
      else if (this.head === CHUNK) {
        this.chunks.shift();
        this.head = 0;
      }
      this.reusedPages++;
      if (zero) new Uint8Array(buf, off, PAGE_SIZE).fill(0);
      this.takenBuf = buf;
      return off;
    }
    this.freshPages++;
    if (this.slabOff === SLAB_BYTES) {
      this.slab = new SharedArrayBuffer(SLAB_BYTES);
      this.slabOff = 0;
    }
    const off = this.slabOff;
    this.slabOff += PAGE_SIZE;
    this.takenBuf = this.slab!;
    return off;
  }

  /** take() as a view, for memory that is not a frame's yet (a decoder's page, adopted later). */
  takeBytes(zero: boolean): Uint8Array {
    const off = this.take(zero);
    return new Uint8Array(this.takenBuf, off, PAGE_SIZE);
  }

  /**
   * How many of the next pages take() hands out (up to `max`) lie side by side after the first,
   * in one buffer: a caller that fills whole pages takes that many and copies into them as one
   * view (runs.ts). At least 1 (a new slab's page, when nothing is free).
   */
  adjoiningAhead(max: number): number {
    if (this.count === 0) return Math.max(1, Math.min(max, (SLAB_BYTES - this.slabOff) / PAGE_SIZE || SLAB_BYTES / PAGE_SIZE));
    const chunks = this.chunks;
    const h = this.head;
    const buf = chunks[0]!.bufs[h]!;
    let end = chunks[0]!.offs[h]! + PAGE_SIZE;
    let n = 1;
    for (; n < max && n < this.count; n++) {
      const g = h + n;
      const c = chunks[g >>> CHUNK_SHIFT]!;
      const i = g & (CHUNK - 1);
      if (c.offs[i] !== end || c.bufs[i] !== buf) break;
      end += PAGE_SIZE;
    }
    return n;
  }

  /**
   * Up to `max` pages (at least one) that lie side by side in order, for a caller that overwrites
   * them whole: adjoiningAhead's count of takeBytes(false)s, so runs.ts's runView covers them all.
   */
  takeRun(max: number): Uint8Array[] {
    const n = this.adjoiningAhead(max);
    const out = new Array<Uint8Array>(n);
    for (let i = 0; i < n; i++) out[i] = this.takeBytes(false);
    return out;
  }

  /** The 4 KiB of `buf` at `off`, a freed frame's (nothing refers to it any more); dropped to the GC when full. */
  give(buf: ArrayBufferLike, off: number): void {
    if (this.count >= this.maxPages || off + PAGE_SIZE > buf.byteLength) return;
    if (this.count === 0 || this.tail === CHUNK) {
      this.chunks.push(new FreeChunk());
      this.tail = 0;
    }
    const c = this.chunks[this.chunks.length - 1]!;
    c.bufs[this.tail] = buf;
    c.offs[this.tail++] = off;
    this.count++;
  }

  /** Let the garbage collector have every free page (tests, or a host short of memory). */
  drain(): void {
    this.chunks = [];
    this.head = 0;
    this.tail = 0;
    this.count = 0;
  }
}

/** The process's one pool: every machine's FrameAllocator takes from it and gives back to it. */
export const FRAME_POOL = new FramePool();
