// Codec benchmarks: the two ImageCodecs side by side, without a machine around them. Throughput
// of encode and decode on a model holding 64 MiB of page data (16,384 private pages of one mm),
// and the cost per object on a model of 10,000 single-threaded processes (each its own pid,
// thread group, sighand, mm with three vmas, fd table and registers; creds, fs and console files
// shared). Encode consumes the chunks as a writer to a pipe would (no concatenation); decode
// reads the whole image, and for a streaming codec also the same image pushed in 64 KiB chunks,
// as a restart from a pipe does. Each figure reports the codec's `streams`.
// `ckpt-nocsum` is the same stream without run checksums: the difference is what checking them costs.
import "reflect-metadata";
import type { ImageCodec } from "../src/core/cr/interfaces.ts";
import {
  MODEL_ARCH, MODEL_PAGE_SIZE, MODEL_VERSION, modelWork, type CheckpointModel, type TaskRecord,
} from "../src/core/cr/model.ts";
import { CptCodec } from "../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../src/plugins/self-cpt/codec/ckpt-codec.ts";
import type { Benchmark, BenchResult } from "./suites.ts";
import { wallAndCpu } from "./timing.ts";

const MiB = 1024 * 1024;
const BIG_PAGES = (64 * MiB) / MODEL_PAGE_SIZE;
const TASKS = 10_000;
const REPS = 5;
const PIPE_CHUNK = 64 * 1024;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

function baseModel(): CheckpointModel {
  return {
    version: MODEL_VERSION, arch: MODEL_ARCH, pageSize: MODEL_PAGE_SIZE, meta: { clock: 1, producer: "bench" },
    container: { initTaskId: 1, pidNsId: 1, treeRoot: "/", freezerGroup: "" },
    pidNamespaces: [{ id: 1, parentId: null, lastPid: TASKS, allocating: true }],
    pids: [], tasks: [], threadGroups: [], sighands: [], creds: [{ id: 1, uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0, capEffective: 0, capPermitted: 0 }],
    mms: [], cowPages: [], shmem: [], inodes: [], tree: [], pipes: [],
    files: [0, 1, 2].map((s) => ({ id: s + 1, flags: s === 0 ? 0 : 1, pos: 0, target: { kind: "console" as const, stream: s as 0 | 1 | 2 } })),
    fdTables: [], fsContexts: [{ id: 1, root: "", cwd: "", umask: 0o22 }],
  };
}

/** Process i (1-based): its own pid, group, sighand, mm, fd table; the shared cred, fs, files. */
function addProcess(m: CheckpointModel, i: number, pages: number): void {
  m.pids.push({ id: i, numbers: [i], nsIds: [1] });
  m.threadGroups.push({
    id: i, leaderTaskId: i, pgrpPidId: 1, sessionPidId: 1, sharedPending: { signals: 0n, queue: [] }, groupExit: false,
    stopped: false, notifyStop: false, notifyContinue: false, stopSignal: 0, isChildSubreaper: false, hasChildSubreaper: false,
    didExec: true, itimerRealLeft: 0, itimerRealInterval: 0, itimerVirt: { left: 0, interval: 0 }, itimerProf: { left: 0, interval: 0 },
  });
  m.sighands.push({ id: i, actions: Array.from({ length: 65 }, () => ({ handler: 0, flags: 0, restorer: 0, mask: 0n })) });
  const data = Array.from({ length: pages }, (_, p) => ({ index: 0x40000 + p, data: new Uint8Array(MODEL_PAGE_SIZE).fill((i + p) & 0xff) }));
  m.mms.push({
    id: i, startBrk: 0x20000, brk: 0x21000, startStack: 0x7fff0000, mmapBase: 0x40000000,
    vmas: [
      { start: 0x10000, end: 0x20000, prot: 5, flags: 2, kind: "elf", backing: { kind: "anon" }, pgoff: 0 },
      { start: 0x40000000, end: 0x40000000 + Math.max(1, pages) * MODEL_PAGE_SIZE, prot: 3, flags: 2, kind: "anon", backing: { kind: "anon" }, pgoff: 0 },
      { start: 0x7ffe0000, end: 0x80000000, prot: 3, flags: 0x100, kind: "stack", backing: { kind: "anon" }, pgoff: 0 },
    ],
    pages: data, cowRefs: [],
  });
  m.fdTables.push({ id: i, maxFds: 64, fds: [0, 1, 2].map((fd) => ({ fd, fileId: fd + 1, cloexec: false })) });
  const t: TaskRecord = {
    id: i, pidId: i, parentTaskId: i === 1 ? null : 1, threadGroupId: i, sighandId: i, credId: 1, mmId: i, filesId: i, fsId: 1,
    pidNsForChildrenId: 1, comm: `proc${i}`, state: "running", exitSignal: 17, pdeathSignal: 0,
    regs: { x: Array.from({ length: 32 }, (_, r) => r * i), pc: 0x10074, f: Array.from({ length: 64 }, () => 0), fcsr: 0 },
    syscall: null, blocked: 0n, savedMask: null, pending: { signals: 0n, queue: [] }, sas: { sp: 0, size: 0, flags: 2 },
    clearChildTid: 0, sigWaitSet: 0n, cpuCycles: 1000 * i, instret: 900 * i, freezerPath: "", vforkParentTaskId: null,
  };
  m.tasks.push(t);
}

