// Physical page frames: 4 KiB of guest memory each, refcounted, allocated against a per-machine
// limit so a guest that asks for too much gets ENOMEM instead of exhausting the host.
//
// The zero page is one frame shared by every read-only demand-zero mapping (Linux's ZERO_PAGE):
// it is never written, never freed, and mapped read-only so the first write faults and gets a
// private frame.
import { FRAME_POOL } from "./frame-pool.ts";

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

/** DataView's constructor, typed so that a class can extend it (lib.d.ts's is generic over the buffer). */
const PageView: new (buffer: ArrayBufferLike, byteOffset: number, byteLength: number) => DataView<ArrayBufferLike> = DataView;

/**
 * A frame is the DataView of its 4 KiB, with its refcount on it: one host object per page. It was
 * three (the frame, a Uint8Array of the page, and the DataView the TLBs use), some 230 bytes a
 * page, which for a 256 MiB guest and its image was ~27 MiB of V8's old generation at the peak of
 * a checkpoint and restart (cr.peak-rss-256mib). The harts' loads and stores go through it as
 * before (a frame is what mm.translate returns); byte-wise users take `data`.
 */
export class Frame extends PageView {
  /** Number of page-table entries (and kernel holders) referring to this frame. */
  refs = 1;
  /**
   * Set when the last reference went and the memory went back to the host pool: a second put
   * (or a get and put) of a dead frame must not give the same memory to the pool twice, which
   * would hand one page to two owners.
   */
  released = false;

  /**
   * A frame over the page `byteOffset` bytes into `buffer`: 4 KiB from the host pool
   * (frame-pool.ts), zeroed by whoever took it unless it is overwritten whole, or memory that
   * already holds the page (adopt). The zero page has its own.
   */
  constructor(
    readonly id: number,
    buffer: ArrayBufferLike,
    byteOffset: number,
  ) {
    super(buffer, byteOffset, PAGE_SIZE);
  }

  /**
   * The page's bytes: a new view at each call, so that a frame carries no second object for its
   * whole life. Hold it across a loop; take `buffer` and `byteOffset` to compare or combine pages
   * (runs.ts).
   */
  get data(): Uint8Array {
    return new Uint8Array(this.buffer, this.byteOffset, PAGE_SIZE);
  }
}

export class FrameAllocator {
  private nextId = 1;
  /** Frames currently allocated (the zero page is not counted). */
  inUse = 0;
  /** High-water mark of inUse, for metrics. */
  peak = 0;
  readonly zeroPage: Frame;
  /**
   * Inode numbers of the kernel's internal shared-memory files (Linux's get_next_ino). Kept per
   * machine, next to its memory, so that /proc/<pid>/maps reads the same in every run.
   */
  nextIno = 1;

  constructor(readonly limit: number) {
    // Its own memory, never from the pool: it is never freed, so never given back.
    this.zeroPage = new Frame(0, new ArrayBuffer(PAGE_SIZE), 0);
  }

  /**
   * A fresh zero-filled frame with one reference, or null when the machine's limit is reached.
   * With `zero` false the bytes are whatever the pool's memory held: for a caller that overwrites
   * the whole page before anything can read it (a copy of another page, a page of an image).
   * Such a frame must never reach a guest or a reader before it is filled.
   */
  alloc(zero = true): Frame | null {
    if (this.inUse >= this.limit) return null;
    this.inUse++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    const off = FRAME_POOL.takePage(zero);
    return new Frame(this.nextId++, FRAME_POOL.lastBuffer, off);
  }

  /**
   * How many of the next alloc()s (up to `max`, within the machine's limit) get memory that lies
   * side by side, so that whole pages filled together can be filled with one copy (runs.ts).
   * 0 at the limit.
   */
  adjoiningAhead(max: number): number {
    return Math.min(FRAME_POOL.adjoiningAhead(max), this.limit - this.inUse);
  }

  /**
   * A frame over 4 KiB of existing memory, taken as it is (no copy): a restart gives the pages it
   * decoded from an image to the restored address spaces directly. The caller must not use the
   * bytes for anything else afterwards (the memory goes to the host pool when the frame is
   * freed). null at the machine's limit.
   */
  adopt(data: Uint8Array): Frame | null {
    if (data.length !== PAGE_SIZE) throw new Error(`adopt: a frame is ${PAGE_SIZE} bytes, not ${data.length}`);
    // The view itself is not kept: the frame is made over the same memory.
    if (this.inUse >= this.limit) return null;
    this.inUse++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return new Frame(this.nextId++, data.buffer, data.byteOffset);
  }

  get(f: Frame): Frame {
    if (f !== this.zeroPage) f.refs++;
    return f;
  }

  /**
   * Drop one reference; when none remain the frame is freed and its memory goes back to the host
   * pool (a later alloc, in this machine or another, reuses it zeroed). Nothing may touch
   * `f.data` after its last put: the page tables, page caches and pipes that held it dropped it,
   * and a hart's TLB that still has its view is flushed by the mm's epoch before it runs again.
   */
  put(f: Frame): void {
    if (f === this.zeroPage) return;
    if (--f.refs === 0) {
      this.inUse--;
      if (!f.released) {
        f.released = true;
        FRAME_POOL.give(f.buffer, f.byteOffset);
      }
    }
  }
}
