// Case 13, "layout": object headers have explicit little-endian layouts with no padding that
// depends on the host. A fixed small model, built here field by field (no machine, no clock, no
// host value anywhere), is encoded with the design's codec and its bytes held to a SHA-256 pinned
// per codec below; the image is decoded back and must equal the model. A change of the format is
// then a visible, deliberate edit of GOLDEN; a host (endianness, word size, struct padding) that
// wrote other bytes would fail here.
import { createHash } from "node:crypto";
import { resolveCell } from "../../core/cr/registry.ts";
import { MODEL_ARCH, MODEL_PAGE_SIZE, MODEL_VERSION, type CheckpointModel, type TaskRecord, type ThreadGroupRecord } from "../../core/cr/model.ts";
import type { Combination } from "../matrix/combos.ts";
import { concatChunks, modelDiff } from "./input-support.ts";
import { outcome, type CaseContext, type CaseOutcome, type ReviewCase } from "./types.ts";

/** SHA-256 of layoutModel() encoded by each codec, and its length in bytes. */
export const GOLDEN: Readonly<Record<string, { sha256: string; bytes: number }>> = {
  // Issue 17: cpt gained section CRCs (24-byte section headers), ckpt run checksums (a header
  // flag and CKPT_HDR_CSUM records). ckpt format version 2: page arrays (CKPT_HDR_PGARR), 8 bytes
  // more for each of the model's two one-page arrays than a CKPT_HDR_PAGE each.
  cpt: { sha256: "73242595977bca47377ecb0e9da9d8c0ad323c5268e1733e492512af62bce891", bytes: 17128 },
  ckpt: { sha256: "1378c384dea26e81e29f6caf931b8a40fecafd526ae99b56f6759ff64b76f368", bytes: 16280 },
};

function page(seed: number): Uint8Array {
  const p = new Uint8Array(MODEL_PAGE_SIZE);
  for (let i = 0; i < p.length; i++) p[i] = (seed * 31 + i * 7) & 0xff;
  return p;
}

function taskRec(over: Partial<TaskRecord> & { id: number }): TaskRecord {
  return {
    pidId: over.id, parentTaskId: null, threadGroupId: 1, sighandId: 1, credId: 1, mmId: 1, filesId: 1, fsId: 1,
    pidNsForChildrenId: 1, comm: "t", state: "running", exitSignal: 17, pdeathSignal: 0, regs: null, syscall: null,
    blocked: 0n, savedMask: null, pending: { signals: 0n, queue: [] }, sas: { sp: 0, size: 0, flags: 2 }, clearChildTid: 0,
    sigWaitSet: 0n, cpuCycles: 0, instret: 0, freezerPath: "", vforkParentTaskId: null, ...over,
  };
}

function groupRec(id: number, leaderTaskId: number): ThreadGroupRecord {
  return {
    id, leaderTaskId, pgrpPidId: 1, sessionPidId: 1, sharedPending: { signals: 0n, queue: [] }, groupExit: false,
    stopped: false, notifyStop: false, notifyContinue: false, stopSignal: 0, isChildSubreaper: false, hasChildSubreaper: false,
    didExec: true, itimerRealLeft: 0, itimerRealInterval: 0, itimerVirt: { left: 0, interval: 0 }, itimerProf: { left: 0, interval: 0 },
  };
}

/**
 * The fixed model: a container init with a second thread and a child process, values chosen to
 * show byte order and sign (negative registers, bit 63 of a mask, a 2^40 clock, a 64-bit time).
 */
