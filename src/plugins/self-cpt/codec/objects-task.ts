// The task and what is private to it: CKPT_HDR_TASK (refs to its shared objects by objref, its
// signal state and counters), its children CKPT_HDR_CPU (riscv32 registers) and
// CKPT_HDR_RESTART_BLOCK (a system call it will re-execute), and its private siginfo queue.
// Also the two small shared objects tasks name: CKPT_HDR_PID and CKPT_HDR_CRED.
import { CRED_EXT, CRED_EXT_GROUPS, readExt, TASK_EXT, writeExt, type CredRecord, type PidRecord, type RegsRecord, type SyscallRecord, type TaskRecord } from "../../../core/cr/index.ts";
import type { ModelBuilder } from "./build.ts";
import { CKPT_HDR_CPU, CKPT_HDR_CRED, CKPT_HDR_PID, CKPT_HDR_RESTART_BLOCK, CKPT_HDR_TASK } from "./layout.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import { queueChildren, readExit, writeExit, writeSigInfo } from "./objects-signal.ts";
import { EncodeError, type RecordWriter } from "./writer.ts";

export function writePid(w: RecordWriter, refs: ObjRefs, p: PidRecord, slot: number): void {
  const what = `pid ${p.id}`;
  if (p.numbers.length !== p.nsIds.length) throw new EncodeError(`${what}: ${p.numbers.length} numbers for ${p.nsIds.length} namespaces`);
  w.record(CKPT_HDR_PID, what, () => {
    w.u32(refs.assign("pid", p.id), "objref"); w.u32(slot, "slot"); w.u32(p.id, "pid id");
    w.u32(p.numbers.length, "level count");
    p.numbers.forEach((nr, i) => {
      w.num(nr, "pid number");
      w.u32(refs.ref("pid namespace", p.nsIds[i]!, what), "namespace");
      w.pad();
    });
  });
}

export function readPid(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("pid id");
  b.objs.define(r, "pid", objref, id, at);
  const n = r.table("level count", 16);
  const p: PidRecord = { id, numbers: [], nsIds: [] };
  for (let i = 0; i < n; i++) {
    p.numbers.push(r.num("pid number"));
    p.nsIds.push(b.objs.ref(r, "pid namespace", "namespace"));
    r.pad();
  }
  b.place("pids", slot, p, r, at);
}

const CRED_KEYS = ["uid", "euid", "suid", "fsuid", "gid", "egid", "sgid", "fsgid", "capEffective", "capPermitted"] as const;

/**
 * ckpt_hdr_cred. Supplementary groups, when there are any, follow as a table (a count and the
 * gids filling the rest of the record), as linux-cr appended group_info to its cred record; h.len
 * tells whether it is there, so a cred without groups keeps its old bytes.
 */
export function writeCred(w: RecordWriter, refs: ObjRefs, c: CredRecord, slot: number): void {
  w.record(CKPT_HDR_CRED, `cred ${c.id}`, () => {
    w.u32(refs.assign("cred", c.id), "objref"); w.u32(slot, "slot"); w.u32(c.id, "cred id"); w.pad();
    for (const k of CRED_KEYS) w.num(c[k], k);
    const groups = c.groups !== undefined && c.groups.length > 0 ? c.groups : null;
    const mask = writeExt(w, c, CRED_EXT, groups !== null ? CRED_EXT_GROUPS : 0);
    if (mask & CRED_EXT_GROUPS) {
      w.u32(groups!.length, "group count");
      for (const g of groups!) w.u32(g, "supplementary group");
    }
  });
}

export function readCred(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("cred id");
  b.objs.define(r, "cred", objref, id, at);
  r.pad();
  const c = { id } as CredRecord;
  for (const k of CRED_KEYS) c[k] = r.num(k);
  const mask = readExt(r, r.left(), c, CRED_EXT, CRED_EXT_GROUPS);
  if (mask & CRED_EXT_GROUPS) {
    const n = r.table("group count", 4);
    c.groups = [];
    for (let i = 0; i < n; i++) c.groups.push(r.u32("supplementary group"));
  }
  b.place("creds", slot, c, r, at);
}

function writeCpu(w: RecordWriter, g: RegsRecord, what: string): void {
  if (g.x.length !== 32 || g.f.length !== 64) {
    throw new EncodeError(`${what}: ${g.x.length} x registers and ${g.f.length} f halves, expected 32 and 64`);
  }
  w.record(CKPT_HDR_CPU, what, () => {
    for (const v of g.x) w.s32(v, "x register");
    w.u32(g.pc, "pc");
    // f registers as raw 32-bit halves: NaN-boxing and signalling NaNs survive bit for bit.
    for (const v of g.f) w.u32(v, "f register half");
    w.u32(g.fcsr, "fcsr");
  });
}

