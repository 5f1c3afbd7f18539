// One ZDTM test under cptbench's emulated kernel, without checkpoint (`cptbench zdtm --exec`):
// zdtm.py's protocol (protocol.ts) on a Machine. The test's ELF goes into tmpfs at
// /zdtm/static/NAME, its launcher starts there with the Makefile's arguments; the machine runs
// until the launcher exited and the pidfile exists, a little more, then the test's pid gets
// SIGTERM and the machine runs until that process is gone. Limits are in guest instructions, so a
// verdict never depends on the host's speed. Issue 16 puts a checkpoint/restart between start and
// stop; the phases are separate functions for that reason.
import { readFileSync } from "node:fs";
import { mkdirsTmpfs, walkTmpfs } from "../../core/cr/restore/tree.ts";
import { Machine } from "../../machine/machine.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SI_USER } from "../../machine/kernel/siginfo.ts";
import { LINUX_6_1, LINUX_LATER } from "../../machine/kernel/syscalls/linux-nr.ts";
import { TmpfsFile } from "../../machine/fs/tmpfs/tmpfs.ts";
import { argValue, notRun, outPassed, tailLines, testEnv, type RunOutcome } from "./protocol.ts";
import type { ZdtmTest } from "./tests-list.ts";

export interface ExecLimits {
  /** Instructions the start may take (launcher exited, pidfile written). */
  start: number;
  /** Instructions the test runs between test_daemon() and SIGTERM. */
  settle: number;
  /** Instructions the test may take to check itself and exit after SIGTERM. */
  stop: number;
}

export const DEFAULT_LIMITS: ExecLimits = { start: 2_000_000_000, settle: 2_000_000, stop: 2_000_000_000 };

export interface ExecOptions {
  seed?: number;
  limits?: ExecLimits;
}

const GUEST_DIR = "/zdtm/static";
const SIGTERM = 15;
/** Virtual time a test may sleep through before SIGTERM, and in each other phase (see runHorizon). */
export const SETTLE_NS = 1_000_000_000;
const PHASE_NS = 30_000_000_000;
/** Instructions per run() call: the loop checks its conditions between slices. */
const SLICE = 5_000_000;

const SYSCALL_NAMES = new Map<number, string>([...LINUX_6_1, ...LINUX_LATER]);

export function readGuest(m: Machine, path: string): string | null {
  const d = walkTmpfs(m.kernel.vfs, path);
  return d !== null && d.inode instanceof TmpfsFile ? new TextDecoder().decode(d.inode.readBytes()) : null;
}

/**
 * Run slices until `done()` or `budget` instructions; false if the budget ran out or all slept.
 * When every task sleeps, the kernel would jump the clock to the next timer however far away (an
 * hour for timers01's itimers) and fire it, where zdtm.py would have gone on within seconds: so
 * the run stops at an idle moment once `done()` holds, and counts as asleep for good when the next
 * timer lies more than `horizonNs` of virtual time ahead.
 */
export function runHorizon(m: Machine, budget: number, done: () => boolean, horizonNs = PHASE_NS): { ok: boolean; idle: boolean } {
  const k = m.kernel;
  const end = k.clock + k.nsToCycles(horizonNs);
  k.idleStop = () => done() || (k.timers.nextDeadline() ?? Infinity) > end;
  try {
    let used = 0;
    while (!done()) {
      if (used >= budget) return { ok: false, idle: false };
      const n = k.run(Math.min(SLICE, budget - used), true);
      used += n;
      // Less than asked and not done: nothing can run before the horizon (all asleep for good).
      if (n < Math.min(SLICE, budget - used + n) && !done()) return { ok: false, idle: true };
    }
    return { ok: true, idle: false };
  } finally {
    k.idleStop = null;
  }
}

export const gone = (t: Task): boolean => t.group.threads.size === 0 || [...t.group.threads].every((x) => !x.alive);

/** Boot a machine with the test installed and its launcher started in the test's directory. */
export function startTest(t: ZdtmTest, elf: Uint8Array, seed: number): { m: Machine; launcher: Task } {
  const m = new Machine({ seed, capture: true });
  const k = m.kernel;
  const dir = mkdirsTmpfs(k.vfs, GUEST_DIR);
  const tmp = mkdirsTmpfs(k.vfs, "/tmp");
  if (dir === null || tmp === null) throw new Error("zdtm: cannot make the test's directories in tmpfs");
  // zdtm.py's __add_wperms: the test switches to an unprivileged uid and writes its pidfile,
  // outfile and test files there.
  dir.inode.mode |= 0o777;
  tmp.inode.mode |= 0o1777;
  k.vfs.installFile(`${GUEST_DIR}/${t.base}`, elf, 0o755);
  const env = Object.entries(testEnv(t, "/tmp")).map(([a, b]) => `${a}=${b}`);
  const launcher = k.spawn(elf, [`./${t.base}`, ...t.args], env, `./${t.base}`);
  if (launcher.fs !== null) launcher.fs.pwd = { mnt: k.vfs.rootMount, dentry: dir };
  return { m, launcher };
}

