// Authenticated images (core/cr/signed.ts), for both codecs and the per-task layout: a signed image
// decodes with the key, whole and streamed; unsigned, altered or wrongly keyed images are refused
// before the codec decodes a byte (a spy on it), and a streamed one yields no model.
import "reflect-metadata";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { ImageCodec } from "../../../src/core/cr/interfaces.ts";
import { PerTaskCodec } from "../../../src/core/cr/per-task.ts";
import { KeyFileError, readKeyFile, SIG_SIZE, SignatureError, SignedCodec, withKeys } from "../../../src/core/cr/signed.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { concat, richModel } from "../../support/cr-models.ts";

const KEY = new TextEncoder().encode("0123456789abcdef-key");
const OTHER = new TextEncoder().encode("fedcba9876543210-key");
const inners: [string, () => ImageCodec][] = [
  ["cpt", () => new CptCodec()], ["ckpt", () => new CkptCodec()], ["per-task ckpt", () => new PerTaskCodec(new CkptCodec())],
];

function streamed(c: ImageCodec, image: Uint8Array, chunk: number): ReturnType<ImageCodec["decode"]> {
  const d = c.decoder!();
  for (let i = 0; i < image.length; i += chunk) d.push(image.slice(i, i + chunk));
  return d.end();
}

describe.each(inners)("signed %s images", (_name, make) => {
  const model = richModel();
  const signed = concat(new SignedCodec(make(), { sign: KEY }).encode(model));
  const plain = concat(make().encode(model));

  it("append a signature to the codec's own bytes, and decode with the key", () => {
    expect(signed.length).toBe(plain.length + SIG_SIZE);
    expect(Buffer.from(signed.subarray(0, plain.length)).equals(Buffer.from(plain))).toBe(true);
    const c = new SignedCodec(make(), { verify: KEY });
    expect(c.decode(signed)).toEqual(make().decode(plain));
    if (c.decoder !== undefined) for (const n of [1, 7, 4096]) expect(streamed(c, signed, n)).toEqual(make().decode(plain));
  });

  it("refuse an unsigned image, an altered one and a wrong key before decoding anything", () => {
    const inner = make();
    const spy = vi.spyOn(inner, "decode");
    const c = new SignedCodec(inner, { verify: KEY });
    expect(() => c.decode(plain)).toThrow(SignatureError);
    expect(() => c.decode(plain)).toThrow(/is not signed .* --verify refuses unsigned images/);
    for (const at of [0, 100, signed.length >> 1, signed.length - SIG_SIZE - 1, signed.length - 1]) {
      const x = signed.slice();
      x[at]! ^= 0x01;
      expect(() => c.decode(x), `byte ${at}`).toThrow(SignatureError);
    }
    expect(() => new SignedCodec(inner, { verify: OTHER }).decode(signed)).toThrow(/HMAC-SHA256 .* does not match .* signed with another key/);
    expect(spy).not.toHaveBeenCalled();
  });

  it("streamed: an altered image yields no model, and the signature is what is reported", () => {
    const c = new SignedCodec(make(), { verify: KEY });
    // A codec that seeks (cpt, the per-task layout) gets no decoder from the wrapper either.
    if (!make().streams) {
      expect(c.decoder).toBeUndefined();
      return;
    }
    const x = signed.slice();
    x[x.length >> 1]! ^= 0x40;
    expect(() => streamed(c, x, 1000)).toThrow(/does not match/);
    expect(() => streamed(c, plain, 1000)).toThrow(/not signed/);
  });

  it("without --verify: an unsigned image decodes as before, a signed one too", () => {
    const c = new SignedCodec(make(), { sign: KEY });
    expect(c.decode(plain)).toEqual(make().decode(plain));
    expect(c.decode(signed)).toEqual(make().decode(plain));
    if (c.decoder !== undefined) expect(streamed(c, signed, 333)).toEqual(make().decode(plain));
  });
});

describe("key files", () => {
  const dir = mkdtempSync(join(tmpdir(), "cptbench-keys-"));
  it("are raw bytes, at least 16, or a clear error", () => {
    writeFileSync(join(dir, "short"), "too short");
    writeFileSync(join(dir, "good"), KEY);
    expect(() => readKeyFile(join(dir, "short"), "--sign")).toThrow(KeyFileError);
    expect(() => readKeyFile(join(dir, "short"), "--sign")).toThrow(/holds 9 bytes; a key is raw bytes, at least 16/);
    expect(() => readKeyFile(join(dir, "missing"), "--verify")).toThrow(/cannot read the --verify key file/);
    expect(readKeyFile(join(dir, "good"), "--sign")).toEqual(KEY);
    const c = withKeys(new CkptCodec(), { sign: { keyFile: join(dir, "good") } });
    expect(c).toBeInstanceOf(SignedCodec);
    expect(withKeys(new CkptCodec(), {})).toBeInstanceOf(CkptCodec);
  });
});
