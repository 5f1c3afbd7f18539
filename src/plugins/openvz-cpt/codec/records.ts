// The record-level view of a cpt image (ImageCodec.records, for `cptbench image show`): the
// sections, their objects and the objects nested in CPT_CONTENT_ARRAY objects, by walking the
// cpt_next lengths alone — so a damaged image can be looked at up to where it breaks.
import { ImageError, type ImageRecord } from "../../../core/cr/index.ts";
import {
  align8, CPT_CONTENT_ARRAY, CPT_OBJ_TRAILER, MAJOR_HDR_SIZE, MAJOR_TAIL_SIZE, OBJECT_HDR_SIZE, SECTION_HDR_SIZE, SECTION_ORDER, OPTIONAL_SECTIONS, objName,
} from "./layout.ts";

const SECTION_NAMES = new Map([...SECTION_ORDER, ...OPTIONAL_SECTIONS].map((s) => [s.id, `CPT_SECT ${s.name}`]));

/** The records of `image` in file order; ImageError where a length leads out of its container. */
export function cptRecords(image: Uint8Array): ImageRecord[] {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const out: ImageRecord[] = [];
  if (image.length < MAJOR_HDR_SIZE + MAJOR_TAIL_SIZE) {
    throw new ImageError(`the image is truncated: ${image.length} bytes cannot hold the major header and tail (${MAJOR_HDR_SIZE + MAJOR_TAIL_SIZE})`, image.length);
  }
  out.push({ offset: 0, length: MAJOR_HDR_SIZE, type: -1, name: "cpt_major_hdr", depth: 0 });
  const next = (at: number): number => dv.getUint32(at + 4, true) * 0x1_0000_0000 + dv.getUint32(at, true);
  const objects = (from: number, to: number, depth: number): void => {
    for (let at = from; at < to;) {
      if (at + OBJECT_HDR_SIZE > to) throw new ImageError(`an object header at byte ${at} runs past its container's end (byte ${to})`, at);
      const len = next(at);
      const type = dv.getUint32(at + 8, true);
      if (len < OBJECT_HDR_SIZE || at + len > to) throw new ImageError(`the ${objName(type)} at byte ${at} says it is ${len} bytes long (cpt_next): past its container's end (byte ${to})`, at);
      out.push({ offset: at, length: len, type, name: objName(type), depth });
      if (dv.getUint16(at + 14, true) === CPT_CONTENT_ARRAY) objects(at + align8(dv.getUint16(at + 12, true)), at + len, depth + 1);
      at += len;
    }
  };
  const tail = image.length - MAJOR_TAIL_SIZE;
  for (let at = MAJOR_HDR_SIZE; at < tail;) {
    const len = next(at);
    const id = dv.getUint32(at + 8, true);
    if (len < SECTION_HDR_SIZE || at + len > tail || dv.getUint16(at + 12, true) > len) throw new ImageError(`the section at byte ${at} says it is ${len} bytes long (cpt_next): past the tail at byte ${tail}`, at);
    out.push({ offset: at, length: len, type: id, name: SECTION_NAMES.get(id) ?? `unknown section ${id}`, depth: 0 });
    objects(at + Math.max(SECTION_HDR_SIZE, dv.getUint16(at + 12, true)), at + len, 1);
    at += len;
  }
  out.push({ offset: tail, length: MAJOR_TAIL_SIZE, type: CPT_OBJ_TRAILER, name: "cpt_major_tail", depth: 0 });
  return out;
}
