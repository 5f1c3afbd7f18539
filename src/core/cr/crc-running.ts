// The running CRC-32 of an image read in order, part of whose bytes are summed by the CRC worker
// (crc-worker.ts). A decoder that copies page data out of the bytes it is lent (an image file's
// pages) into memory of its own — pool memory, which the worker can see — can leave those copies'
// sum to the worker instead of summing the lent bytes itself: it hands them over in batches of
// megabytes (a message per batch, not per chunk) while it goes on copying, and whenever the
// worker is still busy with the last batch it sums the next one itself, so the two threads share
// the work. Every other byte is summed here as it comes. crc32Combine joins the parts in order:
// the value never depends on which thread summed what.
import { crc32 } from "./checksum.ts";
import { crc32Combine } from "./crc-combine.ts";
import { crc32Job, OFFLOAD_FROM, type CrcJob } from "./crc-worker.ts";

export class RunningCrc {
  /** The CRC of the stream up to the worker's job; of all of it so far when there is none. */
  private base = 0;
  private job: CrcJob | null = null;
  private jobLen = 0;
  /** The CRC (from a fresh start) and length of the bytes after the job, summed here. */
  private tail = 0;
  private tailLen = 0;
  /** Deferred views after those, not summed yet. */
  private segs: Uint8Array[] = [];
  private segsLen = 0;

  /** `batch`: how many deferred bytes go to the worker at a time (a message and a wake-up each). */
  constructor(private readonly batch = OFFLOAD_FROM) {}

  /** The next bytes of the stream, summed now. */
  update(b: Uint8Array): void {
    if (b.length === 0) return;
    if (this.segsLen > 0) this.flush(false);
    this.sum(b);
  }

  /** The next `len` bytes of the stream, summed elsewhere from a fresh start to `crc`. */
  append(crc: number, len: number): void {
    if (this.segsLen > 0) this.flush(false);
    if (this.job === null) this.base = crc32Combine(this.base, crc, len);
    else {
      this.tail = crc32Combine(this.tail, crc, len);
      this.tailLen += len;
    }
  }

  /**
   * The next bytes of the stream, as a view of shared memory (else they are summed here) that
   * must not change until `value` has been read: summed later, by the worker if it is free.
   */
  defer(v: Uint8Array): void {
    if (!(v.buffer instanceof SharedArrayBuffer)) return this.update(v);
    this.segs.push(v);
    this.segsLen += v.length;
    if (this.segsLen >= this.batch) this.flush(true);
  }

  /** The CRC-32 of every byte so far (waits for the worker's last batch if it must). */
  get value(): number {
    if (this.segsLen > 0) this.flush(false);
    this.settle();
    return this.base;
  }

  private sum(b: Uint8Array): void {
    if (this.job === null) this.base = crc32(b, this.base);
    else {
      this.tail = crc32(b, this.tail);
      this.tailLen += b.length;
    }
  }

  /** The job's and the tail's sums joined into base. */
  private settle(): void {
    if (this.job === null) return;
    this.base = crc32Combine(crc32Combine(this.base, this.job.result(), this.jobLen), this.tail, this.tailLen);
    this.job = null;
    this.jobLen = 0;
    this.tail = 0;
    this.tailLen = 0;
  }

  /** The deferred views: to the worker (`offload`, and it is done with the last batch), else summed here. */
  private flush(offload: boolean): void {
    const segs = this.segs;
    this.segs = [];
    if (offload && this.job?.pending?.() !== true) {
      this.settle();
      this.job = crc32Job(segs, this.batch);
      this.jobLen = this.segsLen;
    } else for (const s of segs) this.sum(s);
    this.segsLen = 0;
  }
}
