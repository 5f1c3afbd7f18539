// The dump proper, common to every initiator: take the model of a frozen container, charge the
// work in virtual time, encode it with the design's codec and write it to the image fd. The
// initiators differ in who calls, how the container stops and what happens after; not in this.
import { COSTS } from "../kernel/kernel.ts";
import type { KthreadYield } from "../kernel/kthread.ts";
import type { Task } from "../kernel/task.ts";
import { sendSignal } from "../kernel/signal.ts";
import { SIGKILL } from "../kernel/signal-names.ts";
import { collectContainer, containerTasks, type CollectOptions } from "./collect/collect.ts";
import { CrError } from "./errors.ts";
import { writeImage, type ImageFd } from "./image-io.ts";
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
  const model = collectContainer(k, init, `${producer}, ${cr.codec.name} codec`, opts);
  rec.tasks = model.tasks.length;
  const work = modelWork(model);
  k.charge(self, work.objects * COSTS.crObject + work.pages * COSTS.crPage);
  yield;
  const n = yield* writeImage(k, self, img, cr.codec.encode(model));
  if (n < 0) throw new CrError(-n, `writing the image failed with errno ${-n}`);
  rec.imageBytes = n;
  cr.trace.step(rec, "dump", 0, t0, JSON.stringify(modelCounts(model)));
}

/** SIGKILL every task of the container (a checkpoint with CPT_KILL, after a successful dump). */
export function killContainer(cr: CrContext, init: Task): void {
  for (const t of containerTasks(cr.k, init)) if (t.alive) sendSignal(cr.k, t, { signo: SIGKILL, code: 0x80 }, true);
}
