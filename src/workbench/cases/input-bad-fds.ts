// Case 6, "bad-fds" ("What happens if I pass /proc/self/maps?"): sys_checkpoint and sys_restart
// given an fd that cannot carry an image — a /proc file, an fd open the wrong way, a closed fd,
// a directory, a pipe with nobody at the other end — and a caller without the right to act
// ("another process's image"). Each must get its own errno (EXPECTED below, asserted exactly),
// with no oops and nothing changed: no kernel object made or lost, no image written, the
// container running on to the reference output, the image file as it was and still restartable.
//
// The calls go through the syscall table (the module reference taken as a guest's call would):
// the checkpoint from the controller with the container init's pid (external) or from a task of
// the container with pid 0 (self); the restart from a process outside, with flags 0 (kernel
// creator) or RESTART_TREE (userspace creator: the restarter's first call). The pipe with no
// writer is the creator's own restarter reading a FIFO whose writer has gone away.
import { Cred } from "../../machine/kernel/cred.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { SYSCALLS } from "../../machine/kernel/syscalls/table.ts";
import { NR_CHECKPOINT, NR_RESTART } from "../../machine/kernel/syscalls/cr-nr.ts";
import { EBADF, EBADMSG, EINVAL, EISDIR, EPERM, EPIPE, ESPIPE } from "../../core/cr/errors.ts";
import { resolveCell } from "../../core/cr/registry.ts";
import { crTrace } from "../../core/cr/trace.ts";
import type { File } from "../../machine/fs/file.ts";
import { openPath } from "../../machine/fs/open.ts";
import { walkTmpfs } from "../../core/cr/restore/tree.ts";
import { AT_FDCWD, O_RDONLY, O_WRONLY } from "../../machine/fs/constants.ts";
import { LOOKUP_FOLLOW, lookupAt } from "../../machine/fs/namei.ts";
import { shellStatus } from "../../machine/kernel/task.ts";
import { bootMachine, CTL_PATH, IMAGE_PATH, readGuestFile, RESTART_LOG, startRun, toolElf } from "../scenario/setup.ts";
import type { Combination } from "../matrix/combos.ts";
import { caseSetup, checkpointAtMark, containerTasksAlive, liveObjects, objectDelta, reference, runRestarter, runUntil, shutdown, type CaseSetup } from "./input-support.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

/** hash: one process in its container, a small image. */
const WORKLOAD = "hash";
/** The user-space creator's first sys_restart operation (userspace-fork/restarting.ts). */
const RESTART_TREE = 1;
const FIFO = "/var/cpt/no-writer.fifo";

export type BadFd = "proc file (/proc/self/maps)" | "proc file open for writing (ns_last_pid)" | "read-only fd" | "write-only fd" | "closed fd" | "directory" |
  "pipe with no reader" | "pipe with no writer" | "unprivileged caller";

/**
 * The errno each bad input must get (positive), by side; for the restart from a pipe with no
 * writer it depends on the codec: one that seeks refuses any pipe (ESPIPE), one that streams
 * reads an empty image (EBADMSG).
 */
export function expectedErrno(side: "checkpoint" | "restart", what: BadFd, streams: boolean): number {
  const table: Record<"checkpoint" | "restart", Partial<Record<BadFd, number>>> = {
    checkpoint: {
      "proc file (/proc/self/maps)": EBADF, // open read-only: it cannot be written to
      "proc file open for writing (ns_last_pid)": EINVAL, // neither a regular file nor a pipe
      "read-only fd": EBADF,
      "closed fd": EBADF,
      "directory": EBADF, // a directory is never open for writing
      "pipe with no reader": EPIPE,
      "unprivileged caller": EPERM,
    },
    restart: {
      "proc file (/proc/self/maps)": EINVAL,
      "write-only fd": EBADF,
      "closed fd": EBADF,
      "directory": EISDIR,
      "pipe with no writer": streams ? EBADMSG : ESPIPE,
      "unprivileged caller": EPERM,
    },
  };
  return table[side][what] ?? 0;
}

export const CHECKPOINT_INPUTS: BadFd[] = [
  "proc file (/proc/self/maps)", "proc file open for writing (ns_last_pid)", "read-only fd", "closed fd", "directory", "pipe with no reader", "unprivileged caller",
];
export const RESTART_INPUTS: BadFd[] = ["proc file (/proc/self/maps)", "write-only fd", "closed fd", "directory", "pipe with no writer", "unprivileged caller"];

