// Guest programs exercising the file system (workloads/src, entries of workloads/manifest.json
// with "cwd": "tmp" and "init": true) run under runProgram and must print exactly what they
// printed under qemu-riscv32 on Linux (workloads/expected, recorded by build.sh --record in a
// temporary directory and a new pid namespace), and leave no kernel object behind. fork-files
// and pipe-signal show what qemu-user cannot; their expected output is Linux's behaviour, written
// here (and, as "oracle": "hand", in workloads/expected).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runProgram } from "../../../src/machine/machine.ts";
import { hasQemu, QEMU, recordedOutcome, WORKLOADS_DIR, workloadElf } from "../../support/workloads.ts";

const hasUnshare = hasQemu && spawnSync("unshare", ["-p", "-f", "--mount-proc", "true"]).status === 0;

/** What build.sh --record does: qemu in a fresh directory and pid namespace, 1024 fds. */
function runUnderQemu(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cptbench-fs-"));
  try {
    const elf = join(WORKLOADS_DIR, "bin", `${name}.elf`);
    const r = spawnSync("sh", ["-c", `ulimit -n 1024 && exec unshare -p -f --mount-proc "$0" -0 "$1" "$2"`, QEMU, name, elf], {
      cwd: dir, input: "", env: {},
    });
    return r.stdout.toString("latin1") + `exit ${r.status}\n`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(name: string, files: Record<string, Uint8Array> = {}) {
  const r = runProgram(workloadElf(name), { argv: [name], seed: 3, files, maxInstructions: 2e9, asInit: true /* recorded under unshare -p -f */ });
  return { ...r, out: Buffer.from(r.stdout).toString("latin1") + `exit ${r.exitCode}\n` };
}

/** The recording in the old single-file form: stdout, then "exit N" (stderr is empty). */
function expected(name: string): string {
  const o = recordedOutcome(name);
  expect(o.stderr).toBe("");
  return o.stdout + `exit ${o.exitCode}\n`;
}

const RECORDED = ["fs-basic", "pipes", "fdshare", "procfs", "fmmap", "o-append", "unlink-open", "dirs-links", "pipe-tree", "cloexec"];

describe("fs guest programs match qemu-riscv32", () => {
  it.each(RECORDED)("%s", (name) => {
    const r = run(name);
    expect(r.out).toBe(expected(name));
    expect(r.events.filter((e) => e.kind !== "fatal-signal")).toEqual([]);
    expect(r.oopses).toBe(0);
  });

  it.runIf(hasUnshare).each(RECORDED)("%s matches a live qemu-riscv32 run", (name) => {
    expect(run(name).out).toBe(runUnderQemu(name));
  });

  it("the same run twice is the same run (seeded determinism with pipes and forks)", () => {
    const a = run("pipes");
    const b = run("pipes");
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.out).toBe(b.out);
  });
});

describe("fs guest programs checked against Linux's documented behaviour", () => {
  it("fork-like clone(CLONE_FILES / CLONE_FS), unshare, close-on-exec across execve, statfs64", () => {
    const elf = workloadElf("fork-files");
    const r = run("fork-files", { "/proc/self/exe": elf });
    expect(r.out).toBe([
      'statfs64("/", 88, sfs)                   = 0',
      "f_type 1021994, f_namelen 255",
      'statfs64("/proc", 84, sfs)               = EINVAL',
      "fcntl(x, F_GETFD, 0)                     = EBADF",
      "fcntl(x, F_GETFD, 0)                     = 0",
      "after a CLONE_FS child's chdir: cwd ends in /w/sub: yes, umask 000",
      "after execve: fd 4: 0, close-on-exec fd 5: EBADF",
      "exec child exit 0",
      "exit 0",
      "",
    ].join("\n"));
    expect(r.oopses).toBe(0);
  });

  it("a blocking pipe write interrupted by a handler returns what it wrote, with or without SA_RESTART", () => {
    const r = run("pipe-signal");
    expect(r.out).toBe([
      "SA_RESTART: write returned 65536, reader got 65536, handler ran 1",
      "no SA_RESTART: write returned 65536, reader got 65536, handler ran 1",
      "exit 0",
      "",
    ].join("\n"));
    expect(r.oopses).toBe(0);
  });
});
