// One ZDTM test through checkpoint/restart in one design (`cptbench zdtm`, issue 16): zdtm.py's
// protocol with a C/R cycle between test_daemon() and SIGTERM, on the same machinery a matrix cell
// uses (scenario/setup.ts): the test is the workload of a `cptbench-ctl run` container, so its
// launcher and its daemon live below the container's init, which reaps the launcher when it exits
// after test_daemon() and keeps the daemon's container alive. Then:
//   1. wait for the pidfile (the daemon is ready) and a little more (zdtm.py dumps within a second;
//      a transition test runs a number of instructions drawn from the seed: transition.ts);
//   2. checkpoint the container through the design's initiator: the external one freezes it and
//      asks the controller (SIGUSR1); the self one queues CPT_SIGNAL to the test, whose linked-in
//      shim (workloads/tools/cpt-self.c) checkpoints its own container;
//   3. kill mode (zdtm.py's default): the container dies with the checkpoint and the creator's
//      restarter restarts it, on the same machine or a fresh one; --iters N repeats 2-3 on each
//      restored container (the restarter is its controller); --norst: the container is left
//      running and only the original is judged;
//   4. SIGTERM to the test's pid (in the container's namespace: the pid the test wrote), wait for
//      it to die, and pass only if its own outfile ends in PASS and no machine reported an oops
//      or a leak at shutdown.
// Every wait is bounded in guest instructions and in virtual time (exec-runner's runHorizon): a
// test whose timers keep it busy while nothing else happens ends as a failure, not a hang.
// A checkpoint or restart refused with EOPNOTSUPP is "unsupported": the design says what it
// cannot carry (a socket, an epoll set...), which is a finding about the design, not a test bug.
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Machine } from "../../machine/machine.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { sigmask } from "../../machine/kernel/signal-defs.ts";
import { SIGUSR1 } from "../../machine/kernel/signal-names.ts";
import { SI_QUEUE, SI_USER } from "../../machine/kernel/siginfo.ts";
import { EOPNOTSUPP, EPERM } from "../../core/cr/errors.ts";
import { CPT_KILL, CPT_SIGNAL } from "../../core/cr/interfaces.ts";
import { crTrace, type CrOpRecord } from "../../core/cr/trace.ts";
import { problemsOf, type CellDesign } from "../scenario/checkpoint-phase.ts";
import {
  bootMachine, ctlLog, CTL_LOG, IMAGE_PATH, loadGuestFile, RESTART_LOG, saveGuestFile, startRestart, startRun, workdirOf,
} from "../scenario/setup.ts";
import type { WorkloadRef } from "../scenario/types.ts";
import { hostIo } from "../scenario/host-io.ts";
import { takeDown } from "../scenario/teardown.ts";
import { mkdirsTmpfs, walkTmpfs } from "../../core/cr/restore/tree.ts";
import { DEFAULT_LIMITS, gone, readGuest, runHorizon, SETTLE_NS, type ExecLimits } from "./exec-runner.ts";
import { argValue, notRun, outPassed, tailLines, testEnv, type RunOutcome } from "./protocol.ts";
import type { ZdtmTest } from "./tests-list.ts";
import { checkpointPoints, isTransition } from "./transition.ts";

export type CrTargetKind = "same" | "fresh";

export interface CrOptions {
  seed?: number;
  /** C/R cycles in a row (zdtm.py --iters); 1 normally. */
  iters?: number;
  /** Checkpoint and leave the container running; judge the original (zdtm.py --norst). */
  norst?: boolean;
  /** Where the image is restarted: the machine it was taken on, or a freshly booted one. */
  target?: CrTargetKind;
  limits?: ExecLimits;
  /** "STEP:ERRNO" failures the design's C/R module injects (--fault); resolved into the design by the caller. */
  faults?: string[];
}

const SIGTERM = 15;
/** The scheduling quantum of a matrix cell's machine (the config's default). */
const QUANTUM = 100_000;

/** A failed step, carried out of the run as its verdict. */
class Stop extends Error {
  constructor(readonly outcome: RunOutcome) {
    super(outcome.reason ?? "");
  }
}

