// Signal state: CKPT_HDR_SIGHAND (sighand_struct: the action table), CKPT_HDR_SIGNAL
// (signal_struct: what a thread group shares, with its shared pending queue as CKPT_HDR_SIGINFO
// children), and the exit status both tasks and groups carry.
import {
  readExt, writeExt,
  GROUP_EXT, GROUP_EXT_TIMERS, type ExitStatusRecord, type PosixTimerRecord, type RlimitRecord, type SigActionRecord, type SigHandRecord, type SigInfoRecord, type SigPendingRecord,
  type ThreadGroupRecord,
} from "../../../core/cr/index.ts";
import type { ModelBuilder } from "./build.ts";
import { CKPT_HDR_POSIX_TIMER, CKPT_HDR_SIGHAND, CKPT_HDR_SIGINFO, CKPT_HDR_SIGNAL } from "./layout.ts";
import { readPosixTimer, writePosixTimer } from "./objects-timers.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import { EncodeError, type RecordWriter } from "./writer.ts";

const EX_CODE = 1, EX_SIGNAL = 2, EX_CORE = 4, EX_CORE_SET = 8;

/** 24 bytes: presence bits, pad, code, signal. Absent fields stay absent, not zero. */
export function writeExit(w: RecordWriter, e: ExitStatusRecord | undefined): void {
  let bits = 0;
  if (e?.code !== undefined) bits |= EX_CODE;
  if (e?.signal !== undefined) bits |= EX_SIGNAL;
  if (e?.core !== undefined) bits |= EX_CORE | (e.core ? EX_CORE_SET : 0);
  w.u32(bits, "exit flags");
  w.pad();
  w.num(e?.code ?? 0, "exit code");
  w.num(e?.signal ?? 0, "exit signal");
}

export function readExit(r: FieldReader): ExitStatusRecord {
  const at = r.here();
  const bits = r.flags("exit flags", 15);
  if ((bits & EX_CORE_SET) && !(bits & EX_CORE)) r.fail(`exit flags at byte ${at} set core without its presence bit`, at);
  r.pad();
  const code = r.num("exit code");
  const signal = r.num("exit signal");
  const e: ExitStatusRecord = {};
  if (bits & EX_CODE) e.code = code;
  if (bits & EX_SIGNAL) e.signal = signal;
  if (bits & EX_CORE) e.core = (bits & EX_CORE_SET) !== 0;
  return e;
}

const SI_KEYS = ["errno", "pidNr", "uid", "status", "addr", "value"] as const;
const SI_RAW = 1 << SI_KEYS.length;
/** A POSIX timer's signal: timerId and overrun follow the raw bytes (older siginfos end there). */
const SI_TIMER = SI_RAW << 1;

export function writeSigInfo(w: RecordWriter, s: SigInfoRecord, what: string): void {
  w.record(CKPT_HDR_SIGINFO, what, () => {
    let bits = (s.raw !== undefined ? SI_RAW : 0) | (s.timerId !== undefined ? SI_TIMER : 0);
    SI_KEYS.forEach((k, i) => { if (s[k] !== undefined) bits |= 1 << i; });
    w.u32(bits, "siginfo flags");
    w.u32(s.raw?.length ?? 0, "raw length");
    w.num(s.signo, "signo");
    w.num(s.code, "code");
    for (const k of SI_KEYS) w.num(s[k] ?? 0, k);
    if (s.raw !== undefined) w.bytes(s.raw);
    if (s.timerId !== undefined) { w.num(s.timerId, "si_tid"); w.num(s.overrun ?? 0, "si_overrun"); }
  });
}

export function readSigInfo(r: FieldReader): SigInfoRecord {
  const bits = r.flags("siginfo flags", SI_TIMER * 2 - 1);
  const rawAt = r.here();
  const rawLen = r.u32("raw length");
  if (!(bits & SI_RAW) && rawLen !== 0) r.fail(`raw length at byte ${rawAt} is ${rawLen} but no raw bytes are marked present`, rawAt);
  const s: SigInfoRecord = { signo: r.num("signo"), code: r.num("code") };
  SI_KEYS.forEach((k, i) => {
    const v = r.num(k);
    if (bits & (1 << i)) s[k] = v;
  });
  // A copy: a siginfo is tiny, and the record's buffer may be a whole chunk of the image.
  if (bits & SI_RAW) s.raw = r.bytes(rawLen, "raw bytes").slice();
  if (bits & SI_TIMER) { s.timerId = r.num("si_tid"); s.overrun = r.num("si_overrun"); }
  r.done();
  return s;
}

