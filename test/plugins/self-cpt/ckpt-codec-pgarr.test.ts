// Page arrays (CKPT_HDR_PGARR, format version 2): how the writer cuts an object's pages into
// arrays, what a restart from lent chunks makes of them (pool memory, in runs), and every lie an
// array can tell, refused with the same message whether the image is decoded whole, pushed a byte
// at a time, or lent in chunks of shared memory as an image file's pages are (the path that copies
// pages out and hands their checksum to the CRC worker). Images without run checksums, so that an
// edit reaches the check it aims at (ckpt-codec-integrity.test.ts covers the checksums).
import { describe, expect, it } from "vitest";
import type { CheckpointModel, PageRecord } from "../../../src/core/cr/model.ts";
import { FRAME_POOL } from "../../../src/machine/mm/frame-pool.ts";
import {
  CKPT_HDR_MM, CKPT_HDR_PGARR, CKPT_HDR_TAIL, CKPT_PGARR_MAX, pgarrHead, RECORDS,
} from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, richModel } from "../../support/cr-models.ts";
import { codec, find, imageError, lentError, patched, records, reseal, uncheckedCodec, type Rec } from "./ckpt-image.ts";

const rich = concat(uncheckedCodec.encode(richModel()));
const u32 = (img: Uint8Array, at: number): number => new DataView(img.buffer, img.byteOffset).getUint32(at, true);
/** The page arrays of an image, with their nr_pages and indices. */
const arrays = (img: Uint8Array): (Rec & { n: number; indices: number[] })[] => records(img).filter((r) => r.type === CKPT_HDR_PGARR).map((r) => {
  const n = u32(img, r.at + 8);
  return { ...r, n, indices: Array.from({ length: n }, (_, i) => u32(img, r.at + 16 + 4 * i)) };
});
/** mm 1's first page array (2 pages, 0x12 and 0x7ffff), and the CKPT_HDR_MM before it. */
const mm = find(rich, CKPT_HDR_MM);
const pg = arrays(rich).find((a) => a.at > mm.at)!;

/** A model whose mm 1 has `n` more pages, at `index(i)`, each filled with its number. */
function withPages(n: number, index: (i: number) => number): CheckpointModel {
  const m = richModel();
  m.mms[0]!.pages = Array.from({ length: n }, (_, i): PageRecord => ({ index: index(i), data: new Uint8Array(4096).fill(i & 0xff) }));
  return m;
}

/** The same ImageError whole, byte by byte and lent in chunks (two sizes: records split anywhere). */
function refused(img: Uint8Array): string {
  const whole = imageError(img).message;
  expect(imageError(img, true).message).toBe(whole);
  expect(lentError(img, 4096).message).toBe(whole);
  expect(lentError(img, 1000).message).toBe(whole);
  return whole;
}

describe("ckpt page arrays: the format", () => {
  it("writes an object's pages as one array: nr_pages, pad, the indices padded to 8, then the pages", () => {
    expect(pg).toMatchObject({ n: 2, indices: [0x12, 0x7ffff], len: 8 + pgarrHead(2) + 2 * 4096 });
    expect(u32(rich, pg.at + 12)).toBe(0);
    expect(Buffer.from(rich.subarray(pg.at + 8 + pgarrHead(2), pg.end)).equals(Buffer.concat(richModel().mms[0]!.pages.map((p) => p.data)))).toBe(true);
    // An odd count: a zero word after the indices.
    const odd = arrays(rich).find((a) => a.n === 1)!;
    expect(odd.len).toBe(8 + 16 + 4096);
    expect(u32(rich, odd.at + 20)).toBe(0);
    expect(records(rich).every((r) => r.type !== 403)).toBe(true);
  });

  it("cuts the pages into arrays of at most CKPT_PGARR_MAX, and where their indices stop increasing", () => {
    const n = 2 * CKPT_PGARR_MAX + 3;
    const sorted = concat(uncheckedCodec.encode(withPages(n, (i) => 0x100 + i)));
    expect(arrays(sorted).filter((a) => a.indices[0]! >= 0x100 && a.indices[0]! < 0x1000).map((a) => a.n)).toEqual([CKPT_PGARR_MAX, CKPT_PGARR_MAX, 3]);
    // Out of order and a page twice (a model no collector makes; the restore refuses the second):
    // written as it is, and read back the same.
    const order = [0x20, 0x30, 0x10, 0x10, 0x40];
    const m = withPages(order.length, (i) => order[i]!);
    const img = concat(uncheckedCodec.encode(m));
    expect(arrays(img).filter((a) => a.indices[0]! >= 0x10 && a.indices[0]! < 0x100).map((a) => a.indices)).toEqual([[0x20, 0x30], [0x10], [0x10, 0x40]]);
    expect(codec.decode(img).mms[0]!.pages.map((p) => p.index)).toEqual(order);
  });

  it("a restart from lent chunks copies each array into pool memory, pages side by side", () => {
    const m = withPages(CKPT_PGARR_MAX + 5, (i) => 0x100 + i);
    const img = concat(codec.encode(m));
    const d = codec.decoder();
    for (let i = 0; i < img.length; i += 1 << 20) {
      const piece = new Uint8Array(new SharedArrayBuffer(Math.min(1 << 20, img.length - i)));
      piece.set(img.subarray(i, i + piece.length));
      d.push(piece, true);
    }
    const pages = d.end().mms[0]!.pages;
    expect(pages.map((p) => p.index)).toEqual(m.mms[0]!.pages.map((p) => p.index));
    pages.forEach((p, i) => expect(p.data[0], `page ${i}`).toBe(i & 0xff));
    // None is a view of a lent chunk; most lie right after the page before them (runs of a slab).
    expect(pages.every((p) => p.data.length === 4096 && p.data.buffer.byteLength === 1 << 20)).toBe(true);
    const adjoin = pages.filter((p, i) => i > 0 && p.data.buffer === pages[i - 1]!.data.buffer && p.data.byteOffset === pages[i - 1]!.data.byteOffset + 4096);
    expect(adjoin.length).toBeGreaterThan(pages.length / 2);
  });
});