const fail = (reason: string, outTail?: string[]): never => {
  throw new Stop({ verdict: "fail", reason, outTail });
};

/** The container's init: the controller's child in a pid namespace of its own. */
function containerInit(m: Machine, controller: Task): Task | undefined {
  const k = m.kernel;
  return [...controller.children].find((c) => c.pidNs !== k.initNs && c.alive);
}

/** One test's run: the machines it booted, the controller of its container, the test task. */
class CrRun {
  private readonly machines: Machine[] = [];
  m: Machine;
  controller!: Task;
  test!: Task;
  pid = 0;
  private readonly w: WorkloadRef;
  private readonly dir: string;
  private readonly outName: string;
  private readonly pidName: string;
  /** A transition test's seeded checkpoint points (transition.ts); null for a static test. */
  private readonly points: number[] | null;

  constructor(
    private readonly t: ZdtmTest, private readonly design: CellDesign, private readonly opts: Required<Omit<CrOptions, "seed">> & { seed: number },
  ) {
    const env = Object.entries(testEnv(t, "/tmp")).map(([a, b]) => `${a}=${b}`);
    this.w = { name: t.base, elf: readFileSync(t.elf as string), args: t.args, env };
    this.dir = workdirOf(this.w);
    const pidName = argValue(t, "pidfile");
    const outName = argValue(t, "outfile");
    if (pidName === null || outName === null) fail(`start command has no --pidfile/--outfile: ${t.args.join(" ")}`);
    this.pidName = pidName as string;
    this.outName = outName as string;
    this.points = isTransition(t) ? checkpointPoints(opts.seed, opts.iters, opts.limits.settle) : null;
    this.m = this.boot();
  }

  private boot(): Machine {
    const m = bootMachine({ seed: this.opts.seed, cpus: 1, quantum: QUANTUM }, this.w, this.design.module());
    this.machines.push(m);
    // A self-checkpointing test writes the image itself, with the uid it dropped to: on every
    // machine, a restored one included.
    const cpt = mkdirsTmpfs(m.kernel.vfs, "/var/cpt");
    if (cpt !== null && this.design.trigger === "self") cpt.inode.mode |= 0o1777;
    return m;
  }

  /** The test's outfile (or its .inprogress) as it stands, for a failure's report. */
  private outTail(): string[] | undefined {
    const out = readGuest(this.m, `${this.dir}/${this.outName}`) ?? readGuest(this.m, `${this.dir}/${this.outName}.inprogress`);
    if (out !== null && out.trim() !== "") return tailLines(out);
    const stderr = tailLines(new TextDecoder().decode(this.m.console.stderr));
    return stderr.length > 0 ? stderr : undefined;
  }

