// fast-check arbitraries for whole CheckpointModels with consistent references: records are
// generated with their references as free seeds, then every seed is turned into an id that
// exists in the list it points into (or null where the model allows it).
import fc from "fast-check";
import {
  MODEL_ARCH, MODEL_PAGE_SIZE, MODEL_VERSION, type CheckpointModel, type ExitStatusRecord, type FileTargetRecord,
  type PageRecord, type SigInfoRecord, type SigPendingRecord, type VmaBackingRecord,
} from "../../src/core/cr/model.ts";
import { page } from "./cr-models.ts";

const num = fc.maxSafeInteger();
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const s32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const s64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const str = fc.string({ unit: "grapheme", maxLength: 12 });
const seed = fc.nat();
const seedOrNull = fc.option(fc.nat(), { nil: null });
const list = <T>(a: fc.Arbitrary<T>, minLength = 0): fc.Arbitrary<T[]> => fc.array(a, { minLength, maxLength: 3 });

const pages: fc.Arbitrary<PageRecord[]> = list(fc.record({ index: u32, fill: fc.integer({ min: 0, max: 255 }) }))
  .map((ps) => ps.map((p) => ({ index: p.index, data: page(p.fill) })));

const exit: fc.Arbitrary<ExitStatusRecord> = fc.record({ code: num, signal: num, core: fc.boolean() }, { requiredKeys: [] });

const siginfo: fc.Arbitrary<SigInfoRecord> = fc.record({
  signo: num, code: num, errno: num, pidNr: num, uid: num, status: num, addr: num, value: num,
  raw: fc.uint8Array({ maxLength: 24 }),
}, { requiredKeys: ["signo", "code"] });

const pending: fc.Arbitrary<SigPendingRecord> = fc.record({ signals: u64, queue: list(siginfo) });

const block = fc.option(fc.dictionary(str, fc.oneof(fc.double(), str, fc.boolean()), { maxKeys: 4 }), { nil: null });

const syscall = fc.record({
  restartCode: num, block, deadlineLeft: num, vforkChildTaskId: seed,
  afterHandler: fc.record({ sig: str, done: num }),
}, { requiredKeys: ["restartCode", "block"] });

const task = fc.record({
  pidId: seed, parentTaskId: seedOrNull, threadGroupId: seed, sighandId: seed, credId: seed,
  mmId: seedOrNull, filesId: seedOrNull, fsId: seedOrNull, pidNsForChildrenId: seedOrNull, comm: str,
  state: fc.constantFrom("running" as const, "stopped" as const, "zombie" as const), exit,
  exitSignal: num, pdeathSignal: num,
  regs: fc.option(fc.record({
    x: fc.array(s32, { minLength: 32, maxLength: 32 }), pc: u32,
    f: fc.array(u32, { minLength: 64, maxLength: 64 }), fcsr: u32,
  }), { nil: null }),
  syscall: fc.option(syscall, { nil: null }), blocked: u64, savedMask: fc.option(u64, { nil: null }), pending,
  sas: fc.record({ sp: num, size: num, flags: num }), clearChildTid: num, sigWaitSet: u64, cpuCycles: num,
  instret: num, freezerPath: str, vforkParentTaskId: seedOrNull,
}, { requiredKeys: ["pidId", "parentTaskId", "threadGroupId", "sighandId", "credId", "mmId", "filesId", "fsId",
  "pidNsForChildrenId", "comm", "state", "exitSignal", "pdeathSignal", "regs", "syscall", "blocked", "savedMask",
  "pending", "sas", "clearChildTid", "sigWaitSet", "cpuCycles", "instret", "freezerPath", "vforkParentTaskId"] });

const group = fc.record({
  leaderTaskId: seed, pgrpPidId: seed, sessionPidId: seed, sharedPending: pending, groupExit: fc.boolean(),
  groupExitStatus: exit, stopped: fc.boolean(), notifyStop: fc.boolean(), notifyContinue: fc.boolean(),
  stopSignal: num, isChildSubreaper: fc.boolean(), hasChildSubreaper: fc.boolean(), didExec: fc.boolean(),
  itimerRealLeft: num, itimerRealInterval: num, itimerVirt: fc.record({ left: num, interval: num }),
  itimerProf: fc.record({ left: num, interval: num }),
}, { requiredKeys: ["leaderTaskId", "pgrpPidId", "sessionPidId", "sharedPending", "groupExit", "stopped",
  "notifyStop", "notifyContinue", "stopSignal", "isChildSubreaper", "hasChildSubreaper", "didExec",
  "itimerRealLeft", "itimerRealInterval", "itimerVirt", "itimerProf"] });