function readCpu(r: FieldReader): RegsRecord {
  // Sized up front: grown by push, each array was copied into ever bigger stores two or three times.
  const x = new Array<number>(32);
  for (let i = 0; i < 32; i++) x[i] = r.s32("x register");
  const pc = r.u32("pc");
  const f = new Array<number>(64);
  for (let i = 0; i < 64; i++) f[i] = r.u32("f register half");
  return { x, pc, f, fcsr: r.u32("fcsr") };
}

const SC_BLOCK = 1, SC_DEADLINE = 2, SC_VFORK = 4, SC_AFTER = 8;
const BLOCK_NUMBER = 0, BLOCK_STRING = 1, BLOCK_BOOLEAN = 2;

function writeRestartBlock(w: RecordWriter, refs: ObjRefs, s: SyscallRecord, what: string): void {
  w.record(CKPT_HDR_RESTART_BLOCK, what, () => {
    w.num(s.restartCode, "restartCode");
    let bits = s.block !== null ? SC_BLOCK : 0;
    if (s.deadlineLeft !== undefined) bits |= SC_DEADLINE;
    if (s.vforkChildTaskId !== undefined) bits |= SC_VFORK;
    if (s.afterHandler !== undefined) bits |= SC_AFTER;
    w.u32(bits, "flags");
    w.u32(refs.ref("task", s.vforkChildTaskId ?? null, what), "vfork child");
    w.num(s.deadlineLeft ?? 0, "deadlineLeft");
    w.num(s.afterHandler?.done ?? 0, "afterHandler.done");
    w.str(s.afterHandler?.sig ?? "", "afterHandler.sig");
    const entries = Object.entries(s.block ?? {});
    w.u32(entries.length, "block entry count");
    for (const [k, v] of entries) {
      w.str(k, "block key");
      // Numbers as f64: a restart block keeps whatever the syscall remembered, -0 and fractions too.
      if (typeof v === "number") { w.u32(BLOCK_NUMBER, "tag"); w.f64(v); }
      else if (typeof v === "string") { w.u32(BLOCK_STRING, "tag"); w.str(v, `block ${k}`); }
      else { w.u32(BLOCK_BOOLEAN, "tag"); w.bool(v); }
    }
  });
}

