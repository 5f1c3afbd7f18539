// collect → encode → decode → equal, for every workload at its first mark: the model carries
// everything the collector took, and the cpt codec loses nothing of it.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { modelCounts, type CheckpointModel } from "../../../src/core/cr/model.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { loadWorkloads } from "../../support/workloads.ts";
import { experiment, frozenAtMark, modelDiff, openvzDesign, workloadRef } from "../../support/cr.ts";

const concat = (chunks: Iterable<Uint8Array>): Uint8Array => new Uint8Array(Buffer.concat([...chunks]));

describe("CheckpointModel round trip through the cpt codec", () => {
  const codec = new CptCodec();
  for (const entry of loadWorkloads()) {
    it(entry.name, () => {
      const w = workloadRef(entry.name);
      const marks = referenceRun(experiment(), w, openvzDesign().module()).marks;
      expect(marks, `${entry.name} marks no checkpoint point`).toBeGreaterThan(0);
      const { m, init } = frozenAtMark(w, 1);
      const model: CheckpointModel = collectContainer(m.kernel, init, "test");
      const counts = modelCounts(model);
      expect(counts.tasks).toBeGreaterThanOrEqual(2); // the container's init and the workload
      expect(model.tasks[0].parentTaskId).toBeNull();
      const image = concat(codec.encode(model));
      const back = codec.decode(image);
      expect(modelDiff(back, model)).toEqual([]);
      // Collecting changes nothing: a second model is equal to the first.
      expect(modelDiff(collectContainer(m.kernel, init, "test"), model)).toEqual([]);
      m.kernel.shutdown();
    });
  }
});
