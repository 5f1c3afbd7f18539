// Oopses: the per-machine record of kernel bugs caught at run time (Linux's oops/BUG/WARN, minus
// the crash). A detector calls oops() and then bails out of whatever it was doing; the machine
// keeps running, is marked tainted, and the run's verdict fails. Nothing here ever throws: a bug
// in the emulated kernel must never take the Node process down with it.
//
// Kinds:
//   refcount-underflow  a put on an object whose count is already zero (double put, fput twice)
//   use-after-free      a get or a use of an object after its last put released it
//   leak                an object still alive when the machine shut down
//   freed-module-text   a call into the code of a module that has been unloaded
//   bug                 a broken invariant (BUG_ON) or a detector's own misuse

export type OopsKind = "refcount-underflow" | "use-after-free" | "leak" | "freed-module-text" | "bug";

export const OOPS_KINDS: readonly OopsKind[] = ["refcount-underflow", "use-after-free", "leak", "freed-module-text", "bug"];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What an oops is about; every field is optional. */
export interface OopsInfo {
  /** The object's Linux type name ("mm_struct"). */
  objectType?: string;
  objectId?: number;
  /** Where the object was created, as its creator described it ("clone() by pid 3"). */
  createdAt?: string;
  /** Anything else worth keeping, as plain JSON (a leak lists every leaked object here). */
  details?: { [key: string]: JsonValue };
}

export interface OopsEvent extends OopsInfo {
  /** 0, 1, 2... in the order the oopses happened on this machine. */
  readonly seq: number;
  /** Machine time when it happened (the clock passed to Oopses; `seq` when there is none). */
  readonly at: number;
  readonly kind: OopsKind;
  readonly message: string;
  /** The host stack at the oops site, only with `captureStacks` (debugging the emulator). */
  readonly stack?: string;
}

export interface OopsesOptions {
  /** Machine time for `at`, e.g. () => kernel.clock. */
  now?: () => number;
  /** Called with each recorded event (the kernel forwards them to its event list). */
  onOops?: (e: OopsEvent) => void;
  /** Events kept in `events`; later ones are only counted (`dropped`), so a bug in a loop cannot eat the heap. */
  maxEvents?: number;
  /** Capture a host stack trace at each oops site. Slow; off by default. */
  captureStacks?: boolean;
}

/** A message, or a function building it only when the oops actually happens. */
export type LazyMessage = string | (() => string);

export class Oopses {
  /** The recorded events, oldest first (at most maxEvents of them). */
  readonly events: OopsEvent[] = [];
  /** Events recorded, including dropped ones. */
  count = 0;
  /** Events not kept because maxEvents was reached. */
  dropped = 0;
  private readonly byKindCount: Record<OopsKind, number> = {
    "refcount-underflow": 0, "use-after-free": 0, leak: 0, "freed-module-text": 0, bug: 0,
  };
  private readonly now?: () => number;
  private readonly onOops?: (e: OopsEvent) => void;
  private readonly maxEvents: number;
  private readonly captureStacks: boolean;

  constructor(opts: OopsesOptions = {}) {
    this.now = opts.now;
    this.onOops = opts.onOops;
    this.maxEvents = opts.maxEvents ?? 10_000;
    this.captureStacks = opts.captureStacks ?? false;
  }

  /** True once anything has gone wrong: the run's verdict must fail. */
  get tainted(): boolean {
    return this.count > 0;
  }

  /** Record an oops and return it. Never throws; the caller bails out of its operation itself. */
  oops(kind: OopsKind, message: LazyMessage, info: OopsInfo = {}): OopsEvent {
    const seq = this.count++;
    this.byKindCount[kind]++;
    let at = seq;
    if (this.now) {
      try {
        at = this.now();
      } catch {
        // A broken clock must not lose the oops: fall back to the sequence number.
      }
    }
    const e: OopsEvent = {
      seq, at, kind, message: resolve(message), ...info,
      ...(this.captureStacks ? { stack: new Error().stack ?? "" } : {}),
    };
    if (this.events.length < this.maxEvents) this.events.push(e);
    else this.dropped++;
    if (this.onOops) {
      try {
        this.onOops(e);
      } catch {
        // The oops is already recorded; a failing observer must not crash the machine.
      }
    }
    return e;
  }

  /**
   * BUG_ON(cond): when `cond` holds, record a "bug" oops. Returns `cond`, so a caller writes
   * `if (oopses.bugOn(x < 0, "...")) return -EINVAL;` and bails out. On hot paths pass a constant
   * string or a function, so that nothing is built while the invariant holds.
   */
  bugOn(cond: boolean, message: LazyMessage, info?: OopsInfo): boolean {
    if (cond) this.oops("bug", message, info);
    return cond;
  }

  /** How many oopses of each kind (dropped ones included). */
  byKind(): Record<OopsKind, number> {
    return { ...this.byKindCount };
  }

  /** One line per kept event, then a line for the dropped ones: what `cptbench exec` prints. */
  lines(): string[] {
    const out = this.events.map(formatOops);
    if (this.dropped > 0) out.push(`oops: ${this.dropped} more not recorded (limit of ${this.maxEvents} reached)`);
    return out;
  }
}

/** "oops (use-after-free): kref_get on freed mm_struct #3 (created by clone() by pid 3)" */
export function formatOops(e: OopsEvent): string {
  return `oops (${e.kind}): ${e.message}`;
}

function resolve(m: LazyMessage): string {
  if (typeof m === "string") return m;
  try {
    return m();
  } catch (err) {
    return `(the oops message could not be built: ${err instanceof Error ? err.message : String(err)})`;
  }
}
