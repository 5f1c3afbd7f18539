// The cpt writer passes page data through as the caller's views; views that lie side by side in
// one buffer (a guest's frames from the frame pool, mostly) go out as one piece, so the section
// checksum and the write take them at once. The image bytes must not depend on it.
import { describe, expect, it } from "vitest";
import type { CheckpointModel, PageRecord } from "../../../src/core/cr/model.ts";
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
