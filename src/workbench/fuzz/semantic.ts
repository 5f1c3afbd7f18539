// Semantic edits (kinds.ts SEMANTIC_KINDS): the decoded model is edited and encoded again by the
// codec, so every length and checksum is right and only the meaning is wrong — these reach the
// restart's validation, confinement and credential checks. Each kind is a list of edits; mutant
// `nth` of a kind takes edit nth mod the list (so a campaign tries every edit), the Prng picks the
// record and the value. An edit returns what it did, or null when the image has no such record.
import type { Prng } from "../../machine/kernel/prng.ts";
import type { CheckpointModel } from "../../core/cr/model.ts";
import type { MutationKind } from "./kinds.ts";

type Edit = (m: CheckpointModel, p: Prng) => string | null;

const pick = <T>(xs: readonly T[], p: Prng): T | undefined => (xs.length === 0 ? undefined : xs[p.below(xs.length)]);
/** Ids that exist nowhere in any image the workloads make. */
const MISSING = 999_999;
/** Numbers past every limit the kernel enforces (pid_max, fd limits, memory) or below zero. */
const HUGE: readonly number[] = [2 ** 31, 2 ** 32, 2 ** 40, -1, -(2 ** 31)];
const huge = (p: Prng): number => HUGE[p.below(HUGE.length)];
/** A value of `xs` other than `now` (an edit that changes nothing is no mutant). */
const other = <T>(xs: readonly T[], now: T, p: Prng): T => pick(xs.filter((x) => x !== now), p)!;

/** An edit of one record chosen from `list(m)`: null when the list is empty. */
function onOne<T>(list: (m: CheckpointModel) => readonly T[], what: (x: T) => string, edit: (x: T, p: Prng, m: CheckpointModel) => string): Edit {
  return (m, p) => {
    const x = pick(list(m), p);
    return x === undefined ? null : `${what(x)}: ${edit(x, p, m)}`;
  };
}

const CREDS: Edit[] = [
  onOne((m) => m.creds, (c) => `cred ${c.id}`, (c) => {
    // Root's image made another user's, or a user's made root's.
    c.uid = c.euid = c.suid = c.fsuid = c.uid === 0 ? 1000 : 0;
    return `uid ${c.uid}`;
  }),
  onOne((m) => m.creds, (c) => `cred ${c.id}`, (c) => {
    c.gid = c.egid = c.sgid = c.fsgid = c.gid === 0 ? 1000 : 0;
    return `gid ${c.gid}`;
  }),
  onOne((m) => m.creds, (c) => `cred ${c.id}`, (c) => {
    const all = 2 ** 41 - 1;
    c.capEffective = c.capPermitted = c.capEffective === all ? 0xffff_ffff : all;
    return `capabilities 0x${c.capEffective.toString(16)}`;
  }),
  onOne((m) => m.creds, (c) => `cred ${c.id}`, (c, p) => {
    c.capEffective = c.capPermitted = 2 ** (41 + p.below(12));
    return `capability bit ${Math.log2(c.capEffective)} (out of range)`;
  }),
  onOne((m) => m.creds, (c) => `cred ${c.id}`, (c, p) => {
    c.uid = c.euid = huge(p);
    return `uid ${c.uid}`;
  }),
  onOne((m) => m.creds, (c) => `cred ${c.id}`, (c, p) => {
    c.fsgid = huge(p);
    return `fsgid ${c.fsgid}`;
  }),
  onOne((m) => m.tasks, (t) => `task ${t.id}`, (t) => {
    t.credId = MISSING;
    return `cred id ${MISSING}`;
  }),
];

const HOST_PATHS = ["/bin", "/", "/ct", "/var/cpt", "/ct/../bin", "/ct/x/../../etc", "relative/dir", "/ct/a\0b", "/proc", "/dev"];
const BAD_NAMES = ["..", "../escape", "a/../../..", "/abs", "x/./y", "", ".", "a//b"];
const DEVICES = ["/var/cpt/image", "/dev/mem", "/bin/cptbench-ctl", "/dev/../var/cpt/restart.log", "/dev/console", "/dev/tty", "null"];

