// Helpers for cpt tests that take images apart: an independent walk of the layout (sections,
// objects, nested arrays, page data), and a decode that must end in an ImageError.
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CPT_CONTENT_ARRAY, CPT_CONTENT_DATA, CPT_OBJ_PAGES, MAJOR_HDR_SIZE, MAJOR_TAIL_SIZE } from "../../../src/plugins/openvz-cpt/codec/layout.ts";

export const codec = new CptCodec();

export interface Obj { start: number; type: number; end: number }

/** Every object in the image (an independent walk of the layout), and every record boundary. */
export function walk(image: Uint8Array): { objects: Obj[]; boundaries: Set<number> } {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const objects: Obj[] = [];
  const boundaries = new Set<number>([0, MAJOR_HDR_SIZE, image.length - MAJOR_TAIL_SIZE, image.length]);
  const objectsIn = (from: number, to: number): void => {
    for (let at = from; at < to;) {
      const next = Number(dv.getBigUint64(at, true));
      const type = dv.getUint32(at + 8, true);
      const hdrlen = dv.getUint16(at + 12, true);
      const content = dv.getUint16(at + 14, true);
      objects.push({ start: at, type, end: at + next });
      for (const b of [at, at + 16, at + hdrlen, Math.ceil((at + hdrlen) / 8) * 8, at + next]) boundaries.add(b);
      if (content === CPT_CONTENT_ARRAY) objectsIn(Math.ceil((at + hdrlen) / 8) * 8, at + next);
      if (content === CPT_CONTENT_DATA && type === CPT_OBJ_PAGES) {
        const n = dv.getUint32(at + 16, true);
        const data = Math.ceil((at + 24 + 4 * n) / 8) * 8;
        for (let i = 0; i <= n; i++) boundaries.add(data + i * 4096);
      }
      at += next;
    }
  };
  for (let at = MAJOR_HDR_SIZE; at < image.length - MAJOR_TAIL_SIZE;) {
    const next = Number(dv.getBigUint64(at, true));
    // The section header is 16 bytes, or 24 with section CRCs (its cpt_hdrlen says which).
    const hdrlen = dv.getUint16(at + 12, true);
    boundaries.add(at); boundaries.add(at + hdrlen);
    objectsIn(at + hdrlen, at + next);
    at += next;
  }
  return { objects, boundaries };
}

/** The first object of `type` in the image. */
export function first(image: Uint8Array, type: number): Obj {
  const o = walk(image).objects.find((x) => x.type === type);
  if (o === undefined) throw new Error(`no cpt object of type ${type}`);
  return o;
}

/** decode's ImageError, or a failure if it decoded or threw anything else. */
export function imageError(image: Uint8Array): ImageError {
  try {
    codec.decode(image);
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw new Error(`decode threw ${String(e)} instead of an ImageError`);
  }
  throw new Error("decode accepted a malformed image");
}

/** A copy of `image` with `edit` applied. */
export function patched(image: Uint8Array, edit: (dv: DataView, img: Uint8Array) => void): Uint8Array {
  const img = image.slice();
  edit(new DataView(img.buffer), img);
  return img;
}
