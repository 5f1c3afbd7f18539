// What a checkpoint or restart did, step by step, in virtual time: the trace the scenario runner
// turns into per-phase metrics, and what `--strace`-style output and the report show. The kernel
// never reads wall time; the runner measures wall time around the machine runs itself.
import type { Kernel } from "../../machine/kernel/kernel.ts";

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
  /** Kernel object counters when each unfinished operation began. */
  private readonly before = new Map<CrOpRecord, ReturnType<typeof kobjSnapshot>>();

  constructor(private readonly k: Kernel) {}

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
