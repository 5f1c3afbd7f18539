// Physical page frames: 4 KiB of guest memory each, refcounted, allocated against a per-machine
// limit so a guest that asks for too much gets ENOMEM instead of exhausting the host.
//
// The zero page is one frame shared by every read-only demand-zero mapping (Linux's ZERO_PAGE):
// it is never written, never freed, and mapped read-only so the first write faults and gets a
// private frame.
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

/**
 * Frames are cut from 1 MiB slabs rather than allocated one ArrayBuffer each: 256 MiB of guest
 * memory is then 256 host allocations instead of 65,536, which is what keeps a checkpoint or a
 * restart of a big guest from spending its time in the allocator and the garbage collector
 * (each separate buffer is external memory V8 must track). A slab is freed by the GC once none
 * of its frames is referenced any more.
 */
const SLAB_BYTES = 1 << 20;
let slab: ArrayBuffer | null = null;
let slabOff = SLAB_BYTES;

function frameMemory(): Uint8Array {
  if (slabOff === SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES); // zero-filled, as a fresh frame must be
    slabOff = 0;
  }
  const d = new Uint8Array(slab!, slabOff, PAGE_SIZE);
  slabOff += PAGE_SIZE;
  return d;
}

export class Frame {
  readonly data: Uint8Array;
  private dv: DataView | null = null;
  /** Number of page-table entries (and kernel holders) referring to this frame. */
  refs = 1;

  /** A zero-filled frame from the slabs, or one over memory that already holds the page (adopt). */
  constructor(
    readonly id: number,
    data?: Uint8Array,
  ) {
    this.data = data ?? frameMemory();
  }

  /** A DataView of the page, made when first asked for (the TLBs keep it). */
  get view(): DataView {
    return (this.dv ??= new DataView(this.data.buffer, this.data.byteOffset, PAGE_SIZE));
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
    this.zeroPage = new Frame(0);
  }

  /** A fresh zero-filled frame with one reference, or null when the machine's limit is reached. */
  alloc(): Frame | null {
    if (this.inUse >= this.limit) return null;
    this.inUse++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return new Frame(this.nextId++);
  }

  /**
   * A frame over 4 KiB of existing memory, taken as it is (no copy): a restart gives the pages it
   * decoded from an image to the restored address spaces directly. The caller must not use the
   * bytes for anything else afterwards. null at the machine's limit.
   */
  adopt(data: Uint8Array): Frame | null {
    if (data.length !== PAGE_SIZE) throw new Error(`adopt: a frame is ${PAGE_SIZE} bytes, not ${data.length}`);
    if (this.inUse >= this.limit) return null;
    this.inUse++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return new Frame(this.nextId++, data);
  }

  get(f: Frame): Frame {
    if (f !== this.zeroPage) f.refs++;
    return f;
  }

  /** Drop one reference; the frame is freed (its memory left to the GC) when none remain. */
  put(f: Frame): void {
    if (f === this.zeroPage) return;
    if (--f.refs === 0) this.inUse--;
  }
}
