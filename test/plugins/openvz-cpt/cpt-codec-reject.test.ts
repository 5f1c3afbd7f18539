// Malformed cpt images: every one must end in an ImageError that says what and where, never a
// RangeError or TypeError, a hang or a huge allocation.
import { describe, expect, it } from "vitest";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CPT_CONTENT_ARRAY, CPT_CONTENT_DATA, CPT_OBJ_PAGES, MAJOR_HDR_SIZE, MAJOR_TAIL_SIZE } from "../../../src/plugins/openvz-cpt/codec/layout.ts";
import { concat, minimalModel, richModel } from "../../support/cr-models.ts";

const codec = new CptCodec();
const rich = concat(codec.encode(richModel()));

/** decode's ImageError, or a failure if it decoded or threw anything else. */
function imageError(image: Uint8Array): ImageError {
  try {
    codec.decode(image);
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw new Error(`decode threw ${String(e)} instead of an ImageError`);
  }
  throw new Error("decode accepted a malformed image");
}

/** Runs decode; anything but success or an ImageError fails the test. */
function decodeOrImageError(image: Uint8Array): void {
  try {
    codec.decode(image);
  } catch (e) {
    if (!(e instanceof ImageError)) throw new Error(`decode threw ${String(e)} instead of an ImageError`);
  }
}

interface Obj { start: number; type: number; end: number }

/** Every object in the image (an independent walk of the layout), and every record boundary. */
function walk(image: Uint8Array): { objects: Obj[]; boundaries: Set<number> } {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const objects: Obj[] = [];
  const boundaries = new Set<number>([0, MAJOR_HDR_SIZE, image.length - MAJOR_TAIL_SIZE, image.length]);
  const objectsIn = (from: number, to: number): void => {
    for (let at = from; at < to;) {
      const next = Number(dv.getBigUint64(at, true));
      const type = dv.getUint32(at + 8, true);
      const hdrlen = dv.getUint16(at + 12, true);
      const content = dv.getUint16(at + 14, true);
      objects.push({ start: at, type, end: at + next });
      for (const b of [at, at + 16, at + hdrlen, Math.ceil((at + hdrlen) / 8) * 8, at + next]) boundaries.add(b);
      if (content === CPT_CONTENT_ARRAY) objectsIn(Math.ceil((at + hdrlen) / 8) * 8, at + next);
      if (content === CPT_CONTENT_DATA && type === CPT_OBJ_PAGES) {
        const n = dv.getUint32(at + 16, true);
        const data = Math.ceil((at + 24 + 4 * n) / 8) * 8;
        for (let i = 0; i <= n; i++) boundaries.add(data + i * 4096);
      }
      at += next;
    }
  };
  for (let at = MAJOR_HDR_SIZE; at < image.length - MAJOR_TAIL_SIZE;) {
    const next = Number(dv.getBigUint64(at, true));
    boundaries.add(at); boundaries.add(at + 16);
    objectsIn(at + 16, at + next);
    at += next;
  }
  return { objects, boundaries };
}

describe("cpt decode rejects truncated images", () => {
  const { boundaries } = walk(rich);

  it("at every record boundary, and a byte either side", () => {
    expect(boundaries.size).toBeGreaterThan(150);
    for (const b of boundaries) {
      for (const cut of [b - 1, b, b + 1]) {
        if (cut < 0 || cut >= rich.length) continue;
        const e = imageError(rich.subarray(0, cut));
        expect(e.message, `cut at ${cut}`).toMatch(/truncated|not a cpt image|runs past|only \d+ (bytes )?remain/);
      }
    }
  });

  it("at every offset of the minimal image", () => {
    const img = concat(codec.encode(minimalModel()));
    for (let cut = 0; cut < img.length; cut++) imageError(img.subarray(0, cut));
  });

  it("at a sample of offsets inside pages and fields", () => {
    for (let cut = 3; cut < rich.length; cut += 97) imageError(rich.subarray(0, cut));
  });

  it("says where, and what was expected", () => {
    const { objects } = walk(rich);
    const task = objects.find((o) => o.type === 0)!;
    const e = imageError(rich.subarray(0, task.start + 10));
    expect(e.message).toMatch(/^the image is truncated at byte \d+: the tasks section at byte \d+ says it is \d+ bytes long/);
    expect(e.offset).toBeTypeOf("number");
    const t = imageError(rich.subarray(0, rich.length - 100));
    expect(t.message).toMatch(/the image is truncated at byte \d+: expected the 352-byte cpt_major_tail after the last section/);
  });
});

