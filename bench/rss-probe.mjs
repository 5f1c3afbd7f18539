// Loaded with `node --import` into the `cptbench` process that the cr.peak-rss-256mib benchmark
// starts. At exit it writes one line to stderr, `cptbench-rss {...}`: the peak resident set of
// the process (VmHWM) and its resident set when this module loaded, before the CLI's own modules
// (Node's own floor), in MiB.
//
// VmHWM of /proc/self/status counts this process's memory since its execve. ru_maxrss (what
// `/usr/bin/time` reports) does not do here: Linux carries it over fork and execve, so a child of
// the big benchmark process would report the parent's resident set as its own floor.
import { readFileSync } from "node:fs";

/** A /proc/self/status field in MiB, to a tenth. */
function mib(key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return m === null ? NaN : Math.round(Number(m[1]) / 102.4) / 10;
}

const baselineMiB = mib("VmHWM");
process.on("exit", () => {
  process.stderr.write(`cptbench-rss ${JSON.stringify({ baselineMiB, peakMiB: mib("VmHWM"), exitRssMiB: mib("VmRSS") })}\n`);
});
