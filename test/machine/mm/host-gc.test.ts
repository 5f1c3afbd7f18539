// host-gc.ts: after a big machine, the host heap is really collected (an object only a WeakRef
// still points at is gone); before a big machine's C/R operation, what lives in the young
// generation is moved out of it; for a small machine nothing is done.
import { getHeapSpaceStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { collectAfterMachine, COLLECT_FROM_PAGES, hostGcStats, settleBeforeOp } from "../../../src/machine/mm/host-gc.ts";

/** Bytes in V8's young generation now. */
const young = (): number => getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_used_size;

/** A WeakRef to an object nothing else holds, made in a job of its own (a WeakRef's target lives until its job ends). */
async function orphan(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ pages: new Array(1000).fill(0) });
  await new Promise((r) => setImmediate(r));
  return ref;
}

describe("collectAfterMachine", () => {
  it("does nothing after a machine below the threshold", () => {
    const before = hostGcStats.collections;
    expect(collectAfterMachine(COLLECT_FROM_PAGES - 1)).toBe(false);
    expect(hostGcStats.collections).toBe(before);
  });

  it("collects the host heap after a big machine", async () => {
    const ref = await orphan();
    const before = hostGcStats.collections;
    expect(collectAfterMachine(COLLECT_FROM_PAGES)).toBe(true);
    expect(hostGcStats.collections).toBe(before + 1);
    expect(ref.deref()).toBeUndefined();
  });
});

describe("settleBeforeOp", () => {
  it("does nothing for a machine below the threshold", () => {
    const before = hostGcStats.settles;
    expect(settleBeforeOp(COLLECT_FROM_PAGES - 1)).toBe(false);
    expect(hostGcStats.settles).toBe(before);
  });

  it("empties the young generation of live objects before a big machine's operation", () => {
    // Live objects made just now are in the young generation: the settle moves them out.
    const keep = Array.from({ length: 20_000 }, (_, i) => ({ i, next: null as object | null }));
    const before = young();
    expect(before).toBeGreaterThan(256 << 10);
    expect(settleBeforeOp(COLLECT_FROM_PAGES)).toBe(true);
    expect(young()).toBeLessThan(before / 4);
    expect(keep[19_999]!.i).toBe(19_999);
  });
});
