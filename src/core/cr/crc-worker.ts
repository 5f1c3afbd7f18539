// A second host thread for the CRC-32 of big runs of image bytes. Checking or sealing the section
// that holds a 256 MiB guest's pages is 256 MiB of CRC, about 50 ms of one core (zlib.crc32 runs
// at some 5 GB/s here): as long as everything else a restart or checkpoint does with those pages.
// Handed to this thread, the sum runs beside that work instead of before or after it.
//
// Only memory both threads can see goes there: the frame pool's slabs are SharedArrayBuffers, so
// a guest's frames and an image file's pages qualify; anything else is summed here. The worker
// is started on first use and summed nothing until it says it is ready (the first big sum of a
// process is summed here: a thread takes tens of ms to start). One job at a time (a stream's
// jobs, crcStream, count as one); a second one asked for meanwhile is summed here. If the worker
// fails or does not answer, the sum is taken here and the worker is not used again: a result
// never depends on which thread summed it (crc32Combine joins the parts), and the guest never
// sees any of it. CPTBENCH_CRC_WORKER=0 turns it off.
import { Worker } from "node:worker_threads";
import { crc32 } from "./checksum.ts";
import { crc32Combine } from "./crc-combine.ts";
import { newStreamState, sumStream, type StreamState } from "./crc-stream.ts";

/** A CRC-32, from a fresh start, of bytes being summed: result() waits for it if it must. */
export interface CrcJob {
  result(): number;
  /** Whether the worker is still summing it (result() would wait); false for a sum taken here. */
  pending?(): boolean;
}

/** Fewer bytes than this are summed here: a hand-off costs more than it saves. */
export const OFFLOAD_FROM = 8 << 20;
/** A shared job's pieces: runs of its views of about this many bytes (a view is never cut). */
const PIECE = 4 << 20;
/** How long result() waits for the worker before it sums the bytes itself (and gives up on it). */
const PATIENCE_MS = 2000;

// state[0]: the last job done; state[1]: its CRC; state[2]: 1 once the worker runs; state[3]: 1
// if a job threw (its result is not to be used). A stream job (crcStream) carries `stream`: its
// marks and the shared array their values go to; the stream's state lives here between jobs. A
// shared job (crc32Job) carries `share`: its pieces (runs of segs, by index), which this thread
// and the worker claim one at a time (ctl[0], the next piece), each piece's CRC (res), and
// ctl[1] the pieces summed, ctl[2] those the worker summed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { crc32 } = require("node:zlib");
var __name = (f) => f;
const newStreamState = ${newStreamState.toString()};
const sumStream = ${sumStream.toString()};
const state = new Int32Array(workerData);
let st = null;
parentPort.on("message", (m) => {
  let c = 0;
  try {
    const segs = [];
    for (let i = 0; i < m.segs.length; i += 3) segs.push(new Uint8Array(m.segs[i], m.segs[i + 1], m.segs[i + 2]));
    if (m.stream !== undefined) {
      if (m.stream.reset || st === null) st = newStreamState();
      sumStream(st, segs, m.stream.marks, new Int32Array(m.stream.out), crc32);
    } else if (m.share !== undefined) {
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
    } else for (const s of segs) c = crc32(s, c);
  } catch {
    Atomics.store(state, 3, 1);
  }
  Atomics.store(state, 1, c | 0);
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
 * sums from the first while this thread does its other work; result() then sums the pieces the
 * worker has not claimed yet here, waits for the one it is in, and joins them (crc32Combine). Before, the
 * worker took the whole job and result() waited for its end: a checkpoint's write of 256 MiB
 * then waited 20-25 ms for the sum of the same 256 MiB, which two threads now share.
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
  const flat: (SharedArrayBuffer | number)[] = [];
  // starts[i]: the first view of piece i (starts[n] = segs.length); lens[i]: its bytes.
  const starts: number[] = [0];
  const lens: number[] = [];
  let len = 0;
  for (let k = 0; k < segs.length; k++) {
    const s = segs[k]!;
    flat.push(s.buffer as SharedArrayBuffer, s.byteOffset, s.length);
    len += s.length;
    if (len >= PIECE || k === segs.length - 1) {
      starts.push(k + 1);
      lens.push(len);
      len = 0;
    }
  }
  const n = lens.length;
  const ctl = new Int32Array(new SharedArrayBuffer(12));
  const res = new Int32Array(new SharedArrayBuffer(4 * n));
  const mine = ++seq;
  busy = true;
  w.postMessage({ seq: mine, segs: flat, share: { ctl: ctl.buffer, res: res.buffer, starts } });
  let value: number | null = null;
  return {
    result: () => {
      if (value !== null) return value;
      for (let i = Atomics.add(ctl, 0, 1); i < n; i = Atomics.add(ctl, 0, 1)) {
        let x = 0;
        for (let k = starts[i]!; k < starts[i + 1]!; k++) x = crc32(segs[k]!, x);
        res[i] = x;
        Atomics.add(ctl, 1, 1);
      }
      if (!waitPieces(ctl, n)) return (value = sumHere(segs));
      let c = 0;
      for (let i = 0; i < n; i++) c = crc32Combine(c, res[i]! >>> 0, lens[i]!);
      if (Atomics.load(ctl, 2) > 0) crcWorkerStats.offloaded++;
      // The worker says it is done with the job (state[0]) once it finds no piece left: ready()
      // looks for that before the next job, rather than this thread waiting for it here.
      return (value = c);
    },
    pending: () => value === null && !broken && Atomics.load(ctl, 1) < n,
  };
}

/**
 * Waits until all `n` pieces of a shared job are summed (the worker is in one at most); false if
 * the worker did not finish its piece within PATIENCE_MS (then it is not used again).
 */
function waitPieces(ctl: Int32Array, n: number): boolean {
  const deadline = performance.now() + PATIENCE_MS;
  for (let done = Atomics.load(ctl, 1); done < n; done = Atomics.load(ctl, 1)) {
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(ctl, 1, done, left) === "timed-out") {
      broken = true;
      return false;
    }
  }
  return true;
}

