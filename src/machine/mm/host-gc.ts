// A collection of the host's JavaScript heap when a big machine has ended.
//
// Why: a machine's pages are host objects (a Frame, its view, a pte, page-table leaves, page-cache
// slots), long-lived, so V8 moves them to its old generation. When the machine ends they are
// garbage, but V8 collects the old generation only once it has grown by a factor of what was live
// after the last collection: in a process that runs one 256 MiB machine after another (the
// reference run, the checkpointed machine, the fresh one a restart boots, as `cptbench run` does),
// the ended machines' objects stayed resident beside the next machine's, 20-40 MiB of them at the
// peak (`cr.peak-rss-256mib`). Collected when the machine's memory goes back to the frame pool,
// they are gone before the next machine takes that memory again.
//
// Only machines that held many pages at once are worth it: a collection costs some 10-20 ms with a
// 256 MiB guest's objects live, and the matrix runs hundreds of small machines whose garbage V8
// handles well enough on its own. Host-side only: the guest sees nothing, the traces are the same.
// The same gc() also settles the young generation before a big checkpoint (settleBeforeOp).
// CPTBENCH_HOST_GC=0 turns both off (to measure without them).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A machine that held at least this many frames at once (64 MiB) is collected after. */
export const COLLECT_FROM_PAGES = 16_384;

/** Collections and settles made, for the benchmarks and the tests. */
export const hostGcStats = { collections: 0, settles: 0 };

/** V8's gc(): a full collection, or with { type: "minor" } one scavenge of the young generation. */
type GcFn = (options?: { type: "minor" }) => void;

let gc: GcFn | null | undefined;

/**
 * V8's gc(): the global one when Node runs with --expose-gc, else one taken from a new context
 * after exposing it (the flag only adds `gc` to contexts made from then on; nothing else changes).
 * null when neither works, or when turned off.
 */
function hostGc(): GcFn | null {
  if (gc !== undefined) return gc;
  gc = null;
  if (process.env.CPTBENCH_HOST_GC === "0") return gc;
  const global = (globalThis as { gc?: GcFn }).gc;
  if (typeof global === "function") return (gc = global);
  try {
    setFlagsFromString("--expose-gc");
    const f = runInNewContext("gc") as unknown;
    if (typeof f === "function") gc = f as GcFn;
  } catch {
    // No gc to call: V8 collects on its own schedule, the run is the same, only bigger.
  }
  return gc;
}

/**
 * Call once a machine has given its pages back (shut down, its files' memory released, nothing
 * holding its address spaces): collect if it held `peakPages` frames or more at once. True when
 * a collection was made.
 */
export function collectAfterMachine(peakPages: number): boolean {
  if (peakPages < COLLECT_FROM_PAGES) return false;
  const f = hostGc();
  if (f === null) return false;
  f();
  hostGcStats.collections++;
  return true;
}

/**
 * Call right before a timed checkpoint of a machine with `pagesInUse` frames: two scavenges when
 * it is big, so that the live objects its run left in V8's young generation (a pte and a Frame
 * for each page the guest touched) are moved to the old generation now. Otherwise the first
 * scavenges inside the checkpoint copied them (a scavenge copies what survives, and promotes it
 * the second time): 5-20 ms of a 256 MiB checkpoint of some 120 ms charged to the C/R for
 * objects the guest's page faults made, and paid by the guest's next scavenge had nobody
 * checkpointed it. The settle itself takes about as long, outside the operation; the
 * checkpoint's own objects are still collected inside it. A restart is not settled: what lies
 * young before it is the image file's pages, and settling them moved no figure beyond the run-to-run
 * spread. True when done.
 */
export function settleBeforeOp(pagesInUse: number): boolean {
  if (pagesInUse < COLLECT_FROM_PAGES) return false;
  const f = hostGc();
  if (f === null) return false;
  f({ type: "minor" });
  f({ type: "minor" });
  hostGcStats.settles++;
  return true;
}