  /** 1. Start the container and wait for the test's pidfile (test_daemon()) and the launcher's end. */
  start(): void {
    const { m, w } = this;
    // zdtm.py's __add_wperms: the test drops to an unprivileged uid and writes its files in its
    // directory (the container's tree) and TMPDIR.
    const dir = mkdirsTmpfs(m.kernel.vfs, this.dir);
    const tmp = mkdirsTmpfs(m.kernel.vfs, "/tmp");
    if (dir === null || tmp === null) fail("zdtm: cannot make the test's directories in tmpfs");
    dir!.inode.mode |= 0o777;
    tmp!.inode.mode |= 0o1777;
    // A self-checkpointing test checkpoints its container with the unprivileged ids it drops to
    // (zdtm.py's, for tests without the suid flag): the container's init takes them too, or the
    // test would be asking to checkpoint a more privileged task (EPERM, as in Linux and linux-cr).
    const env = testEnv(this.t, "/tmp");
    const initCreds = this.design.trigger === "self" && env.ZDTM_UID !== undefined
      ? ["--init-creds", `${env.ZDTM_UID}:${env.ZDTM_GID}:${env.ZDTM_GROUPS.split(" ").join(",")}`] : [];
    this.controller = startRun(m, w, this.opts.norst ? 0 : CPT_KILL, this.design.trigger, IMAGE_PATH, initCreds);
    // The launcher is the workload cptbench-ctl's container init forked first: pid 2 in the
    // container's namespace. It is found by that number, not as "the init's other child", because
    // once it exits its own children (an external peer the test forked before test_init(), as
    // socket-ext does) are reparented to the init beside the test and may well live on: zdtm.py
    // waits for the launcher alone, not for them. Gone or reaped, it is no longer there.
    const LAUNCHER_PID = 2;
    const ready = (): boolean => {
      const cinit = containerInit(m, this.controller);
      if (cinit === undefined) return false;
      const text = readGuest(m, `${this.dir}/${this.pidName}`);
      const pid = text === null ? NaN : Number(text.trim());
      if (!Number.isInteger(pid) || pid <= 0) return false;
      const test = m.kernel.findTask(cinit.pidNs, pid);
      if (test === undefined) return false;
      // The launcher exits once the pidfile is written.
      const launcher = m.kernel.findTask(cinit.pidNs, LAUNCHER_PID);
      if (launcher !== undefined && launcher.group !== test.group && !gone(launcher)) return false;
      this.test = test;
      this.pid = pid;
      return true;
    };
    const r = runHorizon(m, this.opts.limits.start, () => ready() || !this.controller.alive);
    if (this.pid === 0) {
      const st = ctlLog(m, CTL_LOG).find(([v]) => v === "exit")?.[1];
      fail(r.idle ? "start: the launcher sleeps forever (test_daemon() never came)"
        : st !== undefined ? `start: the container ended (wait status ${st}) before the test was ready` : `start: not ready within ${this.opts.limits.start} instructions`,
      this.outTail());
    }
    this.advance(0);
  }

  /** Run the test on until checkpoint `n` (n = iters: until SIGTERM): the settle, or a transition test's point n. */
  advance(n: number): void {
    if (n > 0 && this.points === null) return;
    runHorizon(this.m, this.points?.[n] ?? this.opts.limits.settle, () => false, SETTLE_NS);
    if (gone(this.test)) fail(`the test (pid ${this.pid}) died ${n < this.opts.iters ? "before the checkpoint" : "before SIGTERM"}`, this.outTail());
  }

  /** 2. Checkpoint the container through the design's initiator; kill mode waits for it to die. */
  checkpoint(iter: number, kill: boolean): void {
    const { m } = this;
    const k = m.kernel;
    const trace = crTrace(k);
    const before = trace.ops.length;
    const what = this.opts.iters > 1 ? `iteration ${iter}: ` : "";
    if (this.design.trigger === "self") {
      const h = this.test.sighand.actions[CPT_SIGNAL].handler;
      if (h === 0 || h === 1) {
        throw new Stop({ verdict: "unsupported", reason: `${what}the test does not catch CPT_SIGNAL (${CPT_SIGNAL}): it was built without the self-checkpoint shim, or took the signal over` });
      }
      sendSignal(k, this.test, { signo: CPT_SIGNAL, code: SI_QUEUE, pid: 0, uid: 0, value: kill ? CPT_KILL : 0 }, false);
    } else {
      // As an administrator would: freeze the container where it stands, then ask the controller.
      const cinit = containerInit(m, this.controller);
      if (cinit !== undefined && k.freezer.groupOf(cinit) !== k.freezer.root) k.freezer.freeze(k.freezer.groupOf(cinit));
      sendSignal(k, this.controller, { signo: SIGUSR1, code: 0 }, true);
    }
    const op = (): CrOpRecord | undefined => trace.ops.slice(before).find((o) => o.op === "checkpoint");
    runHorizon(m, this.opts.limits.start, () => op()?.done === true || !this.controller.alive);
    const done = op();
    if ((done === undefined || !done.done) && this.design.trigger === "self" && (this.test.blocked & sigmask(CPT_SIGNAL)) !== 0n) {
      // The test blocks every signal it can (sigpending does): CPT_SIGNAL waits, undelivered. DMTCP
      // wraps sigprocmask to keep its checkpoint signal deliverable; the shim does not edit calls.
      throw new Stop({ verdict: "unsupported", reason: `${what}the test blocks CPT_SIGNAL (${CPT_SIGNAL}), so a signal-triggered self-checkpoint is never delivered` });
    }
    if (done === undefined || !done.done) fail(`${what}the checkpoint never completed (controller log: ${JSON.stringify(ctlLog(m, CTL_LOG))})`, this.outTail());
    if (done!.result !== 0) {
      const reason = `${what}checkpoint failed: ${done!.error ?? `errno ${-done!.result}`}`;
      // The self initiator checkpoints with the credentials of the process that asks: a test that
      // dropped to zdtm.py's unprivileged uid cannot take its root-owned container (Linux's rule,
      // and linux-cr's). That is the design's limit, not a bug: "unsupported", with the reason.
      const byConstruction = done!.result === -EOPNOTSUPP || (done!.result === -EPERM && this.design.trigger === "self");
      throw new Stop({ verdict: byConstruction ? "unsupported" : "fail", reason });
    }
    if (kill) {
      runHorizon(m, this.opts.limits.stop, () => !this.controller.alive);
      if (this.controller.alive) fail(`${what}the checkpointed container was not killed`);
    }
  }

