// Every helper of the in-kernel restore order, as a restart calls them, for tests that make a
// restore fail at each kernel object or frame (restore-leaks, ttys, unix-sockets).
import { Restorer } from "../../src/core/cr/restore/restorer.ts";
import type { CheckpointModel } from "../../src/core/cr/model.ts";
import type { Kernel } from "../../src/machine/kernel/kernel.ts";
import type { Task } from "../../src/machine/kernel/task.ts";

/** Restore `model` step by step; throws where the restart would fail, after aborting the restorer. */
export function restoreAll(k: Kernel, caller: Task, model: CheckpointModel): Restorer {
  const r = new Restorer(k, caller, model);
  try {
    r.makeNamespaces();
    r.makePids();
    r.makeShared();
    r.makeTree();
    r.makeMemory();
    for (const tr of model.tasks) r.createTask(tr, null, null);
    r.makeFiles();
    r.attachFiles();
  } catch (e) {
    r.abort();
    throw e;
  }
  return r;
}
