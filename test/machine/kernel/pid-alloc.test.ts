// Pid allocation: the bitmap answers exactly what a number-by-number scan of the namespace
// would (idr_alloc_cyclic's order: after lastPid, wrapping to RESERVED_PIDS once past it).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PidBitmap } from "../../../src/machine/kernel/pid-bitmap.ts";
import { KObjectRegistry } from "../../../src/machine/kernel/kref.ts";
import { Oopses } from "../../../src/machine/kernel/oops.ts";
import { PidNamespace, RESERVED_PIDS, allocPid, type Pid } from "../../../src/machine/kernel/pid.ts";

/** The allocation order the kernel had before the bitmap: the reference. */
function scanFree(taken: Set<number>, lastPid: number, pidMax: number): number {
  const min = lastPid >= RESERVED_PIDS ? RESERVED_PIDS : 1;
  for (let i = 0, nr = lastPid + 1; i < pidMax; i++, nr++) {
    if (nr >= pidMax) nr = min;
    if (!taken.has(nr)) return nr;
  }
  return 0;
}

describe("PidBitmap", () => {
  it("finds the lowest free number in a range, across word and summary boundaries", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 600 }), fc.integer({ min: 0, max: 5100 }), fc.integer({ min: 0, max: 5100 }), (nrs, a, b) => {
        const bm = new PidBitmap();
        for (const n of nrs) bm.set(n);
        const [from, to] = a <= b ? [a, b] : [b, a];
        let want = -1;
        for (let n = from; n < to; n++) if (!nrs.includes(n)) { want = n; break; }
        expect(bm.findFree(from, to)).toBe(want);
      }),
    );
  });

  it("sees a full run of 2,048 numbers as full, and a number freed inside it", () => {
    const bm = new PidBitmap();
    for (let n = 1; n < 2049; n++) bm.set(n);
    expect(bm.findFree(1, 2049)).toBe(-1);
    expect(bm.findFree(1, 3000)).toBe(2049);
    bm.clear(1500);
    expect(bm.has(1500)).toBe(false);
    expect(bm.findFree(1, 2049)).toBe(1500);
    bm.set(1500);
    expect(bm.findFree(300, 2049)).toBe(-1);
  });
});

describe("PidNamespace.nextFree", () => {
  it("allocates in the same order as a scan of every number", () => {
    fc.assert(
      fc.property(fc.integer({ min: RESERVED_PIDS + 1, max: 2000 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: -1, max: 2000 }), (pidMax, ops, lastPid) => {
        const reg = new KObjectRegistry(new Oopses());
        const ns = new PidNamespace(reg, null, 0, "test");
        ns.pidMax = pidMax;
        ns.lastPid = Math.min(lastPid, pidMax);
        const live: Pid[] = [];
        const taken = new Set<number>();
        for (const op of ops) {
          if (op === 0 && live.length > 0) {
            // Free the oldest: holes appear behind the cursor, as when early tasks exit.
            const p = live.shift()!;
            taken.delete(p.numbers[0].nr);
            reg.put(p);
            continue;
          }
          const want = scanFree(taken, ns.lastPid, pidMax);
          const p = allocPid(ns);
          if (want === 0) {
            expect(p).toBe(-11);
            continue;
          }
          expect(typeof p).not.toBe("number");
          expect((p as Pid).numbers[0].nr).toBe(want);
          taken.add(want);
          live.push(p as Pid);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("fails with EAGAIN once every number is taken, and succeeds again after one is freed", () => {
    const reg = new KObjectRegistry(new Oopses());
    const ns = new PidNamespace(reg, null, 0, "test");
    ns.pidMax = RESERVED_PIDS + 50;
    const pids: Pid[] = [];
    for (;;) {
      const p = allocPid(ns);
      if (typeof p === "number") {
        expect(p).toBe(-11);
        break;
      }
      pids.push(p);
    }
    expect(pids).toHaveLength(RESERVED_PIDS + 49);
    const freed = pids[RESERVED_PIDS + 10];
    const nr = freed.numbers[0].nr;
    reg.put(freed);
    const again = allocPid(ns);
    expect(typeof again === "number" ? again : again.numbers[0].nr).toBe(nr);
  });
});
