// Golden bytes only cpt has: the cpt_major_tail at the end, indexing every section. The major
// header, the first sections and the SHA-256 of the whole minimal image are pinned in this
// folder's codec-fixtures.ts and checked by the codec suite (test/core/cr/codecs-roundtrip.test.ts).
// Images carry section CRCs (CPT_IMG_SECTION_CRC, issue 17): the CRC fields are checked against
// node:zlib's crc32 over the ranges layout.ts documents, and an image written before the
// extension (test/fixtures/images/minimal-unchecked.cpt, the old golden bytes) still decodes.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CPT_OBJ_TRAILER, MAJOR_TAIL_SIZE, SECTION_ORDER } from "../../../src/plugins/openvz-cpt/codec/layout.ts";
import { concat, minimalModel } from "../../support/cr-models.ts";

describe("cpt golden bytes", () => {
  const image = concat(new CptCodec().encode(minimalModel()));

  it("ends with a cpt_major_tail indexing every section", () => {
    const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
    const tail = image.length - MAJOR_TAIL_SIZE;
    expect(MAJOR_TAIL_SIZE).toBe(352);
    expect(dv.getBigUint64(tail, true)).toBe(352n);
    expect(dv.getUint32(tail + 8, true)).toBe(CPT_OBJ_TRAILER);
    expect(dv.getUint16(tail + 12, true)).toBe(352);
    expect(dv.getBigUint64(tail + 24 + 1 * 8, true)).toBe(80n);        // cpt_sections[CPT_SECT_VEINFO]
    expect(dv.getBigUint64(tail + 24 + 10 * 8, true)).toBe(144n);      // cpt_sections[CPT_SECT_NAMESPACE]
    expect(dv.getBigUint64(tail + 24 + 0 * 8, true)).toBe(0xffff_ffff_ffff_ffffn); // CPT_SECT_ERROR: CPT_NULL
    expect(dv.getUint32(image.length - 8, true)).toBe(SECTION_ORDER.length); // cpt_nsect
    expect(Buffer.from(image.subarray(image.length - 4)).toString("hex")).toBe("791c0163");
  });

  it("seals each section with the CRC-32 of the bytes since the previous section's end", () => {
    const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
    const tail = image.length - MAJOR_TAIL_SIZE;
    let from = 0;
    let n = 0;
    for (let at = 80; at < tail; n++) {
      const end = at + Number(dv.getBigUint64(at, true));
      const field = at + 16;
      const want = crc32(image.subarray(field + 4, end), crc32(image.subarray(from, field)));
      expect(dv.getUint32(field, true), `section at byte ${at}`).toBe(want);
      from = at = end;
    }
    expect(n).toBe(SECTION_ORDER.length);
  });

  it("still decodes an image without section CRCs (the golden bytes before the extension)", () => {
    const old = new Uint8Array(readFileSync(new URL("../../fixtures/images/minimal-unchecked.cpt", import.meta.url)));
    expect(old.length).toBe(1304);
    expect(createHash("sha256").update(old).digest("hex")).toBe("7a42caa4c34bb35eb58aad032ca2d43716c1e4e12eacfc2ce842e9741307199c");
    expect(new CptCodec().decode(old)).toEqual(new CptCodec().decode(image));
  });
});
