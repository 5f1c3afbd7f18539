// collect → encode → decode → equal, for every workload at its first mark and every registered
// codec: the model carries everything the collector took, and no codec loses any of it. A codec
// that streams is also fed its own chunks and random chunks (1 byte to a few pages).
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import type { ImageCodec } from "../../../src/core/cr/interfaces.ts";
import { modelCounts, type CheckpointModel } from "../../../src/core/cr/model.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { crWorkloads } from "../../support/workloads.ts";
import { experiment, frozenAtMark, modelDiff, openvzDesign, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { registeredCodecs } from "./codecs.ts";

const codecs = (await registeredCodecs()).map((c) => c.make());

/** Pushes `image` in chunks of 1..max bytes from a small seeded generator (xorshift). */
function decodeChunked(codec: ImageCodec, image: Uint8Array, seed: number, max: number): CheckpointModel {
  const d = codec.decoder!();
  let s = seed | 1;
  for (let at = 0; at < image.length;) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const n = 1 + ((s >>> 0) % max);
    d.push(image.subarray(at, at + n));
    at += n;
  }
  return d.end();
}

describe(`CheckpointModel round trip through every codec (${codecs.map((c) => c.name).join(", ")})`, () => {
  for (const entry of crWorkloads()) {
    // 300 s: the real programs (awk-report, lua-tour) run 16-19 M instructions to their first
    // mark, more than the default 60 s on a loaded machine (68 s seen).
    it(entry.name, () => {
      const w = workloadRef(entry.name);
      const marks = referenceRun(experiment(), w, openvzDesign().module()).marks;
      expect(marks, `${entry.name} marks no checkpoint point`).toBeGreaterThan(0);
      const { m, init } = frozenAtMark(w, 1);
      const model: CheckpointModel = collectContainer(m.kernel, init, "test");
      const counts = modelCounts(model);
      expect(counts.tasks).toBeGreaterThanOrEqual(2); // the container's init and the workload
      expect(model.tasks[0].parentTaskId).toBeNull();
      for (const codec of codecs) {
        const chunks = [...codec.encode(model)];
        const image = concat(chunks);
        expect(modelDiff(codec.decode(image), model), codec.name).toEqual([]);
        if (!codec.streams) continue;
        const streamed = codec.decoder!();
        for (const c of chunks) streamed.push(c);
        expect(modelDiff(streamed.end(), model), `${codec.name}, its own chunks`).toEqual([]);
        expect(modelDiff(decodeChunked(codec, image, image.length, 3 * 4096), model), `${codec.name}, chunks up to 3 pages`).toEqual([]);
        expect(modelDiff(decodeChunked(codec, image, 7, 8), model), `${codec.name}, chunks up to 8 bytes`).toEqual([]);
      }
      // Collecting changes nothing: a second model is equal to the first.
      expect(modelDiff(collectContainer(m.kernel, init, "test"), model)).toEqual([]);
      m.kernel.shutdown();
    }, 300_000);
  }
});
