// Loaded with `node --import` into the `cptbench` process that the cr.peak-rss-256mib benchmark
// starts. At exit it writes one line to stderr, `cptbench-rss {...}`: the peak resident set of
// the process (VmHWM), its resident set when this module loaded, before the CLI's own modules
// (Node's own floor), and the resident set and V8 heap at the start and end of each checkpoint
// and restart (by wrapping CrTrace.begin/end of dist/, which the benchmark makes sure the command
// runs), in MiB: where the memory goes.
//
// VmHWM of /proc/self/status counts this process's memory since its execve. ru_maxrss (what
// `/usr/bin/time` reports) does not do here: Linux carries it over fork and execve, so a child of
// the big benchmark process would report the parent's resident set as its own floor.
import { readFileSync } from "node:fs";
import { URL } from "node:url";

/** A /proc/self/status field in MiB, to a tenth. */
function mib(key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return m === null ? NaN : Math.round(Number(m[1]) / 102.4) / 10;
}

const baselineMiB = mib("VmHWM");
const phases = {};
const heapMiB = () => Math.round(process.memoryUsage().heapTotal / 104857.6) / 10;
try {
  const { CrTrace } = await import(new URL("../dist/core/cr/trace.js", import.meta.url).href);
  const { begin, end } = CrTrace.prototype;
  CrTrace.prototype.begin = function (op, caller) {
    phases[`${op}Begin`] = { rssMiB: mib("VmRSS"), heapMiB: heapMiB() };
    return begin.call(this, op, caller);
  };
  CrTrace.prototype.end = function (r, ...rest) {
    end.call(this, r, ...rest);
    phases[`${r.op}End`] = { rssMiB: mib("VmRSS"), heapMiB: heapMiB() };
  };
} catch {
  // No dist/ (the command runs the sources): the peak is still measured, not its phases.
}
process.on("exit", () => {
  process.stderr.write(`cptbench-rss ${JSON.stringify({ baselineMiB, peakMiB: mib("VmHWM"), exitRssMiB: mib("VmRSS"), phases })}\n`);
});
