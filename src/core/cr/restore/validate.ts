// The consistency of a decoded model, checked once, right after the image is read and before
// anything is made from it (REVIEW-CASES.md #7, tampered images). A codec checks that the bytes
// are well formed and that references resolve; an image can still be well formed and mean
// something no kernel could have produced — a thread in one process sharing another process's
// address space, a parent created after its child. Every creator calls this first, so the user
// space creator refuses such an image before it hands a task table to its restarter (which
// would otherwise fork a tree that can never be completed). Throws CrError(EINVAL).
import { CrError, EINVAL } from "../errors.ts";
import { IdIndex } from "../id-index.ts";
import type { CheckpointModel, MmRecord } from "../model.ts";
import type { PerTaskParts } from "../per-task.ts";
import { validateEventFiles } from "./validate-events.ts";
import { DEFAULT_LIMITS, validateFields, type KernelLimits } from "./validate-fields.ts";
import { validateTtys } from "./validate-ttys.ts";
import { validateSockets } from "./validate-sockets.ts";
import { validateFileState } from "./validate-file-state.ts";
import { validateTaskState } from "./validate-task-state.ts";

function fail(what: string): never {
  throw new CrError(EINVAL, `inconsistent image: ${what}`);
}

/**
 * `parts`: a per-task image's parts, whose private pages the skeleton model does not hold; their
 * indices are checked here as a whole model's are, before any task reads its part.
 */
const PAGE_SHIFT = 12;

/**
 * An mm's private and copy-on-write pages lie in its VMAs, once each (the collector takes them
 * from the page table, which maps nothing outside a VMA): a page elsewhere would be a frame no
 * munmap or exit ever frees right, and more pages than the VMAs span is a lying count. The VMAs
 * are sorted and disjoint (validateFields).
 */
/** The pages' indices, in their order. */
function pageIndices(pages: MmRecord["pages"]): number[] {
  const out = new Array<number>(pages.length);
  for (let i = 0; i < pages.length; i++) out[i] = pages[i]!.index;
  return out;
}

/** Whether page `vpn` lies in one of the mm's VMAs (sorted and disjoint: validateFields checked). */
function inVma(vmas: MmRecord["vmas"], vpn: number): boolean {
  let lo = 0;
  let hi = vmas.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (vpn < vmas[mid]!.start >>> PAGE_SHIFT) hi = mid - 1;
    else if (vpn >= vmas[mid]!.end >>> PAGE_SHIFT) lo = mid + 1;
    else return true;
  }
  return false;
}

function outside(mm: MmRecord, vpn: number, what: string, i: number): void {
  if (!Number.isInteger(vpn) || !inVma(mm.vmas, vpn)) fail(`mm ${mm.id} ${what} ${i} has index ${vpn} (address 0x${(vpn * 4096).toString(16)}), outside every VMA of the mm`);
}

function twice(mm: MmRecord, vpn: number, what: string, i: number): never {
  return fail(`mm ${mm.id} ${what} ${i} has index ${vpn}, which another page of the mm has too`);
}

/**
 * An mm's private pages (`indices`) and copy-on-write references: each inside a VMA, none named
 * twice. Once per mm of a restart (10,000 of them in a big tree): helpers at module level and
 * indexed loops, so that a valid mm allocates nothing here (closures and arrays per mm were
 * 10 MiB of a 10,000-task restart).
 */
