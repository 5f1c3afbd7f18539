// The state of a file and of a pipe beside their CKPT_HDR_FILE / CKPT_HDR_PIPE_BUF (ours, issue
// 16), as child records counted where those records had a zero pad (so a file or pipe without
// them keeps its bytes): CKPT_HDR_PIPE_STATE (330: F_SETPIPE_SZ's ring size, a FIFO's inode),
// CKPT_HDR_FILE_OWNER (331: fown and O_ASYNC), CKPT_HDR_FILE_LOCK (332, one per lock),
// CKPT_HDR_FILE_LEASE (333). Each is versioned on its own (1). Pids are objrefs, written before
// the file; a POSIX lock's owning fd table is named by its id (the table, which lists the file,
// comes after it), checked to exist when the model is validated.
import { LEASE_EXT, LOCK_KINDS, readExt, writeExt, type FileLockRecord, type FileRecord, type FownRecord, type LeaseRecord, type PipeRecord } from "../../../core/cr/index.ts";
import type { ModelBuilder, Children } from "./build.ts";
import {
  CKPT_FILE_STATE_VERSION, CKPT_HDR_FILE_LEASE, CKPT_HDR_FILE_LOCK, CKPT_HDR_FILE_OWNER, CKPT_HDR_PIPE_STATE,
} from "./layout.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import type { RecordWriter } from "./writer.ts";

const OWNER_TYPES = ["pid", "tgid", "pgid"] as const;
const OWNER_ASYNC = 1;
const NONE = 0xffff_ffff;

/** How many child records a file has (its CKPT_HDR_FILE's count). */
export const fileStateCount = (f: FileRecord): number => (f.fown !== undefined ? 1 : 0) + (f.locks?.length ?? 0) + (f.lease !== undefined ? 1 : 0);
export const pipeStateCount = (p: PipeRecord): number => (p.sizePages !== undefined || p.inodeId !== undefined ? 1 : 0);

export function writePipeState(w: RecordWriter, refs: ObjRefs, p: PipeRecord): void {
  if (pipeStateCount(p) === 0) return;
  const what = `pipe ${p.id}`;
  w.record(CKPT_HDR_PIPE_STATE, `${what} state`, () => {
    w.u32(CKPT_FILE_STATE_VERSION, "version");
    w.u32(p.sizePages ?? 0, "ring pages");
    w.u32(refs.ref("inode", p.inodeId ?? null, what), "FIFO inode");
    w.pad();
  });
}

export function writeFileState(w: RecordWriter, refs: ObjRefs, f: FileRecord): void {
  const what = `file ${f.id}`;
  if (f.fown !== undefined) {
    const o = f.fown;
    w.record(CKPT_HDR_FILE_OWNER, `${what} owner`, () => {
      w.u32(CKPT_FILE_STATE_VERSION, "version"); w.u32(OWNER_TYPES.indexOf(o.type), "owner type");
      w.u32(refs.ref("pid", o.pidId ?? null, what), "owner pid"); w.u32(o.fasyncFd !== undefined ? OWNER_ASYNC : 0, "flags");
      w.num(o.uid, "uid"); w.num(o.euid, "euid"); w.num(o.signum, "signal"); w.num(o.fasyncFd ?? 0, "fasync fd");
    });
  }
  for (const l of f.locks ?? []) {
    w.record(CKPT_HDR_FILE_LOCK, `${what} ${l.kind} lock`, () => {
      w.u32(CKPT_FILE_STATE_VERSION, "version"); w.u32(LOCK_KINDS.indexOf(l.kind), "kind"); w.u32(l.type, "type");
      w.u32(l.ownerFilesId ?? NONE, "owner files id"); w.u32(refs.ref("pid", l.pidId, what), "pid"); w.pad();
      w.num(l.seq, "place"); w.s64(l.start, "start"); w.s64(l.end, "end");
    });
  }
  if (f.lease !== undefined) {
    const l = f.lease;
    w.record(CKPT_HDR_FILE_LEASE, `${what} lease`, () => {
      w.u32(CKPT_FILE_STATE_VERSION, "version"); w.u32(l.type, "type"); w.u32(refs.ref("pid", l.pidId, what), "pid"); w.pad();
      w.num(l.seq, "place"); w.num(l.fasyncFd, "fasync fd");
      // A break in progress: the times left (nothing for a lease at rest: its bytes are as they were).
      writeExt(w, l, LEASE_EXT);
    });
  }
}

