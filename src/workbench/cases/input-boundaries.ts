// Where the records of an image begin, for the byte-level tamperings of case 7 (truncating at a
// record boundary, making a record lie about its length). The walk reads only the framing each
// format documents — ckpt's {u32 type, u32 len} records (self-cpt/codec/layout.ts) and cpt's
// major header, sections (16-byte headers, 24 with section CRCs) and 16-byte object headers
// (openvz-cpt/codec/layout.ts) — and stops at anything that does not add up. A codec it does not
// know gets every 4 KiB as a boundary.
import { crc32 } from "../../core/cr/checksum.ts";

export interface Boundaries {
  /** Record starts, ascending, within the image. */
  offsets: number[];
  /** The byte offset of the little-endian u32 length (or low half of u64 cpt_next) of the record at `at`. */
  lengthField(at: number): number;
}

const CKPT_ALIGN = 8;
const CPT_MAJOR_HDR = 80;
const CPT_SECTION_HDR = 16;
/** cpt_major_tail: object header (16) + 2 x u32 + 40 x u64 section offsets + u32 + u8[4]. */
const CPT_MAJOR_TAIL = 352;
/** cpt_cptbench_flags' CPT_IMG_SECTION_CRC: each section header holds a cpt_crc32 at +16. */
const CPT_SECTION_CRC = 1;

/**
 * One record of an image's framing: where it starts, how many bytes it spans (ckpt: padded to
 * its alignment), and for a cpt object the start of its section (whose size covers it).
 */
export interface ImageRecord {
  at: number;
  len: number;
  section?: number;
  /** "header"/"tail" (cpt's major header and tail), "section", "object" (cpt) or "record" (ckpt). */
  kind: "header" | "tail" | "section" | "object" | "record";
}

function ckpt(image: Uint8Array): ImageRecord[] {
  const dv = new DataView(image.buffer, image.byteOffset, image.length);
  const out: ImageRecord[] = [];
  for (let off = 0; off + 8 <= image.length;) {
    const len = dv.getUint32(off + 4, true);
    if (len < 8) break;
    const padded = Math.ceil(len / CKPT_ALIGN) * CKPT_ALIGN;
    out.push({ at: off, len: padded, kind: "record" });
    off += padded;
  }
  return out;
}

function cpt(image: Uint8Array): ImageRecord[] {
  const dv = new DataView(image.buffer, image.byteOffset, image.length);
  const next = (off: number): number => Number(dv.getBigUint64(off, true));
  const tail = image.length - CPT_MAJOR_TAIL;
  const out: ImageRecord[] = [{ at: 0, len: Math.min(CPT_MAJOR_HDR, image.length), kind: "header" }];
  for (let sec = CPT_MAJOR_HDR; sec < tail;) {
    const size = next(sec);
    if (size < CPT_SECTION_HDR || sec + size > tail) break;
    out.push({ at: sec, len: size, kind: "section" });
    for (let obj = sec + Math.max(CPT_SECTION_HDR, dv.getUint16(sec + 12, true)); obj < sec + size;) {
      const n = next(obj);
      if (n < 16 || obj + n > sec + size) break;
      out.push({ at: obj, len: n, section: sec, kind: "object" });
      obj += n;
    }
    sec += size;
  }
  if (tail > 0) out.push({ at: tail, len: CPT_MAJOR_TAIL, kind: "tail" });
  return out;
}

/** The records of `image` in a codec's framing, in order (empty for a codec it does not know). */
export function imageRecords(codec: string, image: Uint8Array): ImageRecord[] {
  if (codec === "ckpt") return ckpt(image);
  if (codec === "cpt") return cpt(image);
  return [];
}

export function recordBoundaries(codec: string, image: Uint8Array): Boundaries {
  if (codec === "ckpt") return { offsets: ckpt(image).map((r) => r.at), lengthField: (at) => at + 4 };
  if (codec === "cpt") return { offsets: cpt(image).map((r) => r.at), lengthField: (at) => at };
  const offsets = Array.from({ length: Math.ceil(image.length / 4096) }, (_, i) => i * 4096);
  return { offsets, lengthField: (at) => at };
}

/** cpt with section CRCs: each section's cpt_crc32 over the bytes since the previous section's end. */
function resealCpt(image: Uint8Array): void {
  const dv = new DataView(image.buffer, image.byteOffset, image.length);
  if (image.length < CPT_MAJOR_HDR || (dv.getUint16(10, true) & CPT_SECTION_CRC) === 0) return;
  const tail = image.length - CPT_MAJOR_TAIL;
  let from = 0;
  for (let sec = CPT_MAJOR_HDR; sec + 24 <= tail;) {
    const size = Number(dv.getBigUint64(sec, true));
    if (size < 24 || sec + size > tail) break;
    const field = sec + 16;
    dv.setUint32(field, crc32(image.subarray(field + 4, sec + size), crc32(image.subarray(from, field))), true);
    from = sec += size;
  }
}

/** ckpt's CKPT_HDR_CSUM (run checksums): u32 CRC-32 of every byte before the record, pad. */
const CKPT_HDR_CSUM = 9002;

/** ckpt's CKPT_HDR_TAIL: 8-byte header, u64 magic, u32 CRC-32 of every byte before the record, pad. */
const CKPT_TAIL = 24;

/**
 * A tampered image with its checksums made right again (a deliberate edit, not an accident): for
 * ckpt its run checksums and the tail's CRC-32, for cpt its section CRCs. The image is changed
 * in place and returned.
 */
export function reseal(codec: string, image: Uint8Array): Uint8Array {
  if (codec === "cpt") resealCpt(image);
  if (codec === "ckpt" && image.length >= CKPT_TAIL) {
    const dv = new DataView(image.buffer, image.byteOffset, image.length);
    for (let at = 0; at + 16 <= image.length - CKPT_TAIL;) {
      const len = dv.getUint32(at + 4, true);
      if (len < 8) break;
      if (dv.getUint32(at, true) === CKPT_HDR_CSUM && len === 16) dv.setUint32(at + 8, crc32(image.subarray(0, at)), true);
      at += Math.ceil(len / CKPT_ALIGN) * CKPT_ALIGN;
    }
    new DataView(image.buffer, image.byteOffset, image.length).setUint32(image.length - 8, crc32(image.subarray(0, image.length - CKPT_TAIL)), true);
  }
  return image;
}
