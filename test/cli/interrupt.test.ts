// Ctrl-C in a real process: the CLI is spawned, SIGINT is sent once the first finished cell shows
// on stderr, and the command must stop, print the cells that finished and exit 130 (128 + SIGINT).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "..", "..", "bin", "cptbench.mjs");

interface Ended {
  code: number | null;
  out: string;
  err: string;
}

/** Run the CLI; send SIGINT when the first progress line of a finished cell appears. */
function interruptAfterFirstCell(args: string[]): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", CI: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let sent = false;
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
      if (!sent && /^cptbench: \[1\] .*: (pass|fail|unsupported)/m.test(err)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** "stopped (Ctrl-C) after N cells" → N. */
function finishedCount(err: string): number {
  const m = /cptbench: stopped \(Ctrl-C\) after (\d+) cells?/.exec(err);
  expect(m, err).not.toBeNull();
  return Number(m![1]);
}

describe("Ctrl-C", () => {
  it("stops cptbench run, prints the finished cells and exits 130", async () => {
    // 3 workloads × 8 random points: far more cells than finish before the signal lands.
    const r = await interruptAfterFirstCell(["run", "--workload", "hash", "--workload", "sieve", "--workload", "cow", "--points", "random:8", "--mode", "kill", "--target", "same"]);
    expect(r.code, r.err).toBe(130);
    const n = finishedCount(r.err);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(24);
    const cellLines = r.out.split("\n").filter((l) => /^\S+\s+insn:\d+\s+kill\/same\s+(pass|fail|unsupported)\b/.test(l));
    expect(cellLines).toHaveLength(n);
    expect(r.out).toMatch(/^total: \d+ passed, \d+ failed, \d+ unsupported$/m);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  }, 120_000);

  it("stops cptbench matrix on worker threads the same way", async () => {
    const r = await interruptAfterFirstCell(["matrix", "--initiator", "external", "--fork", "kernel", "--codec", "cpt", "--workload", "hash", "--workload", "sieve", "--workload", "cow", "--workload", "fork-tree", "--points", "random:6", "--mode", "kill", "--target", "same", "--jobs", "2"]);
    expect(r.code, r.err).toBe(130);
    const n = finishedCount(r.err);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(24);
    const total = /^total: (\d+) passed, (\d+) failed, (\d+) unsupported$/m.exec(r.out);
    expect(total, r.out).not.toBeNull();
    expect(Number(total![1]) + Number(total![2]) + Number(total![3])).toBe(n);
  }, 120_000);
});
