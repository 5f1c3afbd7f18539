// What the review cases check of a machine after each attempt: live kernel objects by type (a
// leak shows as a difference) and the problems the kernel reported (oopses, deadlocks, limits).
import type { Kernel } from "../../machine/kernel/kernel.ts";
import { KOBJECT_TYPES } from "../../machine/kernel/kref.ts";
export { problemsOf as kernelProblems } from "../scenario/cell.ts";

/** Live kernel objects by type (KOBJECT_TYPES). */
export function liveObjects(k: Kernel): Record<string, number> {
  return Object.fromEntries(KOBJECT_TYPES.map((t) => [t, k.kobj.liveCount(t)]));
}

/** "file +1, pid -2" for two liveObjects() snapshots, or "" when equal. */
export function objectDelta(before: Record<string, number>, after: Record<string, number>): string {
  return KOBJECT_TYPES.filter((t) => before[t] !== after[t]).map((t) => `${t} ${after[t] - before[t] > 0 ? "+" : ""}${after[t] - before[t]}`).join(", ");
}
