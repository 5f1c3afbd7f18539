// One ZDTM test under qemu-riscv32 on the real kernel (`cptbench zdtm --qemu`): the oracle that
// says which tests are valid on riscv32 at all. The same protocol as the exec runner, with real
// processes: the launcher runs in a fresh temporary directory (made writable for the unprivileged
// uid zdtm.py gives non-suid tests), the runner waits for it to exit, reads the pid from the
// pidfile, sends SIGTERM and polls until that process is gone. Limits are wall-clock seconds here.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { argValue, notRun, outPassed, tailLines, testEnv, type RunOutcome } from "./protocol.ts";
import type { ZdtmTest } from "./tests-list.ts";

export interface QemuOptions {
  /** Seconds for the start and for the stop, each (zdtm.py waits up to 10 s by default). */
  timeoutSec?: number;
  qemu?: string;
}

/**
 * Tests that change host-wide state no namespace of this runner contains: the cgroup tests mount
 * cgroup hierarchies and create cgroups in them, which outlive the test. zdtm.py runs them in a
 * disposable VM; on a shared host they are not run under qemu (they still run under exec).
 */
export function hostUnsafe(t: ZdtmTest): string | null {
  return /^cgroup/.test(t.base) ? "not run under qemu on a shared host: it creates cgroups on the host (zdtm.py runs it in a disposable VM)" : null;
}

/** `unshare --mount` as root: a test's mounts (in its directory) vanish with its mount namespace. */
let unshareOk: boolean | undefined;
function mountNsPrefix(): string[] {
  if (process.getuid?.() !== 0) return [];
  unshareOk ??= spawnSync("unshare", ["--mount", "--propagation", "private", "true"], { stdio: "ignore" }).status === 0;
  return unshareOk ? ["unshare", "--mount", "--propagation", "private", "--"] : [];
}

export function qemuAvailable(qemu = "qemu-riscv32"): boolean {
  return spawnSync(qemu, ["--version"], { stdio: "ignore" }).status === 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether pid names a live process (a zombie counts as gone: it finished). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * Processes still running in the test's directory (its daemon when the start timed out, children it
 * left behind): their cwd is the directory, which no other process has — it is the run's own.
 */
function leftovers(dir: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cwd = readlinkSync(`/proc/${e}/cwd`).replace(/ \(deleted\)$/, "");
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(e));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return pids;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

function readOut(dir: string, outName: string): string | null {
  for (const n of [outName, `${outName}.inprogress`]) {
    const p = join(dir, n);
    if (existsSync(p)) return readFileSync(p, "utf8");
  }
  return null;
}

/** Run one test with zdtm.py's protocol under qemu-riscv32. */
export async function runQemu(t: ZdtmTest, opts: QemuOptions = {}): Promise<RunOutcome> {
  const skipped = notRun(t);
  if (skipped !== null) return skipped;
  const unsafe = hostUnsafe(t);
  if (unsafe !== null) return { verdict: "skip", reason: unsafe };
  const pidName = argValue(t, "pidfile");
  const outName = argValue(t, "outfile");
  if (pidName === null || outName === null) return { verdict: "fail", reason: `start command has no --pidfile/--outfile: ${t.args.join(" ")}` };
  const timeoutMs = (opts.timeoutSec ?? 10) * 1000;
  const dir = mkdtempSync(join(tmpdir(), `cptbench-zdtm-${t.base}-`));
  let pid = 0;
  try {
    // zdtm.py's __add_wperms: the unprivileged test writes its pidfile and outfile here.
    chmodSync(dir, 0o777);
    copyFileSync(t.elf as string, join(dir, t.base));
    chmodSync(join(dir, t.base), 0o755);
    const fail = (reason: string): RunOutcome => {
      const out = readOut(dir, outName);
      return { verdict: "fail", reason, outTail: out === null ? stderrTail : tailLines(out) };
    };
    let stderr = "";
    let stderrTail: string[] = [];
    const argv = [...mountNsPrefix(), opts.qemu ?? "qemu-riscv32", `./${t.base}`, ...t.args];
    const launcher = spawn(argv[0], argv.slice(1), {
      cwd: dir,
      env: testEnv(t, dir),
      stdio: ["ignore", "ignore", "pipe"],
    });
    launcher.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      launcher.on("exit", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
      launcher.on("error", () => {
        clearTimeout(timer);
        resolve({ code: 127, signal: null });
      });
    });
    stderrTail = tailLines(stderr);
    if (exit === null) {
      launcher.kill("SIGKILL");
      return fail(`start: the launcher did not exit within ${timeoutMs / 1000} s`);
    }
    if (exit.code !== 0) return fail(`start: the launcher ${exit.signal !== null ? `was killed by ${exit.signal}` : `exited with ${exit.code}`}`);
    const pidPath = join(dir, pidName);
    pid = existsSync(pidPath) ? Number(readFileSync(pidPath, "utf8").trim()) : NaN;
    if (!Number.isInteger(pid) || pid <= 0) return fail(`start: no pid in ${pidName}`);
    if (!alive(pid)) return fail(`the test (pid ${pid}) died before SIGTERM`);
    process.kill(pid, "SIGTERM");
    if (!(await waitFor(() => !alive(pid), timeoutMs))) return fail(`stop: the test did not exit within ${timeoutMs / 1000} s of SIGTERM`);
    pid = 0;
    const out = readOut(dir, outName) ?? "";
    if (!outPassed(out)) return fail(`no PASS at the end of ${outName}`);
    return { verdict: "pass", reason: null };
  } finally {
    if (pid > 0 && alive(pid)) process.kill(pid, "SIGKILL");
    for (const p of leftovers(dir)) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Something the test made stays busy (a mount outside a mount namespace): leave it.
    }
  }
}
