// Running a selection of ZDTM tests in the requested columns (qemu-riscv32, cptbench exec, and one
// column per C/R design), with up to `jobs` at a time: exec and C/R runs go to worker threads (a
// Machine is synchronous), qemu runs are child processes awaited in this thread. Rows come back in the order of the selection, whatever
// finished first, so the table never depends on the parallelism.
import { Worker } from "node:worker_threads";
import type { ExecOptions } from "./exec-runner.ts";
import type { CrOptions } from "./cr-runner.ts";
import { comboLabel, type Combination } from "../matrix/combos.ts";
import type { RunOutcome } from "./protocol.ts";
import { runQemu, type QemuOptions } from "./qemu-runner.ts";
import type { ZdtmTest } from "./tests-list.ts";
import { runRequest, type ExecReply, type ExecRequest } from "./worker-run.ts";

export interface ZdtmRow {
  name: string;
  built: boolean;
  buildError: string | null;
  skip: string | null;
  qemu?: RunOutcome;
  exec?: RunOutcome;
  /** Through checkpoint/restart, by design ("external/kernel/cpt"). */
  cr?: Record<string, RunOutcome>;
}

export interface SuiteOptions {
  exec: boolean;
  qemu: boolean;
  jobs: number;
  execOptions?: ExecOptions;
  /** The C/R designs to run each test through (a column each), and how. */
  designs?: readonly Combination[];
  crOptions?: CrOptions;
  qemuOptions?: QemuOptions;
  /** Called as each row completes (progress). */
  onRow?: (row: ZdtmRow, done: number, total: number) => void;
}

const WORKER_ENTRY = import.meta.url.endsWith(".js") ? new URL("./worker.js", import.meta.url) : new URL("./worker-entry.mjs", import.meta.url);

/** Runs exec requests on up to n worker threads (inline when n is 1). */
class ExecPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { req: ExecRequest; resolve: (o: RunOutcome) => void }[] = [];
  private readonly waiting = new Map<number, (o: RunOutcome) => void>();
  private nextId = 0;

  constructor(private readonly n: number) {}

  run(test: ZdtmTest, opts: ExecOptions, design?: Combination, cr?: CrOptions): Promise<RunOutcome> {
    const req: ExecRequest = { id: this.nextId++, test, opts, design, cr };
    if (this.n <= 1) return Promise.resolve(runRequest(req));
    return new Promise((resolve) => {
      this.queue.push({ req, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (w === undefined && this.workers.length < this.n) w = this.spawn();
      if (w === undefined) return;
      const { req, resolve } = this.queue.shift()!;
      this.waiting.set(req.id, resolve);
      (w as Worker & { current?: number }).current = req.id;
      w.postMessage(req);
    }
  }

  private spawn(): Worker {
    const w = new Worker(WORKER_ENTRY) as Worker & { current?: number };
    this.workers.push(w);
    w.on("message", (rep: ExecReply) => {
      this.waiting.get(rep.id)?.(rep.outcome);
      this.waiting.delete(rep.id);
      w.current = undefined;
      this.idle.push(w);
      this.pump();
    });
    // A worker that dies (out of memory) fails its test; a fresh one takes the next.
    w.on("exit", (code) => {
      this.workers.splice(this.workers.indexOf(w), 1);
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
      if (w.current !== undefined) {
        this.waiting.get(w.current)?.({ verdict: "fail", reason: `the runner's worker thread died (exit ${code})` });
        this.waiting.delete(w.current);
      }
      this.pump();
    });
    return w;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

async function timed(f: () => Promise<RunOutcome>): Promise<RunOutcome> {
  const t0 = performance.now();
  const o = await f();
  return { ...o, ms: Math.round(performance.now() - t0) };
}

export async function runSuite(tests: readonly ZdtmTest[], opts: SuiteOptions): Promise<ZdtmRow[]> {
  const rows: ZdtmRow[] = tests.map((t) => ({ name: t.name, built: t.elf !== null, buildError: t.buildError, skip: t.skip }));
  const designs = opts.designs ?? [];
  const pool = new ExecPool(opts.exec || designs.length > 0 ? opts.jobs : 0);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < tests.length) {
      const i = next++;
      const [q, e] = await Promise.all([
        opts.qemu ? timed(() => runQemu(tests[i], opts.qemuOptions)) : Promise.resolve(undefined),
        opts.exec ? pool.run(tests[i], opts.execOptions ?? {}) : Promise.resolve(undefined),
      ]);
      if (q !== undefined) rows[i].qemu = q;
      if (e !== undefined) rows[i].exec = e;
      // The designs of one test one after another on this lane: the lanes keep the threads busy.
      for (const d of designs) {
        (rows[i].cr ??= {})[comboLabel(d)] = await pool.run(tests[i], opts.execOptions ?? {}, d, opts.crOptions);
      }
      opts.onRow?.(rows[i], ++done, tests.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, tests.length)) }, lane));
  } finally {
    await pool.close();
  }
  return rows;
}
