// Executing the units of a matrix: inline (jobs 1) or on up to `jobs` worker threads. Results come
// back per unit and are returned in the order of `units`, whatever finished first, so a report
// never depends on the parallelism. A worker that dies (exit, uncaught error, out of memory) does
// not hang the matrix: the runs of its unit that did not finish become failed cells carrying the
// error, and a fresh worker takes the next unit. An aborted signal (Ctrl-C, --fail-fast) stops
// every worker at once: the cells that finished stand, nothing else is started.
import { Worker } from "node:worker_threads";
import type { Registry } from "../../core/cr/registry.ts";
import type { CellResult } from "../scenario/types.ts";
import type { Unit } from "./plan.ts";
import { failedRunCells, runUnitAsync, type UnitEvent } from "./unit-run.ts";
import type { UnitRequest, WorkerInit } from "./worker.ts";

export interface ExecuteOptions {
  /** 1: run inline in this thread, no worker. */
  jobs: number;
  /** The registry of the inline path; workers build their own from `plugins`. */
  registry: Registry;
  /** Absolute plugin file paths each worker loads (the config's `plugins`). */
  plugins: string[];
  onCell?: (c: CellResult, u: Unit) => void;
  onUnitStart?: (u: Unit) => void;
  onUnitEnd?: (u: Unit) => void;
  /** A workload of the unit got no checkpoint point, and why. */
  onNoPoints?: (workload: string, why: string, u: Unit) => void;
  /** Stop: finished cells stand, no unit or point starts after it is aborted. */
  signal?: AbortSignal;
}

export interface Execution {
  /** Cells per unit, in the order of `units` (partial for units cut short). */
  cells: CellResult[][];
  /** Whether the signal stopped the matrix before every unit ended. */
  interrupted: boolean;
  /**
   * Runs that could not go on (one threw, or its worker died), in words: their cells are failed
   * stand-ins, not verdicts on a design, and the matrix exits 3 for them.
   */
  errors: string[];
}

// Compiled (dist/), the worker runs worker.js as it is; from the sources (tsx, vitest) it needs
// worker-entry.mjs to install tsx in its thread first.
const WORKER_ENTRY = import.meta.url.endsWith(".js")
  ? new URL("./worker.js", import.meta.url)
  : new URL("./worker-entry.mjs", import.meta.url);

/** Cells per unit, in the order of `units`. */
export async function executeUnits(units: readonly Unit[], opts: ExecuteOptions): Promise<Execution> {
  if (opts.jobs <= 1 || units.length <= 1) return executeInline(units, opts);
  return new WorkerPool(units, opts).run();
}

async function executeInline(units: readonly Unit[], opts: ExecuteOptions): Promise<Execution> {
  const results: CellResult[][] = [];
  const errors: string[] = [];
  for (const u of units) {
    if (opts.signal?.aborted) return { cells: results, interrupted: true, errors };
    opts.onUnitStart?.(u);
    const cells: CellResult[] = [];
    results.push(cells);
    const whole = await runUnitAsync(u, opts.registry, (ev) => {
      if (ev.type === "no-points") opts.onNoPoints?.(ev.workload, ev.why, u);
      if (ev.type === "run-error") errors.push(ev.error);
      if (ev.type !== "cell") return;
      cells.push(ev.cell);
      opts.onCell?.(ev.cell, u);
    }, opts.signal);
    if (!whole) return { cells: results, interrupted: true, errors };
    opts.onUnitEnd?.(u);
  }
  return { cells: results, interrupted: false, errors };
}

/** A worker and the unit it is running. */
interface Slot {
  worker: Worker;
  unit: Unit | null;
  /** Position of `unit` in the caller's list. */
  pos: number;
  /** Runs of the unit finished so far. */
  runsDone: number;
  /** The last error the worker raised, to explain its exit. */
  error: string | null;
}

