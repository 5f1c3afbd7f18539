// ImageReader: a bounds-checked cursor over a `cpt` image. Every read is checked against the
// current limit (the end of the object's fields or content, or of the image) before it touches
// the bytes, and every count or length read from the image is checked against the bytes that
// remain before anything is allocated for it: a lying length becomes an ImageError, never a
// RangeError or a huge allocation. Messages say what was expected, at which byte, in which
// object, and what to do about it.
import { ImageError, PagedImage, type ImageBytes } from "../../../core/cr/index.ts";
import {
  align8, CONTENT_NAMES, CPT_CONTENT_VOID, CPT_NOINDEX, OBJECT_HDR_SIZE, objName,
} from "./layout.ts";

const TWO32 = 0x1_0000_0000;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Where str() gathers a string's bytes from a file's pages (strings up to a page long). */
const scratch = new Uint8Array(4096);
const ADVICE = "the image is damaged or not a cptbench cpt image; take the checkpoint again";
/** For an image that ends early: usually an interrupted dump or a short copy, not corruption. */
export const TRUNCATED = "the image is incomplete (an interrupted checkpoint or a short copy); restart from a complete image";

/** An object header read and checked; the reader is inside it until close(). */
export interface ObjectHdr {
  readonly start: number;
  readonly type: number;
  readonly fieldsEnd: number;
  readonly end: number;
  readonly content: number;
  /** For messages: its name and where it was met ("task 3"). */
  readonly name: string;
  readonly where: string;
  /** What to restore on close: the parent's limit and context. */
  readonly outerLimit: number;
  readonly outer: string | ObjectHdr;
}

/** An object for messages: "CPT_OBJ_TASK at byte 200, tasks section". */
const described = (name: string, start: number, where: string): string => `${name} at byte ${start}, ${where}`;

export class ImageReader {
  readonly dv: DataView | PagedImage;
  pos = 0;
  limit: number;
  /**
   * Where the cursor is, for messages: a string, or the object it is in, described only when a
   * message needs it (a 10,000-task image opens some 150,000 objects; their descriptions were a
   * good part of what the decode allocated).
   */
  private cur: string | ObjectHdr = "major header";

  /** Where the cursor is, for messages: "CPT_OBJ_TASK at byte 200, tasks section". */
  get ctx(): string {
    const c = this.cur;
    return typeof c === "string" ? c : described(c.name, c.start, c.where);
  }
  set ctx(where: string) {
    this.cur = where;
  }

  /**
   * @param lent the image is lent for the decode only (ImageCodec.decodeLent): view() copies,
   *   and page data go into pageMemory, so nothing decoded keeps a view into it.
   */
  constructor(
    readonly image: ImageBytes,
    readonly lent = false,
  ) {
    this.dv = image instanceof PagedImage ? image : new DataView(image.buffer, image.byteOffset, image.byteLength);
    this.limit = image.length;
  }

  fail(message: string, at = this.pos, advice = ADVICE): never {
    throw new ImageError(`${message} (${this.ctx}): ${advice}`, at);
  }

  /** Throws unless n bytes remain before the limit; says whether the image or an object ran out. */
  need(n: number, what: string): void {
    const left = this.limit - this.pos;
    if (n <= left) return;
    if (this.limit === this.image.length) {
      this.fail(`the image is truncated at byte ${this.image.length}: expected ${what} at byte ${this.pos} (${n} bytes), only ${left} remain`, this.image.length, TRUNCATED);
    }
    this.fail(`${what} at byte ${this.pos} (${n} bytes) runs past the end of its object at byte ${this.limit}, ${left} bytes left`);
  }

