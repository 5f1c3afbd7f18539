// Each mutator does what its label says, on a real image of each codec: flipped bits are the
// ones named, a truncation cuts at each record boundary in turn, a duplicated or dropped record
// changes the length by exactly that record, a swap keeps the bytes and moves them; each semantic
// edit changes the decoded model, and a mutant depends only on (seed, index).
import { describe, expect, it } from "vitest";
import { imageRecords, recordBoundaries } from "../../../src/workbench/cases/input-boundaries.ts";
import { byteMutant } from "../../../src/workbench/fuzz/mutate-bytes.ts";
import { editCount, semanticEdit } from "../../../src/workbench/fuzz/semantic.ts";
import { mutantPrng, SEMANTIC_KINDS, KINDS } from "../../../src/workbench/fuzz/kinds.ts";
import { makeMutant } from "../../../src/workbench/fuzz/runner.ts";
import { target } from "./target.ts";

const diffBytes = (a: Uint8Array, b: Uint8Array): number[] => {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
};
const sorted = (x: Uint8Array): string => Buffer.from([...x].sort((p, q) => p - q)).toString("hex");
const json = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString("hex") : x));

describe.each(["cpt", "ckpt"])("byte mutators on a %s image", (codec) => {
  const t = target(codec);
  const img = t.image;

  it("bit-flip flips the bits it names (and only those when not resealed)", () => {
    for (let i = 0; i < 40; i++) {
      const m = byteMutant("bit-flip", codec, img, mutantPrng(7, i), i);
      expect(m.image!.length).toBe(img.length);
      const flips = /bits flipped at ([\d.,]+)/.exec(m.label)![1].split(",").map((s) => s.split(".").map(Number));
      const odd = new Map<number, number>();
      for (const [at, bit] of flips) odd.set(at, (odd.get(at) ?? 0) ^ (1 << bit));
      for (const [at, mask] of odd) expect(m.image![at] ^ img[at], `${m.label} byte ${at}`).toBe(mask);
      if (!m.label.includes("resealed")) expect(diffBytes(img, m.image!)).toEqual([...odd].filter(([, v]) => v !== 0).map(([a]) => a).sort((a, b) => a - b));
    }
  });

  it("overwrite writes the u32 it names", () => {
    for (let i = 0; i < 20; i++) {
      const m = byteMutant("overwrite", codec, img, mutantPrng(7, i), i);
      const [, at, v] = /u32 at byte (\d+) = 0x([0-9a-f]+)/.exec(m.label)!;
      expect(new DataView(m.image!.buffer, m.image!.byteOffset).getUint32(Number(at), true)).toBe(parseInt(v, 16));
    }
  });

  it("truncate cuts at every record boundary in turn", () => {
    const cuts = recordBoundaries(codec, img).offsets.filter((o) => o > 0 && o < img.length);
    expect(cuts.length).toBeGreaterThan(10);
    const got = cuts.map((_, i) => byteMutant("truncate", codec, img, mutantPrng(1, i), i).image!);
    expect(got.map((x) => x.length)).toEqual(cuts);
    for (const x of got) expect(Buffer.from(x).equals(Buffer.from(img.subarray(0, x.length)))).toBe(true);
  });

  it("lying-length changes the length field of the record it names", () => {
    const b = recordBoundaries(codec, img);
    for (let i = 0; i < 20; i++) {
      const m = byteMutant("lying-length", codec, img, mutantPrng(3, i), i);
      const [, at, v] = /record at byte (\d+) claims length 0x([0-9a-f]+)/.exec(m.label)!;
      expect(new DataView(m.image!.buffer, m.image!.byteOffset).getUint32(b.lengthField(Number(at)), true)).toBe(parseInt(v, 16));
    }
  });

  it("duplicate and drop change the image by exactly one record", () => {
    for (let i = 0; i < 20; i++) {
      for (const kind of ["duplicate", "drop"] as const) {
        const m = byteMutant(kind, codec, img, mutantPrng(5, i), i);
        const [, at, len] = /at byte (\d+) \((\d+) bytes\)/.exec(m.label)!;
        expect(imageRecords(codec, img).some((r) => r.at === Number(at) && r.len === Number(len))).toBe(true);
        expect(m.image!.length).toBe(img.length + (kind === "duplicate" ? 1 : -1) * Number(len));
      }
    }
  });

  it("swap exchanges two neighbouring records: same length, same bytes, another order", () => {
    for (let i = 0; i < 10; i++) {
      const m = byteMutant("swap", codec, img, mutantPrng(9, i), i);
      const [, a, b] = /at bytes (\d+) and (\d+) swapped/.exec(m.label)!;
      expect(m.image!.length).toBe(img.length);
      // Resealing rewrites checksums: compare the swapped span only.
      const end = imageRecords(codec, img).find((r) => r.at === Number(b))!;
      const span = (x: Uint8Array): Uint8Array => x.subarray(Number(a), end.at + end.len);
      expect(sorted(span(m.image!))).toBe(sorted(span(img)));
      expect(Buffer.from(span(m.image!)).equals(Buffer.from(span(img)))).toBe(false);
    }
  });
});

describe("semantic edits", () => {
  const t = target("cpt");
  it.each(SEMANTIC_KINDS)("every %s edit changes the decoded model", (kind) => {
    expect(editCount(kind)).toBeGreaterThan(3);
    for (let nth = 0; nth < editCount(kind); nth++) {
      const m = structuredClone(t.model);
      const label = semanticEdit(kind, m, mutantPrng(1, nth), nth);
      expect(label, `${kind} ${nth}`).not.toBeNull();
      expect(json(m), `${kind} ${nth}: ${label}`).not.toBe(json(t.model));
    }
  });

  it("a mutant depends only on the seed and its index", () => {
    for (const i of [0, 5, 13, 30, 47]) {
      const a = makeMutant(t, KINDS, 42, i);
      const b = makeMutant(t, KINDS, 42, i);
      expect(a.label).toBe(b.label);
      expect(a.image === null ? null : Buffer.from(a.image).toString("hex")).toBe(b.image === null ? null : Buffer.from(b.image).toString("hex"));
    }
    expect(makeMutant(t, KINDS, 42, 0).label).not.toBe(makeMutant(t, KINDS, 43, 0).label);
  });
});