export interface BadFdResult {
  side: "checkpoint" | "restart";
  input: BadFd;
  errno: number;
  expected: number;
  message?: string;
}

/** A file opened for `t` (not installed), or throws: the case's own set-up. */
function open(k: Kernel, t: Task, path: string, flags: number): File {
  const p = lookupAt({ k, t }, AT_FDCWD, path, LOOKUP_FOLLOW);
  if (typeof p === "number") throw new Error(`bad-fds set-up: lookup of ${path} failed with errno ${-p}`);
  const f = openPath({ k, t }, p, flags, `bad-fds case: ${path}`);
  if (typeof f === "number") throw new Error(`bad-fds set-up: open of ${path} failed with errno ${-f}`);
  return f;
}

/** One end of a fresh anonymous pipe (the other end never opened). */
function pipeEnd(k: Kernel, t: Task, flags: number): File {
  const f = openPath({ k, t }, k.vfs.newPipe({ k, t }), flags, "bad-fds case: pipe");
  if (typeof f === "number") throw new Error(`bad-fds set-up: pipe open failed with errno ${-f}`);
  return f;
}

/** Install `f` in t's fd table for the duration of `use`, then close it again. */
function withFd<T>(k: Kernel, t: Task, f: File | null, use: (fd: number) => T): T {
  const table = t.files!;
  if (f === null) {
    let fd = 200;
    while (table.get(fd) !== undefined) fd++;
    return use(fd);
  }
  const fd = table.installNew(f, false);
  try {
    return use(fd);
  } finally {
    table.close(fd);
  }
}

/** Run `use` with t's credentials those of an unprivileged user (uid 1000, no capabilities). */
function asUser<T>(k: Kernel, t: Task, use: () => T): T {
  const old = t.cred;
  k.kobj.get(old);
  const user = new Cred(k.kobj, "bad-fds case: an unprivileged user", 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0);
  t.setCred(user);
  k.kobj.put(user);
  try {
    return use();
  } finally {
    t.setCred(old);
    k.kobj.put(old);
  }
}

const lastError = (k: Kernel): string | undefined => crTrace(k).ops.at(-1)?.error;

/** The checkpoint side: bad calls against a container held at its first mark, which then runs on. */
function checkpointSide(s: CaseSetup, results: BadFdResult[], problems: string[]): void {
  const ref = reference(s);
  const m = bootMachine(s.exp, s.w, s.design.module());
  const k = m.kernel;
  const self = s.design.trigger === "self";
  const ctl = startRun(m, s.w, 0, s.design.trigger);
  let marker: Task | undefined;
  k.onCptMark = (t) => {
    if (t.pidNs === k.initNs || marker !== undefined) return false;
    marker = t;
    return true;
  };
  if (!runUntil(k, () => marker !== undefined) || marker === undefined) {
    problems.push(`checkpoint side: ${s.w.name} never reached its first mark`);
    shutdown(k);
    return;
  }
  const cinit = [...k.tasks.values()].find((t) => t.pidNs !== k.initNs && t.pidNs.reaper === t)!;
  const caller = self ? marker : ctl;
  const pid = self ? 0 : cinit.pid.nrIn(ctl.pidNs);
  const vfs = k.vfs;
  vfs.installFile("/var/cpt/readonly.img", new Uint8Array(0), 0o600);
  vfs.installFile("/var/cpt/eperm.img", new Uint8Array(0), 0o600);
  const opsBefore = crTrace(k).ops.length;
  const before = liveObjects(k);
  const call = (fd: number): number => SYSCALLS[NR_CHECKPOINT]!.fn(k, caller, pid, fd, 0, 0, 0, 0);
  for (const input of CHECKPOINT_INPUTS) {
    let file: File | null;
    switch (input) {
      case "proc file (/proc/self/maps)": file = open(k, caller, "/proc/self/maps", O_RDONLY); break;
      case "proc file open for writing (ns_last_pid)": file = open(k, caller, "/proc/sys/kernel/ns_last_pid", O_WRONLY); break;
      case "read-only fd": file = open(k, caller, "/var/cpt/readonly.img", O_RDONLY); break;
      case "directory": file = open(k, caller, "/var/cpt", O_RDONLY); break;
      case "pipe with no reader": file = pipeEnd(k, caller, O_WRONLY); break;
      case "unprivileged caller": file = open(k, caller, "/var/cpt/eperm.img", O_WRONLY); break;
      default: file = null;
    }
    const rc = withFd(k, caller, file, (fd) => (input === "unprivileged caller" ? asUser(k, caller, () => call(fd)) : call(fd)));
    results.push({ side: "checkpoint", input, errno: -rc, expected: expectedErrno("checkpoint", input, false), message: lastError(k) });
  }
  const made = objectDelta(before, liveObjects(k));
  if (made !== "") problems.push(`checkpoint side: the refused calls changed the kernel's objects: ${made}`);
  const ops = crTrace(k).ops.slice(opsBefore);
  if (ops.some((o) => o.result >= 0 || o.steps.length > 0)) problems.push("checkpoint side: a refused checkpoint did some work (a step in the trace)");
  for (const path of [IMAGE_PATH, "/var/cpt/eperm.img"]) if ((readGuestFile(m, path)?.length ?? 0) > 0) problems.push(`checkpoint side: ${path} was written`);
  // The container runs on to its end, as in the reference.
  k.releaseCptMarks();
  runUntil(k, () => !ctl.alive);
  if (!Buffer.from(m.console.stdout).equals(Buffer.from(ref.stdout))) problems.push("checkpoint side: the container's output differs from the reference after the refused calls");
  else if (ctl.exit === undefined || shellStatus(ctl.exit) !== ref.exitCode) problems.push("checkpoint side: the container's exit status differs from the reference");
  problems.push(...shutdown(k).map((p) => `checkpoint side: ${p}`));
}

