// RunQueue: the scheduler's run queue keeps arrival order while taking out the k-th task in
// O(log n). A model check holds it to a plain array (what the scheduler used before, so every
// pick, and every trace, stays the same) under random push / take / delete sequences, through
// the regrowths that pack and double its slots.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RunQueue } from "../../../src/machine/kernel/runqueue.ts";

/** An entry as the scheduler's tasks are: an id, and the slot the queue keeps on it. */
interface E {
  id: number;
  rqSlot: number;
}

/** Entries 0..n-1, made once, so a delete can name one that is not (or no longer) queued. */
const entries = (n: number): E[] => Array.from({ length: n }, (_, id) => ({ id, rqSlot: -1 }));
const ids = (q: Iterable<E>): number[] => [...q].map((e) => e.id);

type Op = { kind: "push" } | { kind: "take"; at: number } | { kind: "delete"; which: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "push" } as const) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("take" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), which: fc.nat() }) },
);

describe("RunQueue", () => {
  it("behaves as an array in arrival order under any sequence of pushes, takes and deletes", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const q = new RunQueue<E>();
        const all = entries(ops.length + 1);
        const ref: number[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            q.push(all[next]);
            ref.push(next++);
          } else if (o.kind === "take") {
            if (ref.length === 0) continue;
            const k = o.at % ref.length;
            expect(q.takeAt(k).id).toBe(ref.splice(k, 1)[0]);
          } else {
            // Often a task that is not queued (never pushed, or already gone).
            const t = o.which % (next + 1);
            const i = ref.indexOf(t);
            expect(q.delete(all[t])).toBe(i >= 0);
            if (i >= 0) ref.splice(i, 1);
          }
          expect(q.length).toBe(ref.length);
        }
        expect(ids(q)).toEqual(ref);
        for (const e of all) expect(q.has(e)).toBe(ref.includes(e.id));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the order across many regrowths with most slots emptied", () => {
    const q = new RunQueue<E>();
    const all = entries(5000);
    const ref: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(all[i]);
      ref.push(i);
      // Take out the first of every three and the middle one now and then: the slots run out
      // long before the queue is full, so it packs as well as doubles.
      if (i % 3 === 0) expect(q.takeAt(0).id).toBe(ref.shift());
      if (i % 7 === 0 && ref.length > 0) {
        const k = Math.floor(ref.length / 2);
        expect(q.takeAt(k).id).toBe(ref.splice(k, 1)[0]);
      }
    }
    expect(ids(q)).toEqual(ref);
    for (let k = ref.length - 1; k >= 0; k -= 97) expect(q.takeAt(k).id).toBe(ref.splice(k, 1)[0]);
    expect(ids(q)).toEqual(ref);
    // Every entry's slot is its place while queued, and -1 once out.
    for (const e of all) expect(e.rqSlot >= 0).toBe(ref.includes(e.id));
  });

  it("refuses an index outside the queue", () => {
    const q = new RunQueue<E>();
    const [a] = entries(1);
    expect(() => q.takeAt(0)).toThrow(RangeError);
    q.push(a);
    expect(() => q.takeAt(1)).toThrow(RangeError);
    expect(() => q.takeAt(-1)).toThrow(RangeError);
    expect(q.takeAt(0)).toBe(a);
    expect(q.length).toBe(0);
    expect(a.rqSlot).toBe(-1);
  });
});
