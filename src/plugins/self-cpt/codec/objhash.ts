// The objhash (Oren's kernel/checkpoint/objhash.c): shared objects get an objref at their first
// use, in stream order (1, 2, 3...; 0 means none), and every later mention is that objref.
// Writing: ObjRefs hands out objrefs and says whether an object was written already. Reading:
// ObjTable records each definition and checks each reference against it, so a dangling, forward,
// wrongly typed or duplicate reference is an ImageError that names both ends.
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

interface Def {
  kind: ObjKind;
  id: number;
  at: number;
}

export class ObjTable {
  /** defs[objref - 1]: objrefs are dense, so an array. */
  private readonly defs: Def[] = [];
  private readonly ids = new Map<ObjKind, Map<number, number>>();

  get count(): number {
    return this.defs.length;
  }

  /** Records the definition of `objref` (read at byte `at` of `r`); checks it is new and next. */
  define(r: FieldReader, kind: ObjKind, objref: number, id: number, at: number): void {
    const prev = objref >= 1 ? this.defs[objref - 1] : undefined;
    if (prev !== undefined) {
      r.fail(`objref ${objref} at byte ${at} is defined twice: it is already the ${prev.kind} ${prev.id} defined at byte ${prev.at}`, at);
    }
    if (objref !== this.defs.length + 1) {
      r.fail(`objref ${objref} at byte ${at} is out of sequence: the next object defined must be objref ${this.defs.length + 1}`, at);
    }
    let byId = this.ids.get(kind);
    if (byId === undefined) this.ids.set(kind, (byId = new Map()));
    const same = byId.get(id);
    if (same !== undefined) {
      r.fail(`${kind} id ${id} (objref ${objref} at byte ${at}) is defined twice: objref ${same} at byte ${this.defs[same - 1]!.at} has that id too`, at);
    }
    byId.set(id, objref);
    this.defs.push({ kind, id, at });
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
    const d = this.defs[objref - 1];
    if (d === undefined) {
      r.fail(`${what} at byte ${at} refers to objref ${objref}, which is not defined before it (${this.defs.length} objects so far): a dangling or forward reference`, at);
    }
    if (d.kind !== kind) r.fail(`${what} at byte ${at} refers to objref ${objref}, the ${d.kind} ${d.id} defined at byte ${d.at}, not a ${kind}`, at);
    return d.id;
  }
}
