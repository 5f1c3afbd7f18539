// A second host thread for the CRC-32 of big runs of image bytes. Checking or sealing the section
// that holds a 256 MiB guest's pages is 256 MiB of CRC, about 50 ms of one core (zlib.crc32 runs
// at some 5 GB/s here): as long as everything else a restart or checkpoint does with those pages.
// Shared with this thread, the sum runs beside that work instead of before or after it: a job's
// bytes go to the worker as pieces, which it sums from the first while this thread works; when
// this thread asks for the result it sums the pieces the worker has not claimed, instead of
// waiting for them, and the pieces' sums are joined (crc32Combine).
//
// Only memory both threads can see goes there: the frame pool's slabs are SharedArrayBuffers, so
// a guest's frames and an image file's pages qualify; anything else is summed here. The worker
// is started on first use and summed nothing until it says it is ready (the first big sum of a
// process is summed here: a thread takes tens of ms to start). One job at a time (a stream's
// jobs, crcStream, count as one); a second one asked for meanwhile is summed here. If the worker
// fails or does not finish its piece, the sum is taken here and the worker is not used again: a
// result never depends on which thread summed it (crc32Combine joins the parts), and the guest
// never sees any of it. CPTBENCH_CRC_WORKER=0 turns it off.
import { Worker } from "node:worker_threads";
import { crc32 } from "./checksum.ts";
import { crc32Combine } from "./crc-combine.ts";
import { PIECE, StreamPlan, type StreamPiece } from "./crc-stream.ts";

/** A CRC-32, from a fresh start, of bytes being summed: result() waits for it if it must. */
export interface CrcJob {
  result(): number;
  /** Whether the worker is still summing it (result() would wait); false for a sum taken here. */
  pending?(): boolean;
}

/** Fewer bytes than this are summed here: a hand-off costs more than it saves. */
export const OFFLOAD_FROM = 8 << 20;

/** How long result() waits for the worker's piece before it sums the job itself (and gives up on it). */
const PATIENCE_MS = 2000;

