// Reference-counted kernel objects (Linux's kref) with the bug detectors built in.
//
// Contract:
// - An object is born holding one reference, owned by its creator (kref_init). Whoever stores a
//   pointer to it in another object (child.mm = parent.mm) takes a reference with get() first and
//   drops it with put() when that pointer goes away. A short use under a reference someone else
//   holds takes none, but may checkLive() the object first.
// - The put that brings the count to zero runs the object's release() exactly once and frees the
//   object: it leaves the live set, and every later get, put or use of it is a bug. release()
//   puts the references the object itself holds (a task puts its mm, files, fs...).
// - Each misuse is an oops (see oops.ts), after which the operation does nothing:
//     put at zero                    refcount-underflow (no second release)
//     get / checkLive on a freed one use-after-free (no resurrection)
//     alive at shutdown()            leak, one oops per type listing every object
//     an object of another registry  bug (objects must not cross machines)
//   tryGet() on a freed object is no bug: it fails (kref_get_unless_zero, for lookups).
// - get/put are on hot paths (fork, exit): they allocate nothing and keep counters as plain
//   numbers. Only creation and release touch the live set.
import type { OopsEvent, Oopses } from "./oops.ts";

/** Linux's names for the objects that are reference counted. Add new types here. */
export const KOBJECT_TYPES = [
  "task_struct", "mm_struct", "files_struct", "fs_struct", "sighand_struct", "signal_struct",
  "nsproxy", "pid_namespace", "cred", "file", "pid", "module", "sock",
] as const;

export type KObjectType = (typeof KOBJECT_TYPES)[number];

/** Per-type counts for metrics: operations that took effect (misuses are oopses instead). */
export interface KObjectCounters {
  created: number;
  destroyed: number;
  /** References taken by get() and successful tryGet(). */
  get: number;
  /** References dropped by put(), the releasing ones included. */
  put: number;
  live: number;
  peakLive: number;
}

export interface KObjectRegistryOptions {
  /** Keep the host stack of every object's creation, shown in oopses. Slow: debugging only. */
  captureStacks?: boolean;
}

/** Leaked objects named in a leak oops's message; the details list all of them. */
const LEAK_EXAMPLES = 3;

/** One type's counters and live objects; each object points at its own, so get/put need no lookup. */
interface TypeRecord {
  readonly type: KObjectType;
  created: number;
  destroyed: number;
  get: number;
  put: number;
  peakLive: number;
  /**
   * Live objects in creation order, as a list threaded through the objects themselves: creating
   * and freeing one links and unlinks it, with no hash table to grow (a Set of them was 3% of a
   * 10,000-task restart, rehashing as it grew).
   */
  live: number;
  head: KObject | null;
  tail: KObject | null;
}

/** The fields the registry writes; readonly to everyone else. */
interface KObjectMut {
  refcount: number;
  kobjId: number;
  kobjStats: TypeRecord;
  kobjPrev: KObject | null;
  kobjNext: KObject | null;
  release(): void;
}

/**
 * A reference-counted kernel object. Subclasses call super(registry, type, createdAt) and
 * override release(); they never touch refcount. `createdAt` says who made the object, for leak
 * reports ("clone() by pid 3", "exec of /bin/sh").
 */
export abstract class KObject {
  readonly kobjType: KObjectType;
  /** Small, per type and per registry: task_struct #1, #2... */
  readonly kobjId: number = 0;
  readonly refcount: number = 1;
  readonly createdAt: string;
  /** The host stack at creation, only with the registry's captureStacks. */
  readonly createdStack: string | undefined;
  /** @internal The registry that owns the object. */
  readonly kobjRegistry: KObjectRegistry;
  /** @internal Its type's counters. */
  readonly kobjStats!: TypeRecord;
  /** @internal Its neighbours in its type's list of live objects (TypeRecord). */
  readonly kobjPrev: KObject | null = null;
  readonly kobjNext: KObject | null = null;

