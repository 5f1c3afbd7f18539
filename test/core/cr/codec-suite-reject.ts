// The codec suite, part two: malformed images. Whatever is wrong with an image — cut short at any
// record boundary, a bit flipped anywhere, a length or count that lies, an image of another
// format — decode must end in a model or an ImageError that says what and where: never a
// RangeError or TypeError, a hang or a huge allocation. A codec whose format checks its integrity
// (the fixture's `damage: "detected"`) must refuse every damaged image. Run over every registered
// codec by codecs-reject.test.ts.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { ImageError, type ImageCodec } from "../../../src/core/cr/interfaces.ts";
import { concat, minimalModel, richModel } from "../../support/cr-models.ts";
import { modelArb } from "../../support/model-arbitrary.ts";
import { decodeOrImageError, edited, imageError, type CodecFixture, type CodecUnderTest } from "./codec-fixture.ts";

/** The checks that need no fixture: every codec gets them. */
export function rejectSuite(codec: ImageCodec, others: readonly CodecUnderTest[]): void {
  const minimal = concat(codec.encode(minimalModel()));
  const rich = concat(codec.encode(richModel()));

  it("rejects a truncated image at every offset of the minimal image, and a sample of the rich one", () => {
    for (let cut = 0; cut < minimal.length; cut++) imageError(codec, minimal.subarray(0, cut));
    for (let cut = 3; cut < rich.length; cut += 97) imageError(codec, rich.subarray(0, cut));
  });

  it("rejects an empty image, and bytes after a complete one", () => {
    imageError(codec, new Uint8Array(0));
    imageError(codec, concat([rich, new Uint8Array(8)]));
    imageError(codec, concat([rich, rich.subarray(0, 72)]));
  });

  it("survives every bit flip of the minimal image, and a sample of the rich one", () => {
    for (let at = 0; at < minimal.length; at++) {
      for (let bit = 0; bit < 8; bit++) decodeOrImageError(codec, edited(minimal, (_, img) => { img[at]! ^= 1 << bit; }));
    }
    for (let at = 0; at < rich.length; at += 13) decodeOrImageError(codec, edited(rich, (_, img) => { img[at]! ^= 1 << (at % 8); }));
  });

  it("survives a lying 32-bit word at every aligned offset of the minimal image", () => {
    // Every length, count and offset of the image among them: huge, negative as s32, just too big.
    for (let at = 0; at + 4 <= minimal.length; at += 4) {
      const was = new DataView(minimal.buffer, minimal.byteOffset).getUint32(at, true);
      for (const v of [0xffff_ffff, 0x7fff_fff8, 0x8000_0000, was + 8, was - 1]) {
        decodeOrImageError(codec, edited(minimal, (dv) => dv.setUint32(at, v >>> 0, true)));
      }
    }
  });

  for (const other of others) {
    it(`does not take a ${other.name} image for its own`, () => {
      const foreign = concat(other.make().encode(minimalModel()));
      imageError(codec, foreign);
    });
  }
}

