// A matrix worker thread (compiled, started as is; from the sources, through worker-entry.mjs,
// which installs tsx first). It builds its own registry, with the config's plugin files loaded as
// in the main thread, then runs the units it is sent one after another and posts every UnitEvent
// back.
// reflect-metadata first, before tsyringe: a worker does not share the main thread's globals.
import "reflect-metadata";
import { parentPort, workerData } from "node:worker_threads";
import { builtinRegistry } from "../plugins.ts";
import type { Unit } from "./plan.ts";
import { runUnit } from "./unit-run.ts";

/** What the main thread passes at start (workerData). */
export interface WorkerInit {
  /** Absolute paths of plugin files to load, as the config's `plugins`. */
  plugins: string[];
}

/** What the main thread sends. */
export interface UnitRequest {
  type: "unit";
  unit: Unit;
}

const port = parentPort;
if (port === null) throw new Error("matrix worker.ts must run in a worker thread");
const init = workerData as WorkerInit;
const registry = builtinRegistry();
for (const p of init.plugins) await registry.loadFromPath(p);
// Messages posted before this listener exists are queued by the port, not lost.
port.on("message", (msg: UnitRequest) => runUnit(msg.unit, registry, (ev) => port.postMessage(ev)));
