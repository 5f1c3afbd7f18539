// FieldReader: a bounds-checked cursor over one record's payload (already whole in memory: the
// stream decoder buffers a record before it hands it over). Every read checks the bytes remain
// before touching them, and every length or count read is checked against what remains before
// anything is allocated for it: a lying length is an ImageError naming the field and its byte,
// never a RangeError or a huge allocation.
import { ImageError } from "../../../core/cr/index.ts";

const TWO32 = 0x1_0000_0000;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
export const ADVICE = "the image is damaged or not a cptbench ckpt image; take the checkpoint again";

/** The little-endian u32 at b[p] (the caller has checked the 4 bytes are there). */
export const u32le = (b: Uint8Array, p: number): number => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

export class FieldReader {
  /**
   * Made on the first read that needs it: most records (every page) read one u32, which the
   * bytes give directly, and a DataView per record was a tenth of a big restart's time.
   */
  private view: DataView | null;
  /** Where the payload starts in the view's buffer (the view covers all of b.buffer). */
  private readonly base: number;
  /** Offset in the payload. */
  pos = 0;

  constructor(
    private readonly b: Uint8Array,
    /** Image offset of the payload's first byte. */
    readonly at: number,
    /** The record's name and image offset, for messages: "CKPT_HDR_TASK at byte 200". */
    private readonly name: string,
    private readonly recAt: number,
    /** A DataView over the whole of b.buffer, when the caller has one (records copied into one slab share it). */
    view: DataView | null = null,
  ) {
    this.view = view;
    this.base = b.byteOffset;
  }

  private get dv(): DataView {
    return (this.view ??= new DataView(this.b.buffer));
  }

  /** Image offset of the cursor. */
  here(): number {
    return this.at + this.pos;
  }

  /** Payload bytes not read yet. */
  left(): number {
    return this.b.length - this.pos;
  }

  fail(message: string, at = this.here()): never {
    throw new ImageError(`${this.name} at byte ${this.recAt}: ${message}: ${ADVICE}`, at);
  }

  private need(n: number, what: string): void {
    if (n > this.b.length - this.pos) {
      this.fail(`${what} at byte ${this.here()} (${n} bytes) runs past the record's end at byte ${this.at + this.b.length}`);
    }
  }

  u32(what: string): number {
    this.need(4, what);
    const p = this.pos;
    this.pos += 4;
    return u32le(this.b, p);
  }
  s32(what: string): number { this.need(4, what); const v = this.dv.getInt32(this.base + this.pos, true); this.pos += 4; return v; }
  num(what: string): number {
    this.need(8, what);
    const v = this.dv.getInt32(this.base + this.pos + 4, true) * TWO32 + this.dv.getUint32(this.base + this.pos, true);
    if (!Number.isSafeInteger(v)) this.fail(`${what} at byte ${this.here()} is ${v}, outside the safe integer range`);
    this.pos += 8;
    return v;
  }
  u64(what: string): bigint { this.need(8, what); const v = this.dv.getBigUint64(this.base + this.pos, true); this.pos += 8; return v; }
  s64(what: string): bigint { this.need(8, what); const v = this.dv.getBigInt64(this.base + this.pos, true); this.pos += 8; return v; }
  f64(what: string): number { this.need(8, what); const v = this.dv.getFloat64(this.base + this.pos, true); this.pos += 8; return v; }
  /** A padding word: zero, or the record is damaged. */
  pad(): void {
    const at = this.here();
    if (this.u32("padding") !== 0) this.fail(`padding at byte ${at} is not zero`, at);
  }
  bool(what: string): boolean {
    const at = this.here();
    const v = this.u32(what);
    if (v > 1) this.fail(`${what} at byte ${at} is ${v}, not a boolean 0 or 1`, at);
    return v === 1;
  }
  /** Presence bits; bits outside `known` mean damage (no newer writer exists). */
  flags(what: string, known: number): number {
    const at = this.here();
    const v = this.u32(what);
    if ((v & ~known) !== 0) this.fail(`${what} at byte ${at} has unknown bits 0x${(v & ~known).toString(16)}`, at);
    return v;
  }
  /** An enum value: its index in `names`. */
  oneOf<T>(what: string, names: readonly T[]): T {
    const at = this.here();
    const v = this.u32(what);
    if (v >= names.length) this.fail(`${what} at byte ${at} is ${v}; known values are 0..${names.length - 1} (${names.join(", ")})`, at);
    return names[v]!;
  }
  /** A view of the next n payload bytes. */
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  str(what: string): string {
    const at = this.here();
    // The length's and the bytes' names are spelt out only for a message: a restart of many
    // tasks reads strings by the hundred thousand, and made two names for each.
    if (4 > this.b.length - this.pos) this.need(4, `${what} length`);
    const n = this.u32(what);
    if (n > this.b.length - this.pos) this.need(n, `${what} (${n} bytes)`);
    const b = this.bytes(n, what);
    try {
      return utf8.decode(b);
    } catch {
      return this.fail(`${what} at byte ${at + 4} is not valid UTF-8`, at + 4);
    }
  }
  /**
   * A count of entries of exactly `size` bytes that must fill the rest of the record, after
   * `between` bytes of other fields that follow the count.
   */
  table(what: string, size: number, between = 0): number {
    const at = this.here();
    const n = this.u32(what);
    const left = this.b.length - this.pos - between;
    if (n * size !== left) {
      this.fail(`${what} at byte ${at} is ${n}, but the record holds ${left} bytes after it, not ${n} x ${size}`, at);
    }
    return n;
  }
  /** A count of things each at least `minBytes` long, checked against what is left. */
  count(what: string, minBytes: number): number {
    const at = this.here();
    const n = this.u32(what);
    if (n * minBytes > this.b.length - this.pos) {
      this.fail(`${what} at byte ${at} is ${n}, but ${n} x ${minBytes} bytes cannot fit in the ${this.b.length - this.pos} bytes left`, at);
    }
    return n;
  }
  /** The payload is read: it must have been exactly as long as its fields. */
  done(): void {
    if (this.pos !== this.b.length) {
      this.fail(`${this.b.length - this.pos} unexplained bytes after its fields (byte ${this.here()} to ${this.at + this.b.length}): h.len is wrong`);
    }
  }
}
