// The in-kernel creator: sys_restart builds the whole tree in kernel threads, which return to
// user mode together, so no restored task runs a user instruction while the container is still
// incomplete — the signal-race window of the user-space creator does not exist here. The
// contrast is measured on the same image with the user-space creator.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CrOpRecord } from "../../../src/core/cr/trace.ts";
import { Hart } from "../../../src/machine/cpu/hart.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { checkpointed, restart } from "../../support/cr.ts";

/** Tasks of the container being restarted (zombies included: they are tasks of the image too). */
const inContainer = (k: Kernel): Task[] => [...k.tasks.values()].filter((t) => t.pidNs !== k.initNs);

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Restart pipe-tree's image (checkpointed at its first mark) with `creator`, and note the size
 * of the container each time one of its tasks enters user mode (Hart.run is the only place guest
 * instructions execute). `early` counts the entries made before the container first held as
 * many tasks as the image.
 */
function restartWatched(creator: string): { early: number; entries: number; op: CrOpRecord; exit: [string, number] | undefined } {
  const c = checkpointed("pipe-tree", creator);
  const sizes: number[] = [];
  const run = Hart.prototype.run;
  vi.spyOn(Hart.prototype, "run").mockImplementation(function (this: Hart, budget: number): number {
    const tasks = inContainer(c.k);
    if (tasks.some((t) => t.hart === this)) sizes.push(tasks.length);
    return run.call(this, budget);
  });
  const r = restart(c);
  vi.restoreAllMocks();
  c.k.shutdown();
  expect(c.k.oopses.count).toBe(0);
  // Later entries with fewer tasks are tasks that have exited since: only the ones before the
  // container first held the whole image count.
  const whole = sizes.findIndex((n) => n >= r.op.tasks);
  return { early: whole < 0 ? sizes.length : whole, entries: sizes.length, op: r.op, exit: r.log.at(-1) };
}

describe("kernel creator", () => {
  it("runs no user instruction in the container before every task of the image exists, and destroys nothing it made", () => {
    const k = restartWatched("kernel");
    expect(k.exit).toEqual(["exit", 0]);
    expect(k.op.tasks).toBeGreaterThan(1);
    expect(k.entries).toBeGreaterThan(0);
    expect(k.early).toBe(0);
    for (const [type, n] of Object.entries(k.op.destroyed)) expect(n, `destroyed ${type}`).toBe(0);
  });

  it("where the user-space creator's forked tasks run restarter code before the tree is whole", () => {
    const user = restartWatched("userspace");
    expect(user.exit).toEqual(["exit", 0]);
    expect(user.early).toBeGreaterThan(0);
  });
});
