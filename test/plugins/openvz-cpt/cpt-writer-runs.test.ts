// The cpt writer passes page data through as the caller's views; views that lie side by side in
// one buffer (a guest's frames from the frame pool, mostly) go out as one piece, so the section
// checksum and the write take them at once. The image bytes must not depend on it.
import { describe, expect, it } from "vitest";
import type { CheckpointModel, PageRecord } from "../../../src/core/cr/model.ts";
import { crcWorkerStats } from "../../../src/core/cr/crc-worker.ts";
import type { LateImage } from "../../../src/core/cr/interfaces.ts";
import { PagedImage } from "../../../src/core/cr/paged-image.ts";
import { Frame } from "../../../src/machine/mm/frame.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { concat, richModel } from "../../support/cr-models.ts";

const codec = new CptCodec();

/** The model with every list of pages moved into one buffer, page after page (copies, same bytes). */
function sideBySide(m: CheckpointModel): CheckpointModel {
  const lists: PageRecord[][] = [...m.mms.map((mm) => mm.pages), ...m.shmem.map((s) => s.pages)];
  for (const pages of lists) {
    const slab = new ArrayBuffer(pages.reduce((n, p) => n + p.data.length, 0));
    let off = 0;
    for (const p of pages) {
      const data = new Uint8Array(slab, off, p.data.length);
      data.set(p.data);
      p.data = data;
      off += data.length;
    }
  }
  return m;
}

describe("cpt writer", () => {
  it("writes pages that lie side by side as one piece, and the same image as pages apart", () => {
    const apart = [...codec.encode(richModel())];
    const together = [...codec.encode(sideBySide(richModel()))];
    expect(Buffer.from(concat(together)).equals(Buffer.from(concat(apart)))).toBe(true);
    // The rich model has mms and shmem objects of two pages each: each pair is one piece now.
    const pagePieces = (chunks: Uint8Array[]): number => chunks.filter((c) => c.length % 4096 === 0 && c.length > 0).length;
    expect(pagePieces(together)).toBeLessThan(pagePieces(apart));
    expect(together.some((c) => c.length === 2 * 4096)).toBe(true);
    // And it decodes to the same model.
    expect(codec.decode(concat(together))).toEqual(codec.decode(concat(apart)));
  });
});

/** Every chunk a late image hands its sink, in order. */
function lateChunks(late: LateImage): Uint8Array[] {
  const out: Uint8Array[] = [];
  late.write((batch) => out.push(...batch));
  return out;
}

describe("cpt encodeLate", () => {
  it("writes the chunks with the big section's cpt_crc32 zero, and the patch makes them encode's bytes", () => {
    const m = richModel();
    // A guest section over OFFLOAD_FROM: 2,100 pages, side by side in shared memory (as frames are).
    const slab = new SharedArrayBuffer(2100 * 4096);
    m.mms[0]!.pages = Array.from({ length: 2100 }, (_, i) => {
      const data = new Uint8Array(slab, i * 4096, 4096);
      data.fill(i & 0xff, 0, 64);
      return { index: 0x20000 + i, data };
    });
    const whole = concat([...codec.encode(m)]);
    const late = codec.encodeLate(m);
    const image = concat(lateChunks(late));
    const patches = late.patches();
    expect(patches).toHaveLength(1);
    const { at, bytes } = patches[0]!;
    expect([...image.subarray(at, at + 4)]).toEqual([0, 0, 0, 0]);
    expect([...bytes]).toEqual([...whole.subarray(at, at + 4)]);
    image.set(bytes, at);
    expect(Buffer.from(image).equals(Buffer.from(whole))).toBe(true);
  });

  it("has nothing to patch in a small image", () => {
    const late = codec.encodeLate(richModel());
    expect(Buffer.from(concat(lateChunks(late))).equals(Buffer.from(concat([...codec.encode(richModel())])))).toBe(true);
    expect(late.patches()).toEqual([]);
  });
});

describe("cpt restart from a file's pages", () => {
  it("finds a flipped bit in a big section whichever thread sums it", async () => {
    const m = richModel();
    const slab = new SharedArrayBuffer(2100 * 4096);
    m.mms[0]!.pages = Array.from({ length: 2100 }, (_, i) => ({ index: 0x20000 + i, data: new Uint8Array(slab, i * 4096, 4096).fill(i & 0x7f, 0, 100) }));
    const image = concat([...codec.encode(m)]);
    // The image as a file's pages in shared memory, page after page (as the frame pool gives them).
    const file = new SharedArrayBuffer(Math.ceil(image.length / 4096) * 4096);
    new Uint8Array(file).set(image);
    const frames = new Map<number, Frame>();
    for (let i = 0; i * 4096 < image.length; i++) frames.set(i, Frame.over(i + 1, new Uint8Array(file, i * 4096, 4096)));
    const paged = (): PagedImage => PagedImage.ofFile((pg) => frames.get(pg), 0, image.length);
    expect(codec.decodeLent(paged()).mms[0]!.pages).toHaveLength(2100);
    const before = crcWorkerStats.offloaded;
    const at = image.length - 1000 * 4096 + 7; // page data of the big mm
    new Uint8Array(file)[at] ^= 0x10;
    for (let i = 0; i < 30; i++) {
      expect(() => codec.decodeLent(paged())).toThrow(/fails its checksum/);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(crcWorkerStats.offloaded).toBeGreaterThan(before);
  });
});