function bigModel(): CheckpointModel {
  const m = baseModel();
  addProcess(m, 1, BIG_PAGES);
  return m;
}

function treeModel(): CheckpointModel {
  const m = baseModel();
  for (let i = 1; i <= TASKS; i++) addProcess(m, i, 0);
  return m;
}

/** Runs encode to the end, consuming chunks as a writer would: their total length. */
function drain(codec: ImageCodec, m: CheckpointModel): number {
  let n = 0;
  for (const c of codec.encode(m)) n += c.length;
  return n;
}

function concat(codec: ImageCodec, m: CheckpointModel): Uint8Array {
  return new Uint8Array(Buffer.concat([...codec.encode(m)]));
}

function decodePiped(codec: ImageCodec, image: Uint8Array): CheckpointModel {
  const d = codec.decoder!();
  for (let at = 0; at < image.length; at += PIPE_CHUNK) d.push(image.subarray(at, at + PIPE_CHUNK));
  return d.end();
}

/** Median wall ms of `f` over REPS runs (after one warm-up run). */
function time(f: () => unknown): number[] {
  f();
  const runs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    f();
    runs.push(performance.now() - t0);
  }
  return runs;
}

type Op = "encode" | "decode" | "decode-piped";

function throughput(codec: ImageCodec, op: Op): BenchResult {
  const m = bigModel();
  const image = concat(codec, m);
  const f = op === "encode" ? () => drain(codec, m) : op === "decode" ? () => codec.decode(image) : () => decodePiped(codec, image);
  const ms = time(f);
  const runs = ms.map((x) => round(64 / (x / 1000), 0));
  return { value: median(runs), unit: "MiB/s (of page data)", runs, codec: codec.name, streams: codec.streams, imageBytes: image.length, pages: BIG_PAGES };
}

function perObject(codec: ImageCodec, op: Op): BenchResult {
  const m = treeModel();
  const image = concat(codec, m);
  const objects = modelWork(m).objects;
  const f = op === "encode" ? () => drain(codec, m) : op === "decode" ? () => codec.decode(image) : () => decodePiped(codec, image);
  const ms = time(f);
  const runs = ms.map((x) => round((x * 1000) / objects, 3));
  return {
    value: median(runs), unit: "µs/object", runs, codec: codec.name, streams: codec.streams, tasks: TASKS, objects,
    msPerRun: round(median(ms), 1), usPerTask: round((median(ms) * 1000) / TASKS, 2), imageBytes: image.length,
  };
}