class WorkerPool {
  private readonly results: CellResult[][];
  private readonly errors: string[] = [];
  private next = 0;
  private pending: number;
  private resolve!: (r: Execution) => void;
  private stopped = false;
  private readonly slots = new Set<Slot>();

  constructor(
    private readonly units: readonly Unit[],
    private readonly opts: ExecuteOptions,
  ) {
    this.results = units.map(() => []);
    this.pending = units.length;
  }

  run(): Promise<Execution> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      if (this.opts.signal?.aborted) return resolve({ cells: this.results, interrupted: true, errors: this.errors });
      this.opts.signal?.addEventListener("abort", () => this.stop(), { once: true });
      const n = Math.min(this.opts.jobs, this.units.length);
      for (let i = 0; i < n; i++) this.feed(this.spawn());
    });
  }

  private spawn(): Slot {
    const init: WorkerInit = { plugins: this.opts.plugins };
    const slot: Slot = { worker: new Worker(WORKER_ENTRY, { workerData: init }), unit: null, pos: -1, runsDone: 0, error: null };
    this.slots.add(slot);
    slot.worker.on("message", (ev: UnitEvent) => this.onEvent(slot, ev));
    slot.worker.on("error", (e: Error) => {
      slot.error = e.message;
    });
    slot.worker.on("exit", (code) => this.onExit(slot, code));
    return slot;
  }

  /** Give the slot the next unit, or retire it when none is left. */
  private feed(slot: Slot): void {
    if (this.next >= this.units.length) {
      slot.unit = null;
      void slot.worker.terminate();
      return;
    }
    const unit = this.units[this.next];
    slot.pos = this.next++;
    slot.unit = unit;
    slot.runsDone = 0;
    this.opts.onUnitStart?.(unit);
    const req: UnitRequest = { type: "unit", unit };
    slot.worker.postMessage(req);
  }

  /** Terminate every worker and resolve with what finished. */
  private stop(): void {
    if (this.stopped || this.pending === 0) return;
    this.stopped = true;
    for (const s of this.slots) void s.worker.terminate();
    this.resolve({ cells: this.results, interrupted: true, errors: this.errors });
  }

  private onEvent(slot: Slot, ev: UnitEvent): void {
    const unit = slot.unit;
    if (this.stopped || unit === null || ev.unit !== unit.index) return;
    if (ev.type === "no-points") {
      this.opts.onNoPoints?.(ev.workload, ev.why, unit);
    } else if (ev.type === "run-error") {
      this.errors.push(ev.error);
    } else if (ev.type === "cell") {
      this.results[slot.pos].push(ev.cell);
      this.opts.onCell?.(ev.cell, unit);
    } else if (ev.type === "run-end") {
      slot.runsDone = ev.run + 1;
    } else {
      this.finish(slot);
      this.feed(slot);
    }
  }

  private onExit(slot: Slot, code: number): void {
    this.slots.delete(slot);
    const unit = slot.unit;
    if (unit === null || this.stopped) return; // retired or stopped on purpose
    const why = `the worker running ${unit.combo.initiator}/${unit.combo.creator}/${unit.combo.codec} ${unit.workload} died (exit code ${code})` +
      (slot.error ? `: ${slot.error}` : "");
    this.errors.push(why);
    // Runs the worker finished stand; the one it was in and those after it fail with the reason.
    for (const run of unit.runs.slice(slot.runsDone)) {
      for (const c of failedRunCells(run, why)) {
        this.results[slot.pos].push(c);
        this.opts.onCell?.(c, unit);
      }
    }
    this.finish(slot);
    if (this.next < this.units.length) this.feed(this.spawn());
  }

  private finish(slot: Slot): void {
    const unit = slot.unit!;
    slot.unit = null;
    this.opts.onUnitEnd?.(unit);
    if (--this.pending === 0) {
      for (const s of this.slots) void s.worker.terminate();
      this.resolve({ cells: this.results, interrupted: false, errors: this.errors });
    }
  }
}