  /** 3. Restart the image (on this machine or a fresh one) and find the test again by its pid. */
  restart(iter: number, again: boolean): void {
    const what = this.opts.iters > 1 ? `iteration ${iter}: ` : "";
    if (this.opts.target === "fresh") {
      const io = hostIo();
      const dir = io.mkdtemp(join(tmpdir(), "cptbench-zdtm-"));
      try {
        const host = join(dir, "image");
        saveGuestFile(this.m, IMAGE_PATH, host);
        const owner = walkTmpfs(this.m.kernel.vfs, IMAGE_PATH)?.inode;
        this.m = this.boot();
        loadGuestFile(this.m, host, IMAGE_PATH);
        // Copied as `cp -p` would: a self-checkpointing test overwrites the image it wrote.
        const copy = walkTmpfs(this.m.kernel.vfs, IMAGE_PATH)?.inode;
        if (owner !== undefined && copy !== undefined) Object.assign(copy, { uid: owner.uid, gid: owner.gid });
      } finally {
        io.rm(dir);
      }
    }
    const { m } = this;
    const k = m.kernel;
    const trace = crTrace(k);
    const before = trace.ops.length;
    // The external initiator checkpoints a restored container through its restarter.
    const spec = again && this.design.trigger !== "self"
      ? { ...this.design.restarter, args: [...this.design.restarter.args, "--cpt-flags", String(CPT_KILL)] }
      : this.design.restarter;
    const rst = startRestart(m, this.w, spec);
    const op = (): CrOpRecord | undefined => trace.ops.slice(before).find((o) => o.op === "restart");
    runHorizon(m, this.opts.limits.start, () => op()?.done === true || !rst.alive);
    const done = op();
    if (done === undefined || !done.done) fail(`${what}the restart never completed (restart log: ${JSON.stringify(ctlLog(m, RESTART_LOG))})`);
    if (done!.result < 0) {
      const reason = `${what}restart failed: ${done!.error ?? `errno ${-done!.result}`}`;
      throw new Stop({ verdict: done!.result === -EOPNOTSUPP ? "unsupported" : "fail", reason });
    }
    this.controller = rst;
    const cinit = containerInit(m, rst);
    const test = cinit === undefined ? undefined : k.findTask(cinit.pidNs, this.pid);
    if (test === undefined || gone(test)) fail(`${what}after the restart there is no process ${this.pid} in the container`, this.outTail());
    this.test = test!;
  }

  /** 4. SIGTERM the test, wait for it, and judge its outfile. */
  stop(): RunOutcome {
    const { m } = this;
    sendSignal(m.kernel, this.test, { signo: SIGTERM, code: SI_USER, pid: 0, uid: 0 }, true);
    const r = runHorizon(m, this.opts.limits.stop, () => gone(this.test));
    if (!r.ok) fail(r.idle ? "stop: the test sleeps forever after SIGTERM" : `stop: the test did not exit within ${this.opts.limits.stop} instructions of SIGTERM`, this.outTail());
    const out = readGuest(m, `${this.dir}/${this.outName}`) ?? "";
    if (!outPassed(out)) fail(`no PASS at the end of ${this.outName}`, this.outTail());
    return { verdict: "pass", reason: null };
  }

