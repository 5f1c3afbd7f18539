// Host time of one call, for the benchmarks that report CPU beside wall time: on a shared
// machine wall time also counts other jobs' turns. process.cpuUsage covers every thread of the
// process, so the garbage collector's helper threads are counted too.

/** One run of f: its wall and CPU time, in ms. */
export function wallAndCpu(f: () => unknown): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}
