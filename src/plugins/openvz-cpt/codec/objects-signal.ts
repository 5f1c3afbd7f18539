// Signal objects: CPT_OBJ_SIGINFO (a queued siginfo), CPT_OBJ_SIGHAND_STRUCT with its
// CPT_OBJ_SIGHANDLER entries, CPT_OBJ_SIGNAL_STRUCT (a thread group), and CPT_OBJ_CRED (ours).
// Optional fields are a presence bit plus a fixed slot, so "absent" and "present with 0" differ.
import {
  readExt, writeExt,
  CRED_EXT, CRED_EXT_GROUPS, GROUP_EXT, GROUP_EXT_TIMERS, type CredRecord, type PosixTimerRecord, type ExitStatusRecord, type RlimitRecord, type SigActionRecord, type SigHandRecord, type SigInfoRecord,
  type ThreadGroupRecord,
} from "../../../core/cr/index.ts";
import {
  CPT_CONTENT_ARRAY, CPT_CONTENT_VOID, CPT_OBJ_CRED, CPT_OBJ_SIGHAND_STRUCT, CPT_OBJ_SIGHANDLER,
  CPT_OBJ_SIGINFO, CPT_OBJ_SIGNAL_STRUCT, OBJECT_HDR_SIZE,
} from "./layout.ts";
import { readPosixTimer, writePosixTimer } from "./objects-timers.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

const SIGINFO_OPTIONAL = ["errno", "pidNr", "uid", "status", "addr", "value"] as const;
const SI_RAW = 1 << SIGINFO_OPTIONAL.length;
/** A POSIX timer's signal: timerId and overrun follow the raw bytes (older siginfos end there). */
const SI_TIMER = SI_RAW << 1;

export function writeSigInfo(w: ImageWriter, s: SigInfoRecord, what: string): void {
  w.leaf(CPT_OBJ_SIGINFO, what, () => {
    w.num(s.signo, "signo"); w.num(s.code, "si_code");
    let present = (s.raw !== undefined ? SI_RAW : 0) | (s.timerId !== undefined ? SI_TIMER : 0);
    SIGINFO_OPTIONAL.forEach((k, i) => { if (s[k] !== undefined) present |= 1 << i; });
    w.u32(present);
    for (const k of SIGINFO_OPTIONAL) w.num(s[k] ?? 0, k);
    const raw = s.raw ?? new Uint8Array(0);
    w.u32(raw.length);
    w.bytes(raw);
    if (s.timerId !== undefined) { w.num(s.timerId, "si_tid"); w.num(s.overrun ?? 0, "si_overrun"); }
  });
}

export function readSigInfo(r: ImageReader, where: string): SigInfoRecord {
  return r.object(CPT_OBJ_SIGINFO, CPT_CONTENT_VOID, where, () => {
    const s: SigInfoRecord = { signo: r.num("signo"), code: r.num("si_code") };
    const present = r.flags("siginfo presence bits", SI_TIMER * 2 - 1);
    SIGINFO_OPTIONAL.forEach((k, i) => {
      const v = r.num(k);
      if (present & (1 << i)) s[k] = v;
    });
    const n = r.count("raw siginfo length", 1);
    const raw = r.view(n, "raw siginfo bytes");
    if (present & SI_RAW) s.raw = raw;
    if (present & SI_TIMER) { s.timerId = r.num("si_tid"); s.overrun = r.num("si_overrun"); }
    return s;
  });
}

const EX_CODE = 1, EX_SIGNAL = 2, EX_CORE = 4, EX_CORE_SET = 8;

/** An exit status slot: presence bits, code, signal (24 bytes whether or not it is there). */
export function writeExit(w: ImageWriter, e: ExitStatusRecord | undefined): void {
  let bits = 0;
  if (e?.code !== undefined) bits |= EX_CODE;
  if (e?.signal !== undefined) bits |= EX_SIGNAL;
  if (e?.core !== undefined) bits |= EX_CORE | (e.core ? EX_CORE_SET : 0);
  w.u32(bits); w.u32(0);
  w.num(e?.code ?? 0, "exit code"); w.num(e?.signal ?? 0, "exit signal");
}

export function readExit(r: ImageReader): ExitStatusRecord {
  const bits = r.flags("exit status bits", 15);
  r.u32("padding");
  const code = r.num("exit code"); const signal = r.num("exit signal");
  const e: ExitStatusRecord = {};
  if (bits & EX_CODE) e.code = code;
  if (bits & EX_SIGNAL) e.signal = signal;
  if (bits & EX_CORE) e.core = (bits & EX_CORE_SET) !== 0;
  return e;
}

/** SIG_DFL with no flags, restorer or mask: not written (OpenVZ dumps only set handlers too). */
const isDefault = (a: SigActionRecord): boolean => a.handler === 0 && a.flags === 0 && a.restorer === 0 && a.mask === 0n;