describe("cpt decode survives bit flips", () => {
  it("every bit of the headers of the minimal image, and a sample of the rich one", () => {
    const img = concat(codec.encode(minimalModel()));
    for (let at = 0; at < img.length; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = img.slice();
        bad[at]! ^= 1 << bit;
        decodeOrImageError(bad);
      }
    }
    for (let at = 0; at < rich.length; at += 13) {
      const bad = rich.slice();
      bad[at]! ^= 1 << (at % 8);
      decodeOrImageError(bad);
    }
  });
});

describe("cpt decode names what is wrong", () => {
  const patched = (edit: (dv: DataView, img: Uint8Array) => void, from = rich): Uint8Array => {
    const img = from.slice();
    edit(new DataView(img.buffer), img);
    return img;
  };
  const { objects } = walk(rich);
  const first = (type: number): Obj => objects.find((o) => o.type === type)!;

  it("a wrong signature", () => {
    expect(imageError(patched((dv) => dv.setUint8(0, 0x7f))).message).toMatch(/^not a cpt image: the signature at byte 0 is "7f 1c 01 63"/);
    expect(imageError(new Uint8Array(0)).message).toMatch(/not a cpt image/);
  });
  it("a newer major version, and an unknown older one", () => {
    const e = imageError(patched((dv) => dv.setUint16(6, 0x0200, true)));
    expect(e.message).toMatch(/image version 0x0200 \(byte 6\) is newer than this cptbench reads \(0x0100\)/);
    expect(e.offset).toBe(6);
    expect(imageError(patched((dv) => dv.setUint16(6, 0x0101, true))).message).toMatch(/newer/);
    expect(imageError(patched((dv) => dv.setUint16(6, 0x0001, true))).message).toMatch(/is not one this cptbench reads/);
  });
  it("another architecture, named when known", () => {
    expect(imageError(patched((dv) => dv.setUint16(8, 1, true))).message).toMatch(/the image is for x86_64 \(EMT64\) \(cpt_os_arch 1\).*riscv32 images only/);
    expect(imageError(patched((dv) => dv.setUint16(8, 77, true))).message).toMatch(/an unknown architecture \(cpt_os_arch 77\)/);
  });
  it("another page size", () => {
    expect(imageError(patched((dv) => dv.setUint16(20, 8192, true))).message).toMatch(/page size \(cpt_pagesize, byte 20\) is 8192/);
  });
  it("a header length that is not 80", () => {
    expect(imageError(patched((dv) => dv.setUint16(4, 88, true))).message).toMatch(/cpt_hdrlen at byte 4 is 88, expected 80/);
  });
  it("a lying object length (too large)", () => {
    const mm = first(1);
    const e = imageError(patched((dv) => dv.setUint32(mm.start, 0x7fff_fff8, true)));
    expect(e.message).toMatch(/CPT_OBJ_MM at byte \d+, mm section says it is 2147483640 bytes long \(cpt_next\) but only \d+ bytes remain/);
    expect(imageError(patched((dv) => dv.setUint32(mm.start + 4, 0xffff_ffff, true))).message).toMatch(/cpt_next/);
  });
  it("a lying page count", () => {
    const pages = first(CPT_OBJ_PAGES);
    const e = imageError(patched((dv) => dv.setUint32(pages.start + 16, 0x00ff_ffff, true)));
    expect(e.message).toMatch(/cpt_count \(pages\) at byte \d+ is 16777215, but 16777215 x 4100 bytes cannot fit/);
  });
  it("a lying string length", () => {
    const veinfo = first(1042);
    const e = imageError(patched((dv) => dv.setUint32(veinfo.start + 24, 0xffff_fff0, true)));
    expect(e.message).toMatch(/treeRoot \(4294967280 bytes\) at byte \d+ .*runs past the end of its object/);
  });
  it("invalid UTF-8", () => {
    const veinfo = first(1042);
    expect(imageError(patched((_, img) => { img[veinfo.start + 28] = 0xff; })).message).toMatch(/treeRoot at byte \d+ is not valid UTF-8/);
  });
  it("a section out of order", () => {
    expect(imageError(patched((dv) => dv.setUint32(MAJOR_HDR_SIZE + 8, 3, true))).message).toMatch(/expected the veinfo section \(id 1\) at byte 80, found section id 3/);
  });
  it("an object of the wrong type for its section", () => {
    const task = first(0);
    expect(imageError(patched((dv) => dv.setUint32(task.start + 8, 1, true))).message).toMatch(/expected CPT_OBJ_TASK \(type 0\) at byte \d+, found CPT_OBJ_MM \(type 1\)/);
  });
  it("a tail that disagrees with the sections", () => {
    const tail = rich.length - MAJOR_TAIL_SIZE;
    expect(imageError(patched((dv) => dv.setUint32(tail + 24 + 3 * 8, 12345, true))).message).toMatch(/cpt_sections\[3\] at byte \d+ is 12345, but section 3 is at byte \d+/);
    expect(imageError(patched((_, img) => { img[img.length - 1] = 0; })).message).toMatch(/tail's cpt_signature/);
    const longer = new Uint8Array(rich.length + 8);
    longer.set(rich);
    expect(imageError(longer).message).toMatch(/CPT_OBJ_TRAILER|unexpected bytes/);
  });
  it("a task naming an mm that is not in the image", () => {
    const m = richModel();
    m.tasks[2]!.mmId = 99;
    const e = imageError(concat(codec.encode(m)));
    expect(e.message).toMatch(/^task 2 at byte \d+ names mm 99 \(mmId\), which is not in the image \(the image has 1, 2\)/);
    expect(e.offset).toBeGreaterThan(MAJOR_HDR_SIZE);
  });
  it("other dangling references and duplicate ids", () => {
    const cases: [(m: ReturnType<typeof richModel>) => void, RegExp][] = [
      [(m) => { m.fdTables[0]!.fds[0]!.fileId = 42; }, /files 1 at byte \d+ names file 42 \(fd 0\)/],
      [(m) => { m.files[3]!.target = { kind: "pipe", pipeId: 9 }; }, /file 4 at byte \d+ names pipe 9/],
      [(m) => { m.mms[0]!.vmas[2]!.backing = { kind: "shmem", shmemId: 7 }; }, /mm 1 at byte \d+ names shmem 7/],
      [(m) => { m.container.initTaskId = 77; }, /the container \(veinfo\) at byte \d+ names task 77/],
      [(m) => { m.pids[3]!.nsIds[1] = 5; }, /pid 4 at byte \d+ names pid namespace 5/],
      [(m) => { m.tasks[1]!.syscall!.vforkChildTaskId = 8; }, /task 3 at byte \d+ names task 8 \(syscall.vforkChildTaskId\)/],
      [(m) => { m.creds[1]!.id = 1; }, /cred id 1 appears twice, at byte \d+ and at byte \d+/],
    ];
    for (const [spoil, message] of cases) {
      const m = richModel();
      spoil(m);
      expect(imageError(concat(codec.encode(m))).message).toMatch(message);
    }
  });
});
