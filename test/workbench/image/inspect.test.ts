// The inspector's pieces on golden models and fresh dumps: decode → JSON → encode gives the same
// bytes for both codecs (and the per-task layout); record views cover the image; magic finds the
// codec; ps shows the tree with pids per namespace; diff names the objects that differ.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageError, type ImageCodec } from "../../../src/core/cr/interfaces.ts";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { codecFor, detectCodec, ImageFormatError } from "../../../src/workbench/image/codecs.ts";
import { imageDiff } from "../../../src/workbench/image/diff.ts";
import { dumpImage } from "../../../src/workbench/image/dump.ts";
import { documentToModel, modelToDocument } from "../../../src/workbench/image/model-json.ts";
import { loadImage } from "../../../src/workbench/image/source.ts";
import { fdsView, memsView, psView, sigsView } from "../../../src/workbench/image/views.ts";
import { concat, minimalModel, richModel } from "../../support/cr-models.ts";

const registry = builtinRegistry();
const root = mkdtempSync(join(tmpdir(), "cptbench-inspect-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dump(name: string, workload: string, design: string, at?: { kind: "mark" | "insn"; n: number }): string {
  const [initiator, creator, codec] = design.split("/");
  const dir = join(root, name);
  dumpImage({ workload, point: at, initiator, creator, codec, pluginOptions: {}, seed: 1, cpus: 1, quantum: 100_000, leaveRunning: false, dir, registry });
  return dir;
}

/** decode --json then encode, through the JSON text a user would hold. */
function reencode(codec: ImageCodec, image: Uint8Array): Uint8Array {
  const text = JSON.stringify(modelToDocument(codec.decode(image), codec.name, (codec as { perTask?: boolean }).perTask === true));
  const doc = documentToModel(text);
  return concat(codecFor(registry, doc.codec, doc.perTask).encode(doc.model));
}

const dumps: Record<string, string> = {};
beforeAll(() => {
  dumps.cpt = dump("cpt", "pipes", "external/kernel/cpt");
  dumps.ckpt = dump("ckpt", "fork-tree", "self/userspace/ckpt");
  dumps.early = dump("early", "hash", "external/kernel/ckpt", { kind: "insn", n: 30_000 });
  dumps.late = dump("late", "hash", "external/kernel/ckpt", { kind: "insn", n: 90_000 });
});

describe("decode → encode", () => {
  for (const name of ["cpt", "ckpt"]) {
    for (const perTask of [false, true]) {
      it(`is byte-identical for the golden images of ${name}${perTask ? " (per-task layout)" : ""}`, () => {
        const codec = codecFor(registry, name, perTask);
        for (const model of [minimalModel(), richModel()]) {
          const image = concat(codec.encode(model));
          expect(Buffer.from(reencode(codec, image)).equals(Buffer.from(image))).toBe(true);
        }
      });
    }
    it(`is byte-identical for a freshly dumped ${name} image`, () => {
      const src = loadImage(dumps[name], registry);
      expect(src.codec.name).toBe(name);
      expect(src.bytes.length).toBeGreaterThan(4096);
      expect(Buffer.from(reencode(src.codec, src.bytes)).equals(Buffer.from(src.bytes))).toBe(true);
    });
  }

  it("refuses a document that is not one", () => {
    expect(() => documentToModel("[1, 2")).toThrow(/not JSON/);
    expect(() => documentToModel(JSON.stringify({ codec: "cpt", model: {} }))).toThrow(/not a model document/);
  });
});

describe("records and magic", () => {
  for (const name of ["cpt", "ckpt"]) {
    it(`${name}: the top-level records tile the whole image, and its magic names the codec`, () => {
      const src = loadImage(dumps[name], registry);
      const top = src.codec.records!(src.bytes).filter((r) => r.depth === 0);
      let at = 0;
      for (const r of top) {
        expect(r.offset).toBe(at);
        at = r.offset + Math.ceil(r.length / 8) * 8;
      }
      expect(at).toBe(src.bytes.length);
      expect(detectCodec(registry, src.bytes, "x").name).toBe(name);
      const bare = loadImage(join(dumps[name], `image.${name}`), registry);
      expect(bare.codec.name).toBe(name);
      expect(bare.inventory).toBeUndefined();
    });
  }

  it("a per-task image is recognised with its inner codec", () => {
    const codec = codecFor(registry, "ckpt", true);
    const found = detectCodec(registry, concat(codec.encode(richModel())), "x");
    expect([found.name, (found as { perTask?: boolean }).perTask]).toEqual(["ckpt", true]);
  });

  it("bytes of no codec are refused with what they start with", () => {
    expect(() => detectCodec(registry, new TextEncoder().encode("#!/bin/sh\n"), "script")).toThrow(ImageFormatError);
    expect(() => detectCodec(registry, new TextEncoder().encode("#!/bin/sh\n"), "script")).toThrow(/script is not an image of any known codec \(ckpt, cpt\): it starts with 23 21/);
  });

  it("a flipped byte fails ckpt's checksum; truncation fails both codecs", () => {
    const ckpt = loadImage(dumps.ckpt, registry);
    const flipped = ckpt.bytes.slice();
    flipped[flipped.length >> 1] ^= 0x40;
    expect(() => ckpt.codec.decode(flipped)).toThrow(ImageError);
    for (const name of ["cpt", "ckpt"]) {
      const src = loadImage(dumps[name], registry);
      expect(() => src.codec.decode(src.bytes.subarray(0, src.bytes.length - 100))).toThrow(ImageError);
    }
  });
});

describe("views", () => {
  it("ps shows the tree, children under their parent, with a pid per namespace", () => {
    const m = loadImage(dumps.ckpt, registry).codec.decode(readFileSync(join(dumps.ckpt, "image.ckpt")));
    const ps = psView(m);
    expect(ps).toMatch(/^ {3}1 {4}1 \(ns 1\).*cptbench-ctl$/m);
    expect(ps).toMatch(/^ {3}2 {4}2 \(ns 1\).* └─ fork-tree$/m);
    expect(ps).toContain(`${m.tasks.length} task(s)`);
    // richModel's task 4 has a pid in a nested namespace: 4 in the container's, 1 in its own.
    expect(psView(richModel())).toMatch(/4 \(ns 1\) +1 \(ns 2\)/);
  });

  it("fds, mems and sigs say what each fd is, the VMAs with their pages, and the signals", () => {
    const m = loadImage(dumps.cpt, registry).codec.decode(readFileSync(join(dumps.cpt, "image.cpt")));
    expect(fdsView(m)).toMatch(/^ +1 {2}console stdout \[w, pos 0, file \d+\]$/m);
    expect(fdsView(m)).toMatch(/pipe \d+ read end, \d+ bytes buffered/);
    const mems = memsView(m);
    expect(mems).toMatch(/^ {2}[0-9a-f]{8} [0-9a-f]{8} rw-p stack +\d+ +\d+ {2}anonymous$/m);
    const pages = m.mms.reduce((s, x) => s + x.pages.length, 0);
    expect([...mems.matchAll(/(\d+) private pages/g)].reduce((s, x) => s + Number(x[1]), 0)).toBe(pages);
    expect(sigsView(richModel())).toMatch(/process of task 1: shared pending SIGHUP SIGRT32 \(queued: SIGRT32 code -1 from pid 3\)/);
  });
});

describe("diff", () => {
  it("names the objects that differ between two dumps at different points, and none for one image with itself", () => {
    const a = loadImage(dumps.early, registry);
    const b = loadImage(dumps.late, registry);
    const ma = a.codec.decode(a.bytes);
    const lines = imageDiff(ma, b.codec.decode(b.bytes));
    expect(lines.some((l) => /^tasks\[id \d+\]: .*regs/.test(l))).toBe(true);
    expect(lines.some((l) => /^mms\[id \d+\]: /.test(l))).toBe(true);
    expect(imageDiff(ma, a.codec.decode(a.bytes))).toEqual([]);
    const fewer = { ...ma, files: ma.files.slice(1) };
    expect(imageDiff(ma, fewer)).toContain(`files[id ${ma.files[0].id}]: only in A`);
  });
});
