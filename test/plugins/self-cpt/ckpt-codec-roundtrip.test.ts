// Round trips through the ckpt codec: hand-built models with every record kind and optional
// field, generated models (fast-check), the streaming decoder fed arbitrary chunk splits down to
// one byte, and the zero-copy promises (the model's views out, views of the pushed chunks in).
import { fc, test } from "@fast-check/vitest";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { EncodeError } from "../../../src/plugins/self-cpt/codec/writer.ts";
import { CKPT_HDR_PAGE } from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, minimalModel, page, richModel } from "../../support/cr-models.ts";
import { modelArb } from "../../support/model-arbitrary.ts";
import { find } from "./ckpt-image.ts";

const codec = new CkptCodec();
const roundTrip = (m: CheckpointModel): CheckpointModel => codec.decode(concat(codec.encode(m)));

/** Feeds `image` to a fresh decoder in pieces cut at `cuts` (offsets, any order). */
function decodeSplit(image: Uint8Array, cuts: number[]): CheckpointModel {
  const d = codec.decoder();
  let from = 0;
  for (const c of [...new Set(cuts)].filter((x) => x > 0 && x < image.length).sort((a, b) => a - b)) {
    d.push(image.subarray(from, c));
    from = c;
  }
  d.push(image.subarray(from));
  return d.end();
}

function expectSame(d: CheckpointModel, m: CheckpointModel): void {
  // node's isDeepStrictEqual first (as strict as toStrictEqual, far faster on pages); vitest's
  // only to print a diff on a failure.
  if (!isDeepStrictEqual(d, m)) expect(d).toStrictEqual(m);
}

describe("ckpt codec round trip", () => {
  it("declares itself: name ckpt, a streaming format with a decoder", () => {
    expect(codec.name).toBe("ckpt");
    expect(codec.streams).toBe(true);
    expect(typeof codec.decoder).toBe("function");
  });

  it("reproduces the minimal model", () => {
    const m = minimalModel();
    expect(roundTrip(m)).toStrictEqual(m);
  });

  it("reproduces a model with every record kind and optional field", () => {
    const m = richModel();
    const d = roundTrip(m);
    expect(d).toStrictEqual(m);
    const zombie = d.tasks.find((t) => t.state === "zombie")!;
    expect(zombie.exit).toStrictEqual({ code: 0, signal: 9, core: true });
    expect(zombie.mmId).toBeNull();
    expect(d.tasks[0]!.regs!.x[5]).toBe(-0x8000_0000);
    expect(d.tasks[0]!.regs!.f.slice(2, 6)).toEqual([1, 0x7ff0_0000, 0xffff_ffff, 0x7ff7_ffff]);
    expect(d.tasks[0]!.blocked).toBe((1n << 63n) | 0x4000n);
    expect(d.tasks[0]!.sigWaitSet).toBe(0xffff_ffff_ffff_ffffn);
    expect(d.tasks[1]!.syscall!.deadlineLeft).toBe(-20);
    expect(Object.is(d.tasks[1]!.syscall!.block!.neg, -0)).toBe(true);
    expect("deadlineLeft" in d.tasks[2]!.syscall!).toBe(false);
    expect(d.inodes[0]!.target).toBeUndefined();
    expect(d.inodes[3]!.target).toBe("");
    expect("errno" in d.threadGroups[0]!.sharedPending.queue[0]!).toBe(false);
    expect(d.meta).toStrictEqual(m.meta);
  });

  it("keeps a restart block key named __proto__ as an own property", () => {
    const m = richModel();
    const block: Record<string, number> = {};
    Object.defineProperty(block, "__proto__", { value: 1, enumerable: true, writable: true, configurable: true });
    m.tasks[1]!.syscall!.block = block;
    const d = roundTrip(m);
    expect(Object.keys(d.tasks[1]!.syscall!.block!)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(d.tasks[1]!.syscall!.block)).toBe(Object.prototype);
  });

  test.prop([modelArb], { numRuns: 300 })("generated models survive encode -> concat -> decode", (m) => {
    expectSame(roundTrip(m), m);
  });
});

