// PagedImage: a file's pages read as one run of bytes, as the cpt decoder reads an image in place.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../../src/core/cr/checksum.ts";
import { copyImageBytes, imageCrc32, PagedImage } from "../../../src/core/cr/paged-image.ts";
import { Frame } from "../../../src/machine/mm/frame.ts";

/** `bytes` laid in pages from byte `skew` of the first, page `hole` left out; the image and its frames. */
function paged(bytes: Uint8Array, skew: number, hole = -1): PagedImage {
  const pages = new Map<number, Frame>();
  for (let i = 0; i * 4096 < skew + bytes.length; i++) {
    if (i === hole) continue;
    const f = Frame.over(i + 1, new Uint8Array(4096));
    const from = i * 4096 - skew;
    f.data.set(bytes.subarray(Math.max(0, from), from + 4096), from < 0 ? -from : 0);
    pages.set(i + 7, f);
  }
  return PagedImage.ofFile((pg) => pages.get(pg), 7 * 4096 + skew, bytes.length);
}

describe("PagedImage", () => {
  const bytes = Uint8Array.from({ length: 3 * 4096 + 50 }, (_, i) => (i * 131 + 7) & 0xff);
  const dv = new DataView(bytes.buffer);

  it("reads numbers within a page and across a page boundary as a DataView does", () => {
    const img = paged(bytes, 4093);
    expect(img.length).toBe(bytes.length);
    for (const p of [0, 1, 2, 3, 4, 5, 4090, 4091, 8189, bytes.length - 8]) {
      expect(img.getUint8(p), `u8 ${p}`).toBe(dv.getUint8(p));
      expect(img.getUint16(p, true), `u16 ${p}`).toBe(dv.getUint16(p, true));
      expect(img.getUint32(p, true), `u32 ${p}`).toBe(dv.getUint32(p, true));
      expect(img.getInt32(p, true), `i32 ${p}`).toBe(dv.getInt32(p, true));
      expect(img.getBigUint64(p, true), `u64 ${p}`).toBe(dv.getBigUint64(p, true));
      expect(img.getBigInt64(p, true), `i64 ${p}`).toBe(dv.getBigInt64(p, true));
      expect(Object.is(img.getFloat64(p, true), dv.getFloat64(p, true)), `f64 ${p}`).toBe(true);
    }
    expect(() => img.getUint32(bytes.length - 2, true)).toThrow(RangeError);
  });

  it("copies ranges (never views) and checksums them as the contiguous bytes", () => {
    const img = paged(bytes, 100);
    const sub = img.subarray(4000, 9000);
    expect([...sub]).toEqual([...bytes.subarray(4000, 9000)]);
    const page = new Uint8Array(4096);
    copyImageBytes(img, 3996, page);
    expect([...page]).toEqual([...bytes.subarray(3996, 3996 + 4096)]);
    expect(imageCrc32(img, 10, bytes.length - 3, 5)).toBe(crc32(bytes.subarray(10, bytes.length - 3), 5));
    expect(img.prefix(10).length).toBe(10);
  });

  it("reads a hole as zeros", () => {
    const img = paged(bytes, 0, 1);
    expect(img.getUint32(4096 + 8, true)).toBe(0);
    expect(img.subarray(4094, 4098)).toEqual(Uint8Array.of(bytes[4094]!, bytes[4095]!, 0, 0));
  });

  it("copies and checksums runs of pages that lie side by side as one, and breaks them where memory does", () => {
    const big = Uint8Array.from({ length: 12 * 4096 }, (_, i) => (i * 37 + 11) & 0xff);
    // Pages 0-4 and 6-9 adjoin in one buffer; page 5 is elsewhere; page 10 is a hole.
    const slab = new ArrayBuffer(16 * 4096);
    const pages = new Map<number, Frame>();
    for (let i = 0; i < 12; i++) {
      if (i === 10) continue;
      const data = i === 5 ? new Uint8Array(4096) : new Uint8Array(slab, (i < 5 ? i : i + 1) * 4096, 4096);
      data.set(big.subarray(i * 4096, (i + 1) * 4096));
      pages.set(i, Frame.over(i + 1, data));
    }
    const expected = big.slice();
    expected.fill(0, 10 * 4096, 11 * 4096);
    const img = PagedImage.ofFile((pg) => pages.get(pg), 300, expected.length - 300);
    // Numbers read where the page lies in its buffer (pages 1-4 and 6-9 are not at its start),
    // across pages that adjoin, that do not (4 | 5 | 6) and into the hole (9 | 10).
    const edv = new DataView(expected.buffer, 300);
    for (const p of [0, 4096 - 300 + 5, 4096 * 5 - 302, 4096 * 6 - 301, 4096 * 6 - 298, 4096 * 10 - 302, 4096 * 10 - 300 + 17]) {
      expect(img.getUint8(p), `u8 ${p}`).toBe(edv.getUint8(p));
      expect(img.getUint16(p, true), `u16 ${p}`).toBe(edv.getUint16(p, true));
      expect(img.getUint32(p, false), `u32 ${p}`).toBe(edv.getUint32(p, false));
      expect(img.getBigUint64(p, true), `u64 ${p}`).toBe(edv.getBigUint64(p, true));
    }
    for (const [from, to] of [[0, img.length], [3, 4096 * 5], [4096 * 4, 4096 * 7 + 9], [4096 * 9 - 300, img.length - 1]] as const) {
      expect(Buffer.from(img.subarray(from, to)).equals(Buffer.from(expected.subarray(300 + from, 300 + to))), `bytes ${from}..${to}`).toBe(true);
      expect(img.crc32(from, to, 9), `crc ${from}..${to}`).toBe(crc32(expected.subarray(300 + from, 300 + to), 9));
    }
  });
});
