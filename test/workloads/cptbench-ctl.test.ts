// cptbench-ctl (workloads/src/cptbench-ctl.c), the controller of the checkpoint/restart
// scenarios, run without a C/R module: `run` puts the workload under a container init in a new
// pid namespace and freezer cgroup and must not change what the workload prints or its exit
// status; with no SIGUSR1 no checkpoint is attempted, and the log is only "exit <raw wait
// status>". Bad usage exits 2; `restart` without a module logs the ENOSYS and exits 111.
//
// runProgram cannot hand back a tmpfs file after the run, so ctl() below is runProgram with the
// log file made before the run (the controller appends to it) and read before the shutdown.
import { describe, expect, it } from "vitest";
import { shellStatus } from "../../src/machine/kernel/task.ts";
import { Machine, runProgram } from "../../src/machine/machine.ts";
import { PAGE_SIZE } from "../../src/machine/mm/frame.ts";
import { loadManifest, recordedOutcome, workloadElf } from "../support/workloads.ts";

const CTL = workloadElf("cptbench-ctl");
const LOG = "/var/log/ctl.log";
const text = (b: Uint8Array): string => Buffer.from(b).toString("latin1");

interface CtlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  log: string;
  oopses: number;
  events: { kind: string }[];
}

function ctl(args: string[], files: Record<string, Uint8Array> = {}, env: string[] = []): CtlResult {
  const m = new Machine({ seed: 1 });
  const vfs = m.kernel.vfs;
  for (const [path, bytes] of Object.entries(files)) vfs.installFile(path, bytes, 0o755);
  const log = vfs.installFile(LOG, new Uint8Array(0), 0o644);
  if (log === null) throw new Error("no log file");
  const task = m.kernel.spawn(CTL, ["cptbench-ctl", ...args], env, "cptbench-ctl", false);
  m.kernel.run(2e9);
  const bytes = new Uint8Array(log.size);
  for (let off = 0; off < log.size; off += PAGE_SIZE) {
    const page = log.cache.find(off / PAGE_SIZE);
    if (page !== undefined) bytes.set(page.data.subarray(0, Math.min(PAGE_SIZE, log.size - off)), off);
  }
  m.kernel.shutdown();
  return {
    stdout: text(m.console.stdout),
    stderr: text(m.console.stderr),
    exitCode: shellStatus(task.exit ?? { signal: 9 }),
    log: text(bytes),
    oopses: m.kernel.oopses.count,
    events: m.kernel.events,
  };
}

function runArgs(workload: string, extra: string[] = []): string[] {
  return ["run", "--log", LOG, "--image", "/w/image", "--flags", "0", "--workdir", "/w", "--cgroup", "ct0", "--", `/bin/${workload}`, ...extra];
}

/** The raw wait status the controller logs: cinit's, which exits with the workload's shell-style status. */
const rawStatus = (code: number): number => code << 8;

