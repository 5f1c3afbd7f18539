// CPT_OBJ_TASK and its sub-objects: CPT_OBJ_RISCV32_REGS (ours, in the place of cpt_image.h's
// CPT_OBJ_X86_REGS), CPT_OBJ_SYSCALL (ours: the restart block of a task inside a system call),
// then the task's private pending siginfo queue as CPT_OBJ_SIGINFO objects.
import { readExt, TASK_EXT, writeExt, type RegsRecord, type SigInfoRecord, type SyscallRecord, type TaskRecord } from "../../../core/cr/index.ts";
import {
  CPT_CONTENT_ARRAY, CPT_CONTENT_VOID, CPT_OBJ_RISCV32_REGS, CPT_OBJ_SYSCALL, CPT_OBJ_TASK,
  OBJECT_HDR_SIZE,
} from "./layout.ts";
import { readExit, readSigInfo, writeExit, writeSigInfo } from "./objects-signal.ts";
import type { ImageReader } from "./reader.ts";
import { EncodeError, type ImageWriter } from "./writer.ts";

const X_REGS = 32;
const F_HALVES = 64;

function writeRegs(w: ImageWriter, g: RegsRecord, what: string): void {
  if (g.x.length !== X_REGS || g.f.length !== F_HALVES) {
    throw new EncodeError(`${what}: ${g.x.length} x registers and ${g.f.length} f halves, expected ${X_REGS} and ${F_HALVES}`);
  }
  w.leaf(CPT_OBJ_RISCV32_REGS, what, () => {
    for (const v of g.x) w.s32(v, "x register");
    w.u32(g.pc, "pc");
    for (const v of g.f) w.u32(v, "f register half");
    w.u32(g.fcsr, "fcsr");
  });
}

function readRegs(r: ImageReader, where: string): RegsRecord {
  return r.object(CPT_OBJ_RISCV32_REGS, CPT_CONTENT_VOID, where, () => {
    // Sized up front: grown by push, each array was copied into ever bigger stores two or three times.
    const x = new Array<number>(X_REGS);
    for (let i = 0; i < X_REGS; i++) x[i] = r.s32("x register");
    const pc = r.u32("pc");
    const f = new Array<number>(F_HALVES);
    for (let i = 0; i < F_HALVES; i++) f[i] = r.u32("f register half");
    return { x, pc, f, fcsr: r.u32("fcsr") };
  });
}

const SC_BLOCK = 1, SC_DEADLINE = 2, SC_VFORK = 4, SC_AFTER = 8;
const BLOCK_NUMBER = 0, BLOCK_STRING = 1, BLOCK_BOOLEAN = 2;

function writeSyscall(w: ImageWriter, s: SyscallRecord, what: string): void {
  w.leaf(CPT_OBJ_SYSCALL, what, () => {
    w.num(s.restartCode, "restartCode");
    let bits = s.block !== null ? SC_BLOCK : 0;
    if (s.deadlineLeft !== undefined) bits |= SC_DEADLINE;
    if (s.vforkChildTaskId !== undefined) bits |= SC_VFORK;
    if (s.afterHandler !== undefined) bits |= SC_AFTER;
    w.u32(bits);
    w.num(s.deadlineLeft ?? 0, "deadlineLeft");
    w.ref(s.vforkChildTaskId ?? null, "vfork child task id");
    w.str(s.afterHandler?.sig ?? "", "afterHandler.sig");
    w.num(s.afterHandler?.done ?? 0, "afterHandler.done");
    const entries = Object.entries(s.block ?? {});
    w.u32(entries.length);
    for (const [k, v] of entries) {
      w.str(k, "restart block key");
      // Block numbers are f64: they are whatever the syscall remembered, not always integers.
      if (typeof v === "number") { w.u32(BLOCK_NUMBER); w.f64(v); }
      else if (typeof v === "string") { w.u32(BLOCK_STRING); w.str(v, `restart block ${k}`); }
      else { w.u32(BLOCK_BOOLEAN); w.u32(v ? 1 : 0); }
    }
  });
}