/** The restart side: bad calls next to a real image, which stays intact and restarts afterwards. */
function restartSide(s: CaseSetup, streams: boolean, results: BadFdResult[], problems: string[]): void {
  const ref = reference(s);
  const c = checkpointAtMark(s);
  const { m, k, image } = c;
  const outAt = m.console.stdout.length;
  // A process outside the container that makes the calls before it ever runs (then it runs:
  // its image does not exist, it logs the failed open and exits).
  const caller = k.spawn(toolElf("cptbench-ctl"), [CTL_PATH, "restart", "--log", RESTART_LOG, "--image", "/var/cpt/none", "--flags", "0"], [], CTL_PATH);
  const flags = s.design.creator === "userspace" ? RESTART_TREE : 0;
  const before = liveObjects(k);
  const call = (fd: number): number => SYSCALLS[NR_RESTART]!.fn(k, caller, 0, fd, flags, 0, 0, 0);
  for (const input of RESTART_INPUTS) {
    if (input === "pipe with no writer") continue;
    let file: File | null;
    switch (input) {
      case "proc file (/proc/self/maps)": file = open(k, caller, "/proc/self/maps", O_RDONLY); break;
      case "write-only fd": file = open(k, caller, IMAGE_PATH, O_WRONLY); break;
      case "directory": file = open(k, caller, "/var/cpt", O_RDONLY); break;
      case "unprivileged caller": file = open(k, caller, IMAGE_PATH, O_RDONLY); break;
      default: file = null;
    }
    const rc = withFd(k, caller, file, (fd) => (input === "unprivileged caller" ? asUser(k, caller, () => call(fd)) : call(fd)));
    results.push({ side: "restart", input, errno: -rc, expected: expectedErrno("restart", input, streams), message: lastError(k) });
  }
  const made = objectDelta(before, liveObjects(k));
  if (made !== "") problems.push(`restart side: the refused calls changed the kernel's objects: ${made}`);
  runUntil(k, () => !caller.alive);
  // A pipe whose writer has gone: the creator's restarter opens a FIFO, a writer comes and goes.
  const fifo = k.vfs.installFifo(FIFO).pipe;
  const objs = liveObjects(k);
  // The machine's init holds the writer's end, as an administrator's shell would.
  const admin = k.initNs.reaper!;
  let writer: File | null = null;
  let closed = false;
  const rst = runRestarterWith(m, s, () => {
    if (writer === null && fifo.waitingReaders.size > 0) {
      const f = openPath({ k, t: admin }, { mnt: k.vfs.rootMount, dentry: walkTmpfs(k.vfs, FIFO)! }, O_WRONLY, "bad-fds case: a FIFO writer");
      if (typeof f === "number") throw new Error(`bad-fds set-up: opening ${FIFO} for writing failed with errno ${-f}`);
      writer = f;
    }
    else if (writer !== null && !closed && fifo.readers > 0) {
      k.kobj.put(writer, "bad-fds case: the FIFO's writer goes away");
      closed = true;
    }
  });
  // A codec that seeks refused the pipe before the writer could go (ESPIPE, for any pipe).
  if (writer !== null && !closed) k.kobj.put(writer, "bad-fds case: the FIFO's writer goes away");
  runUntil(k, () => containerTasksAlive(k).length === 0, 1_000);
  const rc = rst.log[0]?.[0] === "restart" ? rst.log[0][1] : 0;
  results.push({ side: "restart", input: "pipe with no writer", errno: -rc, expected: expectedErrno("restart", "pipe with no writer", streams), message: rst.error });
  if (containerTasksAlive(k).length > 0) problems.push("restart side: the restart from a FIFO with no writer left a container task");
  const leaked = objectDelta(objs, liveObjects(k));
  if (leaked !== "") problems.push(`restart side: the restart from a FIFO with no writer changed the kernel's objects: ${leaked}`);
  // The image is as it was, and restarts.
  const now = readGuestFile(m, IMAGE_PATH);
  if (now === null || !Buffer.from(now).equals(Buffer.from(image))) problems.push("restart side: the image file changed");
  const again = runRestarter(m, s);
  const got = Buffer.concat([m.console.stdout.subarray(0, c.op.stdoutAt ?? 0), m.console.stdout.subarray(outAt)]);
  if (!(again.log[0]?.[1] > 0) || again.log.at(-1)?.[1] !== ref.exitCode << 8) problems.push(`restart side: the intact image did not restart afterwards: ${JSON.stringify(again.log)} ${again.op?.error ?? ""}`);
  else if (!got.equals(Buffer.from(ref.stdout))) problems.push("restart side: the restart from the intact image did not reproduce the reference output");
  problems.push(...shutdown(k).map((p) => `restart side: ${p}`));
}