export function layoutModel(): CheckpointModel {
  const x = Array.from({ length: 32 }, (_, i) => (i === 0 ? 0 : i % 2 === 0 ? -(i * 0x01010101) : i * 0x00102030));
  const f = Array.from({ length: 64 }, (_, i) => (i % 2 === 1 ? 0xffff_ffff : 0x3f80_0000 + i));
  const regs = { x, pc: 0x0001_0a2e, f, fcsr: 0x21 };
  const actions = Array.from({ length: 65 }, (_, i) => ({
    handler: i === 10 ? 0x0001_0400 : 0, flags: i === 10 ? 0x0400_0000 : 0, restorer: i === 10 ? 0x0001_0500 : 0, mask: i === 10 ? (1n << 63n) | 2n : 0n,
  }));
  return {
    version: MODEL_VERSION, arch: MODEL_ARCH, pageSize: MODEL_PAGE_SIZE,
    meta: { clock: 2 ** 40 + 3, producer: "cptbench layout case" },
    container: { initTaskId: 1, pidNsId: 1, treeRoot: "/ct/layout", freezerGroup: "ct" },
    pidNamespaces: [{ id: 1, parentId: null, lastPid: 3, allocating: true }],
    pids: [{ id: 1, numbers: [1], nsIds: [1] }, { id: 2, numbers: [2], nsIds: [1] }, { id: 3, numbers: [3], nsIds: [1] }],
    tasks: [
      taskRec({ id: 1, comm: "init", regs, blocked: 1n << 63n, cpuCycles: 2 ** 33, instret: 123456789 }),
      taskRec({ id: 2, parentTaskId: 1, comm: "thread", regs: { ...regs, pc: 0x0001_0b00 } }),
      taskRec({ id: 3, parentTaskId: 1, threadGroupId: 2, mmId: 2, filesId: 2, comm: "child", regs, pending: { signals: 1n << 9n, queue: [{ signo: 10, code: 0, pidNr: 1, uid: 0 }] } }),
    ],
    threadGroups: [groupRec(1, 1), groupRec(2, 3)],
    sighands: [{ id: 1, actions }],
    creds: [{ id: 1, uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0, capEffective: 0x1fffff, capPermitted: 0x1fffff }],
    mms: [
      {
        id: 1, startBrk: 0x0002_0000, brk: 0x0002_1000, startStack: 0x7fff_f000, mmapBase: 0x4000_0000,
        vmas: [
          { start: 0x0002_0000, end: 0x0002_1000, prot: 3, flags: 2, kind: "heap", backing: { kind: "anon" }, pgoff: 0 },
          { start: 0x7ffe_0000, end: 0x8000_0000, prot: 3, flags: 0x100, kind: "stack", backing: { kind: "anon" }, pgoff: 0 },
        ],
        pages: [{ index: 0x20, data: page(1) }],
        cowRefs: [{ index: 0x7ffff, pageId: 1 }],
      },
      {
        id: 2, startBrk: 0x0002_0000, brk: 0x0002_0000, startStack: 0x7fff_f000, mmapBase: 0x4000_0000,
        vmas: [{ start: 0x7ffe_0000, end: 0x8000_0000, prot: 3, flags: 0x100, kind: "stack", backing: { kind: "anon" }, pgoff: 0 }],
        pages: [],
        cowRefs: [{ index: 0x7ffff, pageId: 1 }],
      },
    ],
    cowPages: [{ index: 1, data: page(2) }],
    shmem: [],
    inodes: [
      { id: 1, ino: 2, kind: "dir", mode: 0o40755, uid: 0, gid: 0, nlink: 2, size: 0, atimeNs: 0n, mtimeNs: 1_700_000_000_000_000_000n, ctimeNs: 1n, pages: [] },
      { id: 2, ino: 3, kind: "file", mode: 0o100644, uid: 0, gid: 0, nlink: 1, size: 5, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, pages: [{ index: 0, data: page(3) }] },
    ],
    tree: [{ path: "", inodeId: 1 }, { path: "out", inodeId: 2 }],
    pipes: [{ id: 1, buffered: new Uint8Array([0x68, 0x69, 0x0a]) }],
    files: [
      { id: 1, flags: 0, pos: 0, target: { kind: "console", stream: 0 } },
      { id: 2, flags: 1, pos: 0, target: { kind: "console", stream: 1 } },
      { id: 3, flags: 0o2101, pos: 5, target: { kind: "inode", inodeId: 2, path: "/ct/layout/out" } },
      { id: 4, flags: 0, pos: 0, target: { kind: "pipe", pipeId: 1 } },
      { id: 5, flags: 1, pos: 0, target: { kind: "pipe", pipeId: 1 } },
    ],
    fdTables: [
      { id: 1, maxFds: 64, fds: [{ fd: 0, fileId: 1, cloexec: false }, { fd: 1, fileId: 2, cloexec: false }, { fd: 3, fileId: 3, cloexec: true }, { fd: 4, fileId: 4, cloexec: false }] },
      { id: 2, maxFds: 64, fds: [{ fd: 1, fileId: 2, cloexec: false }, { fd: 5, fileId: 5, cloexec: false }] },
    ],
    fsContexts: [{ id: 1, root: "/", cwd: "/ct/layout", umask: 0o22 }],
  };
}

export const LAYOUT_CASE: ReviewCase = {
  id: "layout",
  number: 13,
  title: "32/64-bit header layout",
  summary: "a fixed model encodes to golden bytes (SHA-256 pinned per codec) and decodes back to itself",
  run(design: Combination, ctx: CaseContext): CaseOutcome {
    const golden = GOLDEN[design.codec];
    if (golden === undefined) return outcome(LAYOUT_CASE, design, ctx, "unsupported", {}, `no golden bytes for codec ${design.codec}`);
    const codec = resolveCell(ctx.registry.cellContainer(design)).codec;
    const model = layoutModel();
    const image = concatChunks(codec.encode(model));
    const sha256 = createHash("sha256").update(image).digest("hex");
    const figures = { "image bytes": image.length, sha256, "golden sha256": golden.sha256, streams: codec.streams };
    if (sha256 !== golden.sha256 || image.length !== golden.bytes) {
      return outcome(LAYOUT_CASE, design, ctx, "fail", figures, `the ${design.codec} encoding of the layout model is ${image.length} bytes with SHA-256 ${sha256}; the golden one is ${golden.bytes} bytes, ${golden.sha256}`);
    }
    let back: CheckpointModel;
    try {
      back = codec.decode(image);
    } catch (e) {
      return outcome(LAYOUT_CASE, design, ctx, "fail", figures, `decoding the golden image failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const diff = modelDiff(back, model);
    if (diff.length > 0) return outcome(LAYOUT_CASE, design, ctx, "fail", figures, `the decoded model differs: ${diff.slice(0, 5).join("; ")}`);
    return outcome(LAYOUT_CASE, design, ctx, "pass", figures);
  },
};
