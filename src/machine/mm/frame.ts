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

export class Frame {
  /**
   * The memory holding the page: 4 KiB of `buf` from byte `off`. A buffer and an offset rather
   * than a Uint8Array of its own: a 256 MiB guest has 65,536 frames, and a view per frame (96
   * bytes of V8 heap) kept alive for the frame's whole life was the largest per-page object a
   * guest's memory cost the host's heap. Views are made when asked for, and dropped.
   */
  readonly buf: ArrayBufferLike;
  readonly off: number;
  private dv: DataView | null = null;
  /** Number of page-table entries (and kernel holders) referring to this frame. */
  refs = 1;
  /**
   * Set when the last reference went and the memory went back to the host pool: a second put
   * (or a get and put) of a dead frame must not give the same memory to the pool twice, which
   * would hand one page to two owners.
   */
  released = false;

  /**
   * A frame over 4 KiB of `buf` at `off`: from the host pool (frame-pool.ts), zeroed by whoever
   * took it unless it is overwritten whole, or memory that already holds the page (adopt). The
   * zero page takes its own.
   */
  constructor(readonly id: number, buf: ArrayBufferLike, off: number) {
    this.buf = buf;
    this.off = off;
  }

  /** A frame over the page-sized view `bytes` (its memory, not a copy). */
  static over(id: number, bytes: Uint8Array): Frame {
    if (bytes.length !== PAGE_SIZE) throw new Error(`Frame.over: a frame is ${PAGE_SIZE} bytes, not ${bytes.length}`);
    return new Frame(id, bytes.buffer, bytes.byteOffset);
  }

  /**
   * The page's bytes: a new view each time (no identity to compare; callers that only need where
   * the page lies read buf and off). Cheap, and short-lived: callers use it and drop it.
   */
  get data(): Uint8Array {
    return new Uint8Array(this.buf, this.off, PAGE_SIZE);
  }

  /**
   * A DataView of the page, made when first asked for and kept: the TLBs read the guest's pages
   * through it (a view of the page alone keeps their hot path to one load and one offset; a view
   * of the whole slab and the page's offset in a second array was 20-30% slower on a guest's
   * store loop, alternated).
   */
  get view(): DataView {
    return (this.dv ??= new DataView(this.buf, this.off, PAGE_SIZE));
  }

  /** Whether this frame's page starts at byte `end` of `buf` (runs.ts: a run continues). */
  adjoins(buf: ArrayBufferLike, end: number): boolean {
    return this.off === end && this.buf === buf;
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
    const off = FRAME_POOL.take(zero);
    return new Frame(this.nextId++, FRAME_POOL.takenBuf, off);
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
    if (this.inUse >= this.limit) return null;
    this.inUse++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return Frame.over(this.nextId++, data);
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
        FRAME_POOL.give(f.buf, f.off);
      }
    }
  }
}