describe("ckpt streaming decoder", () => {
  const rich = richModel();
  const image = concat(codec.encode(rich));

  it("accepts the image one byte at a time", () => {
    const d = codec.decoder();
    for (let i = 0; i < image.length; i++) d.push(image.subarray(i, i + 1));
    expectSame(d.end(), rich);
  });

  it("accepts the encoder's own chunks, and keeps their page arrays as the pages", () => {
    const chunks = [...codec.encode(rich)];
    const d = codec.decoder();
    for (const c of chunks) d.push(c);
    const back = d.end();
    expectSame(back, rich);
    const orig = [...rich.mms, ...rich.shmem, ...rich.inodes].flatMap((o) => o.pages).map((p) => p.data);
    const got = [...back.mms, ...back.shmem, ...back.inodes].flatMap((o) => o.pages).map((p) => p.data);
    expect(got.length).toBe(orig.length);
    got.forEach((g, i) => expect(g).toBe(orig[i]));
  });

  it("copies a page that straddles two chunks, and keeps the others as views of their chunk", () => {
    const page = find(image, CKPT_HDR_PAGE, 1);
    const cut = page.at + 16 + 100;
    const a = image.slice(0, cut), b = image.slice(cut);
    const d = codec.decoder();
    d.push(a); d.push(b);
    const back = d.end();
    expectSame(back, rich);
    const pages = [...back.mms, ...back.shmem, ...back.inodes].flatMap((o) => o.pages).map((p) => p.data);
    const copies = pages.filter((p) => p.buffer !== a.buffer && p.buffer !== b.buffer);
    expect(copies.length).toBe(1);
    expect(copies[0]!.buffer.byteLength).toBe(4096);
  });

  test.prop([fc.array(fc.nat(), { maxLength: 60 })], { numRuns: 200 })("any split of the rich image decodes to the same model", (cuts) => {
    expectSame(decodeSplit(image, cuts.map((c) => c % (image.length + 1))), rich);
  });

  test.prop([modelArb, fc.array(fc.nat(), { maxLength: 30 }), fc.boolean()], { numRuns: 150 })(
    "generated models through random chunk splits (sometimes all 1-byte)",
    (m, cuts, bytewise) => {
      const img = concat(codec.encode(m));
      const all = bytewise ? Array.from({ length: img.length }, (_, i) => i) : cuts.map((c) => c % (img.length + 1));
      expectSame(decodeSplit(img, all), m);
    },
  );
});

describe("ckpt codec views", () => {
  it("decode returns page data and pipe bytes as views into the image", () => {
    const image = concat(codec.encode(richModel()));
    const d = codec.decode(image);
    const all = [...d.mms, ...d.shmem, ...d.inodes, { pages: d.cowPages }].flatMap((o) => o.pages);
    expect(all.length).toBe(9);
    for (const p of all) {
      expect(p.data.buffer).toBe(image.buffer);
      expect(p.data.length).toBe(4096);
    }
    expect(d.pipes[0]!.buffered.buffer).toBe(image.buffer);
  });

  it("encode yields the model's own page arrays, uncopied, and never one chunk for the whole image", () => {
    const m = richModel();
    const chunks = [...codec.encode(m)];
    const set = new Set(chunks);
    for (const p of [...m.mms, ...m.shmem, ...m.inodes].flatMap((o) => o.pages)) expect(set.has(p.data)).toBe(true);
    expect(set.has(m.pipes[0]!.buffered)).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(concat(chunks).length / 4);
  });

  it("encode is lazy and streams: the first chunk comes before the last task is written", () => {
    const m = richModel();
    m.tasks[4]!.regs = { x: [], pc: 0, f: [], fcsr: 0 };
    const it = codec.encode(m)[Symbol.iterator]();
    const first = it.next();
    expect(first.done).toBe(false);
    expect(() => { for (let r = it.next(); !r.done; r = it.next()); }).toThrow(EncodeError);
  });
});

describe("ckpt codec refuses to encode what it cannot represent", () => {
  const cases: [string, (m: CheckpointModel) => void, RegExp][] = [
    ["a page that is not 4096 bytes", (m) => { m.mms[0]!.pages[0]!.data = new Uint8Array(100); }, /100 bytes, not 4096/],
    ["a lone surrogate in a string", (m) => { m.tasks[0]!.comm = "a\uD800b"; }, /lone surrogate/],
    ["31 x registers", (m) => { m.tasks[0]!.regs!.x.pop(); }, /31 x registers/],
    ["an x register out of s32 range", (m) => { m.tasks[0]!.regs!.x[3] = 0x8000_0000; }, /not an s32/],
    ["an unsafe integer", (m) => { m.tasks[0]!.cpuCycles = 2 ** 60; }, /cpuCycles .* not a safe integer/],
    ["a mask beyond 64 bits", (m) => { m.tasks[0]!.blocked = 1n << 64n; }, /blocked .* not a u64/],
    ["a dangling id in the model", (m) => { m.tasks[0]!.mmId = 99; }, /task 1 names mm 99, which is not in the model/],
    ["two objects with one id", (m) => { m.creds[1]!.id = 1; }, /two cred objects have id 1/],
    ["a pipe over pipe-max-size", (m) => { m.pipes[0]!.buffered = new Uint8Array((1 << 20) + 1); }, /over pipe-max-size/],
    ["a record over its bound", (m) => { m.tasks[0]!.comm = "x".repeat(1 << 20); }, /over the format's/],
  ];
  for (const [name, spoil, message] of cases) {
    it(name, () => {
      const m = richModel();
      spoil(m);
      expect(() => concat(codec.encode(m))).toThrow(message);
    });
  }
  it("page() fills 4096 bytes", () => expect(page(0).length).toBe(4096));
});