function validatePages(mm: MmRecord, indices: readonly number[]): void {
  let span = 0;
  for (let i = 0; i < mm.vmas.length; i++) span += (mm.vmas[i]!.end >>> PAGE_SHIFT) - (mm.vmas[i]!.start >>> PAGE_SHIFT);
  if (indices.length + mm.cowRefs.length > span) {
    fail(`mm ${mm.id} has ${indices.length} private and ${mm.cowRefs.length} copy-on-write pages, more than the ${span} pages its ${mm.vmas.length} VMAs span`);
  }
  // The collector writes both lists in ascending order: then a page named twice can only be one
  // of each, found by walking them together (a set of 65,536 pages costs more than the restore's
  // copy of them). The same checks in the same order, so the same first failure.
  let prev = -1;
  let sorted = true;
  for (let i = 0; i < indices.length && sorted; i++) {
    const vpn = indices[i]!;
    outside(mm, vpn, "page", i);
    sorted = vpn > prev;
    prev = vpn;
  }
  prev = -1;
  for (let i = 0, j = 0; i < mm.cowRefs.length && sorted; i++) {
    const vpn = mm.cowRefs[i]!.index;
    outside(mm, vpn, "copy-on-write page", i);
    sorted = vpn > prev;
    prev = vpn;
    while (j < indices.length && indices[j]! < vpn) j++;
    if (sorted && j < indices.length && indices[j] === vpn) twice(mm, vpn, "copy-on-write page", i);
  }
  if (sorted) return;
  // In any other order: a set of the pages seen. `what` names the page ("page 3", "copy-on-write
  // page 0") only in the message of a failure.
  const seen = new Set<number>();
  const check = (vpn: number, what: string, i: number): void => {
    outside(mm, vpn, what, i);
    if (seen.has(vpn)) twice(mm, vpn, what, i);
    seen.add(vpn);
  };
  indices.forEach((vpn, i) => check(vpn, "page", i));
  mm.cowRefs.forEach((r, i) => check(r.index, "copy-on-write page", i));
}

