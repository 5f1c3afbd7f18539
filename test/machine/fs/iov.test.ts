// KvecIter: several kernel buffers taken as one, the way the checkpoint hands an image's pieces
// (header bytes, views of guest frames) to a file write. Checked against the buffers joined.
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { KvecIter } from "../../../src/machine/fs/iov.ts";

const joined = (vecs: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(vecs));

describe("KvecIter", () => {
  fcTest.prop([fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), fc.array(fc.tuple(fc.constantFrom("in", "into", "skip"), fc.nat(50)), { maxLength: 12 })])(
    "takes the bytes in order across buffers, whatever the steps (copyIn, copyInto, advance)",
    (vecs, steps) => {
      const all = joined(vecs);
      const it = new KvecIter(vecs);
      let at = 0;
      for (const [how, n] of steps) {
        const want = all.subarray(at, Math.min(all.length, at + n));
        if (how === "in") expect([...it.copyIn(n)]).toEqual([...want]);
        else if (how === "into") {
          const dst = new Uint8Array(n + 3).fill(0xee);
          expect(it.copyInto(dst, 3, n)).toBe(want.length);
          expect([...dst.subarray(3, 3 + want.length)]).toEqual([...want]);
          expect(dst.subarray(0, 3).every((x) => x === 0xee)).toBe(true);
        } else it.advance(n);
        at = Math.min(all.length, at + n);
        expect(it.remaining).toBe(all.length - at);
      }
    },
  );

  it("a read into it fills the buffers in order", () => {
    const vecs = [new Uint8Array(3), new Uint8Array(0), new Uint8Array(4)];
    const it = new KvecIter(vecs);
    expect(it.copyOut(new Uint8Array([1, 2, 3, 4, 5]))).toBe(5);
    expect(it.copyOut(new Uint8Array([6, 7, 8, 9]))).toBe(2);
    expect(it.remaining).toBe(0);
    expect([...joined(vecs)]).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("hands out a view, not a copy, when the bytes lie in one buffer", () => {
    const a = new Uint8Array([1, 2, 3, 4]);
    const it = new KvecIter([a, new Uint8Array([5, 6])]);
    const v = it.copyIn(3);
    expect(v.buffer).toBe(a.buffer);
    const across = it.copyIn(2);
    expect([...across]).toEqual([4, 5]);
    expect(across.buffer).not.toBe(a.buffer);
  });
});
