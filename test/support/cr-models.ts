// Hand-built CheckpointModels for codec tests (cpt, ckpt): a minimal one (golden bytes) and a rich one
// that has every record kind and every optional field, present and absent.
import {
  MODEL_ARCH, MODEL_PAGE_SIZE, MODEL_VERSION, type CheckpointModel, type RegsRecord, type SigActionRecord,
  type TaskRecord, type ThreadGroupRecord,
} from "../../src/core/cr/model.ts";

export function page(fill: number): Uint8Array {
  const p = new Uint8Array(MODEL_PAGE_SIZE);
  for (let i = 0; i < p.length; i++) p[i] = (fill + i * 7) & 0xff;
  return p;
}

export function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const list = [...chunks];
  const out = new Uint8Array(list.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of list) { out.set(c, at); at += c.length; }
  return out;
}

/** The smallest valid model: one namespace, one pid, one task with its shared objects. */
export function minimalModel(): CheckpointModel {
  return {
    version: MODEL_VERSION, arch: MODEL_ARCH, pageSize: MODEL_PAGE_SIZE,
    meta: { clock: 0x1234, producer: "t" },
    container: { initTaskId: 1, pidNsId: 1, treeRoot: "/c", freezerGroup: "" },
    pidNamespaces: [{ id: 1, parentId: null, lastPid: 1, allocating: true }],
    pids: [{ id: 1, numbers: [1], nsIds: [1] }],
    tasks: [task({ id: 1, parentTaskId: null, comm: "init" })],
    threadGroups: [group(1, 1)],
    sighands: [{ id: 1, actions: [] }],
    creds: [{ id: 1, uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0, capEffective: 0, capPermitted: 0 }],
    mms: [], cowPages: [], shmem: [], inodes: [], tree: [], pipes: [], files: [], fdTables: [], fsContexts: [],
  };
}

export function regs(): RegsRecord {
  const x = Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? -i * 1000 - 1 : i * 0x01000000));
  x[0] = 0;
  x[5] = -0x8000_0000;
  x[6] = 0x7fff_ffff;
  // f registers as (lo, hi) halves: NaN-boxed singles (hi = 0xffffffff), a double, a signalling NaN.
  const f = Array.from({ length: 64 }, (_, i) => (i % 2 === 1 ? 0xffff_ffff : 0x3f80_0000 + i));
  f[2] = 0x0000_0001; f[3] = 0x7ff0_0000;
  f[4] = 0xffff_ffff; f[5] = 0x7ff7_ffff;
  return { x, pc: 0x8000_1ffe, f, fcsr: 0xe1 };
}

export function task(over: Partial<TaskRecord> & { id: number }): TaskRecord {
  return {
    pidId: 1, parentTaskId: null, threadGroupId: 1, sighandId: 1, credId: 1, mmId: null, filesId: null,
    fsId: null, pidNsForChildrenId: 1, comm: "t", state: "running", exitSignal: 17, pdeathSignal: 0,
    regs: null, syscall: null, blocked: 0n, savedMask: null, pending: { signals: 0n, queue: [] },
    sas: { sp: 0, size: 0, flags: 2 }, clearChildTid: 0, sigWaitSet: 0n, cpuCycles: 0, instret: 0,
    freezerPath: "", vforkParentTaskId: null, ...over,
  };
}

export function group(id: number, leaderTaskId: number, over: Partial<ThreadGroupRecord> = {}): ThreadGroupRecord {
  return {
    id, leaderTaskId, pgrpPidId: 1, sessionPidId: 1, sharedPending: { signals: 0n, queue: [] },
    groupExit: false, stopped: false, notifyStop: false, notifyContinue: false, stopSignal: 0,
    isChildSubreaper: false, hasChildSubreaper: false, didExec: false, itimerRealLeft: 0,
    itimerRealInterval: 0, itimerVirt: { left: 0, interval: 0 }, itimerProf: { left: 0, interval: 0 }, ...over,
  };
}

const BIT63 = 1n << 63n;