function version(c: FieldReader, name: string): void {
  const at = c.here();
  const v = c.u32("version");
  if (v !== CKPT_FILE_STATE_VERSION) c.fail(`${name} version ${v} at byte ${at} is not ${CKPT_FILE_STATE_VERSION}, the only one this cptbench reads`, at);
}

function lockType(c: FieldReader, what: string): number {
  const at = c.here();
  const t = c.u32(what);
  if (t !== 0 && t !== 1) c.fail(`${what} at byte ${at} is ${t}: F_RDLCK (0) or F_WRLCK (1)`, at);
  return t;
}

export function pipeStateChildren(b: ModelBuilder, p: PipeRecord, n: number): Children {
  return {
    type: CKPT_HDR_PIPE_STATE, left: n, what: `state of pipe ${p.id}`,
    take: (c) => {
      version(c, "CKPT_HDR_PIPE_STATE");
      const pages = c.u32("ring pages");
      const inode = b.objs.refOrNull(c, "inode", "FIFO inode");
      c.pad();
      c.done();
      if (pages !== 0) p.sizePages = pages;
      if (inode !== null) p.inodeId = inode;
    },
  };
}

/** The child records of a file, in the order owner (at most one), locks, lease (at most one). */
export function fileStateChildren(b: ModelBuilder, f: FileRecord, n: number): Children[] {
  let order = 0;
  const take = (c: FieldReader, type: number): void => {
    const where = `file ${f.id}`;
    if (type === CKPT_HDR_FILE_OWNER) {
      if (order > 0) c.fail(`${where} has a CKPT_HDR_FILE_OWNER after its locks or lease, or two`);
      order = 1;
      version(c, "CKPT_HDR_FILE_OWNER");
      const ot = c.u32("owner type");
      if (OWNER_TYPES[ot] === undefined) c.fail(`owner type ${ot} is not 0, 1 or 2 (pid, tgid, pgid)`);
      const pid = b.objs.refOrNull(c, "pid", "owner pid");
      const bits = c.flags("flags", OWNER_ASYNC);
      const o: FownRecord = { type: OWNER_TYPES[ot]!, uid: c.num("uid"), euid: c.num("euid"), signum: c.num("signal") };
      const fd = c.num("fasync fd");
      c.done();
      if (pid !== null) o.pidId = pid;
      if (bits & OWNER_ASYNC) o.fasyncFd = fd;
      f.fown = o;
    } else if (type === CKPT_HDR_FILE_LOCK) {
      if (order > 2) c.fail(`${where} has a CKPT_HDR_FILE_LOCK after its lease`);
      order = 2;
      version(c, "CKPT_HDR_FILE_LOCK");
      const kind = c.oneOf("kind", LOCK_KINDS);
      const t = lockType(c, "type");
      const owner = c.u32("owner files id");
      const pidId = b.objs.ref(c, "pid", "pid");
      c.pad();
      const l: FileLockRecord = { kind, type: t, pidId, seq: c.num("place"), start: c.s64("start"), end: c.s64("end") };
      c.done();
      if (owner !== NONE) l.ownerFilesId = owner;
      (f.locks ??= []).push(l);
    } else {
      if (order > 2) c.fail(`${where} has two CKPT_HDR_FILE_LEASE records`);
      order = 3;
      version(c, "CKPT_HDR_FILE_LEASE");
      const t = lockType(c, "type");
      const pidId = b.objs.ref(c, "pid", "pid");
      c.pad();
      const l: LeaseRecord = { type: t, pidId, seq: c.num("place"), fasyncFd: c.num("fasync fd") };
      readExt(c, c.left(), l, LEASE_EXT);
      f.lease = l;
      c.done();
    }
  };
  return [{
    type: CKPT_HDR_FILE_OWNER, alsoTypes: [CKPT_HDR_FILE_LOCK, CKPT_HDR_FILE_LEASE], left: n, what: `state records of file ${f.id}`,
    take: (c, _bulk, type) => take(c, type),
  }];
}