describe("ckpt page arrays: what is refused", () => {
  const word = (at: number, v: number) => (dv: DataView): void => dv.setUint32(at, v, true);

  it("nr_pages other than what h.len makes room for, before any page memory is taken", () => {
    const bad = patched(rich, word(pg.at + 8, 3));
    expect(refused(bad)).toMatch(new RegExp(`^CKPT_HDR_PGARR at byte ${pg.at}: nr_pages at byte ${pg.at + 8} is 3, but its h.len \\(${pg.len}\\) makes room for 2 pages`));
    // Lent, it takes exactly the pool pages the records before it took: none for its own pages.
    const taken = (img: Uint8Array): number => {
      const before = FRAME_POOL.freshPages + FRAME_POOL.reusedPages;
      try {
        lentError(img);
      } catch {
        // The cut image is refused as truncated: also an ImageError, caught in lentError.
      }
      return FRAME_POOL.freshPages + FRAME_POOL.reusedPages - before;
    };
    expect(taken(bad)).toBe(taken(bad.slice(0, pg.at + 8 + pgarrHead(2))));
    expect(refused(patched(rich, word(pg.at + 8, 0xffff_ffff)))).toMatch(/nr_pages at byte \d+ is 4294967295, but its h.len/);
  });

  it("an h.len that is no page array's, or longer than the longest", () => {
    expect(refused(patched(rich, word(pg.at + 4, pg.len + 8)))).toMatch(new RegExp(`^h.len at byte ${pg.at + 4} is ${pg.len + 8}, which is no page array's length`));
    const max = RECORDS.get(CKPT_HDR_PGARR)!.max + 8;
    expect(max).toBe(8 + pgarrHead(CKPT_PGARR_MAX) + CKPT_PGARR_MAX * 4096);
    expect(refused(patched(rich, word(pg.at + 4, max + 4104)))).toMatch(new RegExp(`^h.len at byte ${pg.at + 4} is ${max + 4104}, but a CKPT_HDR_PGARR is 4120 to ${max} bytes long`));
    // No array of no pages: shorter than the shortest.
    expect(refused(patched(rich, word(pg.at + 4, 16)))).toMatch(/h.len at byte \d+ is 16, but a CKPT_HDR_PGARR is 4120 to/);
  });

  it("a page twice, or out of order, within an array", () => {
    const at = pg.at + 20;
    expect(refused(patched(rich, word(at, 0x12)))).toMatch(new RegExp(`^CKPT_HDR_PGARR at byte ${pg.at}: page index 1 at byte ${at} is 18, not above the one before it \\(18\\): a page array's indices are strictly increasing`));
    expect(refused(patched(rich, word(at, 0x11)))).toMatch(/page index 1 at byte \d+ is 17, not above the one before it \(18\)/);
  });

  it("more pages than the parent announced, and fewer", () => {
    // mm 1 announces one page fewer than its array holds.
    const fewer = patched(rich, word(mm.at + 24, 1));
    expect(refused(fewer)).toMatch(new RegExp(`^CKPT_HDR_PGARR at byte ${pg.at}: nr_pages at byte ${pg.at + 8} is 2, but only 1 more pages of mm 1 were announced`));
    // One more: the record after the array comes where the rest of mm 1's pages must.
    const more = patched(rich, word(mm.at + 24, 3));
    expect(refused(more)).toMatch(new RegExp(`^expected CKPT_HDR_PGARR at byte ${pg.end} \\(1 more pages of mm 1\\), found CKPT_HDR_`));
    // None announced: the array has no parent.
    expect(refused(patched(rich, word(mm.at + 24, 0)))).toMatch(new RegExp(`a CKPT_HDR_PGARR at byte ${pg.at} is out of place: no record before it announced one`));
    // The trailer where the pages should be.
    const tail = find(rich, CKPT_HDR_TAIL);
    const early = reseal(concat([rich.subarray(0, pg.at), rich.subarray(tail.at)]));
    expect(refused(early)).toMatch(new RegExp(`^the trailer at byte ${pg.at} comes early: 2 more pages of mm 1 were announced \\(in CKPT_HDR_PGARR records\\)`));
  });

  it("padding that is not zero: after nr_pages, after an odd count of indices", () => {
    expect(refused(patched(rich, word(pg.at + 12, 1)))).toMatch(new RegExp(`padding at byte ${pg.at + 12} is not zero`));
    const odd = arrays(rich).find((a) => a.n === 1)!;
    expect(refused(patched(rich, word(odd.at + 20, 7)))).toMatch(new RegExp(`padding at byte ${odd.at + 20} is not zero`));
  });

  it("an image cut inside an array's pages", () => {
    for (const cut of [pg.at + 8 + pgarrHead(2) + 1, pg.at + 8 + pgarrHead(2) + 4096, pg.end - 1]) {
      expect(refused(rich.slice(0, cut))).toMatch(new RegExp(`^the image is truncated at byte ${cut}, inside the CKPT_HDR_PGARR at byte ${pg.at}`));
    }
  });
});
