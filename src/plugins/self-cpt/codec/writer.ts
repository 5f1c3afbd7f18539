// RecordWriter: builds ckpt records in a scratch buffer and hands the image out as chunks while
// it is written. Bulk bytes (pages, pipe contents) are passed through as the caller's views, not
// copied; the scratch is handed out whole and replaced, never overwritten after it was yielded.
// Every byte handed out goes through the running CRC-32 the trailer needs.
import { adjoinsEnd, Crc32, runView, type PageRecord } from "../../../core/cr/index.ts";
import { align8, CKPT_HDR_CSUM, CKPT_HDR_PGARR, CKPT_HDR_SIZE, CKPT_PAGE_SIZE, pgarrHead, RECORDS, RUN_BYTES } from "./layout.ts";

/** The model cannot be written in this format (a value out of range, a dangling id). */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncodeError";
  }
}

const TWO32 = 0x1_0000_0000;
const utf8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Scratch bytes gathered before they are handed out: few chunks, little memory held. */
const FLUSH_AT = 1 << 16;
/** Bytes of chunks a sink is given at a time within a record's children (about a MiB of pages). */
const SINK_AT = 1 << 20;

export class RecordWriter {
  /**
   * Whether runs end in a CKPT_HDR_CSUM (the header's CKPT_F_RUN_CSUM). `late`: the checksums are
   * not taken here; each one is written as zero and its place put in `marks` (LateImage.crcMarks:
   * whoever writes the chunks into a file sums them there and patches them in).
   */
  constructor(private readonly runChecksums = true, readonly late = false) {}

  /** With `late`: [before, at] of every checksum written as zero so far (LateImage.crcMarks). */
  readonly marks: number[] = [];

  /**
   * Where batches go as soon as about SINK_AT bytes are ready after a page array, rather than at
   * the next drain (LateImage.write): a 256 MiB mm's chunks (131,072 when each page had a record
   * of its own) are then never all alive at once, which made the garbage collector copy them from
   * space to space several times.
   */
  sink: ((batch: readonly Uint8Array[]) => void) | null = null;
  /** Image bytes handed out in batches so far. */
  private taken = 0;

  // The scratch is append-only: bytes before `from` belong to chunks already made and are never
  // written again; when it is full a new one takes over (only the unfinished bytes move).
  private buf = new Uint8Array(FLUSH_AT * 2);
  private dv = new DataView(this.buf.buffer);
  private len = 0;
  /** Start of the scratch bytes not yet cut into a chunk. */
  private from = 0;
  private ready: Uint8Array[] = [];
  /** Image bytes in chunks already made (cut scratch and views). */
  private passed = 0;
  /** The open record's header (it may sit in an older scratch) and its image offset. */
  private openDv: DataView | null = null;
  private openOff = 0;
  private openAt = 0;
  /** CRC-32 of every chunk drained so far: what the trailer carries. */
  readonly crc = new Crc32();
  /** Image offset where the current run began (after the last CKPT_HDR_CSUM). */
  private runStart = 0;
  private maxLen = 0;
  private what = "";

  /** Offset in the image of the next byte written. */
  pos(): number {
    return this.passed + this.len - this.from;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const keep = this.len - this.from;
    const next = new Uint8Array(Math.max(FLUSH_AT * 2, (keep + n) * 2));
    next.set(this.buf.subarray(this.from, this.len));
    const dv = new DataView(next.buffer);
    if (this.openDv === this.dv && this.openOff >= this.from) {
      this.openDv = dv;
      this.openOff -= this.from;
    }
    this.buf = next;
    this.dv = dv;
    this.len = keep;
    this.from = 0;
  }

  /** Starts a record: writes its ckpt_hdr, h.len patched by end(). */
  begin(type: number, what: string, maxLen: number): void {
    if (this.openDv !== null) throw new EncodeError(`${what}: begun inside ${this.what}`);
    this.room(CKPT_HDR_SIZE);
    this.openDv = this.dv;
    this.openOff = this.len;
    this.openAt = this.pos();
    this.maxLen = maxLen;
    this.what = what;
    this.dv.setUint32(this.len, type, true);
    this.dv.setUint32(this.len + 4, 0, true);
    this.len += CKPT_HDR_SIZE;
  }

