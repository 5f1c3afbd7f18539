// The child process of `cr.peak-rss-256mib`: checkpoint and restart the bigmem guest once through
// the scenario runner (kill mode, fresh target) and print one JSON line with this process's peak
// resident set and the baseline before any machine was booted.
//   node bin/run-ts.mjs bench/peak-rss.ts REF.json [MiB]
// REF.json is the guest's reference run, made by the parent (so that its 256 MiB machine is not
// counted here).
//
// The peak is VmHWM of /proc/self/status (this process's mm since its execve), not
// process.resourceUsage().maxRSS: Linux carries ru_maxrss over fork and execve, so a child of a
// big parent reports the parent's RSS as its own floor. The RSS at the start and end of each C/R
// operation is sampled too (by wrapping CrTrace.begin/end), to show where the memory goes.
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { CrTrace, type CrOpRecord } from "../src/core/cr/trace.ts";
import { crCell, guestWorkload, refFromJson } from "./suites-cr.ts";

const [refPath, mib = "256"] = process.argv.slice(2);
if (refPath === undefined) {
  console.error("usage: peak-rss.ts REF.json [MiB]");
  process.exit(2);
}

/** VmRSS and VmHWM of this process, in MiB. */
function status(): { rss: number; hwm: number } {
  const s = readFileSync("/proc/self/status", "utf8");
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
  return { rss: Math.round(kib("VmRSS") / 102.4) / 10, hwm: Math.round(kib("VmHWM") / 102.4) / 10 };
}

const samples: Record<string, number> = {};
const proto = CrTrace.prototype;
const begin = proto.begin;
const end = proto.end;
proto.begin = function (this: CrTrace, op: "checkpoint" | "restart", caller: number): CrOpRecord {
  samples[`${op}BeginRssMiB`] = status().rss;
  return begin.call(this, op, caller);
};
proto.end = function (this: CrTrace, r: CrOpRecord, result: number, error?: string): void {
  end.call(this, r, result, error);
  const s = status();
  samples[`${r.op}EndRssMiB`] = s.rss;
  samples[`${r.op}EndPeakMiB`] = s.hwm;
};

const ref = refFromJson(readFileSync(refPath, "utf8"));
const w = guestWorkload("bigmem", [mib]);
const baselineMiB = status().hwm;
const r = crCell(w, ref);
console.log(JSON.stringify({
  peakMiB: status().hwm, baselineMiB, ...samples, imageBytes: r.imageBytes, verdict: r.verdict,
  checkpointWallMs: Math.round(r.checkpoint!.wallMs), restartWallMs: Math.round(r.restart!.wallMs),
}));