/** Every record kind and optional field of the model, with awkward values where they matter. */
export function richModel(): CheckpointModel {
  const actions: SigActionRecord[] = Array.from({ length: 65 }, (_, i) => ({
    handler: i === 10 ? 0x10074 : 0, flags: i === 10 ? 0x0400_0004 : 0, restorer: i === 10 ? 0x10000 : 0,
    mask: i === 10 ? BIT63 | 0x200n : 0n,
  }));
  const m = minimalModel();
  m.meta = { clock: 2 ** 40 + 17, producer: "external initiator, seed 42 — ünïcode ✓ 𝄞" };
  m.container = { initTaskId: 1, pidNsId: 1, treeRoot: "/containers/c1", freezerGroup: "cpt/c1" };
  m.pidNamespaces = [
    { id: 1, parentId: null, lastPid: 5, allocating: true },
    { id: 2, parentId: 1, lastPid: 1, allocating: false },
  ];
  m.pids = [
    { id: 1, numbers: [1], nsIds: [1] },
    { id: 2, numbers: [2], nsIds: [1] },
    { id: 3, numbers: [3], nsIds: [1] },
    { id: 4, numbers: [4, 1], nsIds: [1, 2] },
    { id: 5, numbers: [5], nsIds: [1] },
  ];
  m.creds = [m.creds[0]!, { id: 2, uid: 1000, euid: 1000, suid: 1000, fsuid: 1000, gid: 100, egid: 100, sgid: 100, fsgid: 100, capEffective: 0, capPermitted: 0x3fff_ffff }];
  m.sighands = [{ id: 1, actions }, { id: 2, actions: actions.map(() => ({ handler: 1, flags: 0, restorer: 0, mask: 0n })) }];
  m.threadGroups = [
    group(1, 1, { sharedPending: { signals: BIT63 | 1n, queue: [{ signo: 64, code: -1, pidNr: 3, uid: 1000, value: -7, raw: new Uint8Array([1, 2, 3, 250]) }] }, itimerRealLeft: 5000, itimerRealInterval: 10000, itimerVirt: { left: 1, interval: 2 }, itimerProf: { left: 3, interval: 4 }, isChildSubreaper: true }),
    group(2, 2, { stopped: true, notifyStop: true, stopSignal: 19, didExec: true }),
    group(3, 4, { groupExit: true, groupExitStatus: { code: 3 }, notifyContinue: true, hasChildSubreaper: true }),
    group(4, 5, { groupExit: true, groupExitStatus: { signal: 9, core: false } }),
  ];
  m.tasks = [
    task({ id: 1, pidId: 1, mmId: 1, filesId: 1, fsId: 1, regs: regs(), comm: "init", blocked: BIT63 | 0x4000n, savedMask: BIT63, sigWaitSet: 0xffff_ffff_ffff_ffffn, cpuCycles: 2 ** 50, instret: 123456789012, clearChildTid: 0x7fff_fff0, sas: { sp: 0x20000, size: 8192, flags: 0 } }),
    // Second thread of group 1: shares mm, files and fs with task 1; asleep in read() with a deadline.
    task({ id: 3, pidId: 3, parentTaskId: null, mmId: 1, filesId: 1, fsId: 1, regs: regs(), comm: "worker", pending: { signals: 1n << 9n, queue: [{ signo: 10, code: 0 }, { signo: 34, code: -2, errno: -11, status: 0, addr: 0x1000 }] },
      syscall: { restartCode: 512, block: { nr: 63, woken: false, rwDone: 17, how: "pipe", ratio: 0.5, neg: -0 }, deadlineLeft: -20, afterHandler: { sig: "SIGUSR1", done: 4096 } } }),
    task({ id: 2, pidId: 2, parentTaskId: 1, threadGroupId: 2, sighandId: 2, credId: 2, mmId: 2, filesId: 2, fsId: 2, regs: regs(), state: "stopped", comm: "vforker", freezerPath: "sub/a",
      syscall: { restartCode: 513, block: null, vforkChildTaskId: 4 } }),
    // The vfork child, in a nested pid namespace (pid 4 is 1 inside namespace 2), mid-exit.
    task({ id: 4, pidId: 4, parentTaskId: 2, threadGroupId: 3, mmId: 2, filesId: 2, fsId: 2, regs: regs(), pidNsForChildrenId: 2, vforkParentTaskId: 2, comm: "child", syscall: { restartCode: 0, block: {} } }),
    task({ id: 5, pidId: 5, parentTaskId: 1, threadGroupId: 4, pidNsForChildrenId: null, state: "zombie", exit: { code: 0, signal: 9, core: true }, comm: "zombie" }),
  ];
  m.shmem = [{ id: 1, size: 3, pages: [{ index: 0, data: page(1) }, { index: 2, data: page(2) }] }, { id: 2, size: 0, pages: [] }];
  m.inodes = [
    { id: 1, ino: 1, kind: "dir", mode: 0o40755, uid: 0, gid: 0, nlink: 3, size: 0, atimeNs: 0n, mtimeNs: -(10n ** 18n), ctimeNs: BIT63 - 1n, pages: [] },
    { id: 2, ino: 7, kind: "file", mode: 0o100644, uid: 1000, gid: 100, nlink: 1, size: 8192 + 5, atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, pages: [{ index: 0, data: page(3) }, { index: 2, data: page(4) }] },
    { id: 3, ino: 8, kind: "symlink", mode: 0o120777, uid: 0, gid: 0, nlink: 1, size: 4, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, pages: [], target: "data" },
    { id: 4, ino: 0xffffffff, kind: "file", mode: 0o100600, uid: 0, gid: 0, nlink: 0, size: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, pages: [], target: "" },
    { id: 5, ino: 12, kind: "file", mode: 0o100755, uid: 0, gid: 0, nlink: 1, size: 10, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, pages: [], externalPath: "/bin/prog" },
  ];
  m.tree = [{ path: "", inodeId: 1 }, { path: "data", inodeId: 2 }, { path: "link", inodeId: 3 }];
  m.pipes = [{ id: 1, buffered: new Uint8Array([104, 105, 10]) }, { id: 2, buffered: new Uint8Array(0) }];
  m.files = [
    { id: 1, flags: 0, pos: 0, target: { kind: "console", stream: 0 } },
    { id: 2, flags: 1, pos: 0, target: { kind: "console", stream: 1 } },
    { id: 3, flags: 1, pos: 0, target: { kind: "console", stream: 2 } },
    { id: 4, flags: 0o2, pos: 2 ** 33, target: { kind: "inode", inodeId: 2, path: "data" } },
    { id: 5, flags: 0, pos: 0, target: { kind: "pipe", pipeId: 1 } },
    { id: 6, flags: 1, pos: 0, target: { kind: "pipe", pipeId: 1 } },
    { id: 7, flags: 0, pos: 0, target: { kind: "device", path: "/dev/null" } },
    { id: 9, flags: 0, pos: 3, target: { kind: "proc", path: "/proc/sys/kernel/ns_last_pid" } },
    { id: 8, flags: 0o10000000, pos: 0, target: { kind: "inode", inodeId: 4, path: "" } },
  ];
  m.fdTables = [
    { id: 1, maxFds: 64, fds: [{ fd: 0, fileId: 1, cloexec: false }, { fd: 1, fileId: 2, cloexec: false }, { fd: 2, fileId: 3, cloexec: true }, { fd: 3, fileId: 4, cloexec: false }, { fd: 5, fileId: 5, cloexec: false }, { fd: 6, fileId: 6, cloexec: true }] },
    { id: 2, maxFds: 1024, fds: [{ fd: 0, fileId: 7, cloexec: false }, { fd: 9, fileId: 8, cloexec: false }, { fd: 10, fileId: 9, cloexec: false }] },
  ];
  m.fsContexts = [{ id: 1, root: "", cwd: "", umask: 0o22 }, { id: 2, root: "", cwd: "data/sub", umask: 0o77 }];
  m.mms = [
    {
      id: 1, startBrk: 0x12000, brk: 0x13000, startStack: 0x7fff_f000, mmapBase: 0x4000_0000,
      vmas: [
        { start: 0x10000, end: 0x12000, prot: 5, flags: 2, kind: "elf", backing: { kind: "file", inodeId: 2, path: "/bin/x" }, pgoff: 0 },
        { start: 0x12000, end: 0x13000, prot: 3, flags: 2, kind: "heap", backing: { kind: "anon" }, pgoff: 0 },
        { start: 0x4000_0000, end: 0x4000_3000, prot: 3, flags: 1, kind: "anon", backing: { kind: "shmem", shmemId: 1 }, pgoff: 0 },
        { start: 0x7ffe_0000, end: 0x8000_0000, prot: 3, flags: 0x100, kind: "stack", backing: { kind: "anon" }, pgoff: 0 },
        { start: 0xffff_e000, end: 0xffff_f000, prot: 5, flags: 0, kind: "vdso", backing: { kind: "anon" }, pgoff: 0 },
      ],
      pages: [{ index: 0x12, data: page(5) }, { index: 0x7ffff, data: page(6) }],
      cowRefs: [{ index: 0x11, pageId: 1 }, { index: 0x7fffe, pageId: 2 }],
    },
    { id: 2, startBrk: 0, brk: 0, startStack: 0, mmapBase: 0, vmas: [], pages: [{ index: 0xfffff, data: page(7) }], cowRefs: [{ index: 0x11, pageId: 1 }] },
  ];
  m.cowPages = [{ index: 1, data: page(8) }, { index: 2, data: page(9) }];
  return m;
}
