// The race cases (REVIEW-CASES.md 1, 10, 11) on every design the built-in registry makes, in
// quick mode: each passes, and each asserts what it measures — a signal window for user-space
// creation and none in the kernel, restored-or-clean-failure at every point and restored with
// signals blocked, sharing equal after restart with the objects user-space fork throws away
// counted, pids kept, clone_with_pid's errnos, and ns_last_pid losing pids where eclone never does.
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { combinations, comboLabel } from "../../../src/workbench/matrix/combos.ts";
import { RACE_CASES } from "../../../src/workbench/cases/race-cases.ts";
import { findCase } from "../../../src/workbench/cases/index.ts";
import { SIGNAL_RACE, type PointResult } from "../../../src/workbench/cases/race-signal.ts";
import { SHARING, SHARING_WORKLOADS } from "../../../src/workbench/cases/race-sharing.ts";
import { PIDS } from "../../../src/workbench/cases/race-pids.ts";
import type { CaseContext } from "../../../src/workbench/cases/types.ts";

const registry = builtinRegistry();
const ctx: CaseContext = { registry, seed: 1, bugs: new Set(), quick: true };
const designs = combinations(registry);
const userspace = designs.filter((d) => d.creator === "userspace");
const kernel = designs.filter((d) => d.creator === "kernel");

describe("the race cases are registered", () => {
  it("under their numbers and ids", () => {
    expect(RACE_CASES.map((c) => [c.number, c.id])).toEqual([[1, "signal-race"], [10, "sharing"], [11, "pids"]]);
    expect(findCase("1")).toBe(SIGNAL_RACE);
    expect(findCase("sharing")).toBe(SHARING);
    expect(findCase("11")).toBe(PIDS);
  });

  it("both creators are in the registry", () => {
    expect(userspace.length).toBeGreaterThan(0);
    expect(kernel.length).toBeGreaterThan(0);
  });
});

describe("signal-race", () => {
  it.each(userspace.map((d) => [comboLabel(d), d] as const))("%s: a window in both mitigations; every point restores or fails cleanly; blocked signals restore", (_, d) => {
    const o = SIGNAL_RACE.run(d, ctx);
    expect(o.verdict, o.reason).toBe("pass");
    const points = o.details as PointResult[];
    for (const m of ["none", "block"]) {
      expect(o.figures[`${m}: window instructions (all tasks)`]).toBeGreaterThan(0);
      expect(o.figures[`${m}: points tried`]).toBeGreaterThan(0);
      expect(o.figures[`${m}: broken`]).toBe(0);
      expect(o.figures[`${m}: points not reached`]).toBe(0);
    }
    expect(points.length).toBe(Number(o.figures["none: points tried"]) + Number(o.figures["block: points tried"]));
    for (const p of points) expect(["restored", "clean failure"], `${p.mitigation} ${p.signal} ${p.target} ${p.nr}+${p.offset}: ${p.why}`).toContain(p.outcome);
    // Blocked and held, a signal to a task waits for the restored task. A group kill also reaches
    // the restarter (the forked tasks are still in its process group): its SIGKILL cannot be
    // blocked or held, and the restart then fails cleanly — the only failures with signals: block.
    for (const p of points.filter((x) => x.mitigation === "block")) {
      if (p.target === "task" || p.signal !== "SIGKILL") expect(p.outcome, `${p.signal} ${p.target} ${p.nr}+${p.offset}: ${p.why}`).toBe("restored");
      else expect(p.outcome === "restored" || /the restarter died/.test(p.why), p.why).toBe(true);
    }
    // The socket-and-epoll server (its figures by name): a window too, and no broken restart.
    for (const m of ["none", "block"]) {
      expect(o.figures[`libc-sock-epoll: ${m}: window instructions (all tasks)`]).toBeGreaterThan(0);
      expect(o.figures[`libc-sock-epoll: ${m}: points tried`]).toBeGreaterThan(0);
      expect(o.figures[`libc-sock-epoll: ${m}: broken`]).toBe(0);
      expect(o.figures[`libc-sock-epoll: ${m}: points not reached`]).toBe(0);
    }
    // Without the mitigation, a SIGKILL to a task in its window fails the restart.
    for (const p of points.filter((x) => x.mitigation === "none" && x.target === "task" && x.signal === "SIGKILL")) expect(p.outcome).toBe("clean failure");
  });

  it.each(kernel.map((d) => [comboLabel(d), d] as const))("%s: no user instruction of a restored task before the restart is over", (_, d) => {
    const o = SIGNAL_RACE.run(d, ctx);
    expect(o.verdict, o.reason).toBe("pass");
    expect(o.figures["user instructions before restart done"]).toBe(0);
    expect(o.figures["window instructions (all tasks)"]).toBe(0);
    expect(o.figures["libc-sock-epoll: user instructions before restart done"]).toBe(0);
  });
});

describe("sharing", () => {
  it.each(designs.map((d) => [comboLabel(d), d] as const))("%s: sharing equal after restart; objects created and destroyed counted", (_, d) => {
    const o = SHARING.run(d, ctx);
    expect(o.verdict, o.reason).toBe("pass");
    for (const w of SHARING_WORKLOADS) {
      expect(o.figures[`${w.name}: sharing equal`]).toBe(true);
      expect(o.figures[`${w.name}: objects created`]).toBeGreaterThan(0);
      // What user-space fork made is destroyed when the tasks take over their restored objects.
      if (d.creator === "userspace") expect(o.figures[`${w.name}: objects destroyed`]).toBeGreaterThan(0);
      else expect(o.figures[`${w.name}: objects destroyed`]).toBe(0);
    }
    // share-unshare: B (pid 3 in the container) has a table of its own, A and C share one.
    const su = (o.details as { workload: string; after: Record<string, string> }[]).find((x) => x.workload === "share-unshare")!;
    expect(su.after.files).toBe("1 | 2 4 | 3");
    expect(su.after.mm).toBe("1 | 2 3 4");
  });
});

describe("pids", () => {
  it.each(designs.map((d) => [comboLabel(d), d] as const))("%s: pids kept, clone_with_pid's errnos, the ns_last_pid race", (_, d) => {
    const o = PIDS.run(d, ctx);
    expect(o.verdict, o.reason).toBe("pass");
    expect(o.figures["pid-forest: pids kept"]).toBe(true);
    expect(o.figures["reparent: pids kept"]).toBe(true);
    expect(o.figures["clone_with_pid unprivileged, outside a restart (errno)"]).toBe(1);
    expect(o.figures["clone_with_pid of a pid in use (errno)"]).toBe(16);
    if (d.creator === "userspace") {
      expect(o.figures["ns_last_pid, 2 CPUs: explorations with a stolen pid"]).toBeGreaterThan(0);
      expect(o.figures["eclone, 2 CPUs: explorations with a stolen pid"]).toBe(0);
      expect(o.figures["eclone, 1 CPU: explorations with a stolen pid"]).toBe(0);
      expect(o.figures["eclone, 2 CPUs: restored"]).toBe(o.figures["eclone, 2 CPUs: explorations"]);
    } else {
      expect(String(o.figures["ns_last_pid race"])).toMatch(/not applicable/);
    }
  });
});
