// Golden bytes only ckpt has: the order of its records (shared objects before the task that
// names them, the trailer last) and the trailer's bytes. The header, the prologue and the SHA-256
// of the whole minimal stream are pinned in this folder's codec-fixtures.ts and checked by the
// codec suite (test/core/cr/codecs-roundtrip.test.ts). Streams carry run checksums
// (CKPT_F_RUN_CSUM, issue 17): a CKPT_HDR_CSUM before the trailer; a stream without them still
// decodes. Format version 1 (test/fixtures/images/minimal-v1.ckpt, its golden bytes, written
// before run checksums) carried a record per page: version 2's page arrays replaced it, and a
// version 1 image is refused by its version, before anything else is read.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CKPT_HDR_CSUM, CKPT_HDR_TAIL } from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, minimalModel } from "../../support/cr-models.ts";
import { codec, records, uncheckedCodec } from "./ckpt-image.ts";

describe("ckpt golden bytes", () => {
  const image = concat(codec.encode(minimalModel()));

  it("writes shared objects before the task that names them, and the trailer last", () => {
    const types = records(image).map((r) => r.type);
    // header, pidns, tree, container, pid, signal (thread group), sighand, cred, task, csum, tail
    expect(types).toEqual([1, 100, 101, 6, 110, 602, 601, 111, 102, CKPT_HDR_CSUM, CKPT_HDR_TAIL]);
    const tail = records(image).at(-1)!;
    expect(Buffer.from(image.subarray(tail.at, tail.at + 16)).toString("hex")).toBe("29230000" + "18000000" + "00feeec00c2a2d00");
  });

  it("ends the run with a CKPT_HDR_CSUM of every byte before it", () => {
    const csum = records(image).find((r) => r.type === CKPT_HDR_CSUM)!;
    expect(csum.len).toBe(16);
    const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
    expect(dv.getUint32(csum.at + 8, true)).toBe(crc32(image.subarray(0, csum.at)));
    expect(dv.getUint32(csum.at + 12, true)).toBe(0);
  });

  it("still decodes a stream without run checksums", () => {
    const plain = concat(uncheckedCodec.encode(minimalModel()));
    expect(records(plain).map((r) => r.type)).not.toContain(CKPT_HDR_CSUM);
    expect(codec.decode(plain)).toEqual(codec.decode(image));
    const d = codec.decoder();
    for (let i = 0; i < plain.length; i += 5) d.push(plain.slice(i, i + 5));
    expect(d.end()).toEqual(codec.decode(image));
  });

  it("refuses a version 1 image (a record per page) by its version", () => {
    const old = new Uint8Array(readFileSync(new URL("../../fixtures/images/minimal-v1.ckpt", import.meta.url)));
    expect(old.length).toBe(752);
    expect(createHash("sha256").update(old).digest("hex")).toBe("4475e056ad4fc3ca4034dff0debb0a873266dc0e7c2ffe783780c3ebe0e46bab");
    expect(() => codec.decode(old)).toThrow(/^CKPT_HDR_HEADER at byte 0: format version 1 at byte 16 is not 2, the only one this cptbench reads/);
  });
});
