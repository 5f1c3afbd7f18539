// The pids controller under a fork bomb (issue 17: "one flipped data byte turns fork-tree into a
// fork bomb: 32,750 tasks ... one 20k-instruction slice taking 4 s"). A bomb whose every task
// forks again at once when fork fails runs in a group at a restored container's default
// pids.max; once the group is full, the host time of one 20,000-instruction scheduler slice is
// the figure (target: under 50 ms — the machine stays responsive). A figure, not a timed test.
import { performance } from "node:perf_hooks";
import { Machine } from "../src/machine/machine.ts";
import { CONTAINER_PIDS_MAX } from "../src/machine/kernel/freezer.ts";
import { forkBombElf } from "../test/fixtures/elf/fork-bomb.ts";
import type { Benchmark, BenchResult } from "./suites.ts";

const SLICE = 20_000;
const SLICES = 50;

function bombSlice(): BenchResult {
  const m = new Machine({ seed: 1, capture: true });
  const k = m.kernel;
  const bomb = k.spawn(forkBombElf("spin"), ["bomb"], [], "/bin/bomb");
  const g = k.freezer.createGroup(k.freezer.root, "bomb")!;
  g.pidsMax = CONTAINER_PIDS_MAX;
  k.freezer.attach(g, bomb);
  const fillStart = performance.now();
  for (let i = 0; i < 100_000 && g.pidsCurrent() < CONTAINER_PIDS_MAX; i++) k.run(SLICE, true);
  const fillMs = performance.now() - fillStart;
  if (g.pidsCurrent() !== CONTAINER_PIDS_MAX) throw new Error(`the bomb reached ${g.pidsCurrent()} tasks, not pids.max ${CONTAINER_PIDS_MAX}`);
  const runs: number[] = [];
  for (let i = 0; i < SLICES; i++) {
    const t0 = performance.now();
    k.run(SLICE, true);
    runs.push(Math.round((performance.now() - t0) * 1000) / 1000);
  }
  const tasks = g.pidsCurrent();
  k.killAll();
  k.run();
  k.shutdown();
  const sorted = [...runs].sort((a, b) => a - b);
  return { value: sorted[Math.floor(sorted.length / 2)], unit: "ms per 20k-instruction slice", runs, max: sorted.at(-1), tasks, fillMs: Math.round(fillMs) };
}

export const PIDS_BENCHMARKS: Benchmark[] = [{ name: "pids.fork-bomb-slice", run: bombSlice }];
