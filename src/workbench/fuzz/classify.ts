// One mutated image restarted on a fresh machine and classified (kinds.ts CLASSES). A fresh
// machine per image keeps mutants independent (a campaign's table does not depend on their
// order, shards agree with a single run) and makes "nothing changed" a comparison with a
// snapshot of the same boot. The order of the checks is the order of severity: a host exception
// hides everything else, an escape an oops, and so on down to the restart's own answer.
import type { Task } from "../../machine/kernel/task.ts";
import type { Machine } from "../../machine/machine.ts";
import { CptbenchError } from "../../machine/errors.ts";
import { takeDown } from "../scenario/teardown.ts";
import { bootMachine, controllerElf, CTL_PATH, IMAGE_PATH, RESTART_LOG, writeGuestFile } from "../scenario/setup.ts";
import { restartImage, type Restarted } from "../scenario/restart-phase.ts";
import type { CellDesign } from "../scenario/cell.ts";
import type { Experiment, WorkloadRef } from "../scenario/types.ts";
import type { FuzzClass } from "./kinds.ts";
import { demote, handOver, privilegeGain } from "./as-user.ts";
import { leftBehind, newHostTasks, outsideChange, snapshot, type MachineSnapshot } from "./snapshot.ts";

/** What a restart is run on: the design, and its workload's experiment. */
export interface FuzzDesign {
  design: CellDesign;
  exp: Experiment;
  w: WorkloadRef;
  /** Instructions the restarter and the restored container may run before it is a runaway. */
  budget: number;
  /** Restart as this unprivileged uid with CAP_CHECKPOINT_RESTORE (as-user.ts); undefined: as root. */
  asUser?: number;
}

/** The unmutated image's restart: what "restored identical" means. */
export interface Baseline {
  stdout: Buffer;
  status: number;
  /** The machine outside the restart's directories after the intact restart (a container may write there). */
  outside: string;
}

export interface Classified {
  cls: FuzzClass;
  /** The rejection's message, the first difference, the leaked objects, the exception... */
  detail: string;
  errno?: number;
  /** For a rejection: whether the message names the record that is wrong (see namesRecord). */
  named?: boolean;
}

/**
 * A rejection message "names the record" when it says which object of the image is wrong: its
 * kind and number ("file 3", "fs context 2", "pid 7"), its place in the bytes ("byte 812",
 * "section", "record") or the field ("tree root", "capability").
 */
const NAMED = /\b(task|file|inode|mm|vma|mapping|fs context|pid|sighand|sigaction|cred|credentials?|uid|gid|capabilit(y|ies)|tree|section|record|object|header|tail|byte|offset|fd|fd table|thread( group)?|namespace|shmem|pipe|page|container|init|checksum|crc|signal|freezer|length|size|brk|register|dentry|device|path|leader|parent|session|group|mac|signature|hmac)\b/i;
export const namesRecord = (message: string): boolean => NAMED.test(message.replace(/^restart: /, ""));

/** Oops events that are a JS exception caught by the kernel (asCrError, a kthread that threw). */
const isHostException = (message: string): boolean => /\bbug in |threw: /.test(message);

function kernelEvents(m: Machine): { exceptions: string[]; oopses: string[]; leaks: string[] } {
  const out = { exceptions: [] as string[], oopses: [] as string[], leaks: [] as string[] };
  for (const e of m.kernel.oopses.events) {
    const text = `${e.kind}: ${e.message}`;
    if (e.kind === "leak") out.leaks.push(text);
    else if (e.kind === "bug" && isHostException(e.message)) out.exceptions.push(text);
    else out.oopses.push(text);
  }
  return out;
}

/** A fresh machine of `d` with `image` at IMAGE_PATH, ready for the restarter. */
export function bootWith(d: FuzzDesign, image: Uint8Array): Machine {
  const m = bootMachine(d.exp, d.w, d.design.module());
  writeGuestFile(m, IMAGE_PATH, image);
  // The log exists (a page of it) before the snapshot: its first line is no leaked frame.
  writeGuestFile(m, RESTART_LOG, new TextEncoder().encode("\n"));
  // The machine's init is booted with the first program: a short-lived one (the controller's
  // usage message) boots it here, so the snapshot before the restart already counts it.
  const k = m.kernel;
  const t = k.spawn(controllerElf(), [CTL_PATH], [], CTL_PATH);
  for (let i = 0; i < 1_000 && t.alive; i++) k.run(20_000, true);
  if (d.asUser !== undefined) handOver(m, d.asUser);
  return m;
}