/** The children that carry a pending queue. */
export function queueChildren(b: ModelBuilder, queue: SigInfoRecord[], n: number, what: string): void {
  b.children([{ type: CKPT_HDR_SIGINFO, left: n, what, take: (r) => queue.push(readSigInfo(r)) }]);
}

/** Bound on a sighand's table (Linux has _NSIG + 1 = 65 entries): what a lying n may allocate. */
export const SIGHAND_MAX = 1024;
const isDefault = (a: SigActionRecord): boolean => a.handler === 0 && a.flags === 0 && a.restorer === 0 && a.mask === 0n;

/** The table's length and its non-default entries only (most of 65 are SIG_DFL, all zero). */
export function writeSighand(w: RecordWriter, refs: ObjRefs, h: SigHandRecord, slot: number): void {
  if (h.actions.length > SIGHAND_MAX) throw new EncodeError(`sighand ${h.id} has ${h.actions.length} actions, over ${SIGHAND_MAX}`);
  w.record(CKPT_HDR_SIGHAND, `sighand ${h.id}`, () => {
    w.u32(refs.assign("sighand", h.id), "objref");
    w.u32(slot, "slot");
    w.u32(h.id, "sighand id");
    w.u32(h.actions.length, "action count");
    const set = h.actions.flatMap((a, signo) => (isDefault(a) ? [] : [{ a, signo }]));
    w.u32(set.length, "set action count");
    w.pad();
    for (const { a, signo } of set) {
      w.u32(signo, "signo"); w.pad();
      w.num(a.handler, "handler"); w.num(a.flags, "flags"); w.num(a.restorer, "restorer"); w.u64(a.mask, "mask");
    }
  });
}

const SIG_DFL_RECORD: SigActionRecord = Object.freeze({ handler: 0, flags: 0, restorer: 0, mask: 0n });

export function readSighand(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("sighand id");
  b.objs.define(r, "sighand", objref, id, at);
  const nAt = r.here();
  const n = r.u32("action count");
  if (n > SIGHAND_MAX) r.fail(`action count at byte ${nAt} is ${n}, over the ${SIGHAND_MAX} a sighand can have`, nAt);
  const nSet = r.table("set action count", 40, 4);
  r.pad();
  // Unset actions share one frozen default record: a 10,000-task image made 65 objects per task.
  const actions = new Array<SigActionRecord>(n).fill(SIG_DFL_RECORD);
  let prev = -1;
  for (let i = 0; i < nSet; i++) {
    const sAt = r.here();
    const signo = r.u32("signo");
    if (signo <= prev || signo >= n) r.fail(`signo at byte ${sAt} is ${signo}: set actions must be in increasing order below ${n}`, sAt);
    prev = signo;
    r.pad();
    const a = { handler: r.num("handler"), flags: r.num("flags"), restorer: r.num("restorer"), mask: r.u64("mask") };
    if (isDefault(a)) r.fail(`the action of signal ${signo} at byte ${sAt} is written but is the default`, sAt);
    actions[signo] = a;
  }
  b.place("sighands", slot, { id, actions }, r, at);
}

const G_FLAGS = ["groupExit", "stopped", "notifyStop", "notifyContinue", "isChildSubreaper", "hasChildSubreaper", "didExec"] as const;
const G_EXIT_STATUS = 1 << G_FLAGS.length;
/** The process set its resource limits: a table of RLIM_NLIMITS {cur, max} ends the record. */
const G_RLIMITS = G_EXIT_STATUS << 1;

/** At most this many timers per process in an image (the decoder's bound; validation checks ids). */
export const POSIX_TIMERS_MAX = 1 << 20;

