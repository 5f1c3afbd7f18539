// The pages of a task's mm records within that mm (issue 17, per-task images): a private or
// copy-on-write page whose index lies outside every VMA of its mm, a page twice, or more pages
// than the VMAs span is refused at validation with the mm and the page named — in both codecs,
// as one stream (the pages in the mm records) and in the per-task layout (the pages in each mm's
// part, which validation reads the indices of before any task restores its part). A part whose
// page count runs past the end of the image is refused when the image is split (it cannot even
// be read), naming the part and its mm. Table-driven: each row edits a real container's model.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError } from "../../../src/core/cr/errors.ts";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel, MmRecord } from "../../../src/core/cr/model.ts";
import { PerTaskCodec } from "../../../src/core/cr/per-task.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import { DEFAULT_LIMITS } from "../../../src/core/cr/restore/validate-fields.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";
import { codecFor } from "../../support/tamper.ts";

interface Row {
  what: string;
  edit: (m: CheckpointModel) => void;
  error: RegExp;
}

/** The mm with the most private pages (a live process's). */
const busy = (m: CheckpointModel): MmRecord => [...m.mms].sort((a, b) => b.pages.length - a.pages.length)[0];
/** A page number below the first VMA: mapped by nothing (vm.mmap_min_addr keeps it empty). */
const belowAll = (mm: MmRecord): number => (mm.vmas[0].start >>> 12) - 1;
/** The first page past the last VMA. */
const pastAll = (mm: MmRecord): number => mm.vmas.at(-1)!.end >>> 12;
/** A page in the hole between two VMAs, if there is one. */
const inHole = (mm: MmRecord): number => {
  const i = mm.vmas.findIndex((v, j) => j > 0 && mm.vmas[j - 1].end < v.start);
  return mm.vmas[i - 1].end >>> 12;
};

const ROWS: Row[] = [
  { what: "a page below every VMA", edit: (m) => (busy(m).pages[0].index = belowAll(busy(m))), error: /mm \d+ page 0 has index \d+ \(address 0x[0-9a-f]+\), outside every VMA of the mm/ },
  // The stack's VMA ends at the top of user space: the field check of a whole model names it
  // first (an index past TASK_SIZE), the page check does for a per-task part.
  {
    what: "a page past the last VMA (past user space)",
    edit: (m) => (busy(m).pages.at(-1)!.index = pastAll(busy(m))),
    error: /mm \d+ (page \d+ has index \d+ \(address 0x[0-9a-f]+\), outside every VMA of the mm|page index = \d+: outside \[0, \d+\))/,
  },
  { what: "a page in a hole between VMAs", edit: (m) => (busy(m).pages[1].index = inHole(busy(m))), error: /mm \d+ page 1 has index \d+ \(address 0x[0-9a-f]+\), outside every VMA/ },
  { what: "the same page twice", edit: (m) => (busy(m).pages[1].index = busy(m).pages[0].index), error: /mm \d+ page 1 has index \d+, which another page of the mm has too/ },
  {
    what: "more pages than the VMAs span",
    edit: (m) => {
      const mm = busy(m);
      const span = mm.vmas.reduce((s, v) => s + ((v.end - v.start) >>> 12), 0);
      mm.pages.push(...Array.from({ length: span }, (_, i) => ({ index: i, data: mm.pages[0].data })));
    },
    error: /mm \d+ has \d+ private and \d+ copy-on-write pages, more than the \d+ pages its \d+ VMAs span/,
  },
  {
    what: "a copy-on-write page outside every VMA",
    edit: (m) => {
      const mm = m.mms.find((x) => x.cowRefs.length > 0)!;
      mm.cowRefs[0].index = inHole(mm);
    },
    error: /mm \d+ copy-on-write page 0 has index \d+ \(address 0x[0-9a-f]+\), outside every VMA of the mm/,
  },
];

const LAYOUTS = ["stream", "per-task"] as const;

describe("the pages of an mm lie in its VMAs, once each", () => {
  // fork-tree at its second mark: processes with private pages, and pages shared copy-on-write since the fork.
  const { m: machine, init } = frozenAtMark(workloadRef("fork-tree"), 2);
  const model = collectContainer(machine.kernel, init, "test");
  machine.kernel.killAll();

  /** Encode with `codec` in `layout` and decode as a restart would; validate as it does. */
  function roundTrip(m: CheckpointModel, codec: string, layout: (typeof LAYOUTS)[number]): () => void {
    const inner = codecFor(codec);
    if (layout === "stream") {
      const back = inner.decode(Buffer.concat([...inner.encode(m)]));
      return () => validateModel(back, DEFAULT_LIMITS);
    }
    const c = new PerTaskCodec(inner);
    const parts = c.split(Buffer.concat([...c.encode(m)]));
    expect(parts.model.mms.every((x) => x.pages.length === 0)).toBe(true);
    return () => validateModel(parts.model, DEFAULT_LIMITS, parts);
  }

  it("the untouched model has what the rows edit, and passes in every codec and layout", () => {
    const mm = busy(model);
    expect(mm.pages.length).toBeGreaterThan(2);
    expect(belowAll(mm)).toBeGreaterThanOrEqual(0);
    expect(inHole(mm)).toBeGreaterThan(0);
    expect(model.mms.some((x) => x.cowRefs.length > 0)).toBe(true);
    for (const codec of ["cpt", "ckpt"]) for (const layout of LAYOUTS) expect(roundTrip(model, codec, layout)).not.toThrow();
  });

  describe.each(["cpt", "ckpt"])("%s codec", (codec) => {
    describe.each(LAYOUTS)("%s layout", (layout) => {
      it.each(ROWS)("$what", ({ edit, error }) => {
        const bad = structuredClone(model);
        edit(bad);
        const validate = roundTrip(bad, codec, layout);
        expect(validate).toThrow(CrError);
        expect(validate).toThrow(error);
      });
    });

    it("a per-task part whose page count runs past the image is refused when it is split, naming the part", () => {
      const c = new PerTaskCodec(codecFor(codec));
      const image = Buffer.concat([...c.encode(model)]);
      const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
      const n = dv.getUint32(12, true);
      const last = 20 + (n - 1) * 12;
      dv.setUint32(last + 4, dv.getUint32(last + 4, true) + 1, true);
      expect(() => c.split(image)).toThrow(ImageError);
      expect(() => c.split(image)).toThrow(new RegExp(`part ${n - 1} \\(mm \\d+\\): \\d+ pages run past the end of the image`));
    });
  });
});
