// Run checksums (CKPT_F_RUN_CSUM): every single-bit flip of a stream is refused, whole and pushed
// in pieces, and a streamed decode refuses a damaged run at its CKPT_HDR_CSUM, before any record
// of that run is used (the record's own parse error would come later, from the bytes it holds).
import { describe, expect, it } from "vitest";
import { crc32 } from "../../../src/core/cr/checksum.ts";
import { crcWorkerStats } from "../../../src/core/cr/crc-worker.ts";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { CKPT_HDR_CSUM, CKPT_HDR_PGARR, CKPT_HDR_TASK, RUN_BYTES } from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, minimalModel, richModel } from "../../support/cr-models.ts";
import { codec, find, records } from "./ckpt-image.ts";

function refusal(image: Uint8Array, chunk?: number): ImageError | null {
  try {
    if (chunk === undefined) codec.decode(image);
    else {
      const d = codec.decoder();
      for (let i = 0; i < image.length; i += chunk) d.push(image.slice(i, i + chunk));
      d.end();
    }
    return null;
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw new Error(`decode threw ${String(e)}, not an ImageError`, { cause: e });
  }
}

/** A model with enough page data for several runs. */
function bigModel(): CheckpointModel {
  const m = richModel();
  const mm = m.mms[0]!;
  const base = Math.max(...mm.pages.map((p) => p.index), 0) + 1;
  for (let i = 0; i < (3 * RUN_BYTES) / 4096; i++) mm.pages.push({ index: base + i, data: new Uint8Array(4096).fill(i & 0xff) });
  return m;
}

describe("ckpt run checksums", () => {
  it("refuse every single-bit flip of the minimal stream, whole and streamed", () => {
    const image = concat(codec.encode(minimalModel()));
    const missed: string[] = [];
    for (let i = 0; i < image.length; i++) {
      for (let b = 0; b < 8; b++) {
        const x = image.slice();
        x[i]! ^= 1 << b;
        if (refusal(x) === null) missed.push(`byte ${i} bit ${b}`);
        if (b === i % 8 && refusal(x, 64) === null) missed.push(`byte ${i} bit ${b}, streamed`);
      }
    }
    expect(missed).toEqual([]);
  });

  it("end a run once RUN_BYTES have passed (between tasks) and right before the trailer, and round-trip", () => {
    const m = bigModel();
    const image = concat(codec.encode(m));
    const runs = records(image).filter((r) => r.type === CKPT_HDR_CSUM);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(records(image).at(-2)!.type).toBe(CKPT_HDR_CSUM);
    expect(codec.decode(image)).toEqual(codec.decode(concat(codec.encode(m))));
  });

  it("refuse a damaged run at its checksum, before its records are parsed", () => {
    const image = concat(codec.encode(richModel()));
    const task = find(image, CKPT_HDR_TASK);
    const x = image.slice();
    // The task's last string length made huge: parsed, it would fail as a length running past
    // the record; held until the run's checksum, it fails there first.
    const dv = new DataView(x.buffer);
    dv.setUint32(task.at + task.len - 4, 0x7fff_ffff, true);
    for (const chunk of [undefined, 1, 4096]) {
      expect(refusal(x, chunk)?.message, `chunk ${chunk}`).toMatch(/^CKPT_HDR_CSUM at byte \d+: checksum mismatch: .* nothing of the run before it was used/);
    }
  });

  it("fail a streamed decode at the damaged run's checksum, not at the end", () => {
    const image = concat(codec.encode(bigModel()));
    const pages = find(image, CKPT_HDR_PGARR);
    const csum = records(image).find((r) => r.type === CKPT_HDR_CSUM && r.at > pages.at)!;
    expect(csum.end).toBeLessThan(image.length - 1000);
    const x = image.slice();
    x[pages.end - 100]! ^= 1;                  // in its last page's data
    const d = codec.decoder();
    d.push(x.slice(0, csum.at));               // the damaged run, not yet its checksum
    expect(() => d.push(x.slice(csum.at, csum.end))).toThrow(/checksum mismatch/);
  });

  it("refuse a CKPT_HDR_CSUM in a stream whose header does not announce them", () => {
    const image = concat(codec.encode(minimalModel()));
    const x = image.slice();
    new DataView(x.buffer).setUint32(8 + 8 + 4 + 4 + 4, 0, true);    // header flags
    expect(refusal(x)?.message).toMatch(/checksum mismatch|does not announce run checksums/);
  });
});

describe("ckpt restart from a file's pages", () => {
  /** The image pushed as a file's pages are: MiB chunks of shared memory, lent for the push. */
  function pushShared(image: Uint8Array): CheckpointModel {
    const d = codec.decoder();
    for (let i = 0; i < image.length; i += 1 << 20) {
      const n = Math.min(1 << 20, image.length - i);
      const chunk = new Uint8Array(new SharedArrayBuffer(n));
      chunk.set(image.subarray(i, i + n));
      d.push(chunk, true);
    }
    return d.end();
  }

  it("sums whole chunks on the CRC worker to the same model, and still refuses a flipped bit in one", async () => {
    const m = richModel();
    const mm = m.mms[0]!;
    for (let i = 0; i < 2048; i++) mm.pages.push({ index: 0x30000 + i, data: new Uint8Array(4096).fill(i & 0xff) });
    const image = concat(codec.encode(m));
    // The model's pages, summed (a deep comparison of 8 MiB of pages is slow).
    const digest = (x: CheckpointModel): string => `${x.mms[0]!.pages.length}:${x.mms[0]!.pages.reduce((c, p) => crc32(p.data, c), 0)}`;
    const want = digest(codec.decode(image));
    const before = crcWorkerStats.offloaded;
    for (let i = 0; i < 30 && crcWorkerStats.offloaded === before; i++) {
      expect(digest(pushShared(image))).toBe(want);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(crcWorkerStats.offloaded).toBeGreaterThan(before);
    const bad = image.slice();
    bad[image.length - 3 * 4096 - 1000]! ^= 4; // page data in the last MiB chunks
    for (let i = 0; i < 5; i++) {
      expect(() => pushShared(bad)).toThrow(ImageError);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