  /** Ends the record: patches h.len, pads to 8 with zeros. */
  end(): void {
    const n = this.pos() - this.openAt;
    if (this.openDv === null) throw new EncodeError("end() without begin()");
    if (n - CKPT_HDR_SIZE > this.maxLen) {
      throw new EncodeError(`${this.what}: its payload is ${n - CKPT_HDR_SIZE} bytes, over the format's ${this.maxLen} for this record`);
    }
    this.openDv.setUint32(this.openOff + 4, n, true);
    this.openDv = null;
    const pad = align8(n) - n;
    this.room(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
  }

  /** A whole record: header, the fields `body` writes, padding; checked against its spec's bound. */
  record(type: number, what: string, body: () => void): void {
    this.begin(type, what, RECORDS.get(type)!.max);
    body();
    this.end();
  }

  u32(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v >= TWO32) throw new EncodeError(`${this.what}: ${what} ${v} is not a u32`);
    this.room(4); this.dv.setUint32(this.len, v, true); this.len += 4;
  }
  s32(v: number, what: string): void {
    if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) throw new EncodeError(`${this.what}: ${what} ${v} is not an s32`);
    this.room(4); this.dv.setInt32(this.len, v, true); this.len += 4;
  }
  pad(): void { this.room(4); this.dv.setUint32(this.len, 0, true); this.len += 4; }
  bool(v: boolean): void { this.u32(v ? 1 : 0, "flag"); }
  /** Any safe integer as s64, lo word then hi word (two's complement). */
  num(v: number, what: string): void {
    if (!Number.isSafeInteger(v)) throw new EncodeError(`${this.what}: ${what} ${v} is not a safe integer`);
    const hi = Math.floor(v / TWO32);
    this.room(8);
    this.dv.setUint32(this.len, v - hi * TWO32, true);
    this.dv.setInt32(this.len + 4, hi, true);
    this.len += 8;
  }
  u64(v: bigint, what: string): void {
    if (v < 0n || v >= 1n << 64n) throw new EncodeError(`${this.what}: ${what} ${v} is not a u64`);
    this.room(8); this.dv.setBigUint64(this.len, v, true); this.len += 8;
  }
  s64(v: bigint, what: string): void {
    if (v < -(1n << 63n) || v >= 1n << 63n) throw new EncodeError(`${this.what}: ${what} ${v} is not an s64`);
    this.room(8); this.dv.setBigInt64(this.len, v, true); this.len += 8;
  }
  f64(v: number): void { this.room(8); this.dv.setFloat64(this.len, v, true); this.len += 8; }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.len); this.len += b.length; }
  str(s: string, what: string): void {
    if (LONE_SURROGATE.test(s)) throw new EncodeError(`${this.what}: ${what} ${JSON.stringify(s)} has a lone surrogate`);
    const b = utf8.encode(s);
    this.u32(b.length, `${what} length`);
    this.bytes(b);
  }

  /**
   * A whole CKPT_HDR_PGARR of pages[from, to) (checked: whole pages): count, indices, then the
   * pages' bytes as the caller's views, a run of adjoining pages as one (runs.ts: a guest's
   * frames mostly adjoin, and every chunk is a piece for the file writer and a checksum call).
   */
  pageArray(pages: readonly PageRecord[], from: number, to: number, what: string): void {
    if (this.openDv !== null) throw new EncodeError(`${what}: begun inside ${this.what}`);
    const n = to - from;
    const head = pgarrHead(n);
    const len = CKPT_HDR_SIZE + head + n * CKPT_PAGE_SIZE;
    if (n < 1 || len - CKPT_HDR_SIZE > RECORDS.get(CKPT_HDR_PGARR)!.max) throw new EncodeError(`${what}: a page array of ${n} pages`);
    this.room(CKPT_HDR_SIZE + head);
    const dv = this.dv;
    let at = this.len;
    dv.setUint32(at, CKPT_HDR_PGARR, true);
    dv.setUint32(at + 4, len, true);
    dv.setUint32(at + 8, n, true);
    dv.setUint32(at + 12, 0, true);
    at += 16;
    for (let i = from; i < to; i++, at += 4) {
      const index = pages[i]!.index;
      if (!Number.isInteger(index) || index < 0 || index >= TWO32) throw new EncodeError(`${what}: page index ${index} is not a u32`);
      dv.setUint32(at, index, true);
    }
    if (n % 2 === 1) {
      dv.setUint32(at, 0, true);
      at += 4;
    }
    this.len = at;
    let run = pages[from]!.data;
    let runLen = CKPT_PAGE_SIZE;
    let buf = run.buffer;
    let end = run.byteOffset + CKPT_PAGE_SIZE;
    for (let i = from + 1; i < to; i++) {
      const d = pages[i]!.data;
      if (adjoinsEnd(buf, end, d)) {
        runLen += CKPT_PAGE_SIZE;
        end += CKPT_PAGE_SIZE;
      } else {
        this.view(runView(run, runLen));
        run = d;
        runLen = CKPT_PAGE_SIZE;
        buf = d.buffer;
        end = d.byteOffset + CKPT_PAGE_SIZE;
      }
    }
    this.view(runView(run, runLen));
    if (this.sink !== null && this.passed - this.taken >= SINK_AT) this.sink(this.take());
  }

  /** Bulk bytes of the open record, passed through uncopied (they must end the record). */
  view(v: Uint8Array): void {
    if (v.length === 0) return;
    this.cut();
    this.ready.push(v);
    this.passed += v.length;
  }

  /** Moves the scratch bytes written so far to the ready chunks. */
  private cut(): void {
    if (this.len === this.from) return;
    this.ready.push(this.buf.subarray(this.from, this.len));
    this.passed += this.len - this.from;
    this.from = this.len;
  }

  /**
   * The chunks ready to hand out, as one batch, between records (headers are final then, so the
   * CRC is taken here). Small scratch runs are held back until there is enough to be worth a chunk.
   */
  *drain(final = false): Generator<readonly Uint8Array[]> {
    if (this.openDv !== null) throw new EncodeError(`drain inside ${this.what}`);
    if (!final && this.ready.length === 0 && this.len - this.from < FLUSH_AT) return;
    yield this.take();
    if (this.runChecksums && this.passed - this.runStart >= RUN_BYTES) yield* this.endRun();
  }

  /**
   * Closes the run: drains, then a CKPT_HDR_CSUM with the CRC of every byte before it (layout.ts,
   * run checksums). Between records only; a no-op if nothing was written since the last one.
   */
  *endRun(): Generator<readonly Uint8Array[]> {
    if (this.openDv !== null) throw new EncodeError(`a run ends inside ${this.what}`);
    yield this.take();
    if (!this.runChecksums || this.passed === this.runStart) return;
    const crc = this.checksum(CKPT_HDR_SIZE);
    this.record(CKPT_HDR_CSUM, "CKPT_HDR_CSUM", () => {
      this.u32(crc, "crc32");
      this.pad();
    });
    const csum = this.take();
    this.runStart = this.passed;
    yield csum;
  }

  /** The chunks made so far, summed (unless late): handed out as one batch, in order. */
  private take(): Uint8Array[] {
    this.cut();
    const out = this.ready;
    this.ready = [];
    this.taken = this.passed;
    if (!this.late) for (const c of out) this.crc.update(c);
    return out;
  }

  /**
   * The CRC of every byte before the record about to begin, which holds it `fieldAt` bytes in;
   * with `late`, zero, and the place goes in `marks`.
   */
  checksum(fieldAt: number): number {
    if (!this.late) return this.crc.value;
    const at = this.pos();
    this.marks.push(at, at + fieldAt);
    return 0;
  }
}