interface Run {
  m: Machine;
  before: MachineSnapshot;
  hostTasks: Set<Task>;
  restarter: Task | null;
  r: Restarted;
  /** Credentials a restored task got that the restarter could not have set (as-user.ts), or "". */
  gain: string;
}

function restart(d: FuzzDesign, image: Uint8Array): Run {
  const m = bootWith(d, image);
  const before = snapshot(m);
  const hostTasks = new Set([...m.kernel.tasks.values()].filter((t) => t.alive));
  const seen: { restarter: Task | null; gain: string } = { restarter: null, gain: "" };
  const r = restartImage(m, d.w, d.design.restarter, d.budget, m.kernel.console.stdout.length, {
    started: (t) => {
      seen.restarter = t;
      if (d.asUser !== undefined) demote(m, t, d.asUser);
    },
    // Once the restart is over, before the restored tasks run: whose credentials they hold.
    restored: (t) => {
      seen.gain = privilegeGain(m, t);
      return 0;
    },
  });
  return { m, before, hostTasks, restarter: seen.restarter, r, gain: seen.gain };
}

/** The intact image's restart, run as every mutant is: the baseline "identical" compares with. */
export function baseline(d: FuzzDesign, image: Uint8Array): Baseline {
  const { m, r } = restart(d, image);
  if (r.failure !== undefined) throw new CptbenchError("FUZZ_BASELINE", `the intact image does not restart: ${r.failure.reason}`);
  const out = { stdout: Buffer.from(r.stdout), status: r.status, outside: snapshot(m).outside };
  m.kernel.shutdown();
  return out;
}

/** Restart `image` on a fresh machine of `d` and say how it ended. Never throws. */
export function classify(d: FuzzDesign, base: Baseline, image: Uint8Array): Classified {
  let run: Run | undefined;
  try {
    run = restart(d, image);
    return judge(d, base, run);
  } catch (e) {
    if (e instanceof CptbenchError) return { cls: "rejected", detail: `${e.name}: ${e.message}`, named: namesRecord(e.message) };
    return { cls: "host-exception", detail: e instanceof Error ? `${e.name}: ${e.message} ${e.stack?.split("\n")[1]?.trim() ?? ""}` : String(e) };
  }
}

function judge(d: FuzzDesign, base: Baseline, run: Run): Classified {
  const { m, before, r } = run;
  const op = r.op;
  const rejected = op !== null && op.result < 0;
  // What the restart did to the machine, before the container is taken down.
  const after = snapshot(m);
  const strangers = newHostTasks(m, run.hostTasks, run.restarter);
  const outside = after.outside === before.outside || (!rejected && after.outside === base.outside) ? "" : outsideChange(before, after);
  // The budget ran out with the restarter still there: in the restart, or waiting for the restored init.
  const runaway = run.restarter?.alive === true;
  // A failed restart must give back every kernel object and frame at once (abort), before anything is killed.
  const leftover = rejected ? leftBehind(before, after) : "";
  takeDown(m);
  const ev = kernelEvents(m);
  if (ev.exceptions.length > 0) return { cls: "host-exception", detail: ev.exceptions[0] };
  if (outside !== "") return { cls: "escape", detail: outside };
  if (run.gain !== "") return { cls: "escape", detail: run.gain };
  if (strangers.length > 0) return { cls: "escape", detail: `task ${strangers[0].comm} (pid ${strangers[0].id}) runs in the restarter's pid namespace` };
  if (ev.oopses.length > 0) return { cls: "oops", detail: ev.oopses[0] };
  if (ev.leaks.length > 0) return { cls: "leak", detail: ev.leaks[0] };
  if (leftover !== "") return { cls: "leak", detail: `after the failed restart: ${leftover}` };
  if (runaway) return { cls: "runaway", detail: r.failure?.reason ?? "the budget ran out" };
  if (rejected) return { cls: "rejected", detail: op.error ?? `errno ${-op.result}`, errno: -op.result, named: namesRecord(op.error ?? "") };
  if (op === null) return { cls: "rejected", detail: r.failure?.reason ?? "the restarter never restarted", named: false };
  if (r.status === base.status && Buffer.from(r.stdout).equals(base.stdout)) return { cls: "identical", detail: "" };
  return { cls: "different", detail: r.status !== base.status ? `exit status ${r.status}, intact ${base.status}` : "stdout differs from the intact restart's" };
}
