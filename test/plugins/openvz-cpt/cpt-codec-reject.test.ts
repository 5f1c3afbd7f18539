// Malformed cpt images, what only the cpt format can say: where a truncation was found and what
// was expected there, and the message for each thing wrong in its header, sections, tail and
// references. Truncation at every boundary, bit flips and lying lengths run over every codec in
// test/core/cr/codecs-reject.test.ts (this folder's codec-fixtures.ts gives cpt's walk and lies).
import { describe, expect, it } from "vitest";
import { MAJOR_HDR_SIZE, MAJOR_TAIL_SIZE } from "../../../src/plugins/openvz-cpt/codec/layout.ts";
import { PagedImage } from "../../../src/core/cr/paged-image.ts";
import { Frame } from "../../../src/machine/mm/frame.ts";
import { concat, richModel } from "../../support/cr-models.ts";
import { codec, imageError, walk, type Obj } from "./cpt-image.ts";

const rich = concat(codec.encode(richModel()));

describe("cpt decode says where a truncation is", () => {
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
  it("invalid UTF-8", () => {
    const veinfo = first(1042);
    const bad = patched((_, img) => { img[veinfo.start + 28] = 0xff; });
    expect(imageError(bad).message).toMatch(/treeRoot at byte \d+ is not valid UTF-8/);
    // The same read in place from a file's pages (a restart's decodeLent), the string straddling two.
    const pages: Frame[] = [];
    const skew = 4096 - (veinfo.start + 30);
    for (let at = -skew; at < bad.length; at += 4096) {
      const f = Frame.over(pages.length + 1, new Uint8Array(4096));
      f.data.set(bad.subarray(Math.max(0, at), at + 4096), at < 0 ? -at : 0);
      pages.push(f);
    }
    expect(() => codec.decodeLent!(PagedImage.ofFile((i) => pages[i], skew, bad.length))).toThrow(/treeRoot at byte \d+ is not valid UTF-8/);
    // A string longer than the reader's one-page scratch, and a multi-byte one, read in place.
    const m = richModel();
    m.container.treeRoot = `/${"dir-é/".repeat(1200)}`;
    const long = concat(codec.encode(m));
    const longPages: Frame[] = [];
    for (let at = -100; at < long.length; at += 4096) {
      const f = Frame.over(longPages.length + 1, new Uint8Array(4096));
      f.data.set(long.subarray(Math.max(0, at), at + 4096), at < 0 ? -at : 0);
      longPages.push(f);
    }
    expect(codec.decodeLent!(PagedImage.ofFile((i) => longPages[i], 100, long.length)).container.treeRoot).toBe(m.container.treeRoot);
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
  it("ids far from the list's length: kept apart from the dense ones, checked alike", () => {
    const far = (m: ReturnType<typeof richModel>, id: number): void => {
      const old = m.mms[0]!.id;
      m.mms[0]!.id = id;
      for (const t of m.tasks) if (t.mmId === old) t.mmId = id;
    };
    const ok = richModel();
    far(ok, 1_000_000);
    const back = codec.decode(concat(codec.encode(ok)));
    expect(back.mms.map((x) => x.id)).toContain(1_000_000);
    expect(back.tasks.filter((t) => t.mmId === 1_000_000).length).toBe(ok.tasks.filter((t) => t.mmId === 1_000_000).length);
    const twice = richModel();
    far(twice, 1_000_000);
    twice.mms[1]!.id = 1_000_000;
    expect(imageError(concat(codec.encode(twice))).message).toMatch(/^mm id 1000000 appears twice, at byte \d+ and at byte \d+/);
    const dangling = richModel();
    dangling.tasks[2]!.mmId = 3_000_000;
    expect(imageError(concat(codec.encode(dangling))).message).toMatch(/^task 2 at byte \d+ names mm 3000000 \(mmId\), which is not in the image \(the image has 1, 2\)/);
  });
  it("other dangling references and duplicate ids", () => {
    const cases: [(m: ReturnType<typeof richModel>) => void, RegExp][] = [
      [(m) => { m.fdTables[0]!.fds[0]!.fileId = 42; }, /files 1 at byte \d+ names file 42 \(fd 0\)/],
      [(m) => { m.files[3]!.target = { kind: "pipe", pipeId: 9 }; }, /file 4 at byte \d+ names pipe 9/],
      [(m) => { m.mms[0]!.vmas[2]!.backing = { kind: "shmem", shmemId: 7 }; }, /mm 1 at byte \d+ names shmem 7 \(vma 0x[0-9a-f]+ backing\)/],
      [(m) => { m.mms[0]!.vmas[1]!.backing = { kind: "file", inodeId: 999, path: "/gone" }; }, /mm 1 at byte \d+ names inode 999 \(vma 0x[0-9a-f]+ backing\)/],
      [(m) => { m.fdTables[0]!.fds.at(-1)!.fileId = 43; }, /files 1 at byte \d+ names file 43 \(fd \d+\)/],
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
