// Section CRCs (CPT_IMG_SECTION_CRC): every single-bit flip anywhere in an image is refused, where
// OpenVZ's format alone lets a flip in page data or a register through as a different, valid
// image. Exhaustive over the minimal image; over the rich one (pages, every object kind), every
// bit of a seeded sample of bytes plus one bit of every seventh byte.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { concat, minimalModel, richModel } from "../../support/cr-models.ts";

const codec = new CptCodec();

/** The flips at (byte, bit) that decode without an ImageError. */
function undetected(image: Uint8Array, at: Iterable<[number, number]>): string[] {
  const out: string[] = [];
  for (const [byte, bit] of at) {
    const x = image.slice();
    x[byte]! ^= 1 << bit;
    try {
      codec.decode(x);
      out.push(`byte ${byte} bit ${bit}`);
    } catch (e) {
      if (!(e instanceof ImageError)) throw new Error(`flip at byte ${byte} bit ${bit}: decode threw ${String(e)}, not an ImageError`);
    }
  }
  return out;
}

function* everyBit(n: number): Generator<[number, number]> {
  for (let i = 0; i < n; i++) for (let b = 0; b < 8; b++) yield [i, b];
}

describe("cpt section CRCs", () => {
  it("refuse every single-bit flip of the minimal image", () => {
    const image = concat(codec.encode(minimalModel()));
    expect(undetected(image, everyBit(image.length))).toEqual([]);
  });

  it("refuse flips throughout the rich image (pages, registers, strings)", () => {
    const image = concat(codec.encode(richModel()));
    function* sample(): Generator<[number, number]> {
      for (let i = 0; i < image.length; i += 7) yield [i, i % 8];
      let s = 0x9e3779b9;
      for (let k = 0; k < 150; k++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        for (let b = 0; b < 8; b++) yield [s % image.length, b];
      }
    }
    expect(undetected(image, sample())).toEqual([]);
  });

  it("are what catches them: the old image without CRCs lets flips through", () => {
    const old = new Uint8Array(readFileSync(new URL("../../fixtures/images/minimal-unchecked.cpt", import.meta.url)));
    expect(undetected(old, everyBit(old.length)).length).toBeGreaterThan(0);
  });

  it("name the section whose checksum fails", () => {
    const image = concat(codec.encode(richModel()));
    const x = image.slice();
    x[image.length >> 1]! ^= 0x10;           // in page data: parses, only the CRC can tell
    expect(() => codec.decode(x)).toThrow(/section fails its checksum: bytes \d+ to \d+ have CRC-32 0x[0-9a-f]{8}, its cpt_crc32 at byte \d+ says 0x[0-9a-f]{8}/);
  });

  it("refuse unknown cptbench flags", () => {
    const x = concat(codec.encode(minimalModel()));
    x[10]! |= 0x80;
    expect(() => codec.decode(x)).toThrow(/cpt_cptbench_flags at byte 10 is 0x0081: flags 0x0080 are not ones this cptbench knows/);
  });
});
