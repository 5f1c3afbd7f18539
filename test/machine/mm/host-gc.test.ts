// host-gc.ts: after a big machine, the host heap is really collected (an object only a WeakRef
// still points at is gone); after a small one nothing is done.
import { describe, expect, it } from "vitest";
import { collectAfterMachine, COLLECT_FROM_PAGES, hostGcStats } from "../../../src/machine/mm/host-gc.ts";

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