const PATHS: Edit[] = [
  (m, p) => `the container's tree root = ${JSON.stringify((m.container.treeRoot = other(HOST_PATHS, m.container.treeRoot, p)))}`,
  onOne((m) => m.tree.slice(1), (d) => `tree entry ${JSON.stringify(d.path)}`, (d, p) => `path = ${JSON.stringify((d.path = other(BAD_NAMES, d.path, p)))}`),
  onOne((m) => m.fsContexts, (f) => `fs context ${f.id}`, (f, p) => `cwd = ${JSON.stringify((f.cwd = other(HOST_PATHS, f.cwd, p)))}`),
  onOne((m) => m.fsContexts, (f) => `fs context ${f.id}`, (f, p) => `root = ${JSON.stringify((f.root = other(HOST_PATHS, f.root, p)))}`),
  onOne((m) => m.files, (f) => `file ${f.id}`, (f, p) => {
    const path = pick(DEVICES, p)!;
    f.target = { kind: "device", path };
    return `device ${JSON.stringify(path)}`;
  }),
  onOne((m) => m.files, (f) => `file ${f.id}`, (f, p) => {
    const path = pick(["/proc/../bin", "/etc/passwd", "/proc/1/../../var/cpt/image", "proc/self"], p)!;
    f.target = { kind: "proc", path };
    return `proc file ${JSON.stringify(path)}`;
  }),
  onOne((m) => m.inodes.filter((i) => i.kind === "file"), (i) => `inode ${i.id}`, (i, p, m) => {
    // A file of the container's tree turned into a host file, open for writing by every file naming it.
    i.externalPath = pick(["/var/cpt/ctl.log", "/bin/cptbench-ctl", "/ct", "/var/cpt/image"], p)!;
    for (const f of m.files) if (f.target.kind === "inode" && f.target.inodeId === i.id) f.flags = (f.flags & ~3) | 2;
    return `external path ${i.externalPath}, opened read-write`;
  }),
  onOne((m) => m.inodes.filter((i) => i.kind !== "dir"), (i) => `inode ${i.id}`, (i, p) => {
    i.kind = "symlink";
    i.target = pick(["/bin", "../../../var/cpt", "/var/cpt/image", "..", "/ct/../bin/cptbench-ctl"], p)!;
    return `a symlink to ${i.target}`;
  }),
  onOne((m) => m.files.filter((f) => f.target.kind === "inode"), (f) => `file ${f.id}`, (f, p) => {
    if (f.target.kind === "inode") f.target.path = pick(["/bin/cptbench-ctl", "/var/cpt/image", "../x", ""], p)!;
    return `opened at ${f.target.kind === "inode" ? f.target.path : "?"}`;
  }),
  onOne((m) => m.tasks, (t) => `task ${t.id}`, (t, p) => `freezer path = ${JSON.stringify((t.freezerPath = pick(["../..", "/../../x", "a/../../b"], p)!))}`),
  (m, p) => `the container's freezer group = ${JSON.stringify((m.container.freezerGroup = pick(["..", "../../root", "/x/../.."], p)!))}`,
];

const PIDS: Edit[] = [
  onOne((m) => m.pids, (x) => `pid ${x.id}`, (x, p) => {
    const v = pick([0, -1, 2 ** 31, 2 ** 40, 4_194_304, 32_768], p)!;
    x.numbers[p.below(x.numbers.length)] = v;
    return `number ${v}`;
  }),
  (m, p) => {
    if (m.pids.length < 2) return null;
    const a = m.pids[p.below(m.pids.length)];
    const b = pick(m.pids.filter((x) => x !== a), p)!;
    a.numbers = [...b.numbers];
    return `pid ${a.id}: the numbers of pid ${b.id} (${b.numbers.join("/")})`;
  },
  onOne((m) => m.pids, (x) => `pid ${x.id}`, (x, p) => {
    x.numbers = p.below(2) === 0 ? [] : [...x.numbers, 2, 3, 4];
    return `${x.numbers.length} numbers`;
  }),
  onOne((m) => m.pids, (x) => `pid ${x.id}`, (x) => `namespace ids = ${JSON.stringify((x.nsIds = x.nsIds.map(() => MISSING)))}`),
  onOne((m) => m.pidNamespaces, (n) => `pid namespace ${n.id}`, (n, p) => `last pid ${(n.lastPid = pick([-1, 0, 2 ** 31, 4_194_304, 32_767, 2 ** 40], p)!)}`),
  onOne((m) => m.pidNamespaces, (n) => `pid namespace ${n.id}`, (n, p) => `parent ${(n.parentId = pick([n.id, MISSING, -1], p)!)}`),
  (m, p) => {
    if (m.tasks.length < 2) return null;
    const t = m.tasks[1 + p.below(m.tasks.length - 1)];
    const other = pick(m.tasks.filter((x) => x !== t), p)!;
    t.pidId = other.pidId;
    return `task ${t.id}: the pid of task ${other.id}`;
  },
  onOne((m) => m.threadGroups, (g) => `thread group ${g.id}`, (g, p) => {
    if (p.below(2) === 0) g.pgrpPidId = MISSING;
    else g.sessionPidId = MISSING;
    return `process group or session pid ${MISSING}`;
  }),
];

