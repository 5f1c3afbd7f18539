// ImageWriter: builds a `cpt` image as a list of pieces, header bytes in a growing scratch buffer
// and large byte arrays (pages, pipe buffers) as the caller's own views, never copied. Object
// and section lengths are back-patched into the scratch buffer once known, so the pieces are
// only handed out (chunks()) after the whole image is laid out: the scratch holds headers,
// field values and page index tables only, a few hundred KiB for a 256 MiB guest.
import { adjoinsEnd, crc32, crc32Combine, crc32Job, crc32Split, OFFLOAD_FROM, runView, type CrcJob } from "../../../core/cr/index.ts";
import {
  align8, CPT_CONTENT_ARRAY, CPT_CONTENT_DATA, CPT_CONTENT_VOID, CPT_NOINDEX, OBJECT_HDR_SIZE,
  SECTION_CRC_AT, SECTION_HDR_CRC_SIZE, SECTION_HDR_SIZE,
} from "./layout.ts";

const TWO32 = 0x1_0000_0000;
const utf8 = new TextEncoder();
const STR_CACHE = 4096;
// A lone surrogate would be written as U+FFFD and come back different: refuse it instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function scratch(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

/** A model value the format cannot hold (a programming error in the collector, not bad input). */
export class EncodeError extends Error {
  override name = "EncodeError";
}

/** A header written but not finished: where it starts, in the scratch and in the image. */
export interface OpenObject {
  readonly at: number;
  readonly start: number;
  readonly what: string;
}

export class ImageWriter {
  // Shared memory, like the frames' (frame-pool.ts): a big section's headers and index tables lie
  // here between its pages, and the CRC worker sums them with the pages (crc-worker.ts).
  private buf = scratch(1 << 16);
  private dv = new DataView(this.buf.buffer);
  private len = 0;
  /** Image bytes before the scratch's current end that live in external views. */
  private external = 0;
  /** Scratch ranges and external views, in image order: [scratchFrom, scratchTo] or a view. */
  private readonly pieces: (Uint8Array | [number, number])[] = [];
  private flushed = 0;
  /**
   * UTF-8 of short strings written so far (up to STR_CACHE of them): 10,000 tasks repeat a few
   * comms, names and restart-block keys, and encoding each anew allocated an array per string.
   */
  private readonly strs = new Map<string, Uint8Array>();

