// Where the bytes of a read or write come from or go to (Linux's iov_iter): a user iovec list in
// a task's address space, or a kernel buffer (the checkpoint code writing an image to a file).
// Copies are page by page, so a fault in the middle transfers exactly the bytes before it, and
// the caller returns that count (or -EFAULT when it is zero), as Linux does.
import { PAGE_MASK, PAGE_SIZE } from "../mm/frame.ts";
import type { Mm } from "../mm/mm.ts";

export interface IoIter {
  /** Bytes not yet transferred. */
  readonly remaining: number;
  /** Read side: copy data out to the reader; returns the bytes copied (fewer on a fault). */
  copyOut(data: Uint8Array): number;
  /** Write side: take up to n bytes from the writer; a shorter result means a fault. */
  copyIn(n: number): Uint8Array;
  /**
   * Write side, straight into the destination: copy up to n bytes from the writer into `dst` at
   * `at` (a page-cache page), with no array of their own in between; returns the bytes copied
   * (fewer on a fault).
   */
  copyInto(dst: Uint8Array, at: number, n: number): number;
  /** Skip n bytes (a restarted write resumes after what it already wrote). */
  advance(n: number): void;
}

export interface IoSeg {
  base: number;
  len: number;
}

export class UserIter implements IoIter {
  private seg = 0;
  private off = 0;
  remaining: number;

  constructor(
    private readonly mm: Mm,
    private readonly segs: IoSeg[],
  ) {
    this.remaining = segs.reduce((s, v) => s + v.len, 0);
  }

  /** The current user address and the contiguous bytes left in its segment and page. */
  private chunk(max: number): { addr: number; n: number } | null {
    while (this.seg < this.segs.length && this.off >= this.segs[this.seg].len) {
      this.seg++;
      this.off = 0;
    }
    if (this.seg >= this.segs.length) return null;
    const s = this.segs[this.seg];
    const addr = (s.base + this.off) >>> 0;
    const n = Math.min(max, s.len - this.off, PAGE_SIZE - (addr & PAGE_MASK));
    return { addr, n };
  }

  advance(n: number): void {
    while (n > 0) {
      const c = this.chunk(n);
      if (c === null) return;
      const step = Math.min(n, this.segs[this.seg].len - this.off);
      this.off += step;
      this.remaining -= step;
      n -= step;
    }
  }

  copyOut(data: Uint8Array): number {
    let done = 0;
    while (done < data.length) {
      const c = this.chunk(data.length - done);
      if (c === null || !this.mm.copyOut(c.addr, data.subarray(done, done + c.n))) break;
      this.off += c.n;
      this.remaining -= c.n;
      done += c.n;
    }
    return done;
  }

  copyIn(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.remaining));
    let done = 0;
    while (done < out.length) {
      const c = this.chunk(out.length - done);
      if (c === null) break;
      const bytes = this.mm.copyIn(c.addr, c.n);
      if (bytes === null) break;
      out.set(bytes, done);
      this.off += c.n;
      this.remaining -= c.n;
      done += c.n;
    }
    return done === out.length ? out : out.subarray(0, done);
  }

  copyInto(dst: Uint8Array, at: number, n: number): number {
    // User memory is read page by page through the mm (faults): through copyIn, as before.
    const bytes = this.copyIn(n);
    dst.set(bytes, at);
    return bytes.length;
  }
}

/** A kernel buffer: reads fill it from the start, writes take its bytes. Never faults. */
export class KernelIter implements IoIter {
  private pos = 0;

