// The CRC worker (crc-worker.ts) and crc32Combine: a sum taken on the second host thread, or in
// two parts joined, is the sum of the bytes in order, whatever thread took it.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../../src/core/cr/checksum.ts";
import { crc32Combine } from "../../../src/core/cr/crc-combine.ts";
import { crc32Job, crc32Split, crcWorkerStats, OFFLOAD_FROM } from "../../../src/core/cr/crc-worker.ts";

/** `n` MiB of shared memory in 1 MiB views, with bytes that differ from MiB to MiB. */
function shared(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const u = new Uint8Array(new SharedArrayBuffer(1 << 20));
    for (let j = 0; j < u.length; j += 61) u[j] = (i * 7 + j) & 0xff;
    return u;
  });
}

const sumHere = (segs: Uint8Array[]): number => segs.reduce((c, s) => crc32(s, c), 0);

describe("crc32Combine", () => {
  it("joins the sums of two parts into the sum of the whole, for any split", () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 131 + 17) & 0xff);
    for (const at of [0, 1, 7, 4096, 5000, 9999, 10_000]) {
      expect(crc32Combine(crc32(bytes.subarray(0, at)), crc32(bytes.subarray(at)), bytes.length - at), `split at ${at}`).toBe(crc32(bytes));
    }
  });
});

describe("the CRC worker", () => {
  it("sums shared memory on its thread to the same value, once started", async () => {
    const segs = shared(OFFLOAD_FROM / (1 << 20) + 2);
    const want = sumHere(segs);
    // The first job starts the worker and is summed here.
    const before = crcWorkerStats.offloaded;
    expect(crc32Job(segs).result()).toBe(want);
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      expect(crc32Job(segs).result()).toBe(want);
    }
    expect(crcWorkerStats.offloaded).toBeGreaterThan(before);
    expect(crc32Split(segs)).toBe(want);
    // Two jobs at once: the second is summed here; both are right.
    const a = crc32Job(segs);
    const b = crc32Job(segs.slice(1));
    expect(b.result()).toBe(sumHere(segs.slice(1)));
    expect(a.result()).toBe(want);
  });

  it("shares a job's pieces between the threads, to the same value whoever sums which", async () => {
    // Views of odd sizes (one far above a piece's 4 MiB, some of a few bytes), in shared memory.
    const sizes = [3, 1 << 20, 9 << 20, 5, 4096, (1 << 20) + 1, 2 << 20, 7, 3 << 20, 1];
    const segs = sizes.map((n, i) => {
      const u = new Uint8Array(new SharedArrayBuffer(n));
      for (let j = 0; j < n; j += 97) u[j] = (i * 31 + j) & 0xff;
      return u;
    });
    const want = sumHere(segs);
    // Asked for at once: this thread claims pieces as the worker does.
    expect(crc32Job(segs).result()).toBe(want);
    // Asked for late: the worker has summed every piece, and this thread none. (A job is summed
    // here while the worker starts, or has not said it is done with the last one: tried again.)
    let late = crc32Job(segs);
    for (let i = 0; i < 100 && late.pending?.() !== true; i++) {
      expect(late.result()).toBe(want);
      await new Promise((r) => setTimeout(r, 20));
      late = crc32Job(segs);
    }
    const before = crcWorkerStats.offloaded;
    for (let i = 0; i < 100 && late.pending?.() === true; i++) await new Promise((r) => setTimeout(r, 10));
    expect(late.pending?.()).toBe(false);
    expect(late.result()).toBe(want);
    expect(crcWorkerStats.offloaded).toBe(before + 1);
    expect(crc32Split(segs)).toBe(want);
  });

  it("sums memory the worker cannot see, and small runs, here", () => {
    const plain = Array.from({ length: 10 }, (_, i) => new Uint8Array(1 << 20).fill(i));
    expect(crc32Job(plain).result()).toBe(sumHere(plain));
    const small = shared(2);
    expect(crc32Job(small).result()).toBe(sumHere(small));
    expect(crc32Split([...small, ...plain])).toBe(sumHere([...small, ...plain]));
    expect(crc32Split([])).toBe(0);
  });
});