const SIZES: Edit[] = [
  onOne((m) => m.mms.flatMap((x) => x.vmas), (v) => `vma ${v.start.toString(16)}`, (v, p) => {
    const w = p.below(3);
    if (w === 0) v.end = 2 ** 40;
    else if (w === 1) v.start = v.end + 4096;
    else v.end = v.start + 2 ** 31;
    return `${v.start.toString(16)}-${v.end.toString(16)}`;
  }),
  onOne((m) => m.mms, (x) => `mm ${x.id}`, (x, p) => {
    x.brk = p.below(2) === 0 ? 2 ** 40 : x.startBrk - 4096;
    return `brk 0x${x.brk.toString(16)}`;
  }),
  onOne((m) => m.mms.flatMap((x) => x.pages), (pg) => `page ${pg.index}`, (pg, p) => `index ${(pg.index = pick([2 ** 20, 2 ** 31, -1, 2 ** 40], p)!)}`),
  onOne((m) => m.inodes, (i) => `inode ${i.id}`, (i, p) => `size ${(i.size = huge(p))}`),
  onOne((m) => m.shmem, (s) => `shmem ${s.id}`, (s, p) => `size ${(s.size = huge(p))} pages`),
  onOne((m) => m.fdTables, (f) => `fd table ${f.id}`, (f, p) => `max fds ${(f.maxFds = pick([2 ** 31, 2 ** 40, -1, 0], p)!)}`),
  onOne((m) => m.fdTables.flatMap((t) => t.fds), (d) => `fd ${d.fd}`, (d, p) => `number ${(d.fd = pick([2 ** 31, -1, 1_048_576], p)!)}`),
  onOne((m) => m.files, (f) => `file ${f.id}`, (f, p) => `pos ${(f.pos = pick([-1, 2 ** 53, 2 ** 40], p)!)}`),
  onOne((m) => m.sighands, (s) => `sighand ${s.id}`, (s, p) => {
    const n = pick([0, 10, 65, 200], p)!;
    const a = s.actions[0] ?? { handler: 0, flags: 0, restorer: 0, mask: 0n };
    s.actions = Array.from({ length: n }, () => ({ ...a }));
    return `${n} actions`;
  }),
  onOne((m) => m.pipes, (x) => `pipe ${x.id}`, (x, p) => {
    x.buffered = new Uint8Array(pick([65_537, 1 << 20], p)!);
    return `${x.buffered.length} bytes buffered`;
  }),
  onOne((m) => m.tasks, (t) => `task ${t.id}`, (t, p) => `exit signal 0x${(t.exitSignal = pick([0x8000011, -1, 65, 2 ** 31], p)!).toString(16)}`),
  onOne((m) => m.tasks, (t) => `task ${t.id}`, (t, p) => `sigaltstack size ${(t.sas.size = huge(p))}`),
  onOne((m) => m.tasks.filter((t) => t.regs !== null), (t) => `task ${t.id}`, (t, p) => {
    const n = pick([5, 0, 100], p)!;
    t.regs!.x = Array.from({ length: n }, (_, i) => t.regs!.x[i] ?? 0);
    return `${n} integer registers`;
  }),
  onOne((m) => m.tasks, (t) => `task ${t.id}`, (t, p) => {
    const n = pick([1000, 5000], p)!;
    t.pending.queue = Array.from({ length: n }, () => ({ signo: 10, code: 0 }));
    t.pending.signals |= 1n << 9n;
    return `${n} queued signals`;
  }),
  // Memfds, pidfds and inotify instances (libc-memfd, libc-pidfd, libc-inotify hold them).
  onOne((m) => m.inodes.filter((i) => i.memfd !== undefined), (i) => `inode ${i.id}`, (i, p) => {
    const mfd = i.memfd!;
    if (p.below(2) === 0) return `memfd seals 0x${(mfd.seals = pick([0x40, 0xffff_ffff, 2 ** 31], p)!).toString(16)}`;
    return `memfd name of ${(mfd.name = "n".repeat(pick([250, 4096], p)!)).length} bytes`;
  }),
  onOne((m) => m.files.flatMap((f) => (f.target.kind === "inotify" ? [f.target] : [])), () => "an inotify instance", (t, p) => {
    const w = p.below(3);
    if (w === 0 && t.watches.length > 0) return `wd ${(t.watches[0].wd = pick([0, -1, 2 ** 31], p)!)}`;
    if (w === 1) return `last wd ${(t.lastWd = huge(p))}`;
    t.events = Array.from({ length: 16_386 }, () => ({ wd: 1, mask: 2, cookie: 0, name: null }));
    return `${t.events.length} queued events`;
  }),
];

