// `cptbench exec` as a user runs it: a subprocess, with its exit status, stdout and stderr.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest, recordedOutcome, WORKLOADS_DIR } from "../support/workloads.ts";
import { tempDir } from "../support/tmp.ts";

const BIN = join(import.meta.dirname, "..", "..", "bin", "cptbench.mjs");
const elfPath = (name: string): string => join(WORKLOADS_DIR, "bin", `${name}.elf`);

function cptbench(args: string[], input = "") {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: "latin1", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("cptbench exec", () => {
  it("passes the program's output through and exits with its status", () => {
    const want = recordedOutcome("args-env");
    const r = cptbench(["exec", "--clear-env", ...envFlags("args-env"), elfPath("args-env"), ...argsOf("args-env")]);
    expect(r.status).toBe(want.exitCode);
    expect(r.stderr).toContain(want.stderr);
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  it("--stats json prints one JSON line with the run's figures", () => {
    const r = cptbench(["exec", "--stats", "json", elfPath("hash")]);
    expect(r.status).toBe(0);
    const line = r.stderr.trim().split("\n").pop()!;
    const stats = JSON.parse(line);
    expect(stats.exitCode).toBe(0);
    expect(stats.instructions).toBeGreaterThan(1_000_000);
    expect(stats.wallMs).toBeGreaterThan(0);
    expect(stats.mips).toBeGreaterThan(0);
  });

  it("--strace shows each syscall with arguments and result", () => {
    const r = cptbench(["exec", "--strace", elfPath("hash")]);
    expect(r.status).toBe(0);
    // The program is pid 2, below the kernel's init (pid 1), as it would be below a shell.
    expect(r.stderr).toMatch(/^\[pid 2\] write\(1, ".*"(\.\.\.)?, \d+\) = \d+$/m);
    expect(r.stderr).toMatch(/^\[pid 2\] exit_group\(0\) = 0$/m);
  });

  it("--max-instructions kills the program with SIGKILL (status 137) and says why", () => {
    const r = cptbench(["exec", "--max-instructions", "1000", elfPath("hash")]);
    expect(r.status).toBe(137);
    expect(r.stderr).toContain("instruction limit of 1000 reached");
  });

  it("rejects a file that is not an ELF with a clear message and status 2", () => {
    const dir = tempDir("exec");
    const bad = join(dir, "notelf");
    writeFileSync(bad, "#!/bin/sh\necho hi\n");
    const r = cptbench(["exec", bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cptbench: .*ELF/m);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it("reports a missing file and a bad flag with status 2", () => {
    const missing = cptbench(["exec", "/nonexistent/prog.elf"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("cannot read /nonexistent/prog.elf: ENOENT");
    const flag = cptbench(["exec", "--seed", "abc", elfPath("hash")]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("--seed must be a non-negative integer");
    const stats = cptbench(["exec", "--stats", "xml", elfPath("hash")]);
    expect(stats.status).toBe(2);
    expect(stats.stderr).toContain("Allowed choices are json");
  });

  it("--help describes every command", () => {
    const r = cptbench(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("exec");
    const sub = cptbench(["exec", "--help"]);
    for (const flag of ["--seed", "--strace", "--max-instructions", "--stats"]) expect(sub.stdout).toContain(flag);
  });
});

function entry(name: string) {
  const e = loadManifest().find((w) => w.name === name);
  if (!e) throw new Error(`workload ${name} missing from the manifest`);
  return e;
}
function envFlags(name: string): string[] {
  return entry(name).env.flatMap((kv) => ["-E", kv]);
}
function argsOf(name: string): string[] {
  return entry(name).args;
}
