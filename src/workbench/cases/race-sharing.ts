// Case 10, shared kernel objects. Threads share mm, files, fs, sighand and signal; CLONE_FILES
// children share an fd table; and in share-unshare A creates B sharing files, B creates C sharing
// files, and B unshares before the checkpoint. The case checkpoints each at its mark, restarts,
// and compares who shares what — each of mm, files, fs, sighand, signal (the thread group), and
// each open file behind the fds — in the checkpointed model and in a collection of the restored
// container taken the moment the restart is over. It reports the kernel objects the restart
// created and destroyed, by type: what a creator made only to throw away (the "useless
// creations" of the review thread).
import { collectContainer } from "../../core/cr/collect/collect.ts";
import type { CheckpointModel } from "../../core/cr/model.ts";
import type { Combination } from "../matrix/combos.ts";
import { beginRestart, caseSetup, checkpointAtMark, containerTasksOf, kernelProblems, machineWithImage, runToRestartBegin } from "./race-support.ts";
import { outcome, type CaseOutcome, type ReviewCase } from "./types.ts";

/** Workloads and the mark each is checkpointed at (with its tasks sharing the most there). */
export const SHARING_WORKLOADS: readonly { name: string; mark: number }[] = [
  { name: "threads", mark: 2 },
  { name: "fdshare", mark: 2 },
  { name: "share-unshare", mark: 1 },
  // AF_UNIX sockets and an epoll set over them, inherited by three client processes (issue 16).
  { name: "libc-sock-epoll", mark: 1 },
];

type Kind = "mm" | "files" | "fs" | "sighand" | "signal";

/**
 * Who shares what in a model, by pid in the container: per kind the groups of tasks sharing one
 * object ("1 | 2 3 4"), and "fds" the groups of (fd table, fd) slots naming one open file.
 * Object ids are the model's own and differ between two collections; the groups do not.
 */
export function sharingOf(m: CheckpointModel): Record<Kind | "fds", string> {
  const pidNr = new Map(m.pids.map((p) => [p.id, p.numbers[0]]));
  const nr = (t: CheckpointModel["tasks"][number]): number => pidNr.get(t.pidId) ?? -1;
  const groups = (key: (t: CheckpointModel["tasks"][number]) => number | null): string => {
    const by = new Map<number, number[]>();
    for (const t of m.tasks) {
      const id = key(t);
      if (id !== null) by.set(id, [...(by.get(id) ?? []), nr(t)]);
    }
    return [...by.values()].map((g) => g.sort((a, b) => a - b).join(" ")).sort().join(" | ");
  };
  const out = {} as Record<Kind | "fds", string>;
  out.mm = groups((t) => t.mmId);
  out.files = groups((t) => t.filesId);
  out.fs = groups((t) => t.fsId);
  out.sighand = groups((t) => t.sighandId);
  out.signal = groups((t) => t.threadGroupId);
  // An fd table is named by the tasks that use it; a slot by its table and number.
  const tableName = new Map<number, string>();
  for (const t of m.tasks) if (t.filesId !== null) tableName.set(t.filesId, [...(tableName.get(t.filesId)?.split(",") ?? []), String(nr(t))].sort().join(","));
  const byFile = new Map<number, string[]>();
  for (const tab of m.fdTables) {
    const name = tableName.get(tab.id);
    if (name === undefined) continue;
    for (const fd of tab.fds) byFile.set(fd.fileId, [...(byFile.get(fd.fileId) ?? []), `[${name}]${fd.fd}`]);
  }
  out.fds = [...byFile.values()].filter((g) => g.length > 1).map((g) => g.sort().join(" ")).sort().join(" | ");
  return out;
}

const typeList = (r: Record<string, number>): string => Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `${t} ${n}`).join(", ") || "none";
const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

function runOne(design: Combination, ctx: Parameters<ReviewCase["run"]>[1], name: string, mark: number): { figures: CaseOutcome["figures"]; problem?: string; detail: unknown } {
  const figures: CaseOutcome["figures"] = {};
  const s = caseSetup(design, ctx, name);
  const img = checkpointAtMark(s, mark);
  if (typeof img === "string") return { figures, problem: img, detail: { workload: name, error: img } };
  const before = sharingOf(s.codec.decode(img.bytes));
  const m = machineWithImage(s, img.bytes);
  const k = m.kernel;
  const r = beginRestart(s, m);
  if (!runToRestartBegin(r, 1)) return { figures, problem: "the restart never began", detail: { workload: name } };
  // One step at a time, so that the restored container is collected before any task of it runs on.
  for (let i = 0; i < 5_000_000 && r.op()?.done !== true; i++) k.run(1, true);
  const op = r.op();
  if (op === undefined || !op.done) return { figures, problem: "the restart never ended", detail: { workload: name } };
  if (op.result <= 0) return { figures, problem: `the restart failed: ${op.error ?? `errno ${-op.result}`}`, detail: { workload: name } };
  figures[`${name}: objects created`] = sum(op.created);
  figures[`${name}: objects destroyed`] = sum(op.destroyed);
  figures[`${name}: created by type`] = typeList(op.created);
  figures[`${name}: destroyed by type`] = typeList(op.destroyed);
  const init = containerTasksOf(k).find((t) => t.pidNs.reaper === t && t.pidNs.parent === k.initNs);
  let after: Record<Kind | "fds", string> | undefined;
  let problem: string | undefined;
  if (init === undefined) problem = "no restored container init";
  else {
    try {
      after = sharingOf(collectContainer(k, init, "case sharing"));
    } catch (e) {
      problem = `the restored container could not be collected: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const differs = after === undefined ? [] : (Object.keys(before) as (Kind | "fds")[]).filter((kind) => before[kind] !== after[kind]);
  figures[`${name}: sharing equal`] = after !== undefined && differs.length === 0;
  if (problem === undefined && differs.length > 0) problem = differs.map((kind) => `${kind}: ${before[kind] || "-"} before, ${after![kind] || "-"} after`).join("; ");
  k.run(2_000_000, true);
  k.shutdown();
  const p = kernelProblems(k);
  if (problem === undefined && p.length > 0) problem = p[0];
  return { figures, problem, detail: { workload: name, mark, before, after, created: op.created, destroyed: op.destroyed } };
}

export const SHARING: ReviewCase = {
  id: "sharing",
  number: 10,
  title: "Shared kernel objects (mm, files, fs, sighand, signal; single fds)",
  summary: "threads, CLONE_FILES, share-unshare and sockets in an epoll set across a tree: who shares what is the same after restart; objects the restart created and destroyed",
  run(design, ctx) {
    const figures: CaseOutcome["figures"] = {};
    const details: unknown[] = [];
    const problems: string[] = [];
    for (const w of SHARING_WORKLOADS) {
      const one = runOne(design, ctx, w.name, w.mark);
      Object.assign(figures, one.figures);
      details.push(one.detail);
      if (one.problem !== undefined) problems.push(`${w.name}: ${one.problem}`);
    }
    return problems.length > 0 ? outcome(this, design, ctx, "fail", figures, problems.join("; "), details) : outcome(this, design, ctx, "pass", figures, undefined, details);
  },
};
