// ModelBuilder: the decoder's side of the stream, record by record. It knows which record may
// come next (the fixed prologue, then objects and tasks, each parent's children right after it),
// puts each object at its slot in the model's lists, and at the trailer checks that everything
// announced arrived: every task of the tree, every object counted by CKPT_HDR_CONTAINER.
import {
  MODEL_ARCH, MODEL_PAGE_SIZE, MODEL_VERSION, type CheckpointModel, type TaskRecord, type TtyRecord,
} from "../../../core/cr/index.ts";
import { COUNTED, recordName, type CountedList } from "./layout.ts";
import { ObjTable } from "./objhash.ts";
import { ADVICE, FieldReader } from "./reader.ts";
import { ImageError } from "../../../core/cr/index.ts";

/** Records a parent announced: `left` more of `type`, each handed to `take`. */
export interface Children {
  type: number;
  /** Other record types that may answer too (a file's owner, locks and lease): take gets the type. */
  alsoTypes?: readonly number[];
  left: number;
  /** Whose children, for messages: "pages of mm 3". */
  what: string;
  /** Each record in turn (for every kind but page arrays). */
  take?: (r: FieldReader, bulk: Uint8Array, type: number) => void;
  /**
   * For CKPT_HDR_PGARR children, instead of take: a page array (its fields in `r`, the bytes of
   * each of its pages in `pages`), while `left` pages are still announced (`left` counts pages, not
   * records); returns how many pages it held.
   */
  takePages?: (r: FieldReader, pages: readonly Uint8Array[], left: number) => number;
}

export type Handler = (b: ModelBuilder, r: FieldReader, bulk: Uint8Array) => void;

