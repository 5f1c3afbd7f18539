// Malformed ckpt images, what only the ckpt format can say: where a truncation was found and what
// it was reading, its CRC-32, and the message for each thing wrong in its records. Truncation at
// every boundary, bit flips, lying lengths and counts run over every codec in
// test/core/cr/codecs-reject.test.ts (this folder's codec-fixtures.ts gives ckpt's walk and lies).
import { describe, expect, it } from "vitest";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import { crc32, crc32Tables } from "../../../src/core/cr/checksum.ts";
import {
  CKPT_HDR_HEADER, CKPT_HDR_PGARR, CKPT_HDR_TAIL, CKPT_HDR_TASK, CKPT_HDR_TREE,
} from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, richModel } from "../../support/cr-models.ts";
import { codec, find, imageError, patched, records, reseal, uncheckedCodec } from "./ckpt-image.ts";

// Images without run checksums (CKPT_HDR_CSUM, ckpt-codec-integrity.test.ts tests those): each
// edit here must reach the check it aims at, which still guards an image without them.
const rich = concat(uncheckedCodec.encode(richModel()));

describe("ckpt decode says where a truncation is", () => {
  it("says where, and what it was reading", () => {
    const task = find(rich, CKPT_HDR_TASK);
    expect(imageError(rich.subarray(0, task.at + 20)).message).toMatch(new RegExp(`^the image is truncated at byte ${task.at + 20}, inside the CKPT_HDR_TASK at byte ${task.at}`));
    expect(imageError(rich.subarray(0, task.at + 3)).message).toMatch(new RegExp(`inside a ckpt_hdr at byte ${task.at} \\(3 of 8 bytes\\)`));
    const tail = find(rich, CKPT_HDR_TAIL);
    expect(imageError(rich.subarray(0, tail.at)).message).toMatch(new RegExp(`^the image ends at byte ${tail.at} without its trailer \\(CKPT_HDR_TAIL\\)`));
    expect(imageError(new Uint8Array(0)).message).toMatch(/not a ckpt image: it is empty/);
  });
});