  u8(what: string): number { this.need(1, what); return this.dv.getUint8(this.pos++); }
  u16(what: string): number { this.need(2, what); const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  u32(what: string): number { this.need(4, what); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  s32(what: string): number { this.need(4, what); const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  num(what: string): number {
    this.need(8, what);
    const v = this.dv.getInt32(this.pos + 4, true) * TWO32 + this.dv.getUint32(this.pos, true);
    if (!Number.isSafeInteger(v)) this.fail(`${what} at byte ${this.pos} is ${v}, outside the safe integer range`);
    this.pos += 8;
    return v;
  }
  u64(what: string): bigint { this.need(8, what); const v = this.dv.getBigUint64(this.pos, true); this.pos += 8; return v; }
  s64(what: string): bigint { this.need(8, what); const v = this.dv.getBigInt64(this.pos, true); this.pos += 8; return v; }
  f64(what: string): number { this.need(8, what); const v = this.dv.getFloat64(this.pos, true); this.pos += 8; return v; }
  /** An id (never CPT_NOINDEX). */
  id(what: string): number {
    const at = this.pos;
    const v = this.u32(what);
    if (v === CPT_NOINDEX) this.fail(`${what} at byte ${at} is CPT_NOINDEX where an id is required`, at);
    return v;
  }
  /** A nullable reference: CPT_NOINDEX reads as null. */
  ref(what: string): number | null {
    const v = this.u32(what);
    return v === CPT_NOINDEX ? null : v;
  }
  /** Presence/boolean bits; bits outside `known` mean a newer writer or damage. */
  flags(what: string, known: number): number {
    const at = this.pos;
    const v = this.u32(what);
    if ((v & ~known) !== 0) this.fail(`${what} at byte ${at} has unknown bits 0x${(v & ~known).toString(16)}`, at);
    return v;
  }
  /** An enum value: its index in `names`. */
  oneOf<T extends string>(what: string, names: readonly T[]): T {
    const at = this.pos;
    const v = this.u32(what);
    const name = names[v];
    if (name === undefined) this.fail(`${what} at byte ${at} is ${v}; known values are 0..${names.length - 1} (${names.join(", ")})`, at);
    return name;
  }
  /** A view into the image (a copy of those bytes if it is lent), after checking the length fits. */
  view(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.lent ? this.image.slice(this.pos, this.pos + n) : this.image.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  str(what: string): string {
    const at = this.pos;
    // The length's and the bytes' names are spelt out only for a message: a restart of many
    // tasks reads strings by the hundred thousand, and made two names for each.
    if (4 > this.limit - this.pos) this.need(4, `${what} length`);
    const n = this.u32(what);
    if (n > this.limit - this.pos) this.need(n, `${what} (${n} bytes)`);
    // Decoded from where the bytes lie, or from a reused scratch copy for a file's pages: a string
    // keeps nothing of them, and view()'s copy for a lent image was a new ArrayBuffer per string
    // (a 10,000-task restart reads some 100,000).
    const image = this.image;
    let b: Uint8Array;
    if (image instanceof PagedImage) {
      // A longer string (an image may hold one as long as itself) gets a copy of its own, so
      // the scratch never keeps more than a page.
      b = n <= scratch.length ? scratch.subarray(0, n) : new Uint8Array(n);
      image.copyTo(this.pos, b);
    } else {
      b = image.subarray(this.pos, this.pos + n);
    }
    this.pos += n;
    try {
      return utf8.decode(b);
    } catch {
      return this.fail(`${what} at byte ${at + 4} is not valid UTF-8`, at + 4);
    }
  }
  /** A count of things each at least `minBytes` long, checked against what is left before `end`. */
  count(what: string, minBytes: number, end = this.limit): number {
    const at = this.pos;
    const n = this.u32(what);
    if (n * minBytes > end - at) {
      this.fail(`${what} at byte ${at} is ${n}, but ${n} x ${minBytes} bytes cannot fit in the ${end - at} bytes left`, at);
    }
    return n;
  }

  /** Bytes left before the current limit (inside an object's content: its sub-objects). */
  remaining(): number {
    return this.limit - this.pos;
  }

  /**
   * The cpt_content of the object header at the next 8-byte boundary, or -1 if none fits: for
   * an object whose content is optional (CPT_OBJ_FS: VOID, or ARRAY with removed directories).
   * open() still checks the header in full.
   */
  peekContent(): number {
    const at = align8(this.pos);
    return at + OBJECT_HDR_SIZE <= this.limit ? this.dv.getUint16(at + 14, true) : -1;
  }

  /** Reads a cpt_object_hdr at the next 8-byte boundary and enters its fields. */
  open(type: number, content: number, where: string): ObjectHdr {
    this.pos = Math.min(align8(this.pos), this.limit);
    const start = this.pos;
    const name = objName(type);
    // Named only for a message: every object of the image passes here.
    if (OBJECT_HDR_SIZE > this.limit - this.pos) this.need(OBJECT_HDR_SIZE, `a ${OBJECT_HDR_SIZE}-byte object header for ${name} (${where})`);
    const lo = this.dv.getUint32(start, true);
    const hi = this.dv.getUint32(start + 4, true);
    const found = this.dv.getUint32(start + 8, true);
    const hdrlen = this.dv.getUint16(start + 12, true);
    const cont = this.dv.getUint16(start + 14, true);
    const left = this.limit - start;
    if (found !== type) {
      this.fail(`expected ${name} (type ${type}) at byte ${start}, found ${objName(found)} (type ${found})`, start + 8);
    }
    const next = hi * TWO32 + lo;
    // Its description is spelt out only for a message (most objects never need one).
    if (next > left) {
      const whose = this.limit === this.image.length ? "the image" : "its parent";
      this.fail(`${described(name, start, where)} says it is ${next} bytes long (cpt_next) but only ${left} bytes remain in ${whose}: the length is false or the image is truncated`, start);
    }
    if (next < OBJECT_HDR_SIZE || next % 8 !== 0) this.fail(`${described(name, start, where)} has cpt_next ${next}: not a multiple of 8 of at least ${OBJECT_HDR_SIZE}`, start);
    if (hdrlen < OBJECT_HDR_SIZE || hdrlen > next) this.fail(`${described(name, start, where)} has cpt_hdrlen ${hdrlen}, outside ${OBJECT_HDR_SIZE}..${next} (cpt_next)`, start + 12);
    if (cont !== content) {
      this.fail(`${described(name, start, where)} has cpt_content ${cont} (${CONTENT_NAMES[cont] ?? "unknown"}), expected ${content} (${CONTENT_NAMES[content]})`, start + 14);
    }
    const o: ObjectHdr = { start, type, fieldsEnd: start + hdrlen, end: start + next, content, name, where, outerLimit: this.limit, outer: this.cur };
    this.cur = o;
    this.pos = start + OBJECT_HDR_SIZE;
    this.limit = o.fieldsEnd;
    return o;
  }
  /** Bytes of the current object's fields not read yet (cpt_hdrlen grows when fields are added). */
  fieldsLeft(): number {
    return this.limit - this.pos;
  }
  /** The fields are read: they must fill cpt_hdrlen exactly; move to the content. */
  content(o: ObjectHdr): void {
    if (this.pos !== o.fieldsEnd) {
      this.fail(`its fields end at byte ${this.pos} but cpt_hdrlen says byte ${o.fieldsEnd}`);
    }
    this.limit = o.end;
    this.pos = Math.min(align8(this.pos), o.end);
  }
  /** Leaves the object: its content must fill cpt_next exactly. */
  close(o: ObjectHdr): void {
    if (this.limit === o.fieldsEnd) this.content(o);
    this.pos = Math.min(align8(this.pos), o.end);
    if (this.pos !== o.end) {
      const what = o.content === CPT_CONTENT_VOID ? "bytes after its fields though its cpt_content is VOID" : "bytes after its content";
      this.fail(`it has ${o.end - this.pos} unexplained ${what} (byte ${this.pos} to ${o.end})`);
    }
    this.limit = o.outerLimit;
    this.cur = o.outer;
  }
  /** A whole object: open, read fields (and content), close. */
  object<T>(type: number, content: number, where: string, body: (o: ObjectHdr) => T): T {
    const o = this.open(type, content, where);
    const v = body(o);
    this.close(o);
    return v;
  }
}
