// What a checkpoint or restart did, step by step, in virtual time: the trace the scenario runner
// turns into per-phase metrics, and what `--strace`-style output and the report show. The kernel
// never reads wall time; the runner measures wall time around the machine runs itself.
import type { Kernel } from "../../machine/kernel/kernel.ts";
import { asCrError, CrError, EIO } from "./errors.ts";
import { injectFault, type Faults } from "./faults.ts";

export interface CrStep {
  op: "checkpoint" | "restart";
  /** pre-dump, freeze, dump, thaw, kill, post-dump; read, create, restore, resume... */
  step: string;
  /** Virtual clock (cycles) at the start and end of the step. */
  start: number;
  end: number;
  /** 0, or the -errno the step failed with. */
  result: number;
  detail?: string;
}

export interface CrOpRecord {
  op: "checkpoint" | "restart";
  /** Caller's global pid. */
  caller: number;
  start: number;
  end: number;
  result: number;
  /** Why it failed, in words, when it did. */
  error?: string;
  imageBytes: number;
  tasks: number;
  /** Kernel objects created and destroyed during the operation, by type. */
  created: Record<string, number>;
  destroyed: Record<string, number>;
  /** Console stdout length when the container was frozen for the dump (the oracle's cut point). */
  stdoutAt?: number;
  steps: CrStep[];
  /** The operation has finished (successfully or not). */
  done: boolean;
}

export class CrTrace {
  readonly ops: CrOpRecord[] = [];
  /**
   * Told of each operation as it ends, from inside the machine's run: a scenario that must act at
   * that instant (checkpoint again at once, with --iters) cannot wait for its next look.
   */
  onEnd: ((r: CrOpRecord) => void) | null = null;
  /** Further listeners to each operation's end, beside onEnd (watchEnd). */
  private readonly endWatchers = new Set<(r: CrOpRecord) => void>();
  /** Kernel object counters when each unfinished operation began. */
  private readonly before = new Map<CrOpRecord, ReturnType<typeof kobjSnapshot>>();

  constructor(readonly k: Kernel) {}

  begin(op: "checkpoint" | "restart", caller: number): CrOpRecord {
    const r: CrOpRecord = {
      op, caller, start: this.k.clock, end: this.k.clock, result: 0, imageBytes: 0, tasks: 0,
      created: {}, destroyed: {}, steps: [], done: false,
    };
    this.ops.push(r);
    this.before.set(r, kobjSnapshot(this.k));
    return r;
  }

  /** Run one step, timing it on the virtual clock. */
  step(r: CrOpRecord, step: string, result: number, start: number, detail?: string): CrStep {
    const s: CrStep = { op: r.op, step, start, end: this.k.clock, result, detail };
    r.steps.push(s);
    return s;
  }

  /** The operation is over: its result, and the kernel objects created and destroyed meanwhile. */
  end(r: CrOpRecord, result: number, error?: string): void {
    r.end = this.k.clock;
    r.result = result;
    r.done = true;
    if (error !== undefined) r.error = error;
    const before = this.before.get(r);
    this.before.delete(r);
    if (before !== undefined) {
      const after = kobjSnapshot(this.k);
      r.created = kobjDelta(before.created, after.created);
      r.destroyed = kobjDelta(before.destroyed, after.destroyed);
    }
    this.onEnd?.(r);
    for (const w of this.endWatchers) w(r);
  }

  /**
   * Hear each operation as it ends, as onEnd does, without taking onEnd's place (a benchmark
   * timing the end of an operation while a scenario drives it). Returns the way to stop.
   */
  watchEnd(w: (r: CrOpRecord) => void): () => void {
    this.endWatchers.add(w);
    return () => this.endWatchers.delete(w);
  }
}

/**
 * One checkpoint or restart as its kthread runs it: the frame every initiator and the restart
 * recipe share. One step runs at a time and is timed on the virtual clock from when it opened; a
 * failure is recorded against the step it happened in, with the error's words; end() closes the
 * record with the result.
 */
export class CrOp {
  readonly rec: CrOpRecord;
  result = 0;
  /** "step: why", once the operation failed. */
  error: string | undefined;
  /** The step running now (failures are recorded against it), its number in `steps`, its start. */
  private name: string;
  private n = 0;
  private t0: number;

  /**
   * Begins the record. `first` names what runs before any numbered step opens; `steps` are the
   * numbered steps of a checkpoint, `failAt` the one the checkpoint flags make fail (0: none),
   * `faults` the steps the module fails on purpose (--fault).
   */
  constructor(
    private readonly trace: CrTrace,
    op: "checkpoint" | "restart",
    caller: number,
    first: string,
    private readonly steps: readonly string[] = [],
    private readonly failAt = 0,
    private readonly faults?: Faults,
  ) {
    this.rec = trace.begin(op, caller);
    this.name = first;
    this.t0 = trace.k.clock;
  }

  /** The number of the numbered step running now (0 before the first). */
  get at(): number {
    return this.n;
  }

  /** Open step `name` now. */
  open(name: string): void {
    this.name = name;
    this.t0 = this.trace.k.clock;
  }

  /** Open numbered step `n` (1-based); throws EIO if the flags name it, or the errno --fault gives it. */
  enter(n: number): void {
    this.n = n;
    this.open(this.steps[n - 1]);
    if (this.failAt === n) throw new CrError(EIO, `${this.steps[n - 1]} failed (injected by the checkpoint flags)`);
    this.fault(this.steps[n - 1]);
  }

  /** Fail here if --fault names `step` (a step of the trace, or a point inside one). */
  fault(step: string): void {
    injectFault(this.faults, step);
  }

  /** The running step succeeded; the trace names it `as` (thaw-or-kill is "thaw" or "kill"). */
  close(as = this.name): void {
    this.trace.step(this.rec, as, 0, this.t0);
  }

  /** Close the running step and open `name`. */
  next(name: string): void {
    this.close();
    this.open(name);
  }

  /** Time that was not the operation's (a fresh machine's clock jumping forward) moves its start. */
  shift(cycles: number): void {
    this.rec.start += cycles;
    this.t0 += cycles;
  }

  /** The operation failed in the running step with `e` (anything but a CrError is a bug in `thread`). */
  fail(e: unknown, thread: string): CrError {
    const err = asCrError(this.trace, e, thread);
    this.result = -err.errno;
    this.error = `${this.name}: ${err.message}`;
    this.trace.step(this.rec, this.name, this.result, this.t0, err.message);
    return err;
  }

  /** The operation is over, with `result` unless it failed. */
  end(result = this.result): void {
    this.trace.end(this.rec, result, this.error);
  }
}

/** The machine's C/R trace, kept on the kernel (Kernel.crTrace) and made on first use. */
export function crTrace(k: Kernel): CrTrace {
  return (k.crTrace ??= new CrTrace(k));
}

/** Per-type kernel object counters, for "created/destroyed during" deltas. */
function kobjSnapshot(k: Kernel): { created: Record<string, number>; destroyed: Record<string, number> } {
  const created: Record<string, number> = {};
  const destroyed: Record<string, number> = {};
  for (const [type, c] of Object.entries(k.kobj.counters())) {
    created[type] = c.created;
    destroyed[type] = c.destroyed;
  }
  return { created, destroyed };
}

/** after - before, keeping only the types that changed. */
function kobjDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, n] of Object.entries(after)) {
    const d = n - (before[type] ?? 0);
    if (d !== 0) out[type] = d;
  }
  return out;
}