describe("ckpt decode checks its CRC-32", () => {
  it("a flip inside page data is caught by the checksum, naming both CRCs", () => {
    const pages = find(rich, CKPT_HDR_PGARR);
    const e = imageError(patched(rich, (_, img) => { img[pages.end - 100]! ^= 4; }, false));
    expect(e.message).toMatch(/^CKPT_HDR_TAIL at byte \d+: checksum mismatch: the trailer at byte \d+ says CRC-32 0x[0-9a-f]+, the \d+ bytes before it have 0x[0-9a-f]+/);
  });

  it("the table CRC-32 and the fast one agree, whole and by chunks", () => {
    expect(crc32Tables(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(rich)).toBe(crc32Tables(rich));
    let c = 0;
    for (let i = 0; i < rich.length; i += 1000) c = crc32(rich.subarray(i, i + 1000), c);
    expect(c).toBe(crc32Tables(rich));
  });
});

describe("ckpt decode names what is wrong", () => {
  const header = (edit: (dv: DataView) => void): Uint8Array => patched(rich, edit);

  it("not a ckpt image: another first record, another magic", () => {
    expect(imageError(header((dv) => dv.setUint32(0, 7, true))).message).toMatch(/^not a ckpt image: the first record \(byte 0\) has type 7, expected CKPT_HDR_HEADER \(1\)/);
    const e = imageError(header((dv) => dv.setUint8(8, 1)));
    expect(e.message).toMatch(/not a ckpt image: the magic at byte 8 is 0xfeed0cc0a2d201, expected CHECKPOINT_MAGIC_HEAD 0xfeed0cc0a2d200/);
    expect(e.offset).toBe(8);
  });
  it("an OpenVZ cpt image (or anything else) is not a ckpt image", () => {
    const cpt = new Uint8Array(80);
    cpt.set([0x79, 0x1c, 0x01, 0x63, 0x50, 0x00]);
    expect(imageError(cpt).message).toMatch(/^not a ckpt image: the first record \(byte 0\) has type 1661017209, expected CKPT_HDR_HEADER/);
  });
  it("another format version", () => {
    const e = imageError(header((dv) => dv.setUint32(16, 3, true)));
    expect(e.message).toMatch(/format version 3 at byte 16 is not 2, the only one this cptbench reads/);
    expect(e.offset).toBe(16);
  });
  it("another architecture, another page size", () => {
    expect(imageError(header((dv) => dv.setUint32(20, 3, true))).message).toMatch(/the image is for an unknown architecture \(arch 0x3 at byte 20\); this cptbench restores riscv32 images only/);
    expect(imageError(header((dv) => dv.setUint32(24, 8192, true))).message).toMatch(/page size 8192 at byte 24 is not 4096/);
  });
  it("an unknown record type", () => {
    const task = find(rich, CKPT_HDR_TASK);
    const e = imageError(patched(rich, (dv) => dv.setUint32(task.at, 777, true)));
    expect(e.message).toMatch(new RegExp(`^unknown record type 777 \\(h.type\\) at byte ${task.at}`));
    expect(e.offset).toBe(task.at);
  });
  it("a child record where none is expected, a prologue record in the body", () => {
    const rs = records(rich);
    const page = rs.find((r) => r.type === CKPT_HDR_PGARR)!;
    const task = rs.find((r) => r.type === CKPT_HDR_TASK)!;
    // Move a page array to just before the first task: it has no parent there.
    const moved = concat([rich.subarray(0, task.at), rich.subarray(page.at, page.end), rich.subarray(task.at)]);
    expect(imageError(moved).message).toMatch(/a CKPT_HDR_PGARR at byte \d+ is out of place: no record before it announced one/);
    const hdr = rs[0]!;
    const twice = concat([rich.subarray(0, task.at), rich.subarray(hdr.at, hdr.end), rich.subarray(task.at)]);
    expect(imageError(twice).message).toMatch(/a CKPT_HDR_HEADER at byte \d+ is out of place/);
    const noTree = concat([rich.subarray(0, rs[2]!.at), rich.subarray(rs[3]!.at)]);
    expect(imageError(noTree).message).toMatch(/expected CKPT_HDR_TREE at byte \d+ .*found CKPT_HDR_CONTAINER/);
  });
  it("non-zero padding, between records and inside one", () => {
    const odd = records(rich).find((r) => r.len % 8 !== 0)!;
    expect(imageError(patched(rich, (_, img) => { img[odd.end - 1] = 1; })).message).toMatch(new RegExp(`padding byte ${odd.end - 1} after the \\w+ at byte ${odd.at} is not zero`));
    const tree = find(rich, CKPT_HDR_TREE);
    expect(imageError(patched(rich, (dv) => dv.setUint32(tree.at + 12, 5, true))).message).toMatch(/padding at byte \d+ is not zero/);
  });
  it("a wrong checksum, a wrong trailer magic", () => {
    const tail = find(rich, CKPT_HDR_TAIL);
    expect(imageError(patched(rich, (dv) => dv.setUint32(tail.at + 16, 1, true), false)).message).toMatch(/checksum mismatch/);
    expect(imageError(patched(rich, (dv) => dv.setUint32(tail.at + 8, 1, true), false)).message).toMatch(/the trailer's magic at byte \d+ is 0x2d2a0c00000001, expected CHECKPOINT_MAGIC_TAIL 0x2d2a0cc0eefe00/);
  });
  it("an early trailer, with a right checksum", () => {
    const task = find(rich, CKPT_HDR_TASK, 2);
    const tail = find(rich, CKPT_HDR_TAIL);
    const early = reseal(concat([rich.subarray(0, task.at), rich.subarray(tail.at)]));
    expect(imageError(early).message).toMatch(/^the trailer at byte \d+ comes early: the tree announced 5 tasks, but task \d+ \(objref \d+\) has no CKPT_HDR_TASK record/);
    const afterHeader = reseal(concat([rich.subarray(0, records(rich)[1]!.at), rich.subarray(tail.at)]));
    expect(imageError(afterHeader).message).toMatch(/comes early: the prologue .* is incomplete/);
  });
  it("records (or any byte) after the trailer", () => {
    const e = imageError(concat([rich, rich.subarray(0, 72)]));
    expect(e.message).toMatch(new RegExp(`^72 bytes after the trailer \\(CKPT_HDR_TAIL at byte \\d+\\), starting at byte ${rich.length}`));
    expect(imageError(concat([rich, new Uint8Array(1)]), true).offset).toBe(rich.length);
  });
  it("a decoder that failed stays failed", () => {
    const d = codec.decoder();
    expect(() => d.push(patched(rich, (dv) => dv.setUint32(0, 9, true)))).toThrow(ImageError);
    expect(() => d.push(rich)).toThrow(/first record/);
    expect(() => d.end()).toThrow(/first record/);
  });
  it("the header record's own checks come before everything else", () => {
    expect(find(rich, CKPT_HDR_HEADER).at).toBe(0);
  });
});

describe("ckpt decode checks the sparse sighand table", () => {
  // CKPT_HDR_SIGHAND payload: objref, slot, id, n, k, pad, then k x {signo, pad, 4 x 8 bytes}.
  const sighand = find(rich, 601);
  const word = (i: number, v: number) => (dv: DataView): void => dv.setUint32(sighand.at + 8 + 4 * i, v, true);

  it("a set action beyond the table, or written though it is the default", () => {
    expect(imageError(patched(rich, word(6, 65))).message).toMatch(/signo at byte \d+ is 65: set actions must be in increasing order below 65/);
    const zeroed = patched(rich, (dv) => { for (let i = 8; i < 16; i++) dv.setUint32(sighand.at + 8 + 4 * i, 0, true); });
    expect(imageError(zeroed).message).toMatch(/the action of signal 10 at byte \d+ is written but is the default/);
  });
});