export function validateModel(m: CheckpointModel, limits: KernelLimits = DEFAULT_LIMITS, parts: Pick<PerTaskParts, "indices"> | null = null): void {
  validateFields(m, limits);
  validateTtys(m);
  validateSockets(m, limits.pidMax, limits.memoryBytes);
  validateFileState(m, limits);
  validateTaskState(m, limits.cpus);
  validateEventFiles(m, limits);
  for (let i = 0; i < m.mms.length; i++) {
    const mm = m.mms[i]!;
    validatePages(mm, parts === null ? pageIndices(mm.pages) : parts.indices(mm.id));
  }
  const ids = <T extends { id: number }>(list: T[], what: string): IdIndex<T> => {
    const index = new IdIndex<T>();
    for (let i = 0; i < list.length; i++) {
      const x = list[i]!;
      if (index.has(x.id)) fail(`${what} ${x.id} appears twice`);
      index.set(x.id, x);
    }
    return index;
  };
  const groups = ids(m.threadGroups, "thread group");
  const mms = ids(m.mms, "mm");
  const fdTables = ids(m.fdTables, "fd table");
  const fsContexts = ids(m.fsContexts, "fs context");
  const sighands = ids(m.sighands, "sighand");
  const creds = ids(m.creds, "cred");
  const pids = ids(m.pids, "pid");
  const namespaces = ids(m.pidNamespaces, "pid namespace");
  // A pid's numbers are in the container's namespace and the ones nested in it, outermost
  // first, each the child of the one before: a number for any other namespace (the restarter's)
  // would be taken outside the container.
  for (const p of m.pids) {
    if (p.nsIds.length !== p.numbers.length) fail(`pid ${p.id} has ${p.numbers.length} numbers for ${p.nsIds.length} namespaces`);
    p.nsIds.forEach((id, i) => {
      const ns = namespaces.get(id);
      if (ns === undefined) fail(`pid ${p.id} names pid namespace ${id}, which the image does not have`);
      const parent = i === 0 ? null : p.nsIds[i - 1];
      if (i === 0 ? id !== m.container.pidNsId : ns.parentId !== parent) {
        fail(`pid ${p.id}'s number ${p.numbers[i]} is in pid namespace ${id}, which is not ${i === 0 ? "the container's" : `a child of namespace ${parent}`}: it would be taken outside the container`);
      }
    });
  }
  // Files naming other records: a pidfd its pid; an inotify instance its inodes, each watched once under one wd.
  const inodes = ids(m.inodes, "inode");
  for (const f of m.files) {
    const t = f.target;
    if (t.kind === "ns" && (t.nsKind === "pid") !== (t.pidNsId !== undefined)) fail(`file ${f.id} is a ${t.nsKind} namespace file ${t.pidNsId === undefined ? "without" : "with"} a pid namespace id`);
    if (t.kind === "ns" && t.pidNsId !== undefined && !namespaces.has(t.pidNsId)) fail(`file ${f.id} is the file of pid namespace ${t.pidNsId}, which the image does not have`);
    if (t.kind === "pidfd" && !pids.has(t.pidId)) fail(`file ${f.id} is a pidfd of pid ${t.pidId}, which the image does not have`);
    if (t.kind !== "inotify") continue;
    const wds = new Set<number>();
    const watched = new Set<number>();
    for (const w of t.watches) {
      if (!inodes.has(w.inodeId)) fail(`inotify file ${f.id}: watch ${w.wd} names inode ${w.inodeId}, which the image does not have`);
      if (wds.has(w.wd)) fail(`inotify file ${f.id} has two watches with wd ${w.wd}`);
      if (watched.has(w.inodeId)) fail(`inotify file ${f.id} watches inode ${w.inodeId} twice (one instance has one watch per inode)`);
      wds.add(w.wd);
      watched.add(w.inodeId);
    }
  }
  const need = (map: IdIndex<unknown>, id: number | null, task: number, what: string): void => {
    if (id !== null && !map.has(id)) fail(`task ${task} names ${what} ${id}, which the image does not have`);
  };
  const init = m.tasks[m.container.initTaskId - 1];
  if (init === undefined || init.id !== m.container.initTaskId) fail(`the container's init is task ${m.container.initTaskId}, which the image does not have`);
  if (init.parentTaskId !== null) fail(`the container's init (task ${init.id}) has a parent inside the container (task ${init.parentTaskId})`);
  const pidOwner = new IdIndex<number>();
  m.tasks.forEach((t, i) => {
    if (t.id !== i + 1) fail(`task records out of order: record ${i + 1} is task ${t.id}`);
    if (t.parentTaskId !== null && !(t.parentTaskId >= 1 && t.parentTaskId < t.id)) {
      fail(`task ${t.id}'s parent ${t.parentTaskId} ${t.parentTaskId > m.tasks.length || t.parentTaskId < 1 ? "does not exist" : "comes later (parents are created first)"}`);
    }
    need(pids, t.pidId, t.id, "pid");
    const other = pidOwner.get(t.pidId);
    if (other !== undefined) fail(`tasks ${other} and ${t.id} have the same pid ${t.pidId}`);
    pidOwner.set(t.pidId, t.id);
    need(groups, t.threadGroupId, t.id, "thread group");
    need(sighands, t.sighandId, t.id, "sighand");
    need(creds, t.credId, t.id, "cred");
    need(mms, t.mmId, t.id, "mm");
    need(fdTables, t.filesId, t.id, "fd table");
    need(fsContexts, t.fsId, t.id, "fs context");
    need(namespaces, t.pidNsForChildrenId, t.id, "pid namespace");
    if (t.vforkParentTaskId !== null && m.tasks[t.vforkParentTaskId - 1] === undefined) fail(`task ${t.id} names vfork parent ${t.vforkParentTaskId}, which the image does not have`);
    if (t.state !== "zombie" && (t.mmId === null || t.regs === null)) fail(`live task ${t.id} has no mm or no registers`);
  });
  for (const g of m.threadGroups) {
    const leader = m.tasks[g.leaderTaskId - 1];
    if (leader === undefined) fail(`thread group ${g.id}'s leader, task ${g.leaderTaskId}, does not exist`);
    if (leader.threadGroupId !== g.id) fail(`thread group ${g.id}'s leader, task ${leader.id}, belongs to thread group ${leader.threadGroupId}`);
  }
  // The threads of a process share its address space and signal handlers (CLONE_THREAD needs
  // CLONE_SIGHAND, which needs CLONE_VM): a thread that names other ones landed in the wrong process.
  for (const t of m.tasks) {
    const g = groups.get(t.threadGroupId)!;
    if (g.leaderTaskId === t.id) continue;
    const leader = m.tasks[g.leaderTaskId - 1];
    if (leader.id > t.id) fail(`task ${t.id} is a thread of group ${g.id} whose leader ${leader.id} comes later`);
    if (t.state === "zombie" || leader.state === "zombie") continue;
    if (t.mmId !== leader.mmId) fail(`task ${t.id} is a thread of task ${leader.id}'s process but has mm ${t.mmId}, not its leader's mm ${leader.mmId}`);
    if (t.sighandId !== leader.sighandId) fail(`task ${t.id} is a thread of task ${leader.id}'s process but has sighand ${t.sighandId}, not its leader's ${leader.sighandId}`);
  }
}