const REFS: Edit[] = [
  onOne((m) => m.fdTables.flatMap((t) => t.fds), (d) => `fd ${d.fd}`, (d) => `file ${(d.fileId = MISSING)}`),
  onOne((m) => m.tasks, (t) => `task ${t.id}`, (t, p) => {
    const field = pick(["filesId", "fsId", "sighandId", "mmId", "threadGroupId", "parentTaskId", "pidNsForChildrenId", "vforkParentTaskId"] as const, p)!;
    (t as unknown as Record<string, number>)[field] = MISSING;
    return `${field} ${MISSING}`;
  }),
  onOne((m) => m.mms.flatMap((x) => x.vmas).filter((v) => v.backing.kind !== "anon"), (v) => `vma ${v.start.toString(16)}`, (v) => {
    if (v.backing.kind === "file") v.backing.inodeId = MISSING;
    else if (v.backing.kind === "shmem") v.backing.shmemId = MISSING;
    return `backing ${MISSING}`;
  }),
  onOne((m) => m.mms.flatMap((x) => x.vmas), (v) => `vma ${v.start.toString(16)}`, (v) => {
    v.backing = { kind: "shmem", shmemId: MISSING };
    return `shared memory ${MISSING}`;
  }),
  onOne((m) => m.files, (f) => `file ${f.id}`, (f, p) => {
    f.target = p.below(2) === 0 ? { kind: "pipe", pipeId: MISSING } : { kind: "inode", inodeId: MISSING, path: "/ct/missing" };
    return `target ${f.target.kind} ${MISSING}`;
  }),
  onOne((m) => m.tree, (d) => `tree entry ${JSON.stringify(d.path)}`, (d) => `inode ${(d.inodeId = MISSING)}`),
  onOne((m) => m.files.filter((f) => f.target.kind === "pidfd" || f.target.kind === "inotify"), (f) => `file ${f.id}`, (f, p) => {
    const t = f.target;
    if (t.kind === "pidfd") return `pidfd of pid ${(t.pidId = MISSING)}`;
    if (t.kind === "inotify" && t.watches.length > 0) return `watch on inode ${(t.watches[p.below(t.watches.length)].inodeId = MISSING)}`;
    f.target = { kind: "pidfd", pidId: MISSING };
    return `an inotify instance made a pidfd of pid ${MISSING}`;
  }),
  onOne((m) => m.mms.flatMap((x) => x.cowRefs), (c) => `cow page of ${c.index}`, (c) => `page ${(c.pageId = MISSING)}`),
  onOne((m) => m.threadGroups, (g) => `thread group ${g.id}`, (g) => `leader ${(g.leaderTaskId = MISSING)}`),
  (m, p) => {
    const f = pick(["pidNsId", "initTaskId"] as const, p)!;
    m.container[f] = MISSING;
    return `the container's ${f} ${MISSING}`;
  },
  onOne((m) => m.tasks, (t) => `task ${t.id}`, (t, p, m) => {
    // Shared objects pointing at nothing: the task's mm or files table dropped from the image.
    if (p.below(2) === 0 && t.mmId !== null) {
      const id = t.mmId;
      m.mms = m.mms.filter((x) => x.id !== id);
      return `mm ${id} removed from the image`;
    }
    const id = t.filesId;
    m.fdTables = m.fdTables.filter((x) => x.id !== id);
    return `fd table ${id} removed from the image`;
  }),
];

const EDITS: Record<string, Edit[]> = { creds: CREDS, paths: PATHS, pids: PIDS, sizes: SIZES, refs: REFS };

/** How many edits a semantic kind has (a campaign of that many per kind tries each once). */
export const editCount = (kind: MutationKind): number => EDITS[kind]?.length ?? 0;

/**
 * Apply edit nth (mod the list) of `kind` to `m` in place; the next one that applies if the
 * image has no record for it. Returns what was done, or null if no edit of the kind applies.
 */
export function semanticEdit(kind: MutationKind, m: CheckpointModel, p: Prng, nth: number): string | null {
  const list = EDITS[kind];
  if (list === undefined) throw new Error(`semanticEdit: ${kind} is not a semantic edit`);
  for (let i = 0; i < list.length; i++) {
    const label = list[(nth + i) % list.length](m, p);
    if (label !== null) return label;
  }
  return null;
}
