// validatePages walks an mm's private pages and copy-on-write refs together when both are in
// ascending order (as the collector writes them), and falls back to a set of the pages seen for
// any other order: the same model is accepted or refused, with the same message, either way.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError } from "../../../src/core/cr/errors.ts";
import type { CheckpointModel, MmRecord } from "../../../src/core/cr/model.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import { DEFAULT_LIMITS } from "../../../src/core/cr/restore/validate-fields.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";

describe("validatePages in and out of order", () => {
  // fork-tree at its second mark: mms with private pages and pages shared copy-on-write.
  const { m: machine, init } = frozenAtMark(workloadRef("fork-tree"), 2);
  const model = collectContainer(machine.kernel, init, "test");
  machine.kernel.killAll();
  const withCow = (m: CheckpointModel): MmRecord => m.mms.find((x) => x.cowRefs.length > 0)!;
  /** The first copy-on-write ref's page made a private page of the mm too, the pages kept in order. */
  const alsoPrivate = (mm: MmRecord): void => {
    const index = mm.cowRefs[0].index;
    mm.pages = [...mm.pages.filter((p) => p.index !== index), { index, data: new Uint8Array(4096) }].sort((a, b) => a.index - b.index);
  };
  const validate = (m: CheckpointModel) => () => validateModel(m, DEFAULT_LIMITS);

  it("the collected model is in ascending order and valid", () => {
    expect(withCow(model)).toBeDefined();
    for (const mm of model.mms) {
      expect(mm.pages.every((p, i) => i === 0 || p.index > mm.pages[i - 1].index)).toBe(true);
      expect(mm.cowRefs.every((r, i) => i === 0 || r.index > mm.cowRefs[i - 1].index)).toBe(true);
    }
    expect(validate(model)).not.toThrow();
  });

  it("accepts the same pages in descending order (the set path)", () => {
    const m = structuredClone(model);
    for (const mm of m.mms) {
      mm.pages.reverse();
      mm.cowRefs.reverse();
    }
    expect(validate(m)).not.toThrow();
  });

  const sharedTwice = /mm \d+ copy-on-write page 0 has index \d+, which another page of the mm has too/;

  it("refuses a copy-on-write page that is also a private page, in order", () => {
    const m = structuredClone(model);
    alsoPrivate(withCow(m));
    expect(validate(m)).toThrow(CrError);
    expect(validate(m)).toThrow(sharedTwice);
  });

  it("refuses it with the same message when the pages are out of order", () => {
    const m = structuredClone(model);
    const mm = withCow(m);
    alsoPrivate(mm);
    // A second private page first, out of order: the set path.
    const spare = mm.vmas.flatMap((v) => Array.from({ length: (v.end - v.start) >>> 12 }, (_, i) => (v.start >>> 12) + i))
      .find((vpn) => !mm.pages.some((p) => p.index === vpn) && !mm.cowRefs.some((r) => r.index === vpn))!;
    mm.pages.push({ index: spare, data: new Uint8Array(4096) });
    mm.pages.reverse();
    expect(mm.pages.every((p, i) => i === 0 || p.index > mm.pages[i - 1].index)).toBe(false);
    expect(validate(m)).toThrow(sharedTwice);
  });
});
