// The parallel-restart case (REVIEW-CASES.md 14) in quick mode (10 and 100 tasks): with one image
// per task the tasks fill their own memory on their own CPUs, so more CPUs shorten the restart
// more than they do for the single stream, and the outcome says with its figures why it does not
// go further (the one kthread that makes every task).
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { SCALE_CASES } from "../../../src/workbench/cases/scale-cases.ts";
import type { CaseContext } from "../../../src/workbench/cases/types.ts";

const registry = builtinRegistry();
const ctx: CaseContext = { registry, seed: 1, bugs: new Set(), quick: true };

describe("parallel-restart", () => {
  it.each(["cpt", "ckpt"])("per-task images gain more from 8 CPUs than the stream, and the note explains the rest (%s)", (codec) => {
    const [c] = SCALE_CASES;
    const o = c.run({ initiator: "external", creator: "kernel", codec }, ctx);
    expect(o.verdict, o.reason).toBe("pass");
    const f = o.figures;
    const stream = Number(f["stream speed-up 1→8 CPUs, 100 tasks"]);
    const perTask = Number(f["per-task speed-up 1→8 CPUs, 100 tasks"]);
    expect(perTask).toBeGreaterThan(stream);
    // 1.26× when the coordinator also mapped every mm's VMAs, before the tasks filled their own.
    expect(perTask).toBeGreaterThan(1.4);
    expect(Number(f["per-task restart µs, 100 tasks, 8 CPUs"])).toBeLessThan(Number(f["stream restart µs, 100 tasks, 8 CPUs"]));
    const note = new RegExp(`^per-task images, 100 tasks: ${perTask}× from 1 to 8 CPUs\\..*\\(([\\d.]+) objects per task.*: (\\d+) cycles\\), one after another; on 8 CPUs the restart takes (\\d+) cycles per task`).exec(o.reason ?? "");
    expect(note, o.reason).not.toBeNull();
    // The explanation holds: 7 objects per task (and the container's few), and the 8-CPU time is
    // the coordinator's path within 10%.
    expect(Math.round(Number(note![1]))).toBe(7);
    expect(Number(note![3]) / Number(note![2])).toBeGreaterThan(1);
    expect(Number(note![3]) / Number(note![2])).toBeLessThan(1.1);
  }, 120_000);
});