  /** Kill what is left on every machine, shut them down, and return their problems. */
  shutdown(): string[] {
    const probs: string[] = [];
    for (const m of this.machines) {
      takeDown(m);
      probs.push(...problemsOf(m.kernel).filter((p) => !p.startsWith("instruction-limit")));
    }
    return probs;
  }
}

/** Run one test with zdtm.py's protocol and a C/R cycle (or `iters` of them) in `design`. */
export function runCr(t: ZdtmTest, design: CellDesign, opts: CrOptions = {}): RunOutcome {
  return runCrCounted(t, design, opts).outcome;
}

/**
 * runCr, also saying how many C/R cycles completed (for --out's results). Two .desc flags shape
 * the verdict as in zdtm.py: `reqrst` (the test needs its restore stage) is skipped with --norst,
 * and `crfail` means C/R must fail: a failed checkpoint (the test must then still PASS when
 * stopped, as zdtm.py stops and checks it) or a failed restart is the pass, and a C/R that
 * succeeds is an unexpected pass, which fails.
 */
export function runCrCounted(t: ZdtmTest, design: CellDesign, opts: CrOptions = {}): { outcome: RunOutcome; iterations: number } {
  const skipped = notRun(t);
  if (skipped !== null) return { outcome: skipped, iterations: 0 };
  const o = {
    faults: opts.faults ?? [],
    seed: opts.seed ?? 1, iters: Math.max(1, opts.iters ?? 1), norst: opts.norst ?? false, target: opts.target ?? "same", limits: opts.limits ?? DEFAULT_LIMITS,
  };
  if (o.norst && t.desc.flags.includes("reqrst")) {
    return { outcome: { verdict: "skip", reason: "reqrst: the .desc says the test needs its restore stage, which --norst leaves out (zdtm.py skips it too)" }, iterations: 0 };
  }
  const crfail = t.desc.flags.includes("crfail");
  let run: CrRun | undefined;
  let outcome: RunOutcome;
  let done = 0;
  let step: "start" | "checkpoint" | "restart" | "stop" = "start";
  try {
    run = new CrRun(t, design, o);
    run.start();
    for (let i = 1; i <= o.iters; i++) {
      step = "checkpoint";
      run.checkpoint(i, !o.norst);
      step = "restart";
      if (!o.norst) run.restart(i, i < o.iters);
      done++;
      run.advance(i);
    }
    step = "stop";
    outcome = run.stop();
    if (crfail && outcome.verdict === "pass") {
      outcome = { verdict: "fail", reason: "crfail: the .desc says checkpoint/restart must fail, but it succeeded (an unexpected pass)" };
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    outcome = e.outcome;
    if (crfail && step === "checkpoint" && run !== undefined) {
      const why = outcome.reason ?? "";
      try {
        outcome = run.stop();
        if (outcome.verdict === "pass") outcome = { verdict: "pass", reason: `crfail: the checkpoint failed, as the .desc expects (${why}), and the test still passed` };
      } catch (e2) {
        if (!(e2 instanceof Stop)) throw e2;
        outcome = { ...e2.outcome, reason: `crfail: the checkpoint failed as expected (${why}), but then: ${e2.outcome.reason ?? ""}` };
      }
    } else if (crfail && step === "restart") {
      outcome = { verdict: "pass", reason: `crfail: the restart failed, as the .desc expects (${outcome.reason ?? ""})` };
    }
  }
  const probs = run?.shutdown() ?? [];
  if (probs.length > 0 && outcome.verdict !== "fail") return { outcome: { verdict: "fail", reason: `kernel problems: ${probs[0]}` }, iterations: done };
  if (probs.length > 0) return { outcome: { ...outcome, reason: `${outcome.reason ?? ""}; kernel problems: ${probs[0]}` }, iterations: done };
  return { outcome, iterations: done };
}
