// An image read where it lies: the pages of a regular file's page cache, seen as one run of bytes
// without copying them into one buffer. A restart of a 256 MiB guest would otherwise hold the
// image twice (the file's pages and the buffer), and take the buffer's 256 MiB fresh from the
// host. A codec that seeks (cpt) reads it through the few DataView and Uint8Array methods it
// uses; page data are copied out once, into the memory the restored frames adopt.
//
// Reads are for a decode that runs without a yield (the file cannot change under it): views of
// the frames are taken when the image is made, and nothing keeps one after the decode.
import { crc32 } from "./checksum.ts";
import { crc32Job, type CrcJob } from "./crc-worker.ts";
import { PAGE_SHIFT, PAGE_SIZE, type Frame } from "../../machine/mm/frame.ts";

const PAGE_MASK = PAGE_SIZE - 1;
const ZEROS = new Uint8Array(PAGE_SIZE);
const ZERO_VIEW = new DataView(ZEROS.buffer);

export class PagedImage {
  /**
   * Per file page from the one holding image byte 0: its frame (a hole: undefined, zeros). The
   * frames themselves, not views of them: a 256 MiB image is 65,536 pages, and a view per page
   * made for each restart was 6 MiB the collector moved and dropped.
   */
  private readonly frames: (Frame | undefined)[];
  /** Offset of image byte 0 in the first page. */
  private readonly skew: number;
  /** Bytes gathered for a read that straddles two pages. */
  private readonly tmp = new Uint8Array(8);
  private readonly tmpView = new DataView(this.tmp.buffer);
  /** The DataView at() found its bytes in (a frame's page, or zeros). */
  private atView: DataView = ZERO_VIEW;

  private constructor(frames: (Frame | undefined)[], skew: number, readonly length: number) {
    this.frames = frames;
    this.skew = skew;
  }

  /**
   * The bytes [start, start + length) of a file whose page cache is `find` (page offset → frame,
   * undefined for a hole).
   */
  static ofFile(find: (pgoff: number) => Frame | undefined, start: number, length: number): PagedImage {
    const skew = start & PAGE_MASK;
    const first = Math.floor(start / PAGE_SIZE);
    const n = length === 0 ? 0 : ((skew + length - 1) >>> PAGE_SHIFT) + 1;
    const frames = new Array<Frame | undefined>(n);
    for (let i = 0; i < n; i++) frames[i] = find(first + i);
    return new PagedImage(frames, skew, length);
  }

  /** Its first n bytes (a signature trailer left off), over the same pages. */
  prefix(n: number): PagedImage {
    return new PagedImage(this.frames, this.skew, Math.max(0, Math.min(n, this.length)));
  }

  /**
   * Where image byte p lies in this.atView, when bytes [p, p + n) lie in that one page; else -1
   * (they straddle two).
   */
  private at(p: number, n: number): number {
    if (p < 0 || p + n > this.length) throw new RangeError(`PagedImage: bytes ${p}..${p + n} outside 0..${this.length}`);
    const q = p + this.skew;
    if ((q & PAGE_MASK) + n > PAGE_SIZE) return -1;
    const f = this.frames[q >>> PAGE_SHIFT];
    this.atView = f === undefined ? ZERO_VIEW : f.view;
    return q & PAGE_MASK;
  }

  /** n bytes at p gathered into tmp (they straddle two pages). */
  private gather(p: number, n: number): DataView {
    this.copyTo(p, this.tmp.subarray(0, n));
    return this.tmpView;
  }

  getUint8(p: number): number {
    const i = this.at(p, 1);
    return this.atView.getUint8(i);
  }
  getUint16(p: number, le: boolean): number {
    const i = this.at(p, 2);
    return i < 0 ? this.gather(p, 2).getUint16(0, le) : this.atView.getUint16(i, le);
  }
  getUint32(p: number, le: boolean): number {
    const i = this.at(p, 4);
    return i < 0 ? this.gather(p, 4).getUint32(0, le) : this.atView.getUint32(i, le);
  }
  getInt32(p: number, le: boolean): number {
    const i = this.at(p, 4);
    return i < 0 ? this.gather(p, 4).getInt32(0, le) : this.atView.getInt32(i, le);
  }
  getBigUint64(p: number, le: boolean): bigint {
    const i = this.at(p, 8);
    return i < 0 ? this.gather(p, 8).getBigUint64(0, le) : this.atView.getBigUint64(i, le);
  }
  getBigInt64(p: number, le: boolean): bigint {
    const i = this.at(p, 8);
    return i < 0 ? this.gather(p, 8).getBigInt64(0, le) : this.atView.getBigInt64(i, le);
  }
  getFloat64(p: number, le: boolean): number {
    const i = this.at(p, 8);
    return i < 0 ? this.gather(p, 8).getFloat64(0, le) : this.atView.getFloat64(i, le);
  }