const backing: fc.Arbitrary<VmaBackingRecord> = fc.oneof(
  fc.constant({ kind: "anon" as const }),
  fc.record({ kind: fc.constant("shmem" as const), shmemId: seed }),
  fc.record({ kind: fc.constant("file" as const), inodeId: seed, path: str }),
);
const vma = fc.record({
  start: num, end: num, prot: num, flags: num,
  kind: fc.constantFrom("anon" as const, "stack" as const, "heap" as const, "elf" as const, "vdso" as const),
  backing, pgoff: num,
});
const target: fc.Arbitrary<FileTargetRecord> = fc.oneof(
  fc.record({ kind: fc.constant("inode" as const), inodeId: seed, path: str }),
  fc.record({ kind: fc.constant("pipe" as const), pipeId: seed }),
  fc.record({ kind: fc.constant("console" as const), stream: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  fc.record({ kind: fc.constant("device" as const), path: str }),
  fc.record({ kind: fc.constant("proc" as const), path: str }),
);
const inode = fc.record({
  kind: fc.constantFrom("file" as const, "dir" as const, "symlink" as const), ino: num, mode: num, uid: num, gid: num,
  nlink: num, size: num, atimeNs: s64, mtimeNs: s64, ctimeNs: s64, pages, target: str, externalPath: str,
}, { requiredKeys: ["kind", "ino", "mode", "uid", "gid", "nlink", "size", "atimeNs", "mtimeNs", "ctimeNs", "pages"] });

const withIds = <T>(xs: T[], base: number): (T & { id: number })[] => xs.map((x, i) => ({ ...x, id: base + i * 3 }));

export const modelArb: fc.Arbitrary<CheckpointModel> = fc.record({
  base: fc.integer({ min: 0, max: 0xfff_ffff }),
  meta: fc.record({ clock: num, producer: str }),
  container: fc.record({ initTaskId: seed, pidNsId: seed, treeRoot: str, freezerGroup: str }),
  pidNamespaces: list(fc.record({ parentId: seedOrNull, lastPid: num, allocating: fc.boolean() }), 1),
  pids: list(fc.record({ levels: list(fc.tuple(num, seed)) }), 1),
  tasks: list(task, 1),
  threadGroups: list(group, 1),
  sighands: list(fc.record({ actions: list(fc.record({ handler: num, flags: num, restorer: num, mask: u64 })) }), 1),
  creds: list(fc.record({ uid: num, euid: num, suid: num, fsuid: num, gid: num, egid: num, sgid: num, fsgid: num, capEffective: num, capPermitted: num }), 1),
  mms: list(fc.record({ vmas: list(vma), pages, cowRefs: list(fc.record({ index: u32, pageId: seed })), startBrk: num, brk: num, startStack: num, mmapBase: num })),
  cowPages: pages,
  shmem: list(fc.record({ size: num, pages })),
  inodes: list(inode),
  tree: list(fc.record({ path: str, inodeId: seed })),
  pipes: list(fc.record({ buffered: fc.uint8Array({ maxLength: 40 }) })),
  files: list(fc.record({ flags: num, pos: num, target })),
  fdTables: list(fc.record({ fds: list(fc.record({ fd: num, fileId: seed, cloexec: fc.boolean() })), maxFds: num })),
  fsContexts: list(fc.record({ root: str, cwd: str, umask: num })),
}).map((g) => {
  const ids = <T>(xs: T[], k: number): (T & { id: number })[] => withIds(xs, g.base + k);
  const ns = ids(g.pidNamespaces, 0), tasks0 = ids(g.tasks, 1), groups0 = ids(g.threadGroups, 2);
  const pidsIds = g.pids.map((_, i) => g.base + i * 3);
  const shmem0 = ids(g.shmem, 1), inodes0 = ids(g.inodes, 2), pipes0 = ids(g.pipes, 0), files0 = ids(g.files, 1);
  const mms0 = ids(g.mms, 2), fdt0 = ids(g.fdTables, 0), fs0 = ids(g.fsContexts, 1);
  const sighands = ids(g.sighands, 0), creds = ids(g.creds, 1);
  const pick = (xs: { id: number }[], s: number): number => xs[s % xs.length]!.id;
  const pickOrNull = (xs: { id: number }[], s: number | null): number | null => (s === null || xs.length === 0 ? null : pick(xs, s));
  const pidList = pidsIds.map((id) => ({ id }));
  // Copy-on-write pages are named by their index: give them distinct ones.
  const cow = g.cowPages.map((p, i) => ({ index: (g.base + i) >>> 0, data: p.data }));
  const cowIds = cow.map((p) => ({ id: p.index }));
  const m: CheckpointModel = {
    version: MODEL_VERSION, arch: MODEL_ARCH, pageSize: MODEL_PAGE_SIZE, meta: g.meta,
    container: { ...g.container, initTaskId: pick(tasks0, g.container.initTaskId), pidNsId: pick(ns, g.container.pidNsId) },
    pidNamespaces: ns.map((n) => ({ ...n, parentId: pickOrNull(ns, n.parentId) })),
    pids: g.pids.map((p, i) => ({ id: pidsIds[i]!, numbers: p.levels.map((l) => l[0]), nsIds: p.levels.map((l) => pick(ns, l[1])) })),
    tasks: tasks0.map((t) => {
      const out = {
        ...t, pidId: pick(pidList, t.pidId), parentTaskId: pickOrNull(tasks0, t.parentTaskId),
        threadGroupId: pick(groups0, t.threadGroupId), sighandId: pick(sighands, t.sighandId), credId: pick(creds, t.credId),
        mmId: pickOrNull(mms0, t.mmId), filesId: pickOrNull(fdt0, t.filesId), fsId: pickOrNull(fs0, t.fsId),
        pidNsForChildrenId: pickOrNull(ns, t.pidNsForChildrenId), vforkParentTaskId: pickOrNull(tasks0, t.vforkParentTaskId),
      };
      if (out.syscall?.vforkChildTaskId !== undefined) out.syscall = { ...out.syscall, vforkChildTaskId: pick(tasks0, out.syscall.vforkChildTaskId) };
      return out;
    }),
    threadGroups: groups0.map((x) => ({ ...x, leaderTaskId: pick(tasks0, x.leaderTaskId), pgrpPidId: pick(pidList, x.pgrpPidId), sessionPidId: pick(pidList, x.sessionPidId) })),
    sighands, creds,
    cowPages: cow,
    mms: mms0.map((mm) => ({
      ...mm,
      cowRefs: cowIds.length ? mm.cowRefs.map((c) => ({ index: c.index, pageId: pick(cowIds, c.pageId) })) : [],
      vmas: mm.vmas.map((v) => {
        const b = v.backing;
        if (b.kind === "shmem") return { ...v, backing: shmem0.length ? { kind: "shmem" as const, shmemId: pick(shmem0, b.shmemId) } : { kind: "anon" as const } };
        if (b.kind === "file") return { ...v, backing: inodes0.length ? { ...b, inodeId: pick(inodes0, b.inodeId) } : { kind: "anon" as const } };
        return v;
      }),
    })),
    shmem: shmem0,
    inodes: inodes0,
    tree: inodes0.length ? g.tree.map((d) => ({ ...d, inodeId: pick(inodes0, d.inodeId) })) : [],
    pipes: pipes0,
    files: files0.map((f) => {
      const t = f.target;
      if (t.kind === "inode") return { ...f, target: inodes0.length ? { ...t, inodeId: pick(inodes0, t.inodeId) } : { kind: "console" as const, stream: 1 as const } };
      if (t.kind === "pipe") return { ...f, target: pipes0.length ? { ...t, pipeId: pick(pipes0, t.pipeId) } : { kind: "device" as const, path: "/dev/null" } };
      return f;
    }),
    fdTables: fdt0.map((t) => ({ ...t, fds: files0.length ? t.fds.map((fd) => ({ ...fd, fileId: pick(files0, fd.fileId) })) : [] })),
    fsContexts: fs0,
  };
  // fast-check builds some records with a null prototype; the decoder builds plain objects, and
  // toStrictEqual compares prototypes. structuredClone makes them plain (own keys kept).
  return structuredClone(m);
});
