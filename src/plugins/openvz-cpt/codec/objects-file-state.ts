// A CPT_OBJ_FILE's state beside its target (ours, issue 16), as sub-objects of the file, which is
// then ARRAY instead of VOID (a file without them keeps its bytes): CPT_OBJ_FILE_OWNER (8220), a
// CPT_OBJ_FILE_LOCK (8221) per lock held through it, CPT_OBJ_FILE_LEASE (8222). Each is
// versioned on its own (1).
import { LEASE_EXT, LOCK_KINDS, readExt, writeExt, type FileLockRecord, type FileRecord, type FownRecord, type LeaseRecord } from "../../../core/cr/index.ts";
import {
  CPT_CONTENT_VOID, CPT_FILE_STATE_VERSION, CPT_OBJ_FILE_LEASE, CPT_OBJ_FILE_LOCK, CPT_OBJ_FILE_OWNER,
} from "./layout.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

const OWNER_TYPES = ["pid", "tgid", "pgid"] as const;
const OWNER_ASYNC = 1;

/** Whether the file has any state that makes its CPT_OBJ_FILE an ARRAY. */
export const hasFileState = (f: FileRecord): boolean => f.fown !== undefined || (f.locks?.length ?? 0) > 0 || f.lease !== undefined;

export function writeFileState(w: ImageWriter, f: FileRecord): void {
  const what = `file ${f.id}`;
  if (f.fown !== undefined) {
    const o = f.fown;
    w.leaf(CPT_OBJ_FILE_OWNER, `${what} owner`, () => {
      w.u32(CPT_FILE_STATE_VERSION, "file owner version");
      w.u32(OWNER_TYPES.indexOf(o.type), "owner type");
      w.ref(o.pidId ?? null, "owner pid id");
      w.u32(o.fasyncFd !== undefined ? OWNER_ASYNC : 0, "owner flags");
      w.num(o.uid, "owner uid"); w.num(o.euid, "owner euid"); w.num(o.signum, "owner signal");
      w.num(o.fasyncFd ?? 0, "fasync fd");
    });
  }
  for (const l of f.locks ?? []) {
    w.leaf(CPT_OBJ_FILE_LOCK, `${what} ${l.kind} lock ${l.seq}`, () => {
      w.u32(CPT_FILE_STATE_VERSION, "file lock version");
      w.u32(LOCK_KINDS.indexOf(l.kind), "lock kind");
      w.u32(l.type, "lock type");
      w.ref(l.ownerFilesId ?? null, "lock owner files id");
      w.ref(l.pidId, "lock pid id");
      w.u32(0, "pad");
      w.num(l.seq, "lock place");
      w.s64(l.start, "lock start"); w.s64(l.end, "lock end");
    });
  }
  if (f.lease !== undefined) {
    const l = f.lease;
    w.leaf(CPT_OBJ_FILE_LEASE, `${what} lease`, () => {
      w.u32(CPT_FILE_STATE_VERSION, "file lease version");
      w.u32(l.type, "lease type");
      w.ref(l.pidId, "lease pid id");
      w.u32(0, "pad");
      w.num(l.seq, "lease place"); w.num(l.fasyncFd, "lease fasync fd");
      // A break in progress: the times left (nothing for a lease at rest: its bytes are as they were).
      writeExt(w, l, LEASE_EXT);
    });
  }
}

function version(r: ImageReader, name: string): void {
  const at = r.pos;
  const v = r.u32(`${name} version`);
  if (v !== CPT_FILE_STATE_VERSION) r.fail(`${name} version ${v} at byte ${at} is not ${CPT_FILE_STATE_VERSION}, the only one this cptbench reads`, at);
}

function lockType(r: ImageReader, what: string): number {
  const at = r.pos;
  const t = r.u32(what);
  if (t !== 0 && t !== 1) r.fail(`${what} at byte ${at} is ${t}: F_RDLCK (0) or F_WRLCK (1)`, at);
  return t;
}

/** The sub-objects of an ARRAY CPT_OBJ_FILE, into f; the reader is at its content. */
export function readFileState(r: ImageReader, f: FileRecord): void {
  const where = `file ${f.id}`;
  let order = 0;
  while (r.remaining() > 0) {
    // The next object's type picks the reader; one that does not fit is reported by r.object.
    const at = Math.ceil(r.pos / 8) * 8;
    const type = at + 16 <= r.limit ? r.dv.getUint32(at + 8, true) : -1;
    if (type === CPT_OBJ_FILE_OWNER) {
      if (order > 0) r.fail(`${where} has a CPT_OBJ_FILE_OWNER after its locks or lease, or two`);
      order = 1;
      f.fown = r.object(CPT_OBJ_FILE_OWNER, CPT_CONTENT_VOID, `owner of ${where}`, () => {
        version(r, "CPT_OBJ_FILE_OWNER");
        const type = r.oneOf("owner type", OWNER_TYPES);
        const pid = r.ref("owner pid id");
        const bits = r.flags("owner flags", OWNER_ASYNC);
        const o: FownRecord = { type, uid: r.num("owner uid"), euid: r.num("owner euid"), signum: r.num("owner signal") };
        const fd = r.num("fasync fd");
        if (pid !== null) o.pidId = pid;
        if (bits & OWNER_ASYNC) o.fasyncFd = fd;
        return o;
      });
    } else if (type === CPT_OBJ_FILE_LOCK) {
      if (order > 2) r.fail(`${where} has a CPT_OBJ_FILE_LOCK after its lease`);
      order = 2;
      const l = r.object(CPT_OBJ_FILE_LOCK, CPT_CONTENT_VOID, `lock of ${where}`, (): FileLockRecord => {
        version(r, "CPT_OBJ_FILE_LOCK");
        const kind = r.oneOf("lock kind", LOCK_KINDS);
        const type = lockType(r, "lock type");
        const owner = r.ref("lock owner files id");
        const pidId = r.id("lock pid id");
        r.flags("pad", 0);
        const rec: FileLockRecord = { kind, type, pidId, seq: r.num("lock place"), start: r.s64("lock start"), end: r.s64("lock end") };
        if (owner !== null) rec.ownerFilesId = owner;
        return rec;
      });
      (f.locks ??= []).push(l);
    } else {
      if (order > 2) r.fail(`${where} has two CPT_OBJ_FILE_LEASE objects`);
      order = 3;
      f.lease = r.object(CPT_OBJ_FILE_LEASE, CPT_CONTENT_VOID, `lease of ${where}`, (): LeaseRecord => {
        version(r, "CPT_OBJ_FILE_LEASE");
        const type = lockType(r, "lease type");
        const pidId = r.id("lease pid id");
        r.flags("pad", 0);
        const l: LeaseRecord = { type, pidId, seq: r.num("lease place"), fasyncFd: r.num("lease fasync fd") };
        readExt(r, r.fieldsLeft(), l, LEASE_EXT);
        return l;
      });
    }
  }
  if (!hasFileState(f)) r.fail(`${where} is an ARRAY CPT_OBJ_FILE without state objects: a file without them is VOID`);
}