function suite(codec: () => ImageCodec, name: string, streams: boolean): Benchmark[] {
  const ops: Op[] = streams ? ["encode", "decode", "decode-piped"] : ["encode", "decode"];
  return [
    ...ops.map((op) => ({ name: `codec.${name}.${op}-64mib`, run: () => throughput(codec(), op) })),
    ...ops.map((op) => ({ name: `codec.${name}.${op}-per-object-10000-tasks`, run: () => perObject(codec(), op) })),
  ];
}

const AB_PAIRS = 11;

/** f run `times` times in a row: a measurement long enough to rise above the timer and a scavenge. */
const repeated = (f: () => unknown, times: number) => (): void => {
  for (let i = 0; i < times; i++) f();
};

/**
 * What ckpt's run checksums cost (issue 17: at most 10% of encode and decode): the same model
 * encoded, decoded and decoded from a pipe by the codec with and without CKPT_F_RUN_CSUM, in one
 * process, alternated (pairs in turn AB and BA, so neither side always runs first), after a
 * warm-up of both. Per pair the ratio with ÷ without, of wall and of CPU time; each figure is the
 * median ratio. The value is the largest median CPU ratio (the CPU time does not count waiting
 * for a core on a shared machine; the wall ratios are reported beside it).
 */
function checksumCost(): BenchResult {
  const withCsum = new CkptCodec();
  const without = new CkptCodec({ runChecksums: false });
  const figures: Record<string, { wall: number; cpu: number; runsCpu: number[]; cpuMs: number; cpuMsWithout: number }> = {};
  for (const [modelName, model, times] of [["64mib", bigModel(), 4], ["10000-tasks", treeModel(), 1]] as const) {
    const images = new Map<ImageCodec, Uint8Array>([[withCsum, concat(withCsum, model)], [without, concat(without, model)]]);
    for (const op of ["encode", "decode", "decode-piped"] as const) {
      const f = (c: ImageCodec) => repeated(() => (op === "encode" ? drain(c, model) : op === "decode" ? c.decode(images.get(c)!) : decodePiped(c, images.get(c)!)), times);
      f(withCsum)();
      f(without)();
      const wall: number[] = [];
      const cpu: number[] = [];
      const ms: number[][] = [[], []];
      for (let i = 0; i < AB_PAIRS; i++) {
        const first = i % 2 === 0 ? withCsum : without;
        const a = wallAndCpu(f(first));
        const b = wallAndCpu(f(first === withCsum ? without : withCsum));
        const [w, wo] = first === withCsum ? [a, b] : [b, a];
        wall.push(w.wall / wo.wall);
        cpu.push(w.cpu / Math.max(wo.cpu, 0.001));
        ms[0].push(w.cpu);
        ms[1].push(wo.cpu);
      }
      figures[`${op}-${modelName}`] = {
        wall: round(median(wall), 3), cpu: round(median(cpu), 3), runsCpu: cpu.map((x) => round(x, 3)),
        cpuMs: round(median(ms[0]) / times, 1), cpuMsWithout: round(median(ms[1]) / times, 1),
      };
    }
  }
  const cpuRatios = Object.values(figures).map((x) => x.cpu);
  return {
    value: Math.max(...cpuRatios),
    unit: "× CPU time with run checksums (worst median of encode, decode, decode-piped on 64 MiB and on 10,000 tasks)",
    runs: cpuRatios,
    figures,
    pairs: AB_PAIRS,
  };
}

export const CODEC_BENCHMARKS: Benchmark[] = [
  { name: "codec.ckpt.checksum-cost", run: checksumCost },
  ...suite(() => new CptCodec(), "cpt", false),
  ...suite(() => new CkptCodec(), "ckpt", true),
  // The same stream without run checksums (CKPT_F_RUN_CSUM): what the checksums cost to check.
  ...suite(() => new CkptCodec({ runChecksums: false }), "ckpt-nocsum", true),
];
