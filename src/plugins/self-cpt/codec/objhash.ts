// The objhash (Oren's kernel/checkpoint/objhash.c): shared objects get an objref at their first
// use, in stream order (1, 2, 3...; 0 means none), and every later mention is that objref.
// Writing: ObjRefs hands out objrefs and says whether an object was written already. Reading:
// ObjTable records each definition and checks each reference against it, so a dangling, forward,
// wrongly typed or duplicate reference is an ImageError that names both ends.
import { IdIndex } from "../../../core/cr/index.ts";
import type { ObjKind } from "./layout.ts";
import type { FieldReader } from "./reader.ts";
import { EncodeError } from "./writer.ts";

export class ObjRefs {
  private next = 1;
  private readonly refs = new Map<ObjKind, Map<number, number>>();

  private of(kind: ObjKind): Map<number, number> {
    let m = this.refs.get(kind);
    if (m === undefined) this.refs.set(kind, (m = new Map()));
    return m;
  }
  /** The objref of an object already written, or undefined. */
  get(kind: ObjKind, id: number): number | undefined {
    return this.refs.get(kind)?.get(id);
  }
  /** A new objref for the object about to be written. */
  assign(kind: ObjKind, id: number): number {
    const m = this.of(kind);
    if (m.has(id)) throw new EncodeError(`two ${kind} objects have id ${id}: ids must be unique within their list`);
    const ref = this.next++;
    m.set(id, ref);
    return ref;
  }
  /** The objref of a written object; an id the stream has not defined is a bug in the caller. */
  ref(kind: ObjKind, id: number | null, who: string): number {
    if (id === null) return 0;
    const r = this.get(kind, id);
    if (r === undefined) throw new EncodeError(`${who} names ${kind} ${id}, which is not in the model`);
    return r;
  }
}

export class ObjTable {
  // The definition of objref n at [n - 1] of each: objrefs are dense, so arrays (three of them,
  // not one of objects: a 10,000-task image defines some 100,000 objects).
  private readonly kinds: ObjKind[] = [];
  private readonly ids1: number[] = [];
  private readonly ats: number[] = [];
  /**
   * Per kind, the objref of each model id defined (IdIndex: by index while ids are small, as a
   * model's 1, 2, 3... per list are, else in a Map). A Map alone grew by rehashing to ~100,000
   * entries for a 10,000-task image (some 5% of its restart's CPU).
   */
  private readonly byId = new Map<ObjKind, IdIndex<number>>();

  get count(): number {
    return this.kinds.length;
  }

  /** Records the definition of `objref` (read at byte `at` of `r`); checks it is new and next. */
  define(r: FieldReader, kind: ObjKind, objref: number, id: number, at: number): void {
    const n = this.kinds.length;
    if (objref >= 1 && objref <= n) {
      const i = objref - 1;
      r.fail(`objref ${objref} at byte ${at} is defined twice: it is already the ${this.kinds[i]} ${this.ids1[i]} defined at byte ${this.ats[i]}`, at);
    }
    if (objref !== n + 1) {
      r.fail(`objref ${objref} at byte ${at} is out of sequence: the next object defined must be objref ${n + 1}`, at);
    }
    let ids = this.byId.get(kind);
    if (ids === undefined) this.byId.set(kind, (ids = new IdIndex()));
    const same = ids.get(id);
    if (same !== undefined) {
      r.fail(`${kind} id ${id} (objref ${objref} at byte ${at}) is defined twice: objref ${same} at byte ${this.ats[same - 1]} has that id too`, at);
    }
    ids.set(id, objref);
    this.kinds.push(kind);
    this.ids1.push(id);
    this.ats.push(at);
  }

  /** Reads a reference to a `kind` and returns the model id it names. */
  ref(r: FieldReader, kind: ObjKind, what: string): number {
    const at = r.here();
    const objref = r.u32(what);
    if (objref === 0) r.fail(`${what} at byte ${at} is 0 (none), but a ${kind} is required`, at);
    return this.resolve(r, kind, what, objref, at);
  }
  /** A reference that may be 0 (null). */
  refOrNull(r: FieldReader, kind: ObjKind, what: string): number | null {
    const at = r.here();
    const objref = r.u32(what);
    return objref === 0 ? null : this.resolve(r, kind, what, objref, at);
  }

  resolve(r: FieldReader, kind: ObjKind, what: string, objref: number, at: number): number {
    const i = objref - 1;
    if (!(i >= 0 && i < this.kinds.length)) {
      r.fail(`${what} at byte ${at} refers to objref ${objref}, which is not defined before it (${this.kinds.length} objects so far): a dangling or forward reference`, at);
    }
    if (this.kinds[i] !== kind) r.fail(`${what} at byte ${at} refers to objref ${objref}, the ${this.kinds[i]} ${this.ids1[i]} defined at byte ${this.ats[i]}, not a ${kind}`, at);
    return this.ids1[i]!;
  }
}
