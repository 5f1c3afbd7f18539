// The record-level view of a ckpt stream (ImageCodec.records, for `cptbench image show`): each
// {u32 type, u32 len} record in order, found by its length alone, so a damaged stream can be
// looked at up to where it breaks.
import { ImageError, type ImageRecord } from "../../../core/cr/index.ts";
import { align8, CHECKPOINT_MAGIC_HEAD, CKPT_HDR_HEADER, CKPT_HDR_SIZE, recordName } from "./layout.ts";

/** Whether `head` starts a ckpt stream: a CKPT_HDR_HEADER record carrying the head magic. */
export function ckptSniff(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return dv.getUint32(0, true) === CKPT_HDR_HEADER && dv.getBigUint64(8, true) === CHECKPOINT_MAGIC_HEAD;
}

/** The records of `image` in file order; ImageError where a len leads past the end. */
export function ckptRecords(image: Uint8Array): ImageRecord[] {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const out: ImageRecord[] = [];
  for (let at = 0; at < image.length;) {
    if (at + CKPT_HDR_SIZE > image.length) throw new ImageError(`the stream is truncated: a record header at byte ${at} runs past the end (${image.length} bytes)`, at);
    const type = dv.getUint32(at, true);
    const len = dv.getUint32(at + 4, true);
    if (len < CKPT_HDR_SIZE || at + len > image.length) {
      throw new ImageError(`the ${recordName(type)} at byte ${at} says it is ${len} bytes long: ${len < CKPT_HDR_SIZE ? "shorter than its header" : `past the end (${image.length} bytes)`}`, at);
    }
    out.push({ offset: at, length: len, type, name: recordName(type), depth: 0 });
    at += align8(len);
  }
  return out;
}