function readRestartBlock(b: ModelBuilder, r: FieldReader): SyscallRecord {
  const restartCode = r.num("restartCode");
  const bits = r.flags("flags", 15);
  const vfork = b.objs.refOrNull(r, "task", "vfork child");
  const deadlineLeft = r.num("deadlineLeft");
  const done = r.num("afterHandler.done");
  const sig = r.str("afterHandler.sig");
  const n = r.count("block entry count", 12);
  const block: Record<string, number | string | boolean> = {};
  for (let i = 0; i < n; i++) {
    const keyAt = r.here();
    const k = r.str("block key");
    if (Object.hasOwn(block, k)) r.fail(`block key ${JSON.stringify(k)} at byte ${keyAt} appears twice`, keyAt);
    const tag = r.oneOf("tag", [BLOCK_NUMBER, BLOCK_STRING, BLOCK_BOOLEAN]);
    const v = tag === BLOCK_NUMBER ? r.f64(`block ${k}`) : tag === BLOCK_STRING ? r.str(`block ${k}`) : r.bool(`block ${k}`);
    // defineProperty, not assignment: a key "__proto__" must stay an own property.
    Object.defineProperty(block, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  r.done();
  if (!(bits & SC_BLOCK) && n > 0) r.fail(`a restart block marked absent has ${n} entries`);
  if (!(bits & SC_VFORK) && vfork !== null) r.fail(`a vfork child is named but not marked present`);
  if ((bits & SC_VFORK) && vfork === null) r.fail(`the vfork child is marked present but is 0`);
  const s: SyscallRecord = { restartCode, block: bits & SC_BLOCK ? block : null };
  if (bits & SC_DEADLINE) s.deadlineLeft = deadlineLeft;
  if (vfork !== null) s.vforkChildTaskId = vfork;
  if (bits & SC_AFTER) s.afterHandler = { sig, done };
  return s;
}

const STATES = ["running", "stopped", "zombie"] as const;
const T_EXIT = 1, T_REGS = 2, T_SYSCALL = 4, T_SAVED_MASK = 8;

/** The task record and its children; its shared objects must have been written before. */
export function writeTask(w: RecordWriter, refs: ObjRefs, t: TaskRecord): void {
  const what = `task ${t.id}`;
  w.record(CKPT_HDR_TASK, what, () => {
    w.u32(refs.ref("task", t.id, what), "objref");
    w.u32(refs.ref("pid", t.pidId, what), "pid");
    w.u32(refs.ref("task", t.parentTaskId, what), "parent");
    w.u32(refs.ref("thread group", t.threadGroupId, what), "thread group");
    w.u32(refs.ref("sighand", t.sighandId, what), "sighand");
    w.u32(refs.ref("cred", t.credId, what), "cred");
    w.u32(refs.ref("mm", t.mmId, what), "mm");
    w.u32(refs.ref("files", t.filesId, what), "files");
    w.u32(refs.ref("fs", t.fsId, what), "fs");
    w.u32(refs.ref("pid namespace", t.pidNsForChildrenId, what), "pid ns for children");
    w.u32(refs.ref("task", t.vforkParentTaskId, what), "vfork parent");
    w.u32(STATES.indexOf(t.state), "state");
    let bits = t.exit !== undefined ? T_EXIT : 0;
    if (t.regs !== null) bits |= T_REGS;
    if (t.syscall !== null) bits |= T_SYSCALL;
    if (t.savedMask !== null) bits |= T_SAVED_MASK;
    w.u32(bits, "flags");
    w.u32(t.pending.queue.length, "pending queue length");
    writeExit(w, t.exit);
    w.num(t.exitSignal, "exitSignal"); w.num(t.pdeathSignal, "pdeathSignal");
    w.u64(t.blocked, "blocked"); w.u64(t.savedMask ?? 0n, "savedMask");
    w.u64(t.sigWaitSet, "sigWaitSet"); w.u64(t.pending.signals, "pending signals");
    w.num(t.sas.sp, "sas.sp"); w.num(t.sas.size, "sas.size"); w.num(t.sas.flags, "sas.flags");
    w.num(t.clearChildTid, "clearChildTid"); w.num(t.cpuCycles, "cpuCycles"); w.num(t.instret, "instret");
    w.str(t.comm, "comm"); w.str(t.freezerPath, "freezerPath");
    writeExt(w, t, TASK_EXT);
  });
  if (t.regs !== null) writeCpu(w, t.regs, `${what} registers`);
  if (t.syscall !== null) writeRestartBlock(w, refs, t.syscall, `${what} restart block`);
  t.pending.queue.forEach((s, i) => writeSigInfo(w, s, `${what} siginfo ${i}`));
}

export function readTask(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref");
  const i = b.tasks.length;
  if (i >= b.taskRefs.length) r.fail(`a CKPT_HDR_TASK (objref ${objref}) after all ${b.taskRefs.length} tasks of the tree`, at);
  if (objref !== b.taskRefs[i]) r.fail(`objref ${objref} at byte ${at} is not the next task of the tree (objref ${b.taskRefs[i]}, task ${b.taskIds[i]})`, at);
  const o = b.objs;
  const t: TaskRecord = {
    id: b.taskIds[i]!, pidId: o.ref(r, "pid", "pid"), parentTaskId: o.refOrNull(r, "task", "parent"),
    threadGroupId: o.ref(r, "thread group", "thread group"), sighandId: o.ref(r, "sighand", "sighand"),
    credId: o.ref(r, "cred", "cred"), mmId: o.refOrNull(r, "mm", "mm"), filesId: o.refOrNull(r, "files", "files"),
    fsId: o.refOrNull(r, "fs", "fs"), pidNsForChildrenId: o.refOrNull(r, "pid namespace", "pid ns for children"),
    vforkParentTaskId: o.refOrNull(r, "task", "vfork parent"), state: r.oneOf("state", STATES),
    comm: "", exitSignal: 0, pdeathSignal: 0, regs: null, syscall: null, blocked: 0n, savedMask: null,
    pending: { signals: 0n, queue: [] }, sas: { sp: 0, size: 0, flags: 0 }, clearChildTid: 0, sigWaitSet: 0n,
    cpuCycles: 0, instret: 0, freezerPath: "",
  };
  const bits = r.flags("flags", 15);
  const nq = r.u32("pending queue length");
  const exit = readExit(r);
  if (bits & T_EXIT) t.exit = exit;
  t.exitSignal = r.num("exitSignal"); t.pdeathSignal = r.num("pdeathSignal");
  t.blocked = r.u64("blocked");
  const savedMask = r.u64("savedMask");
  if (bits & T_SAVED_MASK) t.savedMask = savedMask;
  t.sigWaitSet = r.u64("sigWaitSet"); t.pending.signals = r.u64("pending signals");
  t.sas = { sp: r.num("sas.sp"), size: r.num("sas.size"), flags: r.num("sas.flags") };
  t.clearChildTid = r.num("clearChildTid"); t.cpuCycles = r.num("cpuCycles"); t.instret = r.num("instret");
  t.comm = r.str("comm"); t.freezerPath = r.str("freezerPath");
  readExt(r, r.left(), t, TASK_EXT);
  r.done();
  b.tasks.push(t);
  const what = `of task ${t.id}`;
  b.children([
    { type: CKPT_HDR_CPU, left: bits & T_REGS ? 1 : 0, what: `registers ${what}`, take: (c) => { t.regs = readCpu(c); c.done(); } },
    { type: CKPT_HDR_RESTART_BLOCK, left: bits & T_SYSCALL ? 1 : 0, what: `restart block ${what}`, take: (c) => { t.syscall = readRestartBlock(b, c); } },
  ]);
  queueChildren(b, t.pending.queue, nq, `siginfo ${what}`);
}