export function writeSighand(w: ImageWriter, h: SigHandRecord): void {
  const set: { a: SigActionRecord; signo: number }[] = [];
  for (let signo = 0; signo < h.actions.length; signo++) if (!isDefault(h.actions[signo])) set.push({ a: h.actions[signo], signo });
  w.parent(CPT_OBJ_SIGHAND_STRUCT, `sighand ${h.id}`, () => {
    w.ref(h.id, "sighand id");
    w.u32(h.actions.length);
    w.u32(set.length);
  }, () => {
    for (const { a, signo } of set) {
      w.leaf(CPT_OBJ_SIGHANDLER, "sighand action", () => {
        w.u32(signo, "signal number"); w.u32(0);
        w.num(a.handler, "handler"); w.num(a.flags, "sa_flags"); w.num(a.restorer, "restorer");
        w.u64(a.mask, "sa_mask");
      });
    }
  });
}

const SIG_DFL_RECORD: SigActionRecord = Object.freeze({ handler: 0, flags: 0, restorer: 0, mask: 0n });

export function readSighand(r: ImageReader, where: string): SigHandRecord {
  return r.object(CPT_OBJ_SIGHAND_STRUCT, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("sighand id");
    const total = r.u32("action table size");
    if (total > 1024) r.fail(`sighand ${id} claims ${total} actions (at most 1024)`);
    const n = r.count("set action count", OBJECT_HDR_SIZE, o.end);
    if (n > total) r.fail(`sighand ${id} has ${n} set actions in a table of ${total}`);
    r.content(o);
    // Unset actions share one frozen default record: a 10,000-task image made 65 objects per task.
    const actions = new Array<SigActionRecord>(total).fill(SIG_DFL_RECORD);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      r.object(CPT_OBJ_SIGHANDLER, CPT_CONTENT_VOID, where, () => {
        const signo = r.u32("signal number");
        r.u32("padding");
        if (signo >= total) r.fail(`sighand ${id}: action for signal ${signo} outside its table of ${total}`);
        if (seen.has(signo)) r.fail(`sighand ${id}: two actions for signal ${signo}`);
        seen.add(signo);
        actions[signo] = { handler: r.num("handler"), flags: r.num("sa_flags"), restorer: r.num("restorer"), mask: r.u64("sa_mask") };
      });
    }
    return { id, actions };
  });
}

const TG_BITS = ["groupExit", "stopped", "notifyStop", "notifyContinue", "isChildSubreaper", "hasChildSubreaper", "didExec"] as const;
const TG_HAS_EXIT = 1 << TG_BITS.length;
/** The process set its resource limits: all RLIM_NLIMITS follow the pending signals (cur, max). */
const TG_HAS_RLIMITS = TG_HAS_EXIT << 1;

export function writeSignal(w: ImageWriter, g: ThreadGroupRecord): void {
  const what = `thread group ${g.id}`;
  w.parent(CPT_OBJ_SIGNAL_STRUCT, what, () => {
    w.ref(g.id, "thread group id"); w.ref(g.leaderTaskId, "leader task id");
    w.ref(g.pgrpPidId, "pgrp pid id"); w.ref(g.sessionPidId, "session pid id");
    let bits = (g.groupExitStatus !== undefined ? TG_HAS_EXIT : 0) | (g.rlimits !== undefined ? TG_HAS_RLIMITS : 0);
    TG_BITS.forEach((k, i) => { if (g[k]) bits |= 1 << i; });
    w.u32(bits);
    w.u32(g.sharedPending.queue.length);
    writeExit(w, g.groupExitStatus);
    w.num(g.stopSignal, "stopSignal");
    w.num(g.itimerRealLeft, "itimerRealLeft"); w.num(g.itimerRealInterval, "itimerRealInterval");
    w.num(g.itimerVirt.left, "itimerVirt"); w.num(g.itimerVirt.interval, "itimerVirt");
    w.num(g.itimerProf.left, "itimerProf"); w.num(g.itimerProf.interval, "itimerProf");
    w.u64(g.sharedPending.signals, "shared pending signals");
    if (g.rlimits !== undefined) {
      w.u32(g.rlimits.length, "rlimit count");
      w.u32(0, "padding");
      for (const l of g.rlimits) { w.u64(l.cur, "rlim_cur"); w.u64(l.max, "rlim_max"); }
    }
    const timers = g.posixTimers ?? [];
    if (writeExt(w, g, GROUP_EXT, timers.length > 0 ? GROUP_EXT_TIMERS : 0) & GROUP_EXT_TIMERS) {
      w.u32(timers.length, "posix timer count");
      w.u32(0, "padding");
    }
  }, () => {
    for (const s of g.sharedPending.queue) writeSigInfo(w, s, `${what} shared siginfo`);
    for (const t of g.posixTimers ?? []) writePosixTimer(w, t, `${what} posix timer ${t.id}`);
  });
}

