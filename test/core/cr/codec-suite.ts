// The codec suite, part one: what every ImageCodec must do with well-formed models and images.
// Round trips (hand-built models with every record kind and optional field, generated models),
// the pinned golden bytes, the zero-copy promises (views in, views out, lazy encode), the encode
// refusals, and the streaming contract: a codec that streams decodes any split of its image down
// to one byte; one that does not is refused a pipe with ESPIPE. Run over every registered codec by
// codecs-roundtrip.test.ts (6502.ts's testMain.ts: one suite, a factory per implementation).
import { test, fc } from "@fast-check/vitest";
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { CrError, ESPIPE } from "../../../src/core/cr/errors.ts";
import { restartImageFd } from "../../../src/core/cr/image-io.ts";
import type { ImageCodec } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel, PageRecord } from "../../../src/core/cr/model.ts";
import { PagedImage } from "../../../src/core/cr/paged-image.ts";
import { Frame } from "../../../src/machine/mm/frame.ts";
import { O_RDONLY } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { openPath } from "../../../src/machine/fs/open.ts";
import { concat, minimalModel, page, richModel } from "../../support/cr-models.ts";
import { modelArb } from "../../support/model-arbitrary.ts";
import { boot, open, shutdown } from "../../machine/fs/helpers.ts";
import type { CodecFixture, CodecUnderTest } from "./codec-fixture.ts";

/** node's isDeepStrictEqual first (as strict as toStrictEqual, far faster on 4 KiB pages); vitest's only to print a diff. */
export function expectSame(d: CheckpointModel, m: CheckpointModel): void {
  if (!isDeepStrictEqual(d, m)) expect(d).toStrictEqual(m);
}

/** Every page of a model, in model order. */
export function allPages(m: CheckpointModel): PageRecord[] {
  return [...m.mms, ...m.shmem, ...m.inodes, { pages: m.cowPages }].flatMap((o) => o.pages);
}

/** Feeds `image` to a fresh decoder in pieces cut at `cuts` (offsets, any order). */
export function decodeSplit(codec: ImageCodec, image: Uint8Array, cuts: number[]): CheckpointModel {
  const d = codec.decoder!();
  let from = 0;
  for (const c of [...new Set(cuts)].filter((x) => x > 0 && x < image.length).sort((a, b) => a - b)) {
    d.push(image.subarray(from, c));
    from = c;
  }
  d.push(image.subarray(from));
  return d.end();
}