  /** Offset in the image of the next byte written. */
  pos(): number {
    return this.len + this.external;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = scratch(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  u8(v: number): void { this.room(1); this.buf[this.len++] = v; }
  u16(v: number): void { this.room(2); this.dv.setUint16(this.len, v, true); this.len += 2; }
  u32(v: number, what = "value"): void {
    if (!Number.isInteger(v) || v < 0 || v >= TWO32) throw new EncodeError(`${what} ${v} is not a u32`);
    this.room(4); this.dv.setUint32(this.len, v, true); this.len += 4;
  }
  s32(v: number, what = "value"): void {
    if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) throw new EncodeError(`${what} ${v} is not an s32`);
    this.room(4); this.dv.setInt32(this.len, v, true); this.len += 4;
  }
  /** An id or a nullable reference (null is CPT_NOINDEX, so ids stop one short of it). */
  ref(v: number | null, what: string): void {
    if (v === null) { this.u32(CPT_NOINDEX); return; }
    if (v === CPT_NOINDEX) throw new EncodeError(`${what} ${v} collides with CPT_NOINDEX`);
    this.u32(v, what);
  }
  /** Any safe integer as s64: lo word then hi word, two's complement. */
  num(v: number, what = "value"): void {
    if (!Number.isSafeInteger(v)) throw new EncodeError(`${what} ${v} is not a safe integer`);
    const hi = Math.floor(v / TWO32);
    this.room(8);
    this.dv.setUint32(this.len, v - hi * TWO32, true);
    this.dv.setInt32(this.len + 4, hi, true);
    this.len += 8;
  }
  u64(v: bigint, what = "value"): void {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new EncodeError(`${what} ${v} is not a u64`);
    this.room(8); this.dv.setBigUint64(this.len, v, true); this.len += 8;
  }
  s64(v: bigint, what = "value"): void {
    if (v < -(1n << 63n) || v >= 1n << 63n) throw new EncodeError(`${what} ${v} is not an s64`);
    this.room(8); this.dv.setBigInt64(this.len, v, true); this.len += 8;
  }
  f64(v: number): void { this.room(8); this.dv.setFloat64(this.len, v, true); this.len += 8; }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.len); this.len += b.length; }
  str(s: string, what = "string"): void {
    let b = this.strs.get(s);
    if (b === undefined) {
      if (LONE_SURROGATE.test(s)) throw new EncodeError(`${what} ${JSON.stringify(s)} has a lone surrogate`);
      b = utf8.encode(s);
      if (this.strs.size < STR_CACHE && s.length <= 256) this.strs.set(s, b);
    }
    this.u32(b.length);
    this.bytes(b);
  }
  pad8(): void {
    const n = align8(this.pos()) - this.pos();
    this.room(n); this.buf.fill(0, this.len, this.len + n); this.len += n;
  }

  /**
   * The last external view, not yet in pieces, and its length so far: views that follow it in
   * the same memory with no scratch between (a guest's pages, mostly, runs.ts) join it, so the
   * checksum and the write take the run at once.
   */
  private run: Uint8Array | null = null;
  private runLen = 0;
  /** The run's buffer and where it ends in it (runs.ts adjoinsEnd). */
  private runBuf: ArrayBufferLike | null = null;
  private runEnd = 0;

  /** Pass a view through as part of the image, uncopied. */
  view(v: Uint8Array): void {
    if (v.length === 0) return;
    this.external += v.length;
    if (this.run !== null && this.len === this.flushed && adjoinsEnd(this.runBuf!, this.runEnd, v)) {
      this.runLen += v.length;
      this.runEnd += v.length;
      return;
    }
    this.flushPieces();
    this.run = v;
    this.runLen = v.length;
    this.runBuf = v.buffer;
    this.runEnd = v.byteOffset + v.length;
  }

  /** The pending run, then the scratch written after it, into pieces. */
  private flushPieces(): void {
    if (this.run !== null) {
      this.pieces.push(runView(this.run, this.runLen));
      this.run = null;
    }
    if (this.len > this.flushed) this.pieces.push([this.flushed, this.len]);
    this.flushed = this.len;
  }

  private patchU64(at: number, v: number): void {
    this.dv.setUint32(at, v % TWO32, true);
    this.dv.setUint32(at + 4, Math.floor(v / TWO32), true);
  }

  /** cpt_object_hdr with cpt_next and cpt_hdrlen to fill in by endFields/end. */
  begin(type: number, content: number, what: string): OpenObject {
    this.pad8();
    const o = { at: this.len, start: this.pos(), what };
    this.room(OBJECT_HDR_SIZE);
    this.dv.setUint32(this.len + 8, type, true);
    this.dv.setUint16(this.len + 14, content, true);
    this.len += OBJECT_HDR_SIZE;
    return o;
  }
  /** The object's fields are written: record cpt_hdrlen, start its content on a boundary. */
  endFields(o: OpenObject): void {
    const hdrlen = this.pos() - o.start;
    if (hdrlen > 0xffff) throw new EncodeError(`${o.what}: its fields take ${hdrlen} bytes, over cpt_hdrlen's 65535`);
    this.dv.setUint16(o.at + 12, hdrlen, true);
    this.pad8();
  }
  end(o: OpenObject): void {
    this.pad8();
    this.patchU64(o.at, this.pos() - o.start);
  }
  /** An object with fields only. */
  leaf(type: number, what: string, fields: () => void): void {
    const o = this.begin(type, CPT_CONTENT_VOID, what);
    fields();
    this.endFields(o);
    this.end(o);
  }
  /** An object whose content is sub-objects. */
  parent(type: number, what: string, fields: () => void, content: () => void): void {
    const o = this.begin(type, CPT_CONTENT_ARRAY, what);
    fields();
    this.endFields(o);
    content();
    this.end(o);
  }
  /** An object whose content is raw bytes. */
  data(type: number, what: string, fields: () => void, content: () => void): void {
    const o = this.begin(type, CPT_CONTENT_DATA, what);
    fields();
    this.endFields(o);
    content();
    this.end(o);
  }

  /**
   * cpt_section_hdr: returns the section's start for the tail and a closer that sets cpt_next.
   * With `crc`, the 24-byte header whose cpt_crc32 seal() fills in once every byte is laid out.
   */
  section(id: number, crc = false): { start: number; close: () => void } {
    this.pad8();
    const at = this.len;
    const start = this.pos();
    const size = crc ? SECTION_HDR_CRC_SIZE : SECTION_HDR_SIZE;
    this.room(size);
    this.buf.fill(0, at, at + size);
    this.dv.setUint32(at + 8, id, true);
    this.dv.setUint16(at + 12, size, true);
    this.dv.setUint16(at + 14, 8, true);
    this.len += size;
    return {
      start,
      close: () => {
        this.patchU64(at, this.pos() - start);
        if (crc) this.sealed.push({ at, start, end: this.pos() });
      },
    };
  }

  /** Sections with a cpt_crc32 to fill in: its place in the scratch, the section's image range. */
  private readonly sealed: { at: number; start: number; end: number }[] = [];

  /**
   * Fills in every cpt_crc32 (layout.ts: from the previous section's end, or byte 0, to this
   * section's end, the field itself left out). One pass over the pieces, page views included:
   * the sections are contiguous and in order, so each byte is summed once (crc32Split: on two
   * threads for a big section).
   */
  seal(): void {
    for (const f of this.sealWith((segs) => ({ result: () => crc32Split(segs) }))) f();
  }

  /**
   * As seal, for an image written to a file, which can be patched: the biggest section's sum (a
   * guest's pages) goes to the CRC worker and is not waited for. Returns the patches to write
   * once the chunks are written: that cpt_crc32, at its image offset (the chunks carry a zero
   * there). Every other cpt_crc32 is filled in now.
   */
  sealLate(): () => { at: number; bytes: Uint8Array }[] {
    let big = -1;
    let bigLen = OFFLOAD_FROM - 1;
    this.sealed.forEach((sec, i) => {
      if (sec.end - sec.start > bigLen) [big, bigLen] = [i, sec.end - sec.start];
    });
    const fill = this.sealWith((segs, s) => (s === big ? crc32Job(segs) : { result: () => crc32Split(segs) }));
    fill.forEach((f, j) => {
      if (j !== big) f();
    });
    if (big < 0) return () => [];
    const sec = this.sealed[big]!;
    return () => {
      fill[big]!();
      return [{ at: sec.start + SECTION_CRC_AT, bytes: this.buf.slice(sec.at + SECTION_CRC_AT, sec.at + SECTION_CRC_AT + 4) }];
    };
  }

  /**
   * One pass over the pieces, page views included, gathering each section's bytes (from the
   * previous section's end, its cpt_crc32 field left out); `sum` starts the sum of section s's
   * bytes (its part after the field) and the returned closures, one per section in order, write
   * the joined CRC into the field.
   */
  private sealWith(sum: (segs: Uint8Array[], s: number) => CrcJob): (() => void)[] {
    if (this.sealed.length === 0) return [];
    this.flushPieces();
    const buf = this.buf;
    const out: (() => void)[] = [];
    let s = 0;
    let pos = 0;
    // Bytes before the field are few (headers) and summed here; after it, the section's bulk.
    let head: Uint8Array[] = [];
    let rest: Uint8Array[] = [];
    for (const p of this.pieces) {
      const bytes = p instanceof Uint8Array ? p : buf.subarray(p[0], p[1]);
      let off = 0;
      while (off < bytes.length && s < this.sealed.length) {
        const sec = this.sealed[s]!;
        const field = sec.start + SECTION_CRC_AT;
        // Up to the field (skipping its 4 bytes) or the section's end, whichever comes next.
        const stop = pos + off < field ? field : pos + off < field + 4 ? field + 4 : sec.end;
        const n = Math.min(bytes.length - off, stop - (pos + off));
        const seg = n === bytes.length ? bytes : bytes.subarray(off, off + n);
        if (stop === field) head.push(seg);
        else if (stop !== field + 4) rest.push(seg);
        off += n;
        if (pos + off === sec.end) {
          let crcHead = 0;
          for (const h of head) crcHead = crc32(h, crcHead);
          const job = sum(rest, s);
          const restLen = sec.end - field - 4;
          out.push(() => this.dv.setUint32(sec.at + SECTION_CRC_AT, crc32Combine(crcHead, job.result(), restLen), true));
          head = [];
          rest = [];
          s++;
        }
      }
      pos += bytes.length;
    }
    if (s !== this.sealed.length) throw new EncodeError(`section at byte ${this.sealed[s]!.start} ends past the image (${pos})`);
    return out;
  }

  /** The finished image, in order: scratch stretches between the external views. */
  *chunks(): Generator<Uint8Array> {
    this.flushPieces();
    const buf = this.buf;
    for (const p of this.pieces) yield p instanceof Uint8Array ? p : buf.subarray(p[0], p[1]);
  }
}