  constructor(readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** The bytes transferred so far (a read's result). */
  get done(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  advance(n: number): void {
    this.pos = Math.min(this.buf.length, this.pos + n);
  }

  copyOut(data: Uint8Array): number {
    const n = Math.min(data.length, this.remaining);
    this.buf.set(n === data.length ? data : data.subarray(0, n), this.pos);
    this.pos += n;
    return n;
  }

  copyIn(n: number): Uint8Array {
    const out = this.buf.subarray(this.pos, this.pos + Math.min(n, this.remaining));
    this.pos += out.length;
    return out;
  }

  copyInto(dst: Uint8Array, at: number, n: number): number {
    const m = Math.min(n, this.remaining);
    dst.set(m === this.buf.length ? this.buf : this.buf.subarray(this.pos, this.pos + m), at);
    this.pos += m;
    return m;
  }
}

/**
 * Several kernel buffers taken in order as one (Linux's ITER_KVEC): the checkpoint writes an
 * image's pieces — header bytes and views of the guest's frames — to a file in one call per MiB,
 * each byte copied once, from where it lies into the file's page, with no staging buffer between.
 * Never faults. The buffers must not change until the write returns.
 */
export class KvecIter implements IoIter {
  /** The buffer the next byte comes from, and the offset in it. */
  private i = 0;
  private off = 0;
  remaining: number;

  constructor(private readonly vecs: readonly Uint8Array[]) {
    let n = 0;
    for (const v of vecs) n += v.length;
    this.remaining = n;
  }

  advance(n: number): void {
    let left = Math.min(n, this.remaining);
    while (left > 0) {
      const v = this.vecs[this.i]!;
      const step = Math.min(left, v.length - this.off);
      left -= step;
      this.step(v, step);
    }
  }

  copyOut(data: Uint8Array): number {
    let done = 0;
    const want = Math.min(data.length, this.remaining);
    while (done < want) {
      const v = this.vecs[this.i]!;
      const step = Math.min(want - done, v.length - this.off);
      v.set(data.subarray(done, done + step), this.off);
      done += step;
      this.step(v, step);
    }
    return done;
  }

  copyIn(n: number): Uint8Array {
    const m = Math.min(n, this.remaining);
    const v = this.vecs[this.i];
    // Within one buffer: a view of it; across buffers: gathered into an array of its own.
    if (v !== undefined && v.length - this.off >= m) {
      const out = v.subarray(this.off, this.off + m);
      this.advance(m);
      return out;
    }
    const out = new Uint8Array(m);
    this.copyInto(out, 0, m);
    return out;
  }

  copyInto(dst: Uint8Array, at: number, n: number): number {
    let done = 0;
    const want = Math.min(n, this.remaining);
    while (done < want) {
      const v = this.vecs[this.i]!;
      const step = Math.min(want - done, v.length - this.off);
      // A whole buffer (a page, mostly) is copied as it is, without making a view of it.
      dst.set(step === v.length ? v : v.subarray(this.off, this.off + step), at + done);
      done += step;
      this.step(v, step);
    }
    return done;
  }

  /** Moves n bytes on in buffer v (the current one), to the next buffer at its end (an empty one at once). */
  private step(v: Uint8Array, n: number): void {
    this.off += n;
    this.remaining -= n;
    if (this.off === v.length) {
      this.i++;
      this.off = 0;
    }
  }
}

/**
 * A read's destination that takes no copy: each piece the file hands over is kept as it is, a
 * view of the file's own pages, as splice(2) passes page references along instead of bytes (the
 * restart of a streaming codec reads its image so: the decoder copies what it keeps, once). The
 * views are only good until anything can change the file: the caller uses them before it yields.
 * A destination only: nothing is ever copied out of it.
 */
export class SpliceIter implements IoIter {
  /** The pieces read, in order. */
  readonly pieces: Uint8Array[] = [];

  constructor(public remaining: number) {}

  copyOut(data: Uint8Array): number {
    const n = Math.min(data.length, this.remaining);
    if (n === 0) return 0;
    this.pieces.push(n === data.length ? data : data.subarray(0, n));
    this.remaining -= n;
    return n;
  }

  advance(n: number): void {
    this.remaining -= Math.min(n, this.remaining);
  }

  copyIn(): Uint8Array {
    throw new Error("SpliceIter is a read's destination: nothing is written from it");
  }

  copyInto(): number {
    throw new Error("SpliceIter is a read's destination: nothing is written from it");
  }
}
