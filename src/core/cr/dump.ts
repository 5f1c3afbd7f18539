// The dump proper, common to every initiator: take the model of a frozen container, charge the
// work in virtual time, encode it with the design's codec and write it to the image fd. The
// initiators differ in who calls, how the container stops and what happens after; not in this.
import { COSTS } from "../../machine/kernel/costs.ts";
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import type { Nsproxy, Task } from "../../machine/kernel/task.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGKILL } from "../../machine/kernel/signal-names.ts";
import { collectContainer, containerTasks, type CollectOptions } from "./collect/collect.ts";
import { CrError, ESRCH } from "./errors.ts";
import { writeImage, writeLateImage, type ImageFd } from "./image-io.ts";
import { injectFault } from "./faults.ts";
import type { CrContext } from "./interfaces.ts";
import { modelCounts, modelWork } from "./model.ts";
import type { CrOpRecord } from "./trace.ts";

/** Collect, encode and write; records tasks, image size and the "dump" step in `rec`. */
export function* dumpContainer(
  cr: CrContext, self: Task, init: Task, img: ImageFd, rec: CrOpRecord, producer: string, opts: CollectOptions = {},
): Generator<KthreadYield, void, void> {
  const k = cr.k;
  const t0 = k.clock;
  rec.stdoutAt = k.console.stdoutBytes;
  injectFault(cr.faults, "collect");
  const model = collectContainer(k, init, `${producer}, ${cr.codec.name} codec`, { ...opts, zeroPageAbort: cr.bugs?.has("zero-page-abort") === true });
  rec.tasks = model.tasks.length;
  const work = modelWork(model);
  k.charge(self, work.objects * COSTS.crObject + work.pages * COSTS.crPage);
  yield;
  injectFault(cr.faults, "write");
  // Into a regular file a codec may patch a checksum in after the pages went in (encodeLate: the
  // sum runs on a second host thread beside the write).
  const codec = cr.codec;
  const n = img.kind === "file" && codec.encodeLate !== undefined
    ? writeLateImage(k, self, img, codec.encodeLate(model))
    : yield* writeImage(k, self, img, codec.encode(model));
  if (n < 0) throw new CrError(-n, `writing the image failed with errno ${-n}`);
  rec.imageBytes = n;
  cr.trace.step(rec, "dump", 0, t0, JSON.stringify(modelCounts(model)));
}

/** SIGKILL every task of the container (a checkpoint with CPT_KILL, after a successful dump). */
export function killContainer(cr: CrContext, init: Task): void {
  for (const t of containerTasks(cr.k, init)) if (t.alive) sendSignal(cr.k, t, { signo: SIGKILL, code: 0x80 }, true);
}

/**
 * The target of a checkpoint: its init and the nsproxy read from it when the checkpoint began.
 * get_task_struct pins the task, not tsk->nsproxy: a target that exits during the checkpoint
 * drops its nsproxy (exit_task_namespaces), so the checkpoint takes its own reference for its
 * whole duration and uses that one after every sleep. With the deliberate bug "nsproxy-unpinned"
 * it takes none, and a use after the target exited touches a freed nsproxy (a use-after-free
 * oops from the kobj registry).
 */
export class CheckpointTarget {
  private readonly pinned: boolean;
  private released = false;

  constructor(
    private readonly cr: CrContext,
    readonly init: Task,
    readonly nsproxy: Nsproxy,
  ) {
    this.pinned = cr.bugs?.has("nsproxy-unpinned") !== true;
    if (this.pinned) cr.k.kobj.get(nsproxy, "checkpoint: pin the target's nsproxy");
  }

  /**
   * Use the target after a sleep: its namespaces through the (pinned) nsproxy, then whether its
   * init still lives. Throws CrError(ESRCH) when it exited; a freed nsproxy is an oops, then ESRCH.
   */
  check(what: string): void {
    if (!this.use(what)) throw new CrError(ESRCH, "the target's nsproxy was freed under the checkpoint");
    if (!this.init.alive) throw new CrError(ESRCH, `the container's init (pid ${this.init.id}) exited during the checkpoint`);
  }

  /** Read the target's namespaces through the nsproxy: false (and an oops) if it was freed. */
  use(what: string): boolean {
    if (!this.cr.k.kobj.checkLive(this.nsproxy, `checkpoint (${what}): the target's nsproxy`)) return false;
    return this.nsproxy.pidNsForChildren.level >= 0;
  }

  /** The end of the checkpoint: drop the pin (once). */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.pinned) this.cr.k.kobj.put(this.nsproxy, "checkpoint: unpin the target's nsproxy");
  }
}
