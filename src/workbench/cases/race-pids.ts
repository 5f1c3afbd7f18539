// Case 11, pids. Restored tasks keep their pids, in every pid namespace of the container (the
// restart makes a new one). clone_with_pid (syscall 803) is refused to an unprivileged caller
// outside a restarting namespace (EPERM) and for a pid in use (EBUSY). Writing ns_last_pid and
// then forking is racy: under schedule exploration (seeds × quanta, 2 CPUs; 1 for contrast) the user-space
// restarter forks pid-forest from two tasks at once — main forks Q while P forks its children —
// and another fork in the namespace between one task's write and its fork takes the pid; the
// case counts how often, and shows that clone_with_pid (pids: eclone) is never defeated.
import { collectContainer } from "../../core/cr/collect/collect.ts";
import type { CheckpointModel } from "../../core/cr/model.ts";
import { Cred } from "../../machine/kernel/cred.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import { NR_CLONE_WITH_PID } from "../../machine/kernel/syscalls/cr-nr.ts";
import { SYSCALLS } from "../../machine/kernel/syscalls/table.ts";
import type { Task } from "../../machine/kernel/task.ts";
import type { Combination } from "../matrix/combos.ts";
import { bootMachine, startRun } from "../scenario/setup.ts";
import {
  beginRestart, caseSetup, checkpointAtMark, containerTasksOf, kernelProblems, machineWithImage, runToRestartEnd, type CaseSetup,
} from "./race-support.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

/** Workloads whose restored pids are checked: two forking subtrees; a nested pid namespace. */
export const PID_WORKLOADS: readonly { name: string; mark: number }[] = [
  { name: "pid-forest", mark: 1 },
  { name: "reparent", mark: 2 },
];
export const RACE_WORKLOAD = { name: "pid-forest", mark: 1 };
/** Schedule exploration: seeds (from the case's) × mean quanta, on 2 CPUs (and 1, for contrast). */
const QUANTA = [7, 20, 60, 200, 1_000];
const CPUS = [2, 1];
const SEEDS_FULL = 8;
const SEEDS_QUICK = 2;
const SIGCHLD = 17;
const EPERM = 1;
const EINVAL = 22;
const EBUSY = 16;

/** Each task's pid numbers (innermost namespace last), in the model's task order. */
function pidsOf(m: CheckpointModel): string[] {
  const nums = new Map(m.pids.map((p) => [p.id, p.numbers.join("/")]));
  return m.tasks.map((t) => `${nums.get(t.pidId) ?? "?"}${t.state === "zombie" ? " (zombie)" : ""}`);
}