export function readSignal(r: ImageReader, where: string): ThreadGroupRecord {
  return r.object(CPT_OBJ_SIGNAL_STRUCT, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("thread group id"); const leaderTaskId = r.id("leader task id");
    const pgrpPidId = r.id("pgrp pid id"); const sessionPidId = r.id("session pid id");
    const bits = r.flags("signal_struct flags", TG_HAS_RLIMITS * 2 - 1);
    const n = r.count("shared siginfo count", OBJECT_HDR_SIZE, o.end);
    const exit = readExit(r);
    const stopSignal = r.num("stopSignal");
    const itimerRealLeft = r.num("itimerRealLeft"); const itimerRealInterval = r.num("itimerRealInterval");
    const itimerVirt = { left: r.num("itimerVirt"), interval: r.num("itimerVirt") };
    const itimerProf = { left: r.num("itimerProf"), interval: r.num("itimerProf") };
    const signals = r.u64("shared pending signals");
    let rlimits: RlimitRecord[] | undefined;
    if (bits & TG_HAS_RLIMITS) {
      const nl = r.count("rlimit count", 16, o.fieldsEnd);
      r.u32("padding");
      rlimits = [];
      for (let i = 0; i < nl; i++) rlimits.push({ cur: r.u64("rlim_cur"), max: r.u64("rlim_max") });
    }
    const ext: Pick<ThreadGroupRecord, (typeof GROUP_EXT)[number]> = {};
    let nt = 0;
    if (readExt(r, r.fieldsLeft(), ext, GROUP_EXT, GROUP_EXT_TIMERS) & GROUP_EXT_TIMERS) {
      nt = r.count("posix timer count", OBJECT_HDR_SIZE, o.end);
      if (nt === 0) r.fail(`thread group ${id} announces its POSIX timers but has none`);
      r.u32("padding");
    }
    r.content(o);
    const queue: SigInfoRecord[] = [];
    for (let i = 0; i < n; i++) queue.push(readSigInfo(r, `shared siginfo ${i} of thread group ${id}`));
    const timers: PosixTimerRecord[] = [];
    for (let i = 0; i < nt; i++) timers.push(readPosixTimer(r, `posix timer ${i} of thread group ${id}`));
    const flag = (k: (typeof TG_BITS)[number]): boolean => (bits & (1 << TG_BITS.indexOf(k))) !== 0;
    const g: ThreadGroupRecord = {
      id, leaderTaskId, pgrpPidId, sessionPidId, sharedPending: { signals, queue },
      groupExit: flag("groupExit"), stopped: flag("stopped"), notifyStop: flag("notifyStop"),
      notifyContinue: flag("notifyContinue"), stopSignal, isChildSubreaper: flag("isChildSubreaper"),
      hasChildSubreaper: flag("hasChildSubreaper"), didExec: flag("didExec"),
      itimerRealLeft, itimerRealInterval, itimerVirt, itimerProf,
    };
    if (bits & TG_HAS_EXIT) g.groupExitStatus = exit;
    if (rlimits !== undefined) g.rlimits = rlimits;
    if (nt > 0) g.posixTimers = timers;
    return Object.assign(g, ext);
  });
}

const CRED_FIELDS = ["uid", "euid", "suid", "fsuid", "gid", "egid", "sgid", "fsgid", "capEffective", "capPermitted"] as const;

/**
 * A cred object. Supplementary groups follow the capabilities only when there are any: a count
 * and the gids. OpenVZ grew its records this way — fields appended, cpt_hdrlen telling a reader
 * how many a writer put in — so an image of a task without groups has the bytes it always had.
 */
export function writeCred(w: ImageWriter, c: CredRecord): void {
  w.leaf(CPT_OBJ_CRED, `cred ${c.id}`, () => {
    w.ref(c.id, "cred id");
    for (const k of CRED_FIELDS) w.num(c[k], k);
    const groups = c.groups !== undefined && c.groups.length > 0 ? c.groups : null;
    const mask = writeExt(w, c, CRED_EXT, groups !== null ? CRED_EXT_GROUPS : 0);
    if (mask & CRED_EXT_GROUPS) {
      w.u32(groups!.length, "group count");
      for (const g of groups!) w.u32(g, "supplementary group");
    }
  });
}

export function readCred(r: ImageReader, where: string): CredRecord {
  return r.object(CPT_OBJ_CRED, CPT_CONTENT_VOID, where, (o) => {
    const id = r.id("cred id");
    const [uid, euid, suid, fsuid, gid, egid, sgid, fsgid, capEffective, capPermitted] = CRED_FIELDS.map((k) => r.num(k));
    const c: CredRecord = { id, uid, euid, suid, fsuid, gid, egid, sgid, fsgid, capEffective, capPermitted };
    const mask = readExt(r, r.fieldsLeft(), c, CRED_EXT, CRED_EXT_GROUPS);
    if (mask & CRED_EXT_GROUPS) {
      const n = r.count("group count", 4, o.fieldsEnd);
      c.groups = [];
      for (let i = 0; i < n; i++) c.groups.push(r.u32("supplementary group"));
    }
    return c;
  });
}

