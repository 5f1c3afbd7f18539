// Golden bytes only cpt has: the cpt_major_tail at the end, indexing every section. The major
// header, the first sections and the SHA-256 of the whole minimal image are pinned in this
// folder's codec-fixtures.ts and checked by the codec suite (test/core/cr/codecs-roundtrip.test.ts).
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
    expect(dv.getBigUint64(tail + 24 + 10 * 8, true)).toBe(136n);      // cpt_sections[CPT_SECT_NAMESPACE]
    expect(dv.getBigUint64(tail + 24 + 0 * 8, true)).toBe(0xffff_ffff_ffff_ffffn); // CPT_SECT_ERROR: CPT_NULL
    expect(dv.getUint32(image.length - 8, true)).toBe(SECTION_ORDER.length); // cpt_nsect
    expect(Buffer.from(image.subarray(image.length - 4)).toString("hex")).toBe("791c0163");
  });
});