describe("cptbench-ctl run", () => {
  const manifest = loadManifest();
  it.each(["hash", "fork-tree", "threads", "cow", "pipe-tree", "futex-pc"])("runs %s in a container with its own output and exit status", (name) => {
    const w = manifest.find((e) => e.name === name);
    if (w === undefined) throw new Error(`${name} not in the manifest`);
    const r = ctl(runArgs(name, w.args), { [`/bin/${name}`]: workloadElf(name) }, w.env);
    const want = recordedOutcome(name);
    expect(r.stdout).toBe(want.stdout);
    expect(r.stderr).toBe(want.stderr);
    expect(r.exitCode).toBe(want.exitCode);
    // The same as a plain run of the workload.
    const plain = runProgram(workloadElf(name), { argv: [name, ...w.args], env: w.env, seed: 1, maxInstructions: 2e9 });
    expect(r.stdout).toBe(text(plain.stdout));
    expect(r.exitCode).toBe(plain.exitCode);
    // No checkpoint without SIGUSR1: only the exit line.
    expect(r.log).toBe(`exit ${rawStatus(want.exitCode)}\n`);
    expect(r.events.filter((e) => e.kind !== "fatal-signal")).toEqual([]);
    expect(r.oopses).toBe(0);
  });

  it("passes a non-zero exit status through (args-env exits 3) with the controller's environment", () => {
    const r = ctl(runArgs("args-env", ["a", "b"]), { "/bin/args-env": workloadElf("args-env") }, ["A=1", "B=two"]);
    expect(r.exitCode).toBe(3);
    expect(r.log).toBe("exit 768\n");
    expect(r.stdout).toContain("A=1");
    expect(r.stdout).toContain("B=two");
    expect(r.oopses).toBe(0);
  });

  it("reports a workload killed by a signal as 128 + N (main-signal dies of SIGTERM)", () => {
    const r = ctl(runArgs("main-signal"), { "/bin/main-signal": workloadElf("main-signal") });
    const want = recordedOutcome("main-signal");
    expect(r.exitCode).toBe(143);
    expect(r.stdout).toBe(want.stdout);
    expect(r.stderr).toBe(want.stderr);
    expect(r.log).toBe("exit 36608\n"); // cinit's exit(143)
  });

  it("exits 127 when the workload cannot be executed", () => {
    const r = ctl(runArgs("missing"));
    expect(r.exitCode).toBe(127);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("cptbench-ctl: execve /bin/missing: ENOENT\n");
    expect(r.log).toBe("exit 32512\n");
  });
});

describe("cptbench-ctl usage", () => {
  it.each([
    [[]],
    [["frob"]],
    [["run", "--log", "/l", "--image", "/i", "--flags", "0", "--workdir", "/w", "--cgroup", "c", "--bogus", "x", "--", "/bin/x"]],
    [["run", "--log", "/l", "--image", "/i", "--flags", "0", "--workdir", "/w", "--cgroup"]],
    [["run", "--log", "/l", "--image", "/i", "--flags", "0", "--workdir", "/w", "--cgroup", "c"]],
    [["run", "--log", "/l", "--image", "/i", "--flags", "0", "--workdir", "/w", "--cgroup", "c", "--"]],
    [["run", "--log", "/l", "--image", "/i", "--flags", "0", "--cgroup", "c", "--", "/bin/x"]],
    [["run", "--log", "/l", "--image", "/i", "--flags", "zero", "--workdir", "/w", "--cgroup", "c", "--", "/bin/x"]],
    [["restart", "--log", "/l", "--image", "/i"]],
    [["restart", "--log", "/l", "--image", "/i", "--flags", "0", "--workdir", "/w"]],
    [["restart", "--log", "/l", "--image", "/i", "--flags", "0", "--cpt-flags", "kill"]],
    [["run", "--log", "/l", "--image", "/i", "--flags", "0", "--workdir", "/w", "--cgroup", "c", "--cpt-flags", "1", "--", "/bin/x"]],
  ])("%j exits 2 with a message on stderr and nothing on stdout", (args) => {
    const r = runProgram(CTL, { argv: ["cptbench-ctl", ...args], seed: 1, maxInstructions: 1e8 });
    expect(r.exitCode).toBe(2);
    expect(text(r.stdout)).toBe("");
    expect(text(r.stderr)).toMatch(/^cptbench-ctl: .*\nusage: /);
  });
});

describe("cptbench-ctl restart", () => {
  it("logs restart's -ENOSYS and exits 111 when no C/R module is loaded", () => {
    const r = ctl(["restart", "--log", LOG, "--image", "/img", "--flags", "0"], { "/img": new Uint8Array([1, 2, 3]) });
    expect(r.exitCode).toBe(111);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
    expect(r.log).toBe("restart -38\n");
  });

  it("logs the open error when the image is missing", () => {
    const r = ctl(["restart", "--log", LOG, "--image", "/nope", "--flags", "0"]);
    expect(r.exitCode).toBe(111);
    expect(r.log).toBe("restart -2\n");
  });
});