/** Restart `s.w` from a fresh image and compare every restored task's pids with the image's. */
function restoredPids(s: CaseSetup, mark: number): { ok: boolean; why: string; tasks: number } {
  const img = checkpointAtMark(s, mark);
  if (typeof img === "string") return { ok: false, why: img, tasks: 0 };
  const want = pidsOf(s.codec.decode(img.bytes));
  const m = machineWithImage(s, img.bytes);
  const k = m.kernel;
  const r = beginRestart(s, m);
  const ended = runToRestartEnd(r, 1);
  const op = r.op();
  let why = "";
  if (!ended || op === undefined) why = "the restart never ended";
  else if (op.result <= 0) why = `the restart failed: ${op.error ?? `errno ${-op.result}`}`;
  else {
    const init = containerTasksOf(k).find((t) => t.pidNs.reaper === t && t.pidNs.parent === k.initNs);
    try {
      const got = init === undefined ? [] : pidsOf(collectContainer(k, init, "case pids"));
      if (got.join(", ") !== want.join(", ")) why = `pids ${want.join(", ")} in the image, ${got.join(", ") || "none"} after restart`;
    } catch (e) {
      why = `the restored container could not be collected: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  k.run(2_000_000, true);
  k.shutdown();
  const p = kernelProblems(k);
  if (why === "" && p.length > 0) why = p[0];
  return { ok: why === "", why: why || `pids ${want.join(", ")} kept`, tasks: want.length };
}

/** clone_with_pid's rules, called as a task of a container held at its first mark. */
function cloneWithPidRules(s: CaseSetup): { eperm: number; ebusy: number; einval: number; free: number; problems: string[] } {
  const m = bootMachine(s.exp, s.w, s.design.module());
  const k = m.kernel;
  startRun(m, s.w, 0, "controller");
  let held = false;
  k.onCptMark = (t) => {
    if (t.pidNs === k.initNs) return false;
    held = true;
    return true;
  };
  for (let i = 0; i < 10_000 && !held; i++) if (k.run(10_000, true) === 0) break;
  const init = containerTasksOf(k).find((t) => t.pidNs.reaper === t && t.pid.nrIn(t.pidNs) === 1);
  const problems: string[] = [];
  if (!held || init === undefined) return { eperm: 0, ebusy: 0, einval: 0, free: 0, problems: [`${s.w.name} never reached its first mark`] };
  const call = (t: Task, pid: number): number => SYSCALLS[NR_CLONE_WITH_PID]!.fn(k, t, SIGCHLD, 0, 0, 0, 0, pid);
  const einval = call(init, 0);
  const ebusy = call(init, 1);
  const free = call(init, 777);
  // The same caller without CAP_SYS_ADMIN (a uid-1000 user), outside any restart.
  const user = new Cred(k.kobj, "case pids: an unprivileged user", 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0);
  init.setCred(user);
  k.kobj.put(user);
  const eperm = call(init, 778);
  k.releaseCptMarks();
  k.killAll();
  k.run(Infinity, true);
  k.shutdown();
  problems.push(...kernelProblems(k));
  return { eperm, ebusy, einval, free, problems };
}

export interface Exploration {
  seed: number;
  quantum: number;
  cpus: number;
  pids: string;
  /** Forks in the container whose child did not get the pid its creator was forking it with. */
  stolen: number;
  /** "restored", or the restart's error. */
  result: string;
}

/** The pid each task of the image is forked with, in the order its creator forks them (mktree's order), by creator pid (0: the restarter). */
function forkPlan(m: CheckpointModel): Map<number, number[]> {
  const nr = new Map(m.pids.map((p) => [p.id, p.numbers[0]]));
  const byId = new Map(m.tasks.map((t) => [t.id, t]));
  const leaderOf = new Map(m.threadGroups.map((g) => [g.id, g.leaderTaskId]));
  const plan = new Map<number, number[]>();
  for (const t of m.tasks) {
    const leader = leaderOf.get(t.threadGroupId) ?? t.id;
    const creator = leader !== t.id ? byId.get(leader) : t.parentTaskId === null ? undefined : byId.get(t.parentTaskId);
    const c = creator === undefined ? 0 : (nr.get(creator.pidId) ?? 0);
    plan.set(c, [...(plan.get(c) ?? []), nr.get(t.pidId) ?? 0]);
  }
  return plan;
}

/** One restart under one schedule: how many forks got a pid other than the one they were for. */
function explore(d: Combination, ctx: CaseContext, image: Uint8Array, plan: Map<number, number[]>, pids: string, seed: number, quantum: number, cpus: number): Exploration {
  const s = caseSetup(d, { ...ctx, seed }, RACE_WORKLOAD.name, { "userspace-fork": { pids } }, { cpus, quantum });
  const m = machineWithImage(s, image);
  const k: Kernel = m.kernel;
  const forked = new Map<number, number>();
  let stolen = 0;
  // Every task made while the restart runs: which task forked it (the one in the syscall on this
  // CPU) and the pid it got in the container's namespace.
  const register = k.registerTask.bind(k);
  k.registerTask = (t: Task): void => {
    register(t);
    const parent = k.cpu?.current ?? null;
    if (parent === null || t.pidNs === k.initNs || t.kthread !== null) return;
    const ns = t.pidNs.parent === k.initNs ? t.pidNs : t.pidNs.parent!;
    const creator = parent.pidNs === k.initNs ? 0 : parent.pid.nrIn(ns);
    const n = forked.get(creator) ?? 0;
    forked.set(creator, n + 1);
    if (plan.get(creator)?.[n] !== t.pid.nrIn(ns)) stolen++;
  };
  const r = beginRestart(s, m);
  runToRestartEnd(r);
  const op = r.op();
  k.registerTask = register;
  const result = op === undefined || !op.done ? "the restart never ended" : op.result > 0 ? "restored" : (op.error ?? `errno ${-op.result}`);
  k.run(2_000_000, true);
  k.shutdown();
  const p = kernelProblems(k);
  return { seed, quantum, cpus, pids, stolen, result: p.length > 0 ? `${result}; ${p[0]}` : result };
}

function runRace(d: Combination, ctx: CaseContext, figures: CaseOutcome["figures"], details: unknown[]): string[] {
  const problems: string[] = [];
  const base = caseSetup(d, ctx, RACE_WORKLOAD.name);
  const img = checkpointAtMark(base, RACE_WORKLOAD.mark);
  if (typeof img === "string") return [`pid race: ${img}`];
  const plan = forkPlan(base.codec.decode(img.bytes));
  const seeds = Array.from({ length: ctx.quick ? SEEDS_QUICK : SEEDS_FULL }, (_, i) => (ctx.seed + i) >>> 0);
  for (const pids of ["ns_last_pid", "eclone"]) for (const cpus of CPUS) {
    const runs: Exploration[] = [];
    for (const seed of seeds) for (const quantum of QUANTA) runs.push(explore(d, ctx, img.bytes, plan, pids, seed, quantum, cpus));
    details.push(...runs);
    const stolenRuns = runs.filter((x) => x.stolen > 0);
    const key = `${pids}, ${cpus} CPU${cpus > 1 ? "s" : ""}`;
    figures[`${key}: explorations`] = runs.length;
    figures[`${key}: explorations with a stolen pid`] = stolenRuns.length;
    figures[`${key}: forks that got another pid`] = runs.reduce((a, x) => a + x.stolen, 0);
    figures[`${key}: restored`] = runs.filter((x) => x.result === "restored").length;
    // A restart may fail only because a pid was stolen, and never with an oops or a leak.
    const broken = runs.find((x) => x.result !== "restored" && (x.stolen === 0 || /oops|leak|deadlock/.test(x.result)));
    if (broken !== undefined) problems.push(`${key}, seed ${broken.seed}, quantum ${broken.quantum}: ${broken.result}`);
    if (pids === "eclone" && stolenRuns.length > 0) problems.push(`clone_with_pid gave a task a pid it was not asked for (${cpus} CPUs, seed ${stolenRuns[0].seed}, quantum ${stolenRuns[0].quantum})`);
  }
  return problems;
}

export const PIDS: ReviewCase = {
  id: "pids",
  number: 11,
  title: "PIDs: kept in a new namespace; clone_with_pid; the ns_last_pid race",
  summary: "restored pids equal the image's; clone_with_pid EPERM/EBUSY; how often ns_last_pid then fork loses the pid (never with eclone)",
  run(design, ctx) {
    const figures: CaseOutcome["figures"] = {};
    const details: unknown[] = [];
    const problems: string[] = [];
    for (const w of PID_WORKLOADS) {
      const r = restoredPids(caseSetup(design, ctx, w.name), w.mark);
      figures[`${w.name}: tasks`] = r.tasks;
      figures[`${w.name}: pids kept`] = r.ok;
      details.push({ workload: w.name, mark: w.mark, ok: r.ok, why: r.why });
      if (!r.ok) problems.push(`${w.name}: ${r.why}`);
    }
    const rules = cloneWithPidRules(caseSetup(design, ctx, "hash"));
    figures["clone_with_pid unprivileged, outside a restart (errno)"] = -rules.eperm;
    figures["clone_with_pid of a pid in use (errno)"] = -rules.ebusy;
    figures["clone_with_pid of pid 0 (errno)"] = -rules.einval;
    if (rules.eperm !== -EPERM) problems.push(`clone_with_pid by an unprivileged caller outside a restart returned ${rules.eperm}, not -EPERM`);
    if (rules.ebusy !== -EBUSY) problems.push(`clone_with_pid of a taken pid returned ${rules.ebusy}, not -EBUSY`);
    if (rules.einval !== -EINVAL) problems.push(`clone_with_pid of pid 0 returned ${rules.einval}, not -EINVAL`);
    if (rules.free !== 777) problems.push(`clone_with_pid of a free pid 777 by a privileged caller returned ${rules.free}`);
    problems.push(...rules.problems);
    if (ctx.registry.provider("creator", design.creator).name === "userspace-fork") {
      problems.push(...runRace(design, ctx, figures, details));
    } else {
      // The kernel sets every pid itself: there is no ns_last_pid write to race with.
      figures["ns_last_pid race"] = `not applicable: the ${design.creator} creator sets pids inside the kernel`;
    }
    return problems.length > 0 ? outcome(this, design, ctx, "fail", figures, problems.join("; "), details) : outcome(this, design, ctx, "pass", figures, undefined, details);
  },
};