/** Round trips: what needs no fixture, so every codec gets it. */
export function roundTripSuite(codec: ImageCodec, runs: number): void {
  const roundTrip = (m: CheckpointModel): CheckpointModel => codec.decode(concat(codec.encode(m)));

  it("reproduces the minimal model", () => {
    const m = minimalModel();
    expect(roundTrip(m)).toStrictEqual(m);
  });

  it("reproduces a model with every record kind and optional field", () => {
    const m = richModel();
    const d = roundTrip(m);
    expect(d).toStrictEqual(m);
    // Spot checks on what a loose equality could let through.
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
    expect(d.tasks[3]!.syscall!.block).toStrictEqual({});
    expect(d.inodes[0]!.target).toBeUndefined();
    expect(d.inodes[3]!.target).toBe("");
    expect("errno" in d.threadGroups[0]!.sharedPending.queue[0]!).toBe(false);
    expect(d.tasks[1]!.pending.queue[1]!.status).toBe(0);
    expect(d.meta).toStrictEqual(m.meta);
    expect(d.meta.clock).toBe(2 ** 40 + 17);
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

  test.prop([modelArb], { numRuns: runs })("generated models survive encode -> concat -> decode", (m) => {
    expectSame(roundTrip(m), m);
  });

}

/**
 * The zero-copy promises of a codec proper (a layout around one, such as per-task, copies what it
 * wraps): page data comes back as views of the image, and goes out as the model's own arrays.
 */
export function zeroCopySuite(codec: ImageCodec): void {
  it("decode returns page data and pipe bytes as views into the image", () => {
    const image = concat(codec.encode(richModel()));
    const d = codec.decode(image);
    const pages = allPages(d);
    expect(pages.length).toBe(9);
    for (const p of pages) {
      expect(p.data.buffer).toBe(image.buffer);
      expect(p.data.length).toBe(4096);
    }
    expect(d.pipes[0]!.buffered.buffer).toBe(image.buffer);
  });

  it("decode works on an image that is itself a view at an odd offset of a larger buffer", () => {
    const bytes = concat(codec.encode(richModel()));
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 5);
    const d = codec.decode(big.subarray(5, 5 + bytes.length));
    expect(d).toStrictEqual(richModel());
    expect(d.mms[0]!.pages[0]!.data.buffer).toBe(big.buffer);
  });

  it("decodeLent, where the codec has it, keeps nothing of the lent image (a file's pages, read in place)", () => {
    if (codec.decodeLent === undefined) {
      console.log(`${codec.name}: no decodeLent, a restart gives decode a buffer of its own`);
      return;
    }
    const image = concat(codec.encode(richModel()));
    const d = codec.decodeLent(image);
    image.fill(0xee); // the pages reused
    expectSame(d, richModel());
    // The same image in a file's pages, starting 100 bytes into the first.
    const bytes = concat(codec.encode(richModel()));
    const pages: Frame[] = [];
    for (let at = -100; at < bytes.length; at += 4096) {
      const f = Frame.over(pages.length + 1, new Uint8Array(4096));
      f.data.set(bytes.subarray(Math.max(0, at), at + 4096), at < 0 ? -at : 0);
      pages.push(f);
    }
    const paged = codec.decodeLent(PagedImage.ofFile((i) => pages[i], 100, bytes.length));
    for (const f of pages) f.data.fill(0xee);
    expectSame(paged, richModel());
  });

  it("a decoder pushed borrowed chunks keeps nothing of them (an image file's pages, read in place)", () => {
    if (codec.decoder === undefined) {
      console.log(`${codec.name}: does not stream, so nothing is pushed to it`);
      return;
    }
    const image = concat(codec.encode(richModel()));
    const lent = new Uint8Array(1000);
    const d = codec.decoder();
    for (let at = 0; at < image.length; at += lent.length) {
      const n = Math.min(lent.length, image.length - at);
      lent.set(image.subarray(at, at + n));
      d.push(lent.subarray(0, n), true);
      lent.fill(0xee); // reused for the next read
    }
    expectSame(d.end(), richModel());
  });

  it("encode yields the model's own page arrays, uncopied", () => {
    const m = richModel();
    const chunks = new Set(codec.encode(m));
    for (const p of allPages(m)) expect(chunks.has(p.data)).toBe(true);
    expect(chunks.has(m.pipes[0]!.buffered)).toBe(true);
  });

  it("encode is a lazy iterable: nothing runs until it is iterated", () => {
    const m = richModel();
    m.tasks[4]!.regs = { x: [], pc: 0, f: [], fcsr: 0 };
    const chunks = codec.encode(m);
    expect(() => [...chunks]).toThrow(/x registers/);
  });

}

/** What no image may carry: encode refuses it, saying what. */
export function refusalSuite(codec: ImageCodec): void {
  describe("refuses to encode what it cannot represent", () => {
    const cases: [string, (m: CheckpointModel) => void, RegExp][] = [
      ["a page that is not 4096 bytes", (m) => { m.mms[0]!.pages[0]!.data = new Uint8Array(100); }, /100 bytes, not 4096/],
      ["a lone surrogate in a string", (m) => { m.tasks[0]!.comm = "a\uD800b"; }, /lone surrogate/],
      ["31 x registers", (m) => { m.tasks[0]!.regs!.x.pop(); }, /31 x registers/],
      ["an x register out of s32 range", (m) => { m.tasks[0]!.regs!.x[3] = 0x8000_0000; }, /not an s32/],
      ["an unsafe integer", (m) => { m.tasks[0]!.cpuCycles = 2 ** 60; }, /cpuCycles .* not a safe integer/],
      ["a mask beyond 64 bits", (m) => { m.tasks[0]!.blocked = 1n << 64n; }, /blocked .* not a u64/],
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
}

/** What the fixture pins: the golden bytes, the format's own refusals, the class of its errors. */
export function fixtureSuite(codec: ImageCodec, f: CodecFixture): void {
  describe("golden bytes", () => {
    const image = concat(codec.encode(minimalModel()));

    it(`pins the whole minimal image (${f.golden.length} bytes) by its SHA-256`, () => {
      expect(image.length).toBe(f.golden.length);
      expect(createHash("sha256").update(image).digest("hex")).toBe(f.golden.sha256);
    });

    for (const span of f.golden.spans) {
      it(`writes ${span.name} byte for byte`, () => {
        const got = image.subarray(span.at, span.at + span.bytes.length);
        expect(Buffer.from(got).toString("hex")).toBe(Buffer.from(span.bytes).toString("hex"));
      });
    }

    it("decodes the fields it pinned, from a copy of the bytes", () => {
      const m = codec.decode(image.slice());
      const want = minimalModel();
      expect(m.meta).toEqual({ clock: 0x1234, producer: "t" });
      expect(m.container).toEqual({ initTaskId: 1, pidNsId: 1, treeRoot: "/c", freezerGroup: "" });
      expect(m.pidNamespaces).toEqual([{ id: 1, parentId: null, lastPid: 1, allocating: true }]);
      expect([m.pageSize, m.arch]).toEqual([want.pageSize, want.arch]);
    });
  });

  describe("refuses to encode what this format cannot represent", () => {
    it("throws the codec's own EncodeError, lazily", () => {
      const m = richModel();
      m.tasks[4]!.regs = { x: [], pc: 0, f: [], fcsr: 0 };
      expect(() => concat(codec.encode(m))).toThrow(f.encodeError);
    });
    for (const [name, spoil, message] of f.encodeRefusals) {
      it(name, () => {
        const m = richModel();
        spoil(m);
        expect(() => concat(codec.encode(m))).toThrow(message);
      });
    }
  });
}

/** The streaming contract: `streams` as the fixture pins it, a decoder exactly then, else ESPIPE. */
export function streamingSuite(codec: ImageCodec, streams: boolean, runs: number): void {
  it(`declares itself: ${streams ? "a streaming format with a decoder" : "not a streaming format, no decoder"}`, () => {
    expect(codec.streams).toBe(streams);
    expect(typeof codec.decoder).toBe(streams ? "function" : "undefined");
  });

  it(`a restart from a pipe is ${streams ? "accepted" : "refused with ESPIPE, saying it needs seeking"}; from a file it is accepted`, () => {
    const b = boot();
    const p = b.k.vfs.newPipe(b.c);
    const rd = openPath(b.c, p, O_RDONLY, "test") as File;
    const pipeFd = b.t.files!.installNew(rd, false);
    const fileFd = b.t.files!.installNew(open(b.c, "/image"), false);
    const viaPipe = restartImageFd(b.t, pipeFd, codec);
    if (streams) expect(viaPipe).not.toBeInstanceOf(CrError);
    else {
      expect(viaPipe).toBeInstanceOf(CrError);
      expect((viaPipe as CrError).errno).toBe(ESPIPE);
      expect((viaPipe as CrError).message).toMatch(new RegExp(`the ${codec.name} image format needs seeking`));
    }
    expect(restartImageFd(b.t, fileFd, codec)).not.toBeInstanceOf(CrError);
    expect(shutdown(b)).toBe(0);
  });

  if (!streams) return;
  const rich = richModel();
  const image = concat(codec.encode(rich));

  it("accepts the image one byte at a time", () => {
    const d = codec.decoder!();
    for (let i = 0; i < image.length; i++) d.push(image.subarray(i, i + 1));
    expectSame(d.end(), rich);
  });

  it("accepts the encoder's own chunks, and keeps their page arrays as the pages", () => {
    const d = codec.decoder!();
    for (const c of codec.encode(rich)) d.push(c);
    const back = d.end();
    expectSame(back, rich);
    const orig = allPages(rich).map((p) => p.data);
    const got = allPages(back).map((p) => p.data);
    expect(got.length).toBe(orig.length);
    got.forEach((g, i) => expect(g).toBe(orig[i]));
  });

  it("copies a page that straddles two chunks, and keeps the others as views of their chunk", () => {
    // Where the second page's bytes are in the image: found by content, not by the layout.
    const second = rich.mms[0]!.pages[1]!.data;
    const at = Buffer.from(image.buffer, image.byteOffset, image.length).indexOf(Buffer.from(second));
    expect(at).toBeGreaterThan(0);
    const a = image.slice(0, at + 100), b = image.slice(at + 100);
    const d = codec.decoder!();
    d.push(a); d.push(b);
    const back = d.end();
    expectSame(back, rich);
    const copies = allPages(back).map((p) => p.data).filter((p) => p.buffer !== a.buffer && p.buffer !== b.buffer);
    expect(copies.length).toBe(1);
    expect(copies[0]!.buffer.byteLength).toBe(4096);
  });

  it("encode streams: never one chunk for the whole image, the first before the last task is written", () => {
    const chunks = [...codec.encode(rich)];
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(concat(chunks).length / 4);
    const m = richModel();
    m.tasks[4]!.regs = { x: [], pc: 0, f: [], fcsr: 0 };
    const it = codec.encode(m)[Symbol.iterator]();
    expect(it.next().done).toBe(false);
    expect(() => { for (let r = it.next(); !r.done; r = it.next()); }).toThrow(/x registers/);
  });

  test.prop([fc.array(fc.nat(), { maxLength: 60 })], { numRuns: runs })("any split of the rich image decodes to the same model", (cuts) => {
    expectSame(decodeSplit(codec, image, cuts.map((c) => c % (image.length + 1))), rich);
  });

  test.prop([modelArb, fc.array(fc.nat(), { maxLength: 30 }), fc.boolean()], { numRuns: Math.ceil(runs * 0.75) })(
    "generated models through random chunk splits (sometimes all 1-byte)",
    (m, cuts, bytewise) => {
      const img = concat(codec.encode(m));
      const all = bytewise ? Array.from({ length: img.length }, (_, i) => i) : cuts.map((c) => c % (img.length + 1));
      expectSame(decodeSplit(codec, img, all), m);
    },
  );
}

/** The whole first part for one codec; `fixture` undefined fails one test naming the file to add. */
export function codecSuite(c: CodecUnderTest): void {
  const codec = c.make();
  it(`is made by plugin ${c.plugin} under its own name`, () => expect(codec.name).toBe(c.name));
  it(`has a fixture (${c.fixtureFile})`, () => {
    if (c.fixture === undefined) throw new Error(`codec ${c.name} has no fixture: export codecFixtures["${c.name}"] from ${c.fixtureFile} (golden bytes, layout walk, error wording)`);
  });
  describe("round trip", () => roundTripSuite(codec, 300));
  describe("zero copy", () => zeroCopySuite(codec));
  refusalSuite(codec);
  describe("streaming", () => streamingSuite(codec, c.fixture?.streams ?? codec.streams, 200));
  if (c.fixture !== undefined) fixtureSuite(codec, c.fixture);
  for (const [variant, options] of Object.entries(c.fixture?.variants ?? {})) {
    const v = c.make(options);
    describe(`variant ${variant} (${JSON.stringify(options)})`, () => {
      describe("round trip", () => roundTripSuite(v, 50));
      refusalSuite(v);
      describe("streaming", () => streamingSuite(v, v.streams, 50));
    });
  }
}
