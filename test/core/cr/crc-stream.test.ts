// The running sum with checksums inside it (crc-stream.ts, crcStream): whatever the cut of the
// image into pieces, and whichever thread sums it, each mark's value is the CRC of the image's
// bytes before it with every earlier checksum already in place.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../../src/core/cr/checksum.ts";
import { PIECE, StreamPlan } from "../../../src/core/cr/crc-stream.ts";
import { crcStream, crcWorkerStats, OFFLOAD_FROM } from "../../../src/core/cr/crc-worker.ts";

/** A seeded generator (xorshift32): the same cuts on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** An image of `n` bytes in shared memory (or not), its fields zero, marks as [before, at] pairs. */
function image(n: number, shared: boolean, seed: number, gap = 70_000): { bytes: Uint8Array; marks: number[] } {
  const r = rng(seed);
  const bytes = shared ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (r() * 256) | 0;
  const marks: number[] = [];
  for (let before = 0; before + 64 < n;) {
    before += 8 + Math.floor(r() * gap);
    if (before + 64 >= n) break;
    const at = before + 8 + 8 * Math.floor(r() * 4);
    bytes.fill(0, at, at + 4);
    marks.push(before, at);
    before = at + 4;
  }
  return { bytes, marks };
}

/** The values the slow way: patch each field in turn and sum the whole prefix again. */
function expected(bytes: Uint8Array, marks: number[]): number[] {
  const img = bytes.slice();
  const out: number[] = [];
  for (let k = 0; k < marks.length; k += 2) {
    const v = crc32(img.subarray(0, marks[k]!));
    out.push(v);
    new DataView(img.buffer).setUint32(marks[k + 1]!, v, true);
  }
  return out;
}

/** The image cut at random places into pushes of a few pieces each, with each mark in the push that reaches it. */
function pushes(bytes: Uint8Array, marks: number[], seed: number): { segs: Uint8Array[]; marks: number[] }[] {
  const r = rng(seed);
  const out: { segs: Uint8Array[]; marks: number[] }[] = [];
  let pos = 0;
  let m = 0;
  while (pos < bytes.length) {
    const segs: Uint8Array[] = [];
    for (let k = 1 + Math.floor(r() * 3); k > 0 && pos < bytes.length; k--) {
      // Some cuts are a byte or two long, so fields are split across pieces.
      const n = Math.min(bytes.length - pos, r() < 0.3 ? 1 + Math.floor(r() * 3) : 1 + Math.floor(r() * 50_000));
      segs.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
    const given: number[] = [];
    while (m < marks.length && marks[m]! <= pos) given.push(marks[m++]!, marks[m++]!);
    out.push({ segs, marks: given });
  }
  return out;
}

/** A plan fed the pushes, its pieces summed here in a scrambled order (any thread, any order). */
function planned(ps: { segs: Uint8Array[]; marks: number[] }[], seed: number): { plan: StreamPlan; values: number[] } {
  const plan = new StreamPlan();
  const pieces: ReturnType<StreamPlan["take"]> = [];
  for (const p of ps) {
    plan.push(p.segs, p.marks);
    pieces.push(...plan.take());
  }
  plan.end();
  pieces.push(...plan.take());
  const r = rng(seed);
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
  }
  for (const p of pieces) p.crc = p.segs.reduce((c, v) => crc32(v, c), 0);
  return { plan, values: plan.values() };
}