function readSyscall(r: ImageReader, where: string): SyscallRecord {
  return r.object(CPT_OBJ_SYSCALL, CPT_CONTENT_VOID, where, () => {
    const restartCode = r.num("restartCode");
    const bits = r.flags("syscall presence bits", 15);
    const deadlineLeft = r.num("deadlineLeft");
    const vforkAt = r.pos;
    const vfork = r.ref("vfork child task id");
    const sig = r.str("afterHandler.sig");
    const done = r.num("afterHandler.done");
    // Each entry takes at least a 4-byte key length, a 4-byte tag and 4 bytes of value.
    const n = r.count("restart block entry count", 12);
    const block: Record<string, number | string | boolean> = {};
    for (let i = 0; i < n; i++) {
      const keyAt = r.pos;
      const k = r.str("restart block key");
      if (Object.hasOwn(block, k)) r.fail(`restart block key ${JSON.stringify(k)} at byte ${keyAt} appears twice`, keyAt);
      const tagAt = r.pos;
      const tag = r.u32("restart block value tag");
      let v: number | string | boolean;
      if (tag === BLOCK_NUMBER) v = r.f64(`restart block ${k}`);
      else if (tag === BLOCK_STRING) v = r.str(`restart block ${k}`);
      else if (tag === BLOCK_BOOLEAN) {
        const at = r.pos;
        const b = r.u32(`restart block ${k}`);
        if (b > 1) r.fail(`restart block ${k} at byte ${at} is ${b}, not a boolean 0 or 1`, at);
        v = b === 1;
      } else return r.fail(`restart block value tag at byte ${tagAt} is ${tag}, not 0 (number), 1 (string) or 2 (boolean)`, tagAt);
      // defineProperty, not assignment: a key "__proto__" must stay an own property.
      Object.defineProperty(block, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    const s: SyscallRecord = { restartCode, block: bits & SC_BLOCK ? block : null };
    if (!(bits & SC_BLOCK) && n > 0) r.fail(`a syscall without a restart block has ${n} block entries`);
    if (bits & SC_DEADLINE) s.deadlineLeft = deadlineLeft;
    if (bits & SC_VFORK) {
      if (vfork === null) r.fail(`vfork child task id at byte ${vforkAt} is CPT_NOINDEX but marked present`, vforkAt);
      s.vforkChildTaskId = vfork;
    }
    if (bits & SC_AFTER) s.afterHandler = { sig, done };
    return s;
  });
}

const STATES = ["running", "stopped", "zombie"] as const;
const T_EXIT = 1, T_REGS = 2, T_SYSCALL = 4, T_SAVED_MASK = 8;

export function writeTask(w: ImageWriter, t: TaskRecord): void {
  const what = `task ${t.id}`;
  w.parent(CPT_OBJ_TASK, what, () => {
    w.ref(t.id, "task id"); w.ref(t.pidId, "pid id"); w.ref(t.parentTaskId, "parent task id");
    w.ref(t.threadGroupId, "thread group id"); w.ref(t.sighandId, "sighand id"); w.ref(t.credId, "cred id");
    w.ref(t.mmId, "mm id"); w.ref(t.filesId, "files id"); w.ref(t.fsId, "fs id");
    w.ref(t.pidNsForChildrenId, "pid ns for children id"); w.ref(t.vforkParentTaskId, "vfork parent task id");
    w.u32(STATES.indexOf(t.state), "task state");
    let bits = t.exit !== undefined ? T_EXIT : 0;
    if (t.regs !== null) bits |= T_REGS;
    if (t.syscall !== null) bits |= T_SYSCALL;
    if (t.savedMask !== null) bits |= T_SAVED_MASK;
    w.u32(bits);
    w.u32(t.pending.queue.length);
    writeExit(w, t.exit);
    w.num(t.exitSignal, "exitSignal"); w.num(t.pdeathSignal, "pdeathSignal");
    w.u64(t.blocked, "blocked"); w.u64(t.savedMask ?? 0n, "savedMask");
    w.u64(t.sigWaitSet, "sigWaitSet"); w.u64(t.pending.signals, "pending signals");
    w.num(t.sas.sp, "sas sp"); w.num(t.sas.size, "sas size"); w.num(t.sas.flags, "sas flags");
    w.num(t.clearChildTid, "clearChildTid"); w.num(t.cpuCycles, "cpuCycles"); w.num(t.instret, "instret");
    w.str(t.comm, "comm"); w.str(t.freezerPath, "freezerPath");
    writeExt(w, t, TASK_EXT);
  }, () => {
    if (t.regs !== null) writeRegs(w, t.regs, `${what} regs`);
    if (t.syscall !== null) writeSyscall(w, t.syscall, `${what} syscall`);
    for (const s of t.pending.queue) writeSigInfo(w, s, `${what} siginfo`);
  });
}

export function readTask(r: ImageReader, where: string): TaskRecord {
  return r.object(CPT_OBJ_TASK, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("task id"); const pidId = r.id("pid id"); const parentTaskId = r.ref("parent task id");
    const threadGroupId = r.id("thread group id"); const sighandId = r.id("sighand id"); const credId = r.id("cred id");
    const mmId = r.ref("mm id"); const filesId = r.ref("files id"); const fsId = r.ref("fs id");
    const pidNsForChildrenId = r.ref("pid ns for children id"); const vforkParentTaskId = r.ref("vfork parent task id");
    const state = r.oneOf("task state", STATES);
    const bits = r.flags("task presence bits", 15);
    const nq = r.count("pending siginfo count", OBJECT_HDR_SIZE, o.end);
    const exit = readExit(r);
    const exitSignal = r.num("exitSignal"); const pdeathSignal = r.num("pdeathSignal");
    const blocked = r.u64("blocked"); const savedMask = r.u64("savedMask");
    const sigWaitSet = r.u64("sigWaitSet"); const signals = r.u64("pending signals");
    const sas = { sp: r.num("sas sp"), size: r.num("sas size"), flags: r.num("sas flags") };
    const clearChildTid = r.num("clearChildTid"); const cpuCycles = r.num("cpuCycles"); const instret = r.num("instret");
    const comm = r.str("comm"); const freezerPath = r.str("freezerPath");
    const ext: Pick<TaskRecord, (typeof TASK_EXT)[number]> = {};
    readExt(r, r.fieldsLeft(), ext, TASK_EXT);
    r.content(o);
    const regs = bits & T_REGS ? readRegs(r, `regs of task ${id}`) : null;
    const syscall = bits & T_SYSCALL ? readSyscall(r, `syscall of task ${id}`) : null;
    const queue: SigInfoRecord[] = [];
    for (let i = 0; i < nq; i++) queue.push(readSigInfo(r, `siginfo ${i} of task ${id}`));
    const t: TaskRecord = {
      id, pidId, parentTaskId, threadGroupId, sighandId, credId, mmId, filesId, fsId, pidNsForChildrenId,
      comm, state, exitSignal, pdeathSignal, regs, syscall, blocked,
      savedMask: bits & T_SAVED_MASK ? savedMask : null, pending: { signals, queue }, sas, clearChildTid,
      sigWaitSet, cpuCycles, instret, freezerPath, vforkParentTaskId,
    };
    if (bits & T_EXIT) t.exit = exit;
    return Object.assign(t, ext);
  });
}