export function writeSignal(w: RecordWriter, refs: ObjRefs, g: ThreadGroupRecord, slot: number): void {
  const what = `thread group ${g.id}`;
  w.record(CKPT_HDR_SIGNAL, what, () => {
    w.u32(refs.assign("thread group", g.id), "objref");
    w.u32(slot, "slot");
    w.u32(g.id, "thread group id");
    let bits = (g.groupExitStatus !== undefined ? G_EXIT_STATUS : 0) | (g.rlimits !== undefined ? G_RLIMITS : 0);
    G_FLAGS.forEach((k, i) => { if (g[k]) bits |= 1 << i; });
    w.u32(bits, "flags");
    w.u32(refs.ref("task", g.leaderTaskId, what), "leader");
    w.u32(refs.ref("pid", g.pgrpPidId, what), "pgrp");
    w.u32(refs.ref("pid", g.sessionPidId, what), "session");
    w.u32(g.sharedPending.queue.length, "shared queue length");
    writeExit(w, g.groupExitStatus);
    w.num(g.stopSignal, "stopSignal");
    w.num(g.itimerRealLeft, "itimerRealLeft"); w.num(g.itimerRealInterval, "itimerRealInterval");
    w.num(g.itimerVirt.left, "itimerVirt.left"); w.num(g.itimerVirt.interval, "itimerVirt.interval");
    w.num(g.itimerProf.left, "itimerProf.left"); w.num(g.itimerProf.interval, "itimerProf.interval");
    w.u64(g.sharedPending.signals, "shared pending signals");
    if (g.rlimits !== undefined) {
      w.u32(g.rlimits.length, "rlimit count");
      for (const l of g.rlimits) { w.u64(l.cur, "rlim_cur"); w.u64(l.max, "rlim_max"); }
    }
    const timers = g.posixTimers ?? [];
    if (writeExt(w, g, GROUP_EXT, timers.length > 0 ? GROUP_EXT_TIMERS : 0) & GROUP_EXT_TIMERS) {
      w.u32(timers.length, "posix timer count");
      w.pad();
    }
  });
  g.sharedPending.queue.forEach((s, i) => writeSigInfo(w, s, `${what} siginfo ${i}`));
  for (const t of g.posixTimers ?? []) writePosixTimer(w, refs, t, `${what} posix timer ${t.id}`);
}

export function readSignal(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("thread group id");
  b.objs.define(r, "thread group", objref, id, at);
  const bits = r.flags("flags", G_RLIMITS * 2 - 1);
  const leaderTaskId = b.objs.ref(r, "task", "leader");
  const pgrpPidId = b.objs.ref(r, "pid", "pgrp");
  const sessionPidId = b.objs.ref(r, "pid", "session");
  const nq = r.u32("shared queue length");
  const exit = readExit(r);
  const sharedPending: SigPendingRecord = { signals: 0n, queue: [] };
  const g: ThreadGroupRecord = {
    id, leaderTaskId, pgrpPidId, sessionPidId, sharedPending,
    groupExit: false, stopped: false, notifyStop: false, notifyContinue: false,
    stopSignal: r.num("stopSignal"), isChildSubreaper: false, hasChildSubreaper: false, didExec: false,
    itimerRealLeft: r.num("itimerRealLeft"), itimerRealInterval: r.num("itimerRealInterval"),
    itimerVirt: { left: r.num("itimerVirt.left"), interval: r.num("itimerVirt.interval") },
    itimerProf: { left: r.num("itimerProf.left"), interval: r.num("itimerProf.interval") },
  };
  sharedPending.signals = r.u64("shared pending signals");
  if (bits & G_RLIMITS) {
    const n = r.count("rlimit count", 16);
    const rlimits: RlimitRecord[] = [];
    for (let i = 0; i < n; i++) rlimits.push({ cur: r.u64("rlim_cur"), max: r.u64("rlim_max") });
    g.rlimits = rlimits;
  }
  let nt = 0;
  if (readExt(r, r.left(), g, GROUP_EXT, GROUP_EXT_TIMERS) & GROUP_EXT_TIMERS) {
    const ntAt = r.here();
    nt = r.u32("posix timer count");
    // Linux bounds a process's timers by RLIMIT_SIGPENDING-like accounting only; an image is
    // bounded by what a decoder may be made to allocate before the records arrive.
    if (nt === 0 || nt > POSIX_TIMERS_MAX) r.fail(`posix timer count at byte ${ntAt} is ${nt}: announced timers are 1..${POSIX_TIMERS_MAX}`, ntAt);
    r.pad();
  }
  r.done();
  G_FLAGS.forEach((k, i) => { g[k] = (bits & (1 << i)) !== 0; });
  if (bits & G_EXIT_STATUS) g.groupExitStatus = exit;
  b.place("threadGroups", slot, g, r, at);
  queueChildren(b, sharedPending.queue, nq, `siginfo of thread group ${id}`);
  if (nt > 0) {
    const timers: PosixTimerRecord[] = [];
    g.posixTimers = timers;
    b.children([{ type: CKPT_HDR_POSIX_TIMER, left: nt, what: `posix timers of thread group ${id}`, take: (c) => { timers.push(readPosixTimer(b, c)); } }]);
  }
}

