// The ckpt codec's encodeLate (an image written into a file, its checksums summed from the file's
// pages on the CRC worker and patched in): the chunks carry zeros where every CKPT_HDR_CSUM's and
// the trailer's crc32 go, crcMarks says where and over which bytes, and patched with the running
// sum the image is exactly encode's.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../../src/core/cr/checksum.ts";
import { StreamPlan } from "../../../src/core/cr/crc-stream.ts";
import type { LateImage } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { CKPT_HDR_CSUM, CKPT_HDR_TAIL } from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, minimalModel, richModel } from "../../support/cr-models.ts";
import { codec, records, uncheckedCodec } from "./ckpt-image.ts";

/** The batches a late image hands its sink, with the marks known when each was handed out. */
function written(late: LateImage): { batches: Uint8Array[][]; marksThen: number[] } {
  const batches: Uint8Array[][] = [];
  const marksThen: number[] = [];
  late.write((b) => {
    batches.push([...b]);
    marksThen.push(late.crcMarks!.length);
  });
  return { batches, marksThen };
}

/** A model whose first mm has `n` pages of shared memory (as frames are), filled by index. */
function bigModel(n: number): CheckpointModel {
  const m = richModel();
  const slab = new SharedArrayBuffer(n * 4096);
  m.mms[0]!.pages = Array.from({ length: n }, (_, i) => ({ index: 0x20000 + i, data: new Uint8Array(slab, i * 4096, 4096).fill(i & 0xff, 0, 100) }));
  return m;
}

describe("ckpt encodeLate", () => {
  for (const [name, model, c] of [
    ["the minimal model", minimalModel(), codec], ["the rich model", richModel(), codec], ["a 900-page mm", bigModel(900), codec],
    ["a 900-page mm without run checksums", bigModel(900), uncheckedCodec],
  ] as const) {
    it(`leaves each checksum zero and says where: patched, ${name} is encode's image`, () => {
      const whole = concat(c.encode(model));
      const late = c.encodeLate(model);
      const { batches, marksThen } = written(late);
      const image = concat(batches.flat());
      expect(image.length).toBe(whole.length);
      const marks = late.crcMarks!;
      // One mark per CKPT_HDR_CSUM and one for the trailer, each at its record's crc32 field.
      const sums = records(whole).filter((r) => r.type === CKPT_HDR_CSUM || r.type === CKPT_HDR_TAIL);
      expect(marks).toEqual(sums.flatMap((r) => [r.at, r.at + (r.type === CKPT_HDR_TAIL ? 16 : 8)]));
      for (let k = 0; k < marks.length; k += 2) expect([...image.subarray(marks[k + 1]!, marks[k + 1]! + 4)]).toEqual([0, 0, 0, 0]);
      // Each mark was known before the batch that reaches its `before` was handed out.
      let pos = 0;
      batches.forEach((b, i) => {
        pos += b.reduce((s, x) => s + x.length, 0);
        for (let k = marksThen[i]!; k < marks.length; k += 2) expect(marks[k]!).toBeGreaterThanOrEqual(pos);
      });
      // The running sum over the zeros, each field counted as its value, patched in: encode's bytes.
      const plan = new StreamPlan();
      plan.push([image], marks);
      plan.end();
      for (const p of plan.take()) p.crc = p.segs.reduce((c, v) => crc32(v, c), 0);
      plan.values().forEach((v, i) => new DataView(image.buffer).setUint32(marks[2 * i + 1]!, v, true));
      expect(Buffer.from(image).equals(Buffer.from(whole))).toBe(true);
    });
  }

  it("hands a big mm's pages out in several batches, not all at once", () => {
    const { batches } = written(codec.encodeLate(bigModel(900)));
    const sizes = batches.map((b) => b.reduce((s, x) => s + x.length, 0));
    expect(Math.max(...sizes)).toBeLessThan(2 << 20);
    expect(sizes.reduce((s, x) => s + x, 0)).toBeGreaterThan(900 * 4096);
  });
});
