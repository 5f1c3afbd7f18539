// Malformed ckpt images: every one must end in an ImageError that says what and where, never a
// RangeError or TypeError, a hang or a huge allocation; whole or pushed a byte at a time.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import { crc32, crc32Tables } from "../../../src/plugins/self-cpt/codec/checksum.ts";
import {
  CKPT_HDR_CPU, CKPT_HDR_HEADER, CKPT_HDR_MM, CKPT_HDR_PAGE, CKPT_HDR_TAIL, CKPT_HDR_TASK, CKPT_HDR_TREE,
} from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, minimalModel, richModel } from "../../support/cr-models.ts";
import { modelArb } from "../../support/model-arbitrary.ts";
import { codec, find, imageError, patched, records, reseal } from "./ckpt-image.ts";

const rich = concat(codec.encode(richModel()));
const minimal = concat(codec.encode(minimalModel()));
const TRUNC = /truncated at byte \d+|without its trailer|it is empty/;

describe("ckpt decode rejects truncated images", () => {
  const boundaries = new Set<number>();
  for (const r of records(rich)) for (const b of [r.at, r.at + 8, r.at + r.len, r.end]) boundaries.add(b);

  it("at every record boundary and a byte either side, whole and streamed", () => {
    expect(boundaries.size).toBeGreaterThan(100);
    for (const b of boundaries) {
      for (const cut of [b - 1, b, b + 1]) {
        if (cut < 0 || cut >= rich.length) continue;
        for (const bytewise of [false, true]) {
          const e = imageError(rich.subarray(0, cut), bytewise);
          expect(e.message, `cut at ${cut}`).toMatch(TRUNC);
          expect(e.offset).toBe(cut);
        }
      }
    }
  });

  it("at every offset of the minimal image, and a sample of offsets inside pages", () => {
    for (let cut = 0; cut < minimal.length; cut++) expect(imageError(minimal.subarray(0, cut)).message).toMatch(TRUNC);
    for (let cut = 3; cut < rich.length; cut += 97) expect(imageError(rich.subarray(0, cut)).message).toMatch(TRUNC);
  });

  it("says where, and what it was reading", () => {
    const task = find(rich, CKPT_HDR_TASK);
    expect(imageError(rich.subarray(0, task.at + 20)).message).toMatch(new RegExp(`^the image is truncated at byte ${task.at + 20}, inside the CKPT_HDR_TASK at byte ${task.at}`));
    expect(imageError(rich.subarray(0, task.at + 3)).message).toMatch(new RegExp(`inside a ckpt_hdr at byte ${task.at} \\(3 of 8 bytes\\)`));
    const tail = find(rich, CKPT_HDR_TAIL);
    expect(imageError(rich.subarray(0, tail.at)).message).toMatch(new RegExp(`^the image ends at byte ${tail.at} without its trailer \\(CKPT_HDR_TAIL\\)`));
    expect(imageError(new Uint8Array(0)).message).toMatch(/not a ckpt image: it is empty/);
  });
});