  constructor(registry: KObjectRegistry, type: KObjectType, createdAt: string) {
    this.kobjRegistry = registry;
    this.kobjType = type;
    this.createdAt = createdAt;
    this.createdStack = registry.captureStacks ? new Error().stack : undefined;
    registry.register(this);
  }

  /** Freed: the last reference was put and release() has run. */
  get freed(): boolean {
    return this.refcount === 0;
  }

  /**
   * Runs once, from the put that drops the last reference: put what this object holds. Called
   * by the registry only. An exception thrown here is caught and recorded as a "bug" oops.
   */
  protected release(): void {}
}

export class KObjectRegistry {
  readonly captureStacks: boolean;
  private readonly types = new Map<KObjectType, TypeRecord>();
  private shutDown = false;

  constructor(
    readonly oopses: Oopses,
    opts: KObjectRegistryOptions = {},
  ) {
    this.captureStacks = opts.captureStacks ?? false;
    for (const t of KOBJECT_TYPES) this.record(t);
  }

  /** @internal Called by KObject's constructor: gives the object its id and makes it live. */
  register(obj: KObject): void {
    const rec = this.record(obj.kobjType);
    const o = obj as unknown as KObjectMut;
    o.kobjStats = rec;
    o.kobjId = ++rec.created;
    o.kobjPrev = rec.tail;
    if (rec.tail === null) rec.head = obj;
    else (rec.tail as unknown as KObjectMut).kobjNext = obj;
    rec.tail = obj;
    if (++rec.live > rec.peakLive) rec.peakLive = rec.live;
  }

  /** kref_get. Returns false, taking nothing, on a freed object (use-after-free oops). */
  get(obj: KObject, what?: string): boolean {
    const o = obj as unknown as KObjectMut;
    if (o.refcount === 0 || obj.kobjRegistry !== this) return this.badUse(obj, "kref_get", what);
    o.refcount++;
    o.kobjStats.get++;
    return true;
  }

  /** kref_get_unless_zero: take a reference if the object is still live; false, and no oops, if not. */
  tryGet(obj: KObject): boolean {
    const o = obj as unknown as KObjectMut;
    if (obj.kobjRegistry !== this) return this.badUse(obj, "kref_get_unless_zero");
    if (o.refcount === 0) return false;
    o.refcount++;
    o.kobjStats.get++;
    return true;
  }

  /**
   * kref_put. Returns true when this put released the object. A put on a freed object is a
   * refcount-underflow oops and does nothing else.
   */
  put(obj: KObject, what?: string): boolean {
    const o = obj as unknown as KObjectMut;
    if (o.refcount === 0 || obj.kobjRegistry !== this) return this.badUse(obj, "kref_put", what);
    o.kobjStats.put++;
    if (--o.refcount > 0) return false;
    this.free(obj);
    return true;
  }

  /**
   * At a use site ("exit_mm"): true if the object is live. Otherwise a use-after-free oops and
   * false, so the caller bails out.
   */
  checkLive(obj: KObject, what: string): boolean {
    if (obj.refcount > 0 && obj.kobjRegistry === this) return true;
    return this.badUse(obj, "use", what);
  }

  /** Per-type counters, as plain JSON, for the metrics layer. */
  counters(): Record<KObjectType, KObjectCounters> {
    const out = {} as Record<KObjectType, KObjectCounters>;
    for (const r of this.types.values()) {
      out[r.type] = { created: r.created, destroyed: r.destroyed, get: r.get, put: r.put, live: r.live, peakLive: r.peakLive };
    }
    return out;
  }

  /** Live objects of one type, or of all types, in creation order. */
  liveObjects(type?: KObjectType): KObject[] {
    const out: KObject[] = [];
    if (type !== undefined) {
      const r = this.types.get(type);
      if (r !== undefined) pushLive(r, out);
    } else for (const r of this.types.values()) pushLive(r, out);
    return out;
  }

  liveCount(type?: KObjectType): number {
    if (type !== undefined) return this.types.get(type)?.live ?? 0;
    let n = 0;
    for (const r of this.types.values()) n += r.live;
    return n;
  }

