// Real models: every workload collected at its first mark, encoded with ckpt and decoded whole
// and through the streaming decoder in random chunks (1 byte to a few pages): nothing the
// collector took is lost.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { experiment, frozenAtMark, modelDiff, openvzDesign, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { loadWorkloads } from "../../support/workloads.ts";
import { codec } from "./ckpt-image.ts";

/** Pushes `image` in chunks of 1..max bytes from a small seeded generator (xorshift). */
function decodeChunked(image: Uint8Array, seed: number, max: number): CheckpointModel {
  const d = codec.decoder();
  let s = seed | 1;
  for (let at = 0; at < image.length;) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const n = 1 + ((s >>> 0) % max);
    d.push(image.subarray(at, at + n));
    at += n;
  }
  return d.end();
}

describe("CheckpointModel round trip through the ckpt codec", () => {
  for (const entry of loadWorkloads()) {
    it(entry.name, () => {
      const w = workloadRef(entry.name);
      expect(referenceRun(experiment(), w, openvzDesign().module()).marks).toBeGreaterThan(0);
      const { m, init } = frozenAtMark(w, 1);
      const model = collectContainer(m.kernel, init, "test");
      const chunks = [...codec.encode(model)];
      const image = concat(chunks);
      expect(modelDiff(codec.decode(image), model)).toEqual([]);
      const streamed = codec.decoder();
      for (const c of chunks) streamed.push(c);
      expect(modelDiff(streamed.end(), model)).toEqual([]);
      expect(modelDiff(decodeChunked(image, image.length, 3 * 4096), model)).toEqual([]);
      expect(modelDiff(decodeChunked(image, 7, 8), model)).toEqual([]);
      m.kernel.shutdown();
    });
  }
});
