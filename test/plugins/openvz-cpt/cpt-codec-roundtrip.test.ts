// Round trips through the cpt codec: hand-built models with every record kind and optional
// field, generated models (fast-check), and the zero-copy promises (views in, views out).
import { test } from "@fast-check/vitest";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { EncodeError } from "../../../src/plugins/openvz-cpt/codec/writer.ts";
import { modelArb } from "../../support/model-arbitrary.ts";
import { concat, minimalModel, page, richModel } from "../../support/cr-models.ts";

const codec = new CptCodec();
const roundTrip = (m: ReturnType<typeof richModel>): ReturnType<typeof richModel> => codec.decode(concat(codec.encode(m)));

describe("cpt codec round trip", () => {
  it("declares itself: name cpt, not a streaming format", () => {
    expect(codec.name).toBe("cpt");
    expect(codec.streams).toBe(false);
  });

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
    expect(d.tasks[0]!.blocked).toBe((1n << 63n) | 0x4000n);
    expect(d.tasks[0]!.sigWaitSet).toBe(0xffff_ffff_ffff_ffffn);
    expect(d.tasks[1]!.syscall!.deadlineLeft).toBe(-20);
    expect(Object.is(d.tasks[1]!.syscall!.block!.neg, -0)).toBe(true);
    expect("deadlineLeft" in d.tasks[2]!.syscall!).toBe(false);
    expect(d.tasks[3]!.syscall!.block).toStrictEqual({});
    expect(d.inodes[0]!.target).toBeUndefined();
    expect(d.inodes[3]!.target).toBe("");
    expect(d.threadGroups[0]!.sharedPending.queue[0]!.errno).toBeUndefined();
    expect(d.tasks[1]!.pending.queue[1]!.status).toBe(0);
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

  // node's isDeepStrictEqual first (prototypes, -0, bigint, typed array contents: as strict as
  // toStrictEqual, and far faster on 4 KiB pages); vitest's only to print a diff on a failure.
  test.prop([modelArb], { numRuns: 300 })("generated models survive encode -> concat -> decode", (m) => {
    const d = roundTrip(m);
    if (!isDeepStrictEqual(d, m)) expect(d).toStrictEqual(m);
  });
});

describe("cpt codec views", () => {
  it("decode returns page data and pipe bytes as views into the image", () => {
    const image = concat(codec.encode(richModel()));
    const d = codec.decode(image);
    const all = [...d.mms, ...d.shmem, ...d.inodes].flatMap((o) => o.pages);
    expect(all.length).toBe(7);
    for (const p of all) {
      expect(p.data.buffer).toBe(image.buffer);
      expect(p.data.length).toBe(4096);
    }
    expect(d.pipes[0]!.buffered.buffer).toBe(image.buffer);
  });

  it("decode works on an image that is itself a view at an odd offset of a larger buffer", () => {
    const bytes = concat(codec.encode(richModel()));
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 5);
    const image = big.subarray(5, 5 + bytes.length);
    const d = codec.decode(image);
    expect(d).toStrictEqual(richModel());
    expect(d.mms[0]!.pages[0]!.data.buffer).toBe(big.buffer);
  });

  it("encode yields the model's own page arrays, uncopied", () => {
    const m = richModel();
    const chunks = new Set(codec.encode(m));
    const all = [...m.mms, ...m.shmem, ...m.inodes].flatMap((o) => o.pages);
    for (const p of all) expect(chunks.has(p.data)).toBe(true);
    expect(chunks.has(m.pipes[0]!.buffered)).toBe(true);
  });

  it("encode is a lazy iterable: nothing runs until it is iterated", () => {
    const m = minimalModel();
    m.pids[0]!.numbers = [1, 2];
    const it = codec.encode(m);
    expect(() => [...it]).toThrow(EncodeError);
  });
});

describe("cpt codec refuses to encode what it cannot represent", () => {
  const cases: [string, (m: ReturnType<typeof richModel>) => void, RegExp][] = [
    ["a page that is not 4096 bytes", (m) => { m.mms[0]!.pages[0]!.data = new Uint8Array(100); }, /100 bytes, not 4096/],
    ["a lone surrogate in a string", (m) => { m.tasks[0]!.comm = "a\uD800b"; }, /lone surrogate/],
    ["31 x registers", (m) => { m.tasks[0]!.regs!.x.pop(); }, /31 x registers/],
    ["an x register out of s32 range", (m) => { m.tasks[0]!.regs!.x[3] = 0x8000_0000; }, /not an s32/],
    ["an unsafe integer", (m) => { m.tasks[0]!.cpuCycles = 2 ** 60; }, /cpuCycles .* not a safe integer/],
    ["a mask beyond 64 bits", (m) => { m.tasks[0]!.blocked = 1n << 64n; }, /blocked .* not a u64/],
    ["an id equal to CPT_NOINDEX", (m) => { m.pipes[0]!.id = 0xffff_ffff; }, /collides with CPT_NOINDEX/],
    ["fields over cpt_hdrlen's 65535 bytes", (m) => { m.tasks[0]!.comm = "x".repeat(70000); }, /over cpt_hdrlen's 65535/],
  ];
  for (const [name, spoil, message] of cases) {
    it(name, () => {
      const m = richModel();
      spoil(m);
      expect(() => concat(codec.encode(m))).toThrow(message);
    });
  }
  it("still encodes a page filled by page()", () => expect(page(0).length).toBe(4096));
});
