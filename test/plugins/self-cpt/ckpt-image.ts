// Helpers for ckpt tests that take images apart: an independent walk of the record stream, a
// patcher that re-seals the checksums (run CRCs and the trailer's CRC-32, so a test reaches the check it aims at, not the
// checksum), and a decode that must end in an ImageError.
import * as zlib from "node:zlib";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";

export const codec = new CkptCodec();
/** Writes images without run checksums (CKPT_HDR_CSUM): they would catch edits before the check a test aims at. */
export const uncheckedCodec = new CkptCodec({ runChecksums: false });

export interface Rec { at: number; type: number; len: number; end: number }

/** The records of a well-formed image, by reading each {type, len} and skipping to the next 8. */
export function records(image: Uint8Array): Rec[] {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const out: Rec[] = [];
  for (let at = 0; at < image.length;) {
    const type = dv.getUint32(at, true), len = dv.getUint32(at + 4, true);
    if (len < 8 || at + len > image.length) throw new Error(`records(): no well-formed record at byte ${at}`);
    const end = at + Math.ceil(len / 8) * 8;
    out.push({ at, type, len, end });
    at = end;
  }
  return out;
}

/** The first record of `type` (the n-th with `n`). */
export function find(image: Uint8Array, type: number, n = 0): Rec {
  const r = records(image).filter((x) => x.type === type)[n];
  if (r === undefined) throw new Error(`no record ${type} #${n}`);
  return r;
}

/**
 * Recomputes the checksums (zlib's CRC-32, not the codec's): each CKPT_HDR_CSUM (9002) record's
 * and the trailer's, over every byte before it. A walk broken by the edit stops at the break.
 */
export function reseal(image: Uint8Array): Uint8Array {
  const crc = (b: Uint8Array): number => (zlib as unknown as { crc32: (b: Uint8Array) => number }).crc32(b) >>> 0;
  const dv = new DataView(image.buffer, image.byteOffset);
  const tail = { at: image.length - 24 };
  for (let at = 0; at + 8 <= tail.at;) {
    const type = dv.getUint32(at, true), len = dv.getUint32(at + 4, true);
    if (len < 8) break;
    if (type === 9002 && len === 16 && at + 16 <= tail.at) dv.setUint32(at + 8, crc(image.subarray(0, at)), true);
    at += Math.ceil(len / 8) * 8;
  }
  dv.setUint32(tail.at + 16, crc(image.subarray(0, tail.at)), true);
  return image;
}

/** A copy of `image` with `edit` applied and the trailer re-sealed. */
export function patched(image: Uint8Array, edit: (dv: DataView, img: Uint8Array) => void, seal = true): Uint8Array {
  const img = image.slice();
  edit(new DataView(img.buffer), img);
  return seal ? reseal(img) : img;
}

/** The ImageError decoding `image` gives (whole, and pushed byte by byte: the same message). */
export function imageError(image: Uint8Array, bytewise = false): ImageError {
  try {
    if (!bytewise) codec.decode(image);
    else {
      const d = codec.decoder();
      for (let i = 0; i < image.length; i++) d.push(image.subarray(i, i + 1));
      d.end();
    }
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw new Error(`decode threw ${String(e)} instead of an ImageError`, { cause: e });
  }
  throw new Error("decode accepted a malformed image");
}

/**
 * The ImageError decoding `image` gives when it comes as a file's pages do at restart: chunks of
 * shared memory lent for the push (the decoder copies page arrays out and sums the copies).
 */
export function lentError(image: Uint8Array, chunk = 4096): ImageError {
  try {
    const d = codec.decoder();
    for (let i = 0; i < image.length; i += chunk) {
      const piece = new Uint8Array(new SharedArrayBuffer(Math.min(chunk, image.length - i)));
      piece.set(image.subarray(i, i + piece.length));
      d.push(piece, true);
    }
    d.end();
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw new Error(`decode threw ${String(e)} instead of an ImageError`, { cause: e });
  }
  throw new Error("decode accepted a malformed image");
}