describe("StreamPlan", () => {
  it("gives each mark the CRC of the bytes before it, earlier checksums counted as written, for any cut", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const { bytes, marks } = image(300_000 + seed * 1000, false, seed);
      expect(marks.length).toBeGreaterThan(4);
      expect(planned(pushes(bytes, marks, seed * 31), seed).values, `seed ${seed}`).toEqual(expected(bytes, marks));
    }
  });

  it("cuts pieces at PIECE bytes, and a view only at a mark or a field", () => {
    const { bytes, marks } = image(3 * PIECE + 12_345, false, 21, 3_000_000);
    const plan = new StreamPlan();
    plan.push([bytes.subarray(0, PIECE - 5), bytes.subarray(PIECE - 5)], marks);
    plan.end();
    const pieces = plan.take();
    for (const p of pieces) expect(p.len).toBeLessThan(2 * PIECE);
    expect(pieces.reduce((n, p) => n + p.len, 0)).toBe(bytes.length - 4 * (marks.length / 2));
    for (const p of pieces) p.crc = p.segs.reduce((c, v) => crc32(v, c), 0);
    expect(plan.values()).toEqual(expected(bytes, marks));
  });

  it("takes a mark given before any of its bytes, and one at the very end", () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i + 1);
    bytes.fill(0, 48, 52);
    const marks = [40, 48, 100, 100];
    const img = bytes.slice();
    new DataView(img.buffer).setUint32(48, crc32(img.subarray(0, 40)), true);
    const { values } = planned([{ segs: [], marks }, { segs: [bytes.subarray(0, 45), bytes.subarray(45)], marks: [] }], 1);
    expect(values).toEqual([crc32(img.subarray(0, 40)), crc32(img)]);
  });

  it("refuses a mark given after the sum passed it", () => {
    const plan = new StreamPlan();
    plan.push([new Uint8Array(64)], []);
    expect(() => plan.push([new Uint8Array(8)], [10, 20])).toThrow(/came after the sum passed it/);
  });
});

describe("crcStream", () => {
  const run = (bytes: Uint8Array, marks: number[], seed: number): number[] => {
    const s = crcStream();
    for (const p of pushes(bytes, marks, seed)) s.push(p.segs, p.marks);
    return s.values();
  };

  it("takes the sum on the worker for shared memory past OFFLOAD_FROM, to the same values", async () => {
    const { bytes, marks } = image(OFFLOAD_FROM + 3_000_000, true, 7, 1_000_000);
    const want = expected(bytes, marks);
    // The first use may find the worker not started yet (it starts it): summed here.
    expect(run(bytes, marks, 3)).toEqual(want);
    const before = crcWorkerStats.offloaded;
    for (let i = 0; i < 40 && crcWorkerStats.offloaded === before; i++) {
      await new Promise((r) => setTimeout(r, 25));
      expect(run(bytes, marks, 3 + i)).toEqual(want);
    }
    expect(crcWorkerStats.offloaded).toBeGreaterThan(before);
    // A small image is summed here, the worker running or not.
    const small = image(500_000, true, 8);
    const now = crcWorkerStats.offloaded;
    expect(run(small.bytes, small.marks, 4)).toEqual(expected(small.bytes, small.marks));
    expect(crcWorkerStats.offloaded).toBe(now);
  });

  it("gives a mark pushed before the bytes that reach it its value, summed here too", () => {
    // sumStream's contract lets a mark come early; summed here, each push's values were read as
    // soon as it was fed, so a mark reached in a later push read 0.
    for (const shared of [false, true]) {
      const { bytes, marks } = image(600_000, shared, 11, 50_000);
      const ps = pushes(bytes, marks, 6);
      expect(ps.length).toBeGreaterThan(2);
      const s = crcStream();
      ps.forEach((p, i) => s.push(p.segs, i === 0 ? marks : []));
      expect(s.values()).toEqual(expected(bytes, marks));
    }
  });

  it("sums here when a piece is not shared memory, to the same values", () => {
    const { bytes, marks } = image(OFFLOAD_FROM + 500_000, true, 9, 1_000_000);
    const want = expected(bytes, marks);
    const s = crcStream();
    const ps = pushes(bytes, marks, 5);
    // The last push, after the worker has had jobs: the whole stream is then summed here.
    ps.forEach((p, i) => s.push(i === ps.length - 1 ? p.segs.map((x) => x.slice()) : p.segs, p.marks));
    expect(s.values()).toEqual(want);
  });
});