// state[0]: the last job done; state[2]: 1 once the worker runs; state[3]: 1 if a job threw
// (then the worker is not used again). Every job (crc32Job, crcStream) is a shared one: its pieces
// (runs of segs, by index), which this thread and the worker claim one at a time (ctl[0], the next
// piece), each piece's CRC (res), and ctl[1] the pieces summed, ctl[2] those the worker summed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { crc32 } = require("node:zlib");
const state = new Int32Array(workerData);
parentPort.on("message", (m) => {
  try {
    const segs = [];
    for (let i = 0; i < m.segs.length; i += 3) segs.push(new Uint8Array(m.segs[i], m.segs[i + 1], m.segs[i + 2]));
    const ctl = new Int32Array(m.share.ctl);
    const res = new Int32Array(m.share.res);
    const starts = m.share.starts;
    for (let i = Atomics.add(ctl, 0, 1); i < starts.length - 1; i = Atomics.add(ctl, 0, 1)) {
      let x = 0;
      for (let k = starts[i]; k < starts[i + 1]; k++) x = crc32(segs[k], x);
      res[i] = x;
      Atomics.add(ctl, 2, 1);
      Atomics.add(ctl, 1, 1);
      Atomics.notify(ctl, 1);
    }
  } catch {
    Atomics.store(state, 3, 1);
  }
  Atomics.store(state, 0, m.seq);
  Atomics.notify(state, 0);
});
Atomics.store(state, 2, 1);
`;

/** Sums the worker took (the rest were summed here): for the tests and the benchmarks. */
export const crcWorkerStats = { offloaded: 0 };

let worker: Worker | null = null;
let state: Int32Array | null = null;
let broken = process.env.CPTBENCH_CRC_WORKER === "0";
let seq = 0;
let busy = false;

function sumHere(segs: readonly Uint8Array[]): number {
  let c = 0;
  for (const s of segs) c = crc32(s, c);
  return c;
}

/** The worker if it is ready for a job; starts it (for a later job) if it was never started. */
function ready(): Worker | null {
  if (broken) return null;
  // A job nobody collected (its decode failed first) is over once the worker says so.
  if (busy) {
    if (Atomics.load(state!, 0) !== seq) return null;
    busy = false;
  }
  if (worker === null) {
    try {
      state = new Int32Array(new SharedArrayBuffer(16));
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: state.buffer });
      worker.unref();
      worker.on("error", () => {
        broken = true;
      });
    } catch {
      broken = true;
    }
    return null;
  }
  return Atomics.load(state!, 2) === 1 ? worker : null;
}

/**
 * The CRC-32 of the bytes of `segs` in order, from a fresh start; the views must not change until
 * result(). Fewer than `from` bytes are summed here (when result() is called).
 *
 * Past that, a shared job: the views go to the worker as pieces of about PIECE bytes, which it
 * sums from the first while this thread does its other work; result() then sums here the pieces
 * the worker has not claimed yet, waits for the one it is in, and joins them (crc32Combine).
 * Before, the worker took the whole job and result() waited for its end: a checkpoint's write of
 * 256 MiB then waited 20-25 ms for the sum of the same 256 MiB, which two threads now share.
 */
export function crc32Job(segs: readonly Uint8Array[], from = OFFLOAD_FROM): CrcJob {
  let total = 0;
  let shared = true;
  for (const s of segs) {
    total += s.length;
    if (!(s.buffer instanceof SharedArrayBuffer)) shared = false;
  }
  const w = total >= from && shared ? ready() : null;
  if (w === null) return { result: () => sumHere(segs), pending: () => false };
  // starts[i]: the first view of piece i (starts[n] = segs.length); lens[i]: its bytes.
  const starts: number[] = [0];
  const lens: number[] = [];
  let len = 0;
  for (let k = 0; k < segs.length; k++) {
    len += segs[k]!.length;
    if (len >= PIECE || k === segs.length - 1) {
      starts.push(k + 1);
      lens.push(len);
      len = 0;
    }
  }
  const job = postShared(w, segs, starts);
  let value: number | null = null;
  return {
    result: () => {
      if (value !== null) return value;
      if (!finishShared(job)) return (value = sumHere(segs));
      let c = 0;
      for (let i = 0; i < lens.length; i++) c = crc32Combine(c, job.res[i]! >>> 0, lens[i]!);
      if (Atomics.load(job.ctl, 2) > 0) crcWorkerStats.offloaded++;
      return (value = c);
    },
    pending: () => value === null && !broken && Atomics.load(job.ctl, 1) < job.n,
  };
}

/** A job whose pieces (views segs[starts[i]..starts[i + 1]) each) either thread sums. */
interface SharedJob {
  readonly segs: readonly Uint8Array[];
  readonly starts: readonly number[];
  readonly n: number;
  readonly ctl: Int32Array;
  /** Each piece's CRC, from a fresh start. */
  readonly res: Int32Array;
}

/** Posts a shared job to the worker, which starts on its first piece when it wakes. */
function postShared(w: Worker, segs: readonly Uint8Array[], starts: number[]): SharedJob {
  const flat: (SharedArrayBuffer | number)[] = [];
  for (const s of segs) flat.push(s.buffer as SharedArrayBuffer, s.byteOffset, s.length);
  const n = starts.length - 1;
  const job = { segs, starts, n, ctl: new Int32Array(new SharedArrayBuffer(12)), res: new Int32Array(new SharedArrayBuffer(4 * Math.max(1, n))) };
  busy = true;
  w.postMessage({ seq: ++seq, segs: flat, share: { ctl: job.ctl.buffer, res: job.res.buffer, starts } });
  return job;
}

/**
 * Sums here the pieces of `job` the worker has not claimed, then waits for the one it is in;
 * false if it did not finish it (the caller sums the job here). The worker says it is done with
 * the job (state[0]) once it finds no piece left: ready() looks for that before the next job.
 */
function finishShared(job: SharedJob): boolean {
  const { segs, starts, ctl, res } = job;
  for (let i = Atomics.add(ctl, 0, 1); i < job.n; i = Atomics.add(ctl, 0, 1)) {
    let x = 0;
    for (let k = starts[i]!; k < starts[i + 1]!; k++) x = crc32(segs[k]!, x);
    res[i] = x;
    Atomics.add(ctl, 1, 1);
  }
  return waitPieces(ctl, job.n);
}

/**
 * Waits until all `n` pieces of a shared job are summed (the worker is in one at most); false if
 * the worker threw (state[3]) or did not finish its piece within PATIENCE_MS: then it is not used
 * again, and the caller sums the job here.
 */
function waitPieces(ctl: Int32Array, n: number): boolean {
  const deadline = performance.now() + PATIENCE_MS;
  for (let done = Atomics.load(ctl, 1); done < n; done = Atomics.load(ctl, 1)) {
    const left = deadline - performance.now();
    if (Atomics.load(state!, 3) !== 0 || left <= 0) {
      broken = true;
      return false;
    }
    // In slices, so that a worker that threw in its piece is noticed without the whole patience.
    Atomics.wait(ctl, 1, done, Math.min(left, 50));
  }
  return true;
}

/** A running sum over an image fed in order (crc-stream.ts), with its marks' values at the end. */
export interface CrcStream {
  /** The next bytes (they must not change until values()) and the marks [before, at]... not given yet. */
  push(segs: readonly Uint8Array[], marks: readonly number[]): void;
  /** Every mark's value, in the order given. */
  values(): number[];
}

/**
 * Bytes of pushes joined into one job: an image file is pushed as it is written, 1 MiB at a
 * time, and a job per push was a message, an output buffer and a wake-up per MiB (256 for a
 * 256 MiB image).
 */
const STREAM_BATCH = OFFLOAD_FROM;

/**
 * A running sum with marks (crc-stream.ts): its pieces, when all of its bytes are shared memory
 * (an image file's pages), go to the worker as shared jobs of STREAM_BATCH bytes once OFFLOAD_FROM
 * bytes have come (a small image is summed here, and never starts the worker), and values() sums
 * what the worker has not claimed and joins them; otherwise, or if the worker fails, every piece
 * is summed here in values(). The values never depend on which thread summed what.
 */
export function crcStream(): CrcStream {
  const plan = new StreamPlan();
  const jobs: { job: SharedJob; pieces: StreamPiece[] }[] = [];
  /** Pieces summed here in values(): not sent, or sent in a job the worker failed. */
  const local: StreamPiece[] = [];
  let batch: StreamPiece[] = [];
  let batchLen = 0;
  let w: Worker | null = null;
  /** Summed here whatever comes: memory the worker cannot see came, or it was not ready. */
  let here = false;
  let total = 0;
  const take = (): void => {
    for (const p of plan.take()) {
      batch.push(p);
      batchLen += p.len;
    }
  };
  const send = (): void => {
    const pieces = batch;
    batch = [];
    batchLen = 0;
    if (pieces.length === 0) return;
    if (!here && w === null && total >= OFFLOAD_FROM) {
      w = ready();
      if (w === null) here = true;
    }
    if (here || w === null) {
      for (const p of pieces) local.push(p);
      return;
    }
    const segs: Uint8Array[] = [];
    const starts = [0];
    for (const p of pieces) {
      for (const v of p.segs) segs.push(v);
      starts.push(segs.length);
    }
    jobs.push({ job: postShared(w, segs, starts), pieces });
  };
  return {
    push(segs, marks) {
      for (const seg of segs) {
        total += seg.length;
        if (!(seg.buffer instanceof SharedArrayBuffer)) here = true;
      }
      plan.push(segs, marks);
      take();
      if (batchLen >= STREAM_BATCH) send();
    },
    values() {
      plan.end();
      take();
      send();
      let offloaded = false;
      // Whatever was posted is finished (or given up on) even when it will not be used: from the
      // last job back, while the worker goes on from the first, so the two threads meet in one
      // job and this one waits for at most the piece the worker is in there.
      for (let j = jobs.length - 1; j >= 0; j--) {
        const { job, pieces } = jobs[j]!;
        if (!finishShared(job)) {
          for (const p of pieces) local.push(p);
          continue;
        }
        pieces.forEach((p, i) => (p.crc = job.res[i]! >>> 0));
        if (Atomics.load(job.ctl, 2) > 0) offloaded = true;
      }
      for (const p of local) p.crc = sumHere(p.segs);
      if (offloaded) crcWorkerStats.offloaded++;
      return plan.values();
    },
  };
}

/**
 * The CRC-32 of the bytes of `segs` in order, from a fresh start, summed by two threads when they
 * are many: a shared job (crc32Job) whose result is asked for at once, so this thread sums pieces
 * from the first while the worker takes them as soon as it wakes. For a sum needed at once (a
 * checkpoint's section, before it is written).
 */
export function crc32Split(segs: readonly Uint8Array[]): number {
  return crc32Job(segs).result();
}