/**
 * Waits for the worker to finish job `mine` (and every one before it); false if it did not within
 * PATIENCE_MS (then the worker is not used again) or the job threw. Either way nothing of it is
 * outstanding any more as far as this thread is concerned.
 */
function waitFor(mine: number): boolean {
  const st = state!;
  const deadline = performance.now() + PATIENCE_MS;
  for (let cur = Atomics.load(st, 0); cur !== mine && !broken; cur = Atomics.load(st, 0)) {
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(st, 0, cur, left) === "timed-out") broken = true;
  }
  busy = false;
  if (Atomics.load(st, 0) !== mine) return false;
  return Atomics.exchange(st, 3, 0) === 0;
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
 * A running sum taken by the worker beside the caller's work when all of its bytes are shared
 * memory (an image file's pages): the pushes joined into jobs of STREAM_BATCH bytes, posted once
 * OFFLOAD_FROM bytes have come (the jobs before go then: a small image is summed here, and never
 * starts the worker), the last one at values(); otherwise, or if the worker fails, by this thread
 * in values(). The values never depend on which.
 */
export function crcStream(): CrcStream {
  const kept: Uint8Array[][] = [];
  const keptMarks: number[][] = [];
  const outs: Int32Array[] = [];
  /** The pushes since the last job. */
  let pendSegs: Uint8Array[] = [];
  let pendMarks: number[] = [];
  let pendLen = 0;
  let w: Worker | null = null;
  /** Summed here whatever comes: memory the worker cannot see came, or it was not ready. */
  let here = false;
  let total = 0;
  let last = 0;
  const local = (): number[] => {
    const st: StreamState = newStreamState();
    // Every job is fed before any value is read: a mark may be reached in a later job than the
    // one that gave it (sumStream allows marks ahead), and its value is written only then.
    const vals = keptMarks.map((m) => new Int32Array(m.length / 2));
    kept.forEach((segs, i) => sumStream(st, segs, keptMarks[i]!, vals[i]!, crc32));
    const res: number[] = [];
    for (const out of vals) for (const v of out) res.push(v >>> 0);
    return res;
  };
  const post = (i: number): void => {
    const flat: (SharedArrayBuffer | number)[] = [];
    for (const seg of kept[i]!) flat.push(seg.buffer as SharedArrayBuffer, seg.byteOffset, seg.length);
    const marks = keptMarks[i]!;
    const out = new Int32Array(new SharedArrayBuffer(Math.max(4, marks.length * 2)));
    outs.push(out);
    last = ++seq;
    w!.postMessage({ seq: last, segs: flat, stream: { reset: i === 0, marks, out: out.buffer } });
  };
  /** The pushes since the last job as the next one, to the worker when it takes the stream. */
  const cut = (): void => {
    kept.push(pendSegs);
    keptMarks.push(pendMarks);
    pendSegs = [];
    pendMarks = [];
    pendLen = 0;
    if (here) return;
    if (w === null) {
      if (total < OFFLOAD_FROM) return;
      w = ready();
      if (w === null) {
        here = true;
        return;
      }
      busy = true;
      for (let i = 0; i < kept.length - 1; i++) post(i);
    }
    post(kept.length - 1);
  };
  return {
    push(segs, marks) {
      for (const seg of segs) {
        pendSegs.push(seg);
        pendLen += seg.length;
        total += seg.length;
        if (!(seg.buffer instanceof SharedArrayBuffer)) here = true;
      }
      for (const m of marks) pendMarks.push(m);
      if (pendLen >= STREAM_BATCH) cut();
    },
    values() {
      if (pendSegs.length > 0 || pendMarks.length > 0) cut();
      // Whatever was posted is waited for (or given up on) even when it will not be used.
      const done = last !== 0 && waitFor(last);
      if (!done || here) return local();
      crcWorkerStats.offloaded++;
      const res: number[] = [];
      outs.forEach((out, i) => {
        for (let k = 0; k < keptMarks[i]!.length / 2; k++) res.push(out[k]! >>> 0);
      });
      return res;
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