/** The checks the fixture makes possible: boundaries, the wording, integrity, the lies it names. */
export function fixtureRejectSuite(codec: ImageCodec, f: CodecFixture, others: readonly CodecUnderTest[]): void {
  const minimal = concat(codec.encode(minimalModel()));
  const rich = concat(codec.encode(richModel()));
  const ways = f.streams ? [false, true] : [false];

  describe("truncated images", () => {
    const boundaries = f.boundaries(rich);

    it(`are refused at every record boundary and a byte either side${f.streams ? ", whole and streamed" : ""}`, () => {
      expect(boundaries.size).toBeGreaterThan(f.minBoundaries);
      for (const b of boundaries) {
        for (const cut of [b - 1, b, b + 1]) {
          if (cut < 0 || cut >= rich.length) continue;
          for (const bytewise of ways) {
            const e = imageError(codec, rich.subarray(0, cut), bytewise);
            expect(e.message, `cut at ${cut}`).toMatch(f.truncated);
            if (f.truncatedAtCut) expect(e.offset, `cut at ${cut}`).toBe(cut);
          }
        }
      }
    });

    it("are refused as truncated at every offset of the minimal image, and a sample of the rich one", () => {
      for (let cut = 0; cut < minimal.length; cut++) expect(imageError(codec, minimal.subarray(0, cut)).message, `cut at ${cut}`).toMatch(f.truncated);
      for (let cut = 3; cut < rich.length; cut += 97) expect(imageError(codec, rich.subarray(0, cut)).message, `cut at ${cut}`).toMatch(f.truncated);
    });

    test.prop([modelArb, fc.nat()], { numRuns: 100 })("of generated models are refused as truncated at any cut", (m, cutAt) => {
      const img = concat(codec.encode(m));
      expect(imageError(codec, img.subarray(0, cutAt % img.length)).message).toMatch(f.truncated);
    });
  });

  describe(f.damage === "detected" ? "damage is always detected" : "damage is survived", () => {
    const check = (img: Uint8Array, bytewise = false): void => {
      if (f.damage === "detected") expect(imageError(codec, img, bytewise && f.streams).offset).toBeTypeOf("number");
      else decodeOrImageError(codec, img);
    };

    it("every bit of the minimal image", () => {
      for (let at = 0; at < minimal.length; at++) {
        for (let bit = 0; bit < 8; bit++) check(edited(minimal, (_, img) => { img[at]! ^= 1 << bit; }));
      }
    });

    test.prop([fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean()], { numRuns: 400 })("a flipped bit anywhere in the rich image", (pos, bit, bytewise) => {
      const at = pos % rich.length;
      check(edited(rich, (_, img) => { img[at]! ^= 1 << bit; }), bytewise && pos % 16 === 0);
    });

    test.prop([fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })], { numRuns: 300 })("random byte damage", (edits) => {
      check(edited(rich, (_, img) => { for (const [p, x] of edits) img[p % img.length]! ^= x; }));
    });

    test.prop([modelArb, fc.nat(), fc.integer({ min: 0, max: 7 })], { numRuns: 100 })("a flipped bit in a generated model's image", (m, flipAt, bit) => {
      const img = concat(codec.encode(m));
      check(edited(img, (_, x) => { x[flipAt % x.length]! ^= 1 << bit; }), flipAt % 5 === 0);
    });
  });

  describe("lying lengths and counts", () => {
    it("a lying 32-bit word at every aligned offset of the minimal image, re-sealed", () => {
      for (let at = 0; at + 4 <= minimal.length; at += 4) {
        for (const v of [0xffff_ffff, 0x7fff_fff8]) decodeOrImageError(codec, f.reseal(edited(minimal, (dv) => dv.setUint32(at, v, true))));
      }
    });
    for (const lie of f.lyingLengths) {
      it(lie.name, () => {
        const message = typeof lie.message === "function" ? lie.message(rich) : lie.message;
        const e = imageError(codec, lie.image(rich));
        expect(e.message).toMatch(message);
        if (lie.offset !== undefined) expect(e.offset).toBe(lie.offset(rich));
        if (lie.refusedBy !== undefined && f.streams) {
          // Only the bytes up to the lie's end are pushed: the refusal cannot wait for more.
          const d = codec.decoder!();
          expect(() => d.push(lie.image(rich).subarray(0, lie.refusedBy!(rich)))).toThrow(message);
        }
      });
    }
  });

  for (const other of others) {
    it(`names a ${other.name} image as not its own`, () => {
      expect(imageError(codec, concat(other.make().encode(minimalModel()))).message).toMatch(f.foreign);
    });
  }

  if (f.streams) {
    it("a decoder that failed stays failed, with the same error", () => {
      const d = codec.decoder!();
      let first: unknown;
      try { d.push(edited(rich, (dv) => dv.setUint32(0, 9, true))); } catch (e) { first = e; }
      expect(first).toBeInstanceOf(ImageError);
      expect(() => d.push(rich)).toThrow((first as Error).message);
      expect(() => d.end()).toThrow((first as Error).message);
    });
  }
}

/** The whole second part for one codec, with the other registered codecs as foreign formats. */
export function codecRejectSuite(c: CodecUnderTest, all: readonly CodecUnderTest[]): void {
  const codec = c.make();
  const others = all.filter((o) => o.name !== c.name);
  rejectSuite(codec, others);
  if (c.fixture !== undefined) fixtureRejectSuite(codec, c.fixture, others);
  else it(`has a fixture (${c.fixtureFile})`, () => { throw new Error(`codec ${c.name} has no fixture in ${c.fixtureFile}: only the fixture-free checks ran`); });
  for (const [variant, options] of Object.entries(c.fixture?.variants ?? {})) {
    describe(`variant ${variant} (${JSON.stringify(options)})`, () => rejectSuite(c.make(options), others));
  }
}