function enosysNote(m: Machine): string {
  const names = [...m.kernel.stats.enosys.keys()].map((nr) => SYSCALL_NAMES.get(nr) ?? `#${nr}`);
  return names.length > 0 ? `ENOSYS: ${names.join(", ")}` : "";
}

function failure(m: Machine, what: string, outName: string | null): RunOutcome {
  const out = outName === null ? null : (readGuest(m, `${GUEST_DIR}/${outName}`) ?? readGuest(m, `${GUEST_DIR}/${outName}.inprogress`));
  const events = m.kernel.events.filter((e) => e.kind !== "instruction-limit").map((e) => e.message);
  const parts = [what, enosysNote(m), ...events.slice(0, 2)].filter((s) => s !== "");
  // Before the outfile exists (test_init() fails early) the launcher's stderr is the only word.
  const stderr = tailLines(new TextDecoder().decode(m.console.stderr));
  return { verdict: "fail", reason: parts.join("; "), outTail: out === null || out.trim() === "" ? stderr : tailLines(out) };
}

/**
 * Run one test with zdtm.py's protocol, without checkpoint. A kernel oops (refcount bug, leak at
 * shutdown) fails the test whatever its outfile says.
 */
export function runExec(t: ZdtmTest, opts: ExecOptions = {}): RunOutcome {
  const skipped = notRun(t);
  if (skipped !== null) return skipped;
  const { m, launcher } = startTest(t, readFileSync(t.elf as string), opts.seed ?? 1);
  const k = m.kernel;
  let outcome: RunOutcome;
  try {
    outcome = stopAndCheck(t, m, launcher, opts.limits ?? DEFAULT_LIMITS);
  } finally {
    k.killAll();
    k.shutdown();
  }
  const oops = k.events.filter((e) => e.kind === "oops");
  if (outcome.verdict === "pass" && oops.length > 0) return { verdict: "fail", reason: `oops: ${oops[0].message}` };
  return outcome;
}

/** Wait for test_daemon(), SIGTERM the test, wait for it to die, and check its outfile. */
function stopAndCheck(t: ZdtmTest, m: Machine, launcher: Task, limits: ExecLimits): RunOutcome {
  const k = m.kernel;
  const pidName = argValue(t, "pidfile");
  const outName = argValue(t, "outfile");
  if (pidName === null || outName === null) return { verdict: "fail", reason: `start command has no --pidfile/--outfile: ${t.args.join(" ")}` };
  const pidPath = `${GUEST_DIR}/${pidName}`;
  const started = runHorizon(m, limits.start, () => launcher.exit !== undefined);
  if (!started.ok) return failure(m, started.idle ? "start: the launcher sleeps forever (test_daemon() never came)" : `start: the launcher did not exit within ${limits.start} instructions`, outName);
  const st = launcher.exit;
  if (st?.signal !== undefined || (st?.code ?? 0) !== 0) {
    return failure(m, `start: the launcher ${st?.signal !== undefined ? `was killed by signal ${st.signal}` : `exited with ${st?.code}`}`, outName);
  }
  const pidText = readGuest(m, pidPath);
  const pid = pidText === null ? NaN : Number(pidText.trim());
  if (!Number.isInteger(pid)) return failure(m, `start: no pid in ${pidName}`, outName);
  // A little more run before SIGTERM, as zdtm.py's dump follows within about a second.
  runHorizon(m, limits.settle, () => false, SETTLE_NS);
  const test = k.findTask(k.initNs, pid);
  if (test === undefined || gone(test)) return failure(m, `the test (pid ${pid}) died before SIGTERM`, outName);
  sendSignal(k, test, { signo: SIGTERM, code: SI_USER, pid: 0, uid: 0 }, true);
  const stopped = runHorizon(m, limits.stop, () => gone(test));
  if (!stopped.ok) return failure(m, stopped.idle ? "stop: the test sleeps forever after SIGTERM" : `stop: the test did not exit within ${limits.stop} instructions of SIGTERM`, outName);
  const out = readGuest(m, `${GUEST_DIR}/${outName}`) ?? "";
  if (!outPassed(out)) return failure(m, `no PASS at the end of ${outName}`, outName);
  return { verdict: "pass", reason: null };
}