  /** Bytes [from, to) copied into dst from offset 0 (dst.length >= to - from). */
  copyTo(from: number, dst: Uint8Array, to = from + dst.length): void {
    if (from < 0 || to > this.length || from > to) throw new RangeError(`PagedImage: bytes ${from}..${to} outside 0..${this.length}`);
    for (let p = from; p < to;) {
      const n = this.runAt(p, to);
      dst.set(this.run, p - from);
      p += n;
    }
  }

  /** The bytes from p that runAt last found: one page or a run of them side by side. */
  private run: Uint8Array = ZEROS;

  /**
   * The bytes from image byte p up to `to` that lie in one piece of memory — the rest of p's page,
   * and the pages after it while they adjoin it (runs.ts: an image file's pages mostly do) — into
   * this.run; returns how many.
   */
  private runAt(p: number, to: number): number {
    const q = p + this.skew;
    const off = q & PAGE_MASK;
    let i = q >>> PAGE_SHIFT;
    const f = this.frames[i];
    let n = Math.min(PAGE_SIZE - off, to - p);
    if (f === undefined) {
      this.run = n === PAGE_SIZE ? ZEROS : ZEROS.subarray(off, off + n);
      return n;
    }
    const buf = f.buf;
    const start = f.off + off;
    while (p + n < to && this.frames[i + 1]?.adjoins(buf, start + n) === true) {
      i++;
      n += Math.min(PAGE_SIZE, to - p - n);
    }
    this.run = new Uint8Array(buf, start, n);
    return n;
  }

  /** A copy of bytes [from, to) (never a view: the pages are not the caller's to keep). */
  subarray(from: number, to = this.length): Uint8Array {
    const a = Math.max(0, Math.min(from, this.length));
    const b = Math.max(a, Math.min(to, this.length));
    const out = new Uint8Array(b - a);
    this.copyTo(a, out, b);
    return out;
  }

  slice(from: number, to = this.length): Uint8Array {
    return this.subarray(from, to);
  }

  /** Bytes [from, to) as views of the pages they lie in, a run of adjoining pages per view. */
  runs(from: number, to: number): Uint8Array[] {
    if (from < 0 || to > this.length || from > to) throw new RangeError(`PagedImage: bytes ${from}..${to} outside 0..${this.length}`);
    const out: Uint8Array[] = [];
    for (let p = from; p < to;) {
      p += this.runAt(p, to);
      out.push(this.run);
    }
    return out;
  }

  /** The CRC-32 of bytes [from, to), continuing from `crc`, a run of pages at a time. */
  crc32(from: number, to: number, crc = 0): number {
    let c = crc;
    for (let p = from; p < to;) {
      const n = this.runAt(p, to);
      c = crc32(this.run, c);
      p += n;
    }
    return c;
  }
}

/**
 * The CRC-32 of image bytes [from, to) from a fresh start, as a job: summed by the CRC worker
 * (crc-worker.ts) while the caller goes on, when they are many bytes of the frame pool's memory
 * (a file's pages), else here when result() is called. The image must not change until then.
 */
export function imageCrc32Job(image: ImageBytes, from: number, to: number): CrcJob {
  if (!(image instanceof PagedImage)) return crc32Job([image.subarray(from, to)]);
  return crc32Job(image.runs(from, to));
}

/** An image to decode: one buffer, or a file's pages read in place. */
export type ImageBytes = Uint8Array | PagedImage;

/** The CRC-32 of image bytes [from, to), continuing from `crc`. */
export function imageCrc32(image: ImageBytes, from: number, to: number, crc = 0): number {
  return image instanceof PagedImage ? image.crc32(from, to, crc) : crc32(image.subarray(from, to), crc);
}

/** Image bytes [from, from + dst.length) copied into dst. */
export function copyImageBytes(image: ImageBytes, from: number, dst: Uint8Array): void {
  if (image instanceof PagedImage) image.copyTo(from, dst);
  else dst.set(image.subarray(from, from + dst.length));
}