  /**
   * The machine is going down: report every live object as a leak, one oops per type (its
   * message names a few, its details list them all). Returns the leak oopses; a second call
   * reports nothing.
   */
  shutdown(): OopsEvent[] {
    if (this.shutDown) return [];
    this.shutDown = true;
    const events: OopsEvent[] = [];
    for (const r of this.types.values()) {
      if (r.live === 0) continue;
      const objs = pushLive(r, []);
      const objects = objs.map((obj) => ({
        id: obj.kobjId, refcount: obj.refcount, createdAt: obj.createdAt,
        ...(obj.createdStack !== undefined ? { stack: obj.createdStack } : {}),
      }));
      const shown = objs.slice(0, LEAK_EXAMPLES).map((obj) => `#${obj.kobjId} (refcount ${obj.refcount}, created by ${obj.createdAt})`);
      const more = objs.length > LEAK_EXAMPLES ? `, and ${objs.length - LEAK_EXAMPLES} more` : "";
      const message = objs.length === 1
        ? `leak: ${r.type} ${shown[0]} still alive at shutdown`
        : `leak: ${objs.length} ${r.type} objects still alive at shutdown: ${shown.join(", ")}${more}`;
      const single = objs.length === 1 ? { objectId: objs[0].kobjId, createdAt: objs[0].createdAt } : {};
      events.push(this.oopses.oops("leak", message, { objectType: r.type, ...single, details: { count: objs.length, objects } }));
    }
    return events;
  }

  private record(type: KObjectType): TypeRecord {
    let rec = this.types.get(type);
    if (rec === undefined) {
      rec = { type, created: 0, destroyed: 0, get: 0, put: 0, peakLive: 0, live: 0, head: null, tail: null };
      this.types.set(type, rec);
    }
    return rec;
  }

  /** The last reference is gone: the object leaves the live set, then release() runs once. */
  private free(obj: KObject): void {
    const o = obj as unknown as KObjectMut;
    const rec = o.kobjStats;
    if (o.kobjPrev === null) rec.head = o.kobjNext;
    else (o.kobjPrev as unknown as KObjectMut).kobjNext = o.kobjNext;
    if (o.kobjNext === null) rec.tail = o.kobjPrev;
    else (o.kobjNext as unknown as KObjectMut).kobjPrev = o.kobjPrev;
    o.kobjPrev = o.kobjNext = null;
    rec.live--;
    rec.destroyed++;
    try {
      (obj as unknown as KObjectMut).release();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.oopses.oops("bug", `release of ${describeKObject(obj)} threw: ${why}`, info(obj));
    }
  }

  /** Records the oops for a misuse of `obj` by `op` and returns false. Off the hot path. */
  private badUse(obj: KObject, op: string, what?: string): false {
    const where = what !== undefined ? `${what}: ` : "";
    if (obj.kobjRegistry !== this) {
      this.oopses.oops("bug", `${where}${op} on ${describeKObject(obj)} of another machine's registry`, info(obj));
    } else if (op === "kref_put") {
      this.oopses.oops("refcount-underflow", `${where}kref_put on ${describeKObject(obj)} whose refcount is already 0 (a double put?)`, info(obj));
    } else {
      const verb = op === "use" ? "use of" : `${op} on`;
      this.oopses.oops("use-after-free", `${where}${verb} freed ${describeKObject(obj)}`, info(obj));
    }
    return false;
  }
}

/** Appends a type's live objects to `out`, oldest first. */
function pushLive(r: TypeRecord, out: KObject[]): KObject[] {
  for (let o = r.head; o !== null; o = o.kobjNext) out.push(o);
  return out;
}

/** "mm_struct #3 (created by exec of /bin/x)" */
export function describeKObject(obj: KObject): string {
  return `${obj.kobjType} #${obj.kobjId} (created by ${obj.createdAt})`;
}

function info(obj: KObject) {
  return {
    objectType: obj.kobjType, objectId: obj.kobjId, createdAt: obj.createdAt,
    ...(obj.createdStack !== undefined ? { details: { createdStack: obj.createdStack } } : {}),
  };
}