describe("ckpt decode catches every bit flip", () => {
  it("every bit of the minimal image", () => {
    for (let at = 0; at < minimal.length; at++) {
      for (let bit = 0; bit < 8; bit++) imageError(patched(minimal, (_, img) => { img[at]! ^= 1 << bit; }, false));
    }
  });

  test.prop([fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean()], { numRuns: 400 })(
    "a flipped bit anywhere in the rich image is an ImageError (the checksum's, where no check is closer)",
    (pos, bit, bytewise) => {
      const at = pos % rich.length;
      const e = imageError(patched(rich, (_, img) => { img[at]! ^= 1 << bit; }, false), bytewise && pos % 16 === 0);
      expect(e.offset).toBeTypeOf("number");
    },
  );

  test.prop([fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })], { numRuns: 300 })(
    "random byte damage is an ImageError",
    (edits) => {
      imageError(patched(rich, (_, img) => { for (const [p, x] of edits) img[p % img.length]! ^= x; }, false));
    },
  );

  test.prop([modelArb, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 7 })], { numRuns: 200 })(
    "generated models: any cut, any flipped bit is an ImageError",
    (m, cutAt, flipAt, bit) => {
      const img = concat(codec.encode(m));
      expect(imageError(img.subarray(0, cutAt % img.length)).message).toMatch(TRUNC);
      imageError(patched(img, (_, x) => { x[flipAt % x.length]! ^= 1 << bit; }, false), flipAt % 5 === 0);
    },
  );

  it("a flip inside page data is caught by the checksum, naming both CRCs", () => {
    const page = find(rich, CKPT_HDR_PAGE);
    const e = imageError(patched(rich, (_, img) => { img[page.at + 100]! ^= 4; }, false));
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
    const e = imageError(header((dv) => dv.setUint32(16, 2, true)));
    expect(e.message).toMatch(/format version 2 at byte 16 is not 1, the only one this cptbench reads/);
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
  it("a len that does not fit the type, or is huge: refused before any payload is buffered", () => {
    const cpu = find(rich, CKPT_HDR_CPU);
    expect(imageError(patched(rich, (dv) => dv.setUint32(cpu.at + 4, cpu.len - 4, true))).message)
      .toMatch(new RegExp(`h.len at byte ${cpu.at + 4} is ${cpu.len - 4}, but a CKPT_HDR_CPU is exactly ${cpu.len} bytes long`));
    const task = find(rich, CKPT_HDR_TASK);
    // Only the header of the lying record is pushed: the refusal cannot depend on its payload.
    const d = codec.decoder();
    const img = patched(rich, (dv) => dv.setUint32(task.at + 4, 0xffff_fff8, true));
    expect(() => d.push(img.subarray(0, task.at + 8))).toThrow(/h.len at byte \d+ is 4294967288, but a CKPT_HDR_TASK is 192 to 1048584 bytes long/);
    expect(imageError(patched(rich, (dv) => dv.setUint32(task.at + 4, 3, true))).message).toMatch(/h.len at byte \d+ is 3/);
  });
  it("a len within bounds that runs past the end of the image", () => {
    const tree = find(rich, CKPT_HDR_TREE);
    expect(imageError(patched(rich, (dv) => dv.setUint32(tree.at + 4, 8 * 1024 * 1024, true)).subarray(0, 4096)).message).toMatch(/^the image is truncated at byte 4096, inside the CKPT_HDR_TREE at byte \d+/);
  });
  it("a len that cuts a record's fields short, or leaves bytes unexplained", () => {
    const task = find(rich, CKPT_HDR_TASK);
    // The task's strings come last: 4 bytes fewer and freezerPath's length is cut off.
    const shorter = imageError(patched(rich, (dv) => dv.setUint32(task.at + 4, task.len - 4, true), false));
    expect(shorter.message).toMatch(new RegExp(`^CKPT_HDR_TASK at byte ${task.at}: freezerPath length at byte ${task.at + task.len - 4} \\(4 bytes\\) runs past the record's end at byte ${task.at + task.len - 4}`));
    // 4 more: the record's zero padding becomes payload nobody reads.
    const longer = imageError(patched(rich, (dv) => dv.setUint32(task.at + 4, task.len + 4, true), false));
    expect(longer.message).toMatch(new RegExp(`^CKPT_HDR_TASK at byte ${task.at}: 4 unexplained bytes after its fields \\(byte ${task.at + task.len} to ${task.at + task.len + 4}\\): h.len is wrong`));
  });
  it("a count that lies about its table", () => {
    const tree = find(rich, CKPT_HDR_TREE);
    expect(imageError(patched(rich, (dv) => dv.setUint32(tree.at + 8, 0x7fff_ffff, true))).message).toMatch(/task count at byte \d+ is 2147483647, but the record holds \d+ bytes after it, not 2147483647 x 8/);
  });
  it("children announced and never sent: the trailer comes early", () => {
    const mm = find(rich, CKPT_HDR_MM);
    const e = imageError(patched(rich, (dv) => dv.setUint32(mm.at + 8 + 16, 0x7fff_ffff, true)));
    expect(e.message).toMatch(/expected CKPT_HDR_PAGE at byte \d+ \(\d+ more pages of mm 1\), found CKPT_HDR_\w+/);
  });
  it("a child record where none is expected, a prologue record in the body", () => {
    const rs = records(rich);
    const page = rs.find((r) => r.type === CKPT_HDR_PAGE)!;
    const task = rs.find((r) => r.type === CKPT_HDR_TASK)!;
    // Move a page record to just before the first task: it has no parent there.
    const moved = concat([rich.subarray(0, task.at), rich.subarray(page.at, page.end), rich.subarray(task.at)]);
    expect(imageError(moved).message).toMatch(/a CKPT_HDR_PAGE at byte \d+ is out of place: no record before it announced one/);
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

  it("a table longer than any sighand, refused before it is allocated", () => {
    expect(imageError(patched(rich, word(3, 0x7fff_ffff))).message).toMatch(/action count at byte \d+ is 2147483647, over the 1024 a sighand can have/);
  });
  it("a set action beyond the table, or written though it is the default", () => {
    expect(imageError(patched(rich, word(6, 65))).message).toMatch(/signo at byte \d+ is 65: set actions must be in increasing order below 65/);
    const zeroed = patched(rich, (dv) => { for (let i = 8; i < 16; i++) dv.setUint32(sighand.at + 8 + 4 * i, 0, true); });
    expect(imageError(zeroed).message).toMatch(/the action of signal 10 at byte \d+ is written but is the default/);
  });
});
