// A C/R passes whether the image file's pages lie side by side in host memory (read as views,
// runs.ts) or scattered (a ckpt restart gathers them into one buffer per read): where the frame
// pool's memory comes from must never change an outcome.
import { beforeEach, describe, expect, it } from "vitest";
import { FRAME_POOL } from "../../../src/machine/mm/frame-pool.ts";
import { FrameAllocator } from "../../../src/machine/mm/frame.ts";
import { crCell, guestWorkload, reference } from "../../../bench/suites-cr.ts";

/** Leave the pool's free list out of address order: every other page of `n`, given back last to first. */
function scatterPool(n: number): void {
  const a = new FrameAllocator(n);
  const held = Array.from({ length: n }, () => a.alloc()!);
  for (let i = held.length - 1; i >= 0; i -= 2) a.put(held[i]!);
  for (let i = held.length - 2; i >= 0; i -= 2) a.put(held[i]!);
}

describe("C/R over the frame pool's memory, in order or scattered", () => {
  beforeEach(() => FRAME_POOL.drain());
  const w = guestWorkload("bigmem", ["2"]);
  const ref = reference(w);

  for (const codec of ["cpt", "ckpt"] as const) {
    it(`${codec}: passes with pages side by side and with pages scattered`, () => {
      expect(crCell(w, ref, codec).verdict).toBe("pass");
      FRAME_POOL.drain();
      scatterPool(4096);
      expect(crCell(w, ref, codec).verdict).toBe("pass");
    });
  }
});
