// The per-task image layout (REVIEW-CASES.md #14): for each codec, a model round-trips through it,
// each mm's part reads back its own pages, the skeleton has none, a damaged image is an
// ImageError, and a whole C/R cell through it passes with each creator (the kernel creator
// restoring every task's pages from its own part, in parallel).
import { describe, expect, it } from "vitest";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import { PerTaskCodec } from "../../../src/core/cr/per-task.ts";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { runPoint } from "../../../src/workbench/scenario/cell.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { designOf } from "../../../src/workbench/scenario/runner.ts";
import { concat, richModel } from "../../support/cr-models.ts";
import { experiment, modelDiff, workloadRef } from "../../support/cr.ts";
import { registeredCodecs } from "./codecs.ts";

// Every codec the plugins register, each made with its plugin's default options (a whole image).
const codecs = (await registeredCodecs()).map((c) => [c.name, () => c.make()] as const);

describe.each(codecs)("per-task layout of %s", (name, make) => {
  const codec = new PerTaskCodec(make());
  const model = richModel();

  it("round-trips, with each mm's pages in its own part and none in the skeleton", () => {
    expect(model.mms.some((m) => m.pages.length > 0)).toBe(true);
    const image = concat(codec.encode(model));
    expect(codec.streams).toBe(false);
    expect(modelDiff(codec.decode(image), model)).toEqual([]);
    const parts = codec.split(image);
    expect(parts.model.mms.every((m) => m.pages.length === 0)).toBe(true);
    for (const m of model.mms) expect(modelDiff(parts.pages(m.id), m.pages)).toEqual([]);
  });

  it("refuses a damaged image with an ImageError that says where", () => {
    const image = concat(codec.encode(model));
    const bad = (x: Uint8Array): string => {
      try {
        codec.decode(x);
      } catch (e) {
        expect(e).toBeInstanceOf(ImageError);
        return (e as Error).message;
      }
      throw new Error("accepted a damaged image");
    };
    expect(bad(image.subarray(0, 10))).toMatch(/shorter than the 20-byte header/);
    const magic = image.slice();
    magic[0] ^= 1;
    expect(bad(magic)).toMatch(/not a per-task image/);
    expect(bad(image.subarray(0, image.length - 1))).toMatch(/run past the end|bytes after/);
    const extra = new Uint8Array(image.length + 4);
    extra.set(image);
    expect(bad(extra)).toMatch(/4 bytes after the last part/);
    const offset = image.slice();
    new DataView(offset.buffer).setUint32(28, new DataView(image.buffer).getUint32(28, true) + 1, true);
    expect(bad(offset)).toMatch(/starts at byte \d+, expected \d+/);
  });

  it(`a C/R cell through it passes with every creator (${name})`, () => {
    const registry = builtinRegistry();
    const plugin = registry.provider("codec", name).name;
    for (const creator of registry.names("creator")) {
      const exp = experiment({ codec: name, creator, pluginOptions: { [plugin]: { images: "per-task" } } });
      const design = designOf(exp, registry);
      const w = workloadRef("threads");
      const ref = referenceRun(exp, w, design.module());
      const cells = runPoint(exp, w, ref, design, { kind: "mark", n: 2 }, "kill", ["fresh", "same"]);
      expect(cells.map((c) => `${creator} ${c.target}: ${c.verdict} ${c.reason ?? ""}`)).toEqual([`${creator} fresh: pass `, `${creator} same: pass `]);
    }
  });
});