/** The design's restarter on FIFO, calling `each` between slices; its log and the restart's error. */
function runRestarterWith(m: ReturnType<typeof checkpointAtMark>["m"], s: CaseSetup, each: () => void): { log: [string, number][]; error?: string } {
  const k = m.kernel;
  const ops0 = crTrace(k).ops.length;
  const spec = s.design.restarter;
  const t = k.spawn(toolElf(spec.program), [`/bin/${spec.program}`, ...spec.args, "--log", "/var/cpt/fifo-restart.log", "--image", FIFO, "--flags", "0"], s.w.env, `/bin/${spec.program}`);
  for (let i = 0; i < 10_000 && t.alive; i++) {
    each();
    if (k.run(1_000, true) === 0) break;
  }
  const log = readGuestFile(m, "/var/cpt/fifo-restart.log");
  const lines = log === null ? [] : new TextDecoder().decode(log).split("\n").filter((l) => l !== "").map((l) => l.split(" ")).map(([v, n]) => [v, Number(n)] as [string, number]);
  return { log: lines, error: crTrace(k).ops.slice(ops0).find((o) => o.op === "restart")?.error };
}

export const BAD_FDS_CASE: ReviewCase = {
  id: "bad-fds",
  number: 6,
  title: "Odd fds",
  summary: "sys_checkpoint and sys_restart given a /proc file, a read-only or write-only fd, a closed fd, a directory, a pipe with nobody at the other end, or an unprivileged caller: the exact errno, nothing changed",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const streams = resolveCell(ctx.registry.cellContainer(design)).codec.streams;
    const results: BadFdResult[] = [];
    const problems: string[] = [];
    checkpointSide(caseSetup(design, ctx, WORKLOAD), results, problems);
    restartSide(caseSetup(design, ctx, WORKLOAD), streams, results, problems);
    const wrong = results.filter((r) => r.errno !== r.expected);
    const vague = results.filter((r) => r.errno === r.expected && (r.message ?? "") === "");
    const figures: CaseOutcome["figures"] = Object.fromEntries(results.map((r) => [`${r.side}: ${r.input}`, r.errno]));
    let reason: string | undefined;
    if (wrong.length > 0) reason = wrong.map((r) => `${r.side} with a ${r.input} returned errno ${r.errno}, expected ${r.expected} (${r.message ?? "no reason recorded"})`).join("; ");
    else if (vague.length > 0) reason = `no reason recorded for: ${vague.map((r) => `${r.side} with a ${r.input}`).join(", ")}`;
    else if (problems.length > 0) reason = problems.join("; ");
    return outcome(BAD_FDS_CASE, design, ctx, reason === undefined ? "pass" : "fail", figures, reason, results);
  },
};
