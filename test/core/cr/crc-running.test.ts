// RunningCrc (crc-running.ts): a stream summed partly here and partly by the CRC worker, in
// batches of deferred shared memory, is summed to the CRC-32 of its bytes in order, whatever
// mix of update, append and defer brought them and whichever thread summed each batch.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../../src/core/cr/checksum.ts";
import { RunningCrc } from "../../../src/core/cr/crc-running.ts";
import { crcWorkerStats } from "../../../src/core/cr/crc-worker.ts";

/** Deterministic bytes, in shared memory or not. */
function bytes(n: number, seed: number, shared: boolean): Uint8Array {
  const u = new Uint8Array(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    u[i] = x >>> 24;
  }
  return u;
}

const sumAll = (parts: Uint8Array[]): number => parts.reduce((c, p) => crc32(p, c), 0);

describe("RunningCrc", () => {
  it("sums updates, appended sums and deferred views to the CRC of the stream, at every point", async () => {
    // A small batch, so that a few hundred KiB make several jobs (the worker takes any size asked).
    for (let round = 0; round < 20; round++) {
      const c = new RunningCrc(64 << 10);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < 60; i++) {
        const kind = (i * 7 + round) % 5;
        const b = bytes(1 + ((i * 7919 + round * 31) % 40_000), i + round * 100, kind !== 0);
        parts.push(b);
        if (kind === 0) c.update(b);
        else if (kind === 1) c.append(crc32(b, 0), b.length);
        else c.defer(b);
        if (i % 17 === 16) expect(c.value, `round ${round}, part ${i}`).toBe(sumAll(parts));
      }
      c.update(new Uint8Array(0));
      expect(c.value).toBe(sumAll(parts));
      // The worker starts on first use: later rounds find it up.
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(crcWorkerStats.offloaded).toBeGreaterThan(0);
  });

  it("sums deferred memory the worker cannot see here, in order", () => {
    const c = new RunningCrc(1024);
    const parts = [bytes(3000, 1, true), bytes(500, 2, false), bytes(5000, 3, true), bytes(10, 4, false)];
    for (const p of parts) c.defer(p);
    expect(c.value).toBe(sumAll(parts));
    expect(new RunningCrc().value).toBe(0);
  });
});