/** Where the stream is: the prologue records come once each, in this order. */
export const Phase = { Header: 0, PidNs: 1, Tree: 2, Container: 3, Body: 4 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export class ModelBuilder {
  readonly m: CheckpointModel = {
    version: MODEL_VERSION, arch: MODEL_ARCH, pageSize: MODEL_PAGE_SIZE,
    meta: { clock: 0, producer: "" },
    container: { initTaskId: 0, pidNsId: 0, treeRoot: "", freezerGroup: "" },
    pidNamespaces: [], pids: [], tasks: [], threadGroups: [], sighands: [], creds: [], mms: [], cowPages: [],
    shmem: [], inodes: [], tree: [], pipes: [], files: [], fdTables: [], fsContexts: [],
  };
  readonly objs = new ObjTable();
  phase: Phase = Phase.Header;
  /** The header's CKPT_F_RUN_CSUM: records are used only once their run's CKPT_HDR_CSUM matched. */
  runCsum = false;
  /** Object counts from CKPT_HDR_CONTAINER; slots filled so far per list. */
  counts = new Map<CountedList, number>();
  /** Objects by slot per list (arrays: slots are dense), and how many are filled. */
  private readonly slots = new Map<CountedList, unknown[]>(COUNTED.map((k) => [k, []]));
  private readonly filled = new Map<CountedList, number>(COUNTED.map((k) => [k, 0]));
  /** Pty pairs: the count CKPT_HDR_CONTAINER announced and the slots filled. */
  ttyCount = 0;
  private readonly ttySlots = new Map<number, TtyRecord>();
  /** Tasks of the tree in order, filled in by their CKPT_HDR_TASK records. */
  taskIds: number[] = [];
  readonly taskRefs: number[] = [];
  readonly tasks: (TaskRecord | undefined)[] = [];
  private readonly expect: Children[] = [];

  /** Puts an object at its slot of a model list; the slot must be counted and still free. */
  place(list: CountedList, slot: number, obj: unknown, r: FieldReader, at: number): void {
    const n = this.counts.get(list) ?? 0;
    if (slot >= n) r.fail(`slot ${slot} at byte ${at} is outside the ${n} ${list} CKPT_HDR_CONTAINER announced`, at);
    const s = this.slots.get(list)!;
    if (s[slot] !== undefined) r.fail(`slot ${slot} of ${list} at byte ${at} is filled twice`, at);
    s[slot] = obj;
    this.filled.set(list, this.filled.get(list)! + 1);
  }

  /** Puts a pty pair at its slot (CheckpointModel.ttys, absent when the image has none). */
  placeTty(slot: number, t: TtyRecord, r: FieldReader, at: number): void {
    if (slot >= this.ttyCount) r.fail(`slot ${slot} at byte ${at} is outside the ${this.ttyCount} ttys CKPT_HDR_CONTAINER announced`, at);
    if (this.ttySlots.has(slot)) r.fail(`slot ${slot} of ttys at byte ${at} is filled twice`, at);
    this.ttySlots.set(slot, t);
  }

  /** The parent just read announces its children, in order (counts of 0 are skipped). */
  children(kids: Children[]): void {
    for (const k of kids) if (k.left > 0) this.expect.push(k);
  }

  /**
   * Hands a record to the child it must be, or returns false when no parent waits for one. A
   * page array's pages are in `pages` (its bulk, in the pages' own memory).
   */
  child(type: number, r: FieldReader, bulk: Uint8Array, at: number, pages: readonly Uint8Array[] = []): boolean {
    const k = this.expect[0];
    if (k === undefined) return false;
    if (type !== k.type && k.alsoTypes?.includes(type) !== true) {
      const want = [k.type, ...(k.alsoTypes ?? [])].map(recordName).join(" or ");
      throw new ImageError(`expected ${want} at byte ${at} (${k.left} more ${k.what}), found ${recordName(type)}: ${ADVICE}`, at);
    }
    if (k.takePages !== undefined) k.left -= k.takePages(r, pages, k.left);
    else {
      k.take!(r, bulk, type);
      k.left--;
    }
    if (k.left === 0) this.expect.shift();
    return true;
  }

  /** The trailer came at byte `at`: is everything announced in, and in its place? */
  finish(at: number): CheckpointModel {
    const fail = (msg: string): never => {
      throw new ImageError(`the trailer at byte ${at} comes early: ${msg}; the image is truncated or damaged: take the checkpoint again`, at);
    };
    if (this.phase !== Phase.Body) fail(`the prologue (header, pid namespaces, task tree, container) is incomplete`);
    const k = this.expect[0];
    if (k !== undefined) {
      fail(k.takePages !== undefined ? `${k.left} more ${k.what} were announced (in ${recordName(k.type)} records)` : `${k.left} more ${recordName(k.type)} records (${k.what}) were announced`);
    }
    const missing = this.tasks.findIndex((t) => t === undefined);
    if (missing >= 0 || this.tasks.length < this.taskIds.length) {
      const i = missing >= 0 ? missing : this.tasks.length;
      fail(`the tree announced ${this.taskIds.length} tasks, but task ${this.taskIds[i]} (objref ${this.taskRefs[i]}) has no CKPT_HDR_TASK record`);
    }
    this.m.tasks = this.tasks as TaskRecord[];
    for (const list of COUNTED) {
      const n = this.counts.get(list)!;
      const s = this.slots.get(list)!;
      if (list === "tree") {
        if (this.m.tree.length !== n) fail(`CKPT_HDR_CONTAINER announced ${n} dentries, the image has ${this.m.tree.length}`);
        continue;
      }
      const filled = this.filled.get(list)!;
      if (filled !== n) fail(`CKPT_HDR_CONTAINER announced ${n} ${list}, the image has ${filled}`);
      // Every slot below n is filled (n distinct ones are, each below n): a packed copy.
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(s[i]);
      (this.m as unknown as Record<CountedList, unknown[]>)[list] = out;
    }
    if (this.ttySlots.size !== this.ttyCount) fail(`CKPT_HDR_CONTAINER announced ${this.ttyCount} ttys, the image has ${this.ttySlots.size}`);
    if (this.ttyCount > 0) this.m.ttys = Array.from({ length: this.ttyCount }, (_, i) => this.ttySlots.get(i)!);
    return this.m;
  }
}
