// runs.ts: a run of views continues only with the view that starts where it ends, in its buffer.
import { describe, expect, it } from "vitest";
import { adjoinsEnd, runView } from "../../../src/machine/mm/runs.ts";

describe("runs of host memory", () => {
  const a = new SharedArrayBuffer(4 * 4096);
  const b = new SharedArrayBuffer(4 * 4096);
  const page = (buf: ArrayBufferLike, i: number): Uint8Array => new Uint8Array(buf, i * 4096, 4096);

  it("a view continues a run that ends where it starts, in the same buffer", () => {
    expect(adjoinsEnd(a, 4096, page(a, 1))).toBe(true);
    expect(adjoinsEnd(a, 3 * 4096, page(a, 3))).toBe(true);
  });

  it("a gap, an overlap or another buffer at the same offset ends the run", () => {
    expect(adjoinsEnd(a, 4096, page(a, 2))).toBe(false);
    expect(adjoinsEnd(a, 2 * 4096, page(a, 1))).toBe(false);
    expect(adjoinsEnd(a, 4096, page(b, 1))).toBe(false);
  });

  it("a run's view covers its pages, and is the view itself when it is one page", () => {
    const first = page(a, 1);
    first.fill(7);
    page(a, 2).fill(9);
    const run = runView(first, 2 * 4096);
    expect([run.byteOffset, run.length, run[0], run[4096]]).toEqual([4096, 8192, 7, 9]);
    expect(runView(first, 4096)).toBe(first);
  });
});
