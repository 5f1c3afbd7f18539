// Signal syscalls: actions, masks, waiting, the alternate stack, sending, and rt_sigreturn.
import { CAP_KILL } from "../cred.ts";
import { EAGAIN, EFAULT, EINVAL, ENOMEM, EPERM, ERESTARTNOHAND, ESRCH } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { encodeSigInfo, SI_QUEUE, SI_TKILL, SI_USER, SIGINFO_SIZE, type SigInfo } from "../siginfo.ts";
import { defaultAction, dequeueSignal, forceSig, recalcSigPending, sendSignal } from "../signal.ts";
import { sigmask, UNBLOCKABLE } from "../signal-defs.ts";
import { onSigStack, restoreRtFrame, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK } from "../signal-frame.ts";
import { SIGKILL, SIGSEGV, SIGSTOP } from "../signal-names.ts";
import { SIG_DFL, SIG_IGN, type Task } from "../task.ts";
import { restartingOf } from "../pid.ts";
import { readTimespec } from "./sys-time.ts";
import type { SyscallEntry } from "./types.ts";

const SIGSET_SIZE = 8;
/** SA_NOCLDSTOP SA_NOCLDWAIT SA_SIGINFO SA_EXPOSE_TAGBITS SA_ONSTACK SA_RESTART SA_NODEFER SA_RESETHAND */
const UAPI_SA_FLAGS = (0x1 | 0x2 | 0x4 | 0x800 | 0x08000000 | 0x10000000 | 0x40000000 | 0x80000000) >>> 0;
const MINSIGSTKSZ = 2048;

function readSigset(t: Task, addr: number): bigint | null {
  const b = t.mm.copyIn(addr, 8);
  if (b === null) return null;
  const dv = new DataView(b.buffer);
  return BigInt(dv.getUint32(0, true)) | (BigInt(dv.getUint32(4, true)) << 32n);
}

function writeSigset(t: Task, addr: number, s: bigint): boolean {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, Number(s & 0xffffffffn), true);
  dv.setUint32(4, Number((s >> 32n) & 0xffffffffn), true);
  return t.mm.copyOut(addr, b);
}

/** struct sigaction on riscv: handler @0, flags @4, mask @8 (no sa_restorer field). */
function sysRtSigaction(_k: Kernel, t: Task, sig: number, act: number, oact: number, size: number): number {
  if (size !== SIGSET_SIZE) return -EINVAL;
  if (sig < 1 || sig > 64) return -EINVAL;
  let next: { handler: number; flags: number; mask: bigint } | undefined;
  if (act !== 0) {
    if (sig === SIGKILL || sig === SIGSTOP) return -EINVAL;
    const b = t.mm.copyIn(act, 16);
    if (b === null) return -EFAULT;
    const dv = new DataView(b.buffer);
    next = {
      handler: dv.getUint32(0, true),
      // Linux (since 5.11) keeps only the flags it knows (UAPI_SA_FLAGS; riscv has no SA_RESTORER).
      flags: dv.getUint32(4, true) & UAPI_SA_FLAGS,
      mask: (BigInt(dv.getUint32(8, true)) | (BigInt(dv.getUint32(12, true)) << 32n)) & ~UNBLOCKABLE,
    };
  }
  const cur = t.sighand.actions[sig];
  if (oact !== 0) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, cur.handler >>> 0, true);
    dv.setUint32(4, cur.flags >>> 0, true);
    dv.setUint32(8, Number(cur.mask & 0xffffffffn), true);
    dv.setUint32(12, Number(cur.mask >> 32n), true);
    if (!t.mm.copyOut(oact, b)) return -EFAULT;
  }
  if (next !== undefined) {
    t.sighand.actions[sig] = { ...next, restorer: 0 };
    // POSIX: setting a signal to be ignored discards its pending instances, in every thread.
    if (next.handler === SIG_IGN || (next.handler === SIG_DFL && defaultAction(sig) === "ignore")) {
      const m = sigmask(sig);
      for (const p of [t.group.sharedPending, ...[...t.group.threads].map((th) => th.pending)]) {
        p.signals &= ~m;
        for (let i = p.queue.length - 1; i >= 0; i--) if (p.queue[i].signo === sig) p.queue.splice(i, 1);
      }
    }
  }
  return 0;
}

const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;
const SIG_SETMASK = 2;

function sysRtSigprocmask(_k: Kernel, t: Task, how: number, set: number, oset: number, size: number): number {
  if (size !== SIGSET_SIZE) return -EINVAL;
  const old = t.blocked;
  if (set !== 0) {
    const s = readSigset(t, set);
    if (s === null) return -EFAULT;
    if (how === SIG_BLOCK) t.blocked = old | s;
    else if (how === SIG_UNBLOCK) t.blocked = old & ~s;
    else if (how === SIG_SETMASK) t.blocked = s;
    else return -EINVAL;
    t.blocked &= ~UNBLOCKABLE;
  }
  if (oset !== 0 && !writeSigset(t, oset, old)) {
    t.blocked = old;
    return -EFAULT;
  }
  recalcSigPending(t);
  return 0;
}

function sysRtSigpending(_k: Kernel, t: Task, set: number, size: number): number {
  if (size > SIGSET_SIZE) return -EINVAL;
  const pending = (t.pending.signals | t.group.sharedPending.signals) & t.blocked;
  return writeSigset(t, set, pending) ? 0 : -EFAULT;
}

function sysRtSigsuspend(k: Kernel, t: Task, mask: number, size: number): number {
  if (size !== SIGSET_SIZE) return -EINVAL;
  const m = readSigset(t, mask);
  if (m === null) return -EFAULT;
  if (t.savedMask === null) t.savedMask = t.blocked;
  t.blocked = m & ~UNBLOCKABLE;
  recalcSigPending(t);
  // A deliverable signal already pending: return at once and let delivery run its handler.
  if (t.sigPending) return -ERESTARTNOHAND;
  return k.sleep(t, null, 0, ERESTARTNOHAND);
}

function sysRtSigtimedwait(k: Kernel, t: Task, setp: number, infop: number, timeout: number, size: number): number {
  if (size !== SIGSET_SIZE) return -EINVAL;
  const set = readSigset(t, setp);
  if (set === null) return -EFAULT;
  const want = set & ~UNBLOCKABLE;
  t.sigWaitSet = 0n;
  // Signals in the set are taken whether blocked or not.
  const info = dequeueSignal(t, ~want);
  if (info !== null) {
    t.restart = null;
    if (infop !== 0 && !t.mm.copyOut(infop, encodeSigInfo(info, info.pidNr ?? (info.pid !== undefined ? (k.tasks.get(info.pid)?.pid.nrIn(t.pidNs) ?? 0) : 0)))) return -EFAULT;
    recalcSigPending(t);
    return info.signo;
  }
  let deadline = 0;
  if (t.restart?.nr === 421 && t.restart.deadline !== undefined) deadline = t.restart.deadline;
  else if (timeout !== 0) {
    const ns = readTimespec(t, timeout);
    if (ns === null) return -EFAULT;
    if (ns < 0) return -EINVAL;
    if (ns === 0) return -EAGAIN;
    deadline = k.clock + k.nsToCycles(ns);
  }
  if (deadline > 0 && k.clock >= deadline) return -EAGAIN;
  t.restart = { nr: 421, deadline: deadline > 0 ? deadline : undefined };
  t.sigWaitSet = want;
  // Interrupted by a handled signal, sigtimedwait fails with EINTR even under SA_RESTART.
  return k.sleep(t, null, deadline, ERESTARTNOHAND);
}

function sysSigaltstack(_k: Kernel, t: Task, ss: number, oss: number): number {
  const sp = t.hart.x[2];
  if (oss !== 0) {
    const b = new Uint8Array(12);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, t.sas.sp >>> 0, true);
    const flags = t.sas.size === 0 ? SS_DISABLE : (onSigStack(t, sp) ? SS_ONSTACK : 0) | (t.sas.flags & SS_AUTODISARM);
    dv.setInt32(4, flags, true);
    dv.setUint32(8, t.sas.size >>> 0, true);
    if (!t.mm.copyOut(oss, b)) return -EFAULT;
  }
  if (ss !== 0) {
    const b = t.mm.copyIn(ss, 12);
    if (b === null) return -EFAULT;
    const dv = new DataView(b.buffer);
    const ssSp = dv.getUint32(0, true);
    const flags = dv.getInt32(4, true);
    const size = dv.getUint32(8, true);
    if (onSigStack(t, sp)) return -EPERM;
    const mode = flags & ~SS_AUTODISARM;
    if (mode !== 0 && mode !== SS_DISABLE && mode !== SS_ONSTACK) return -EINVAL;
    if (mode === SS_DISABLE) t.sas = { sp: 0, size: 0, flags: SS_DISABLE };
    else {
      if (size < MINSIGSTKSZ) return -ENOMEM;
      t.sas = { sp: ssSp, size, flags: flags & SS_AUTODISARM };
    }
  }
  return 0;
}

/** check_kill_permission: root (CAP_KILL) or matching real/effective and real/saved uids. */
function mayKill(sender: Task, target: Task): boolean {
  const s = sender.cred;
  const tc = target.cred;
  return s.capable(CAP_KILL) || s.euid === tc.suid || s.euid === tc.uid || s.uid === tc.suid || s.uid === tc.uid;
}

/**
 * Deliver to a process. The init of a namespace only gets the signals it has a handler for
 * (SIGNAL_UNKILLABLE), except that SIGKILL and SIGSTOP from an ancestor namespace are forced
 * (pid_namespaces(7)).
 */
export function killProcess(k: Kernel, sender: Task, target: Task, info: SigInfo, group: boolean): number {
  if (!mayKill(sender, target)) return -EPERM;
  if (info.signo === 0) return 0;
  const init = target.pidNs.reaper;
  if (init !== null && init.group === target.group && target.sighand.action(info.signo).handler === SIG_DFL) {
    // sig_ignored: a blocked signal is never ignored (the handler may change before it is
    // unblocked); an unblocked one is dropped here, and a queued one is dropped at delivery.
    const m = 1n << BigInt(info.signo - 1);
    const blocked = (target.blocked & m) !== 0n || (target.sigWaitSet & m) !== 0n;
    const fromAncestor = sender.pidNs !== target.pidNs;
    if (!blocked && (!fromAncestor || (info.signo !== SIGKILL && info.signo !== SIGSTOP))) return 0;
  }
  // A container being restarted from user space may hold signals from outside until it is whole.
  const rs = restartingOf(target.pidNs);
  if (rs !== null && rs.holdSignals && !rs.ns.contains(sender.pidNs)) {
    rs.hold(target, info, group);
    return 0;
  }
  sendSignal(k, target, info, group);
  return 0;
}

export function userInfo(t: Task, sig: number, code: number): SigInfo {
  return { signo: sig, code, pid: t.group.leader.id, uid: t.cred.uid };
}

function sysKill(k: Kernel, t: Task, pid: number, sig: number): number {
  if (sig < 0 || sig > 64) return -EINVAL;
  const info = userInfo(t, sig, SI_USER);
  if (pid > 0) {
    const target = k.findTask(t.pidNs, pid);
    if (target === undefined || target.state === "dead") return -ESRCH;
    return killProcess(k, t, target.group.leader, info, true);
  }
  // Process groups (0: the caller's) and -1 (everyone but init and the caller).
  const pgrp = pid === 0 ? t.group.pgrp : pid < -1 ? t.pidNs.pids.get(-pid) : undefined;
  if (pid < -1 && pgrp === undefined) return -ESRCH;
  let found = false;
  let err = -ESRCH;
  for (const x of [...k.tasks.values()]) {
    if (!x.isLeader || !x.alive || !t.pidNs.contains(x.pidNs)) continue;
    if (pid === -1 ? x.group === t.group || x === t.pidNs.reaper : x.group.pgrp !== pgrp) continue;
    found = true;
    const r = killProcess(k, t, x, { ...info }, true);
    if (r === 0) err = 0;
    else if (err !== 0) err = r;
  }
  return found ? err : -ESRCH;
}

function sysTgkill(k: Kernel, t: Task, tgid: number, tid: number, sig: number): number {
  if (tid <= 0 || (tgid !== -1 && tgid <= 0)) return -EINVAL;
  if (sig < 0 || sig > 64) return -EINVAL;
  const target = k.findTask(t.pidNs, tid);
  if (target === undefined || !target.alive) return -ESRCH;
  if (tgid !== -1 && target.group.leader.pid.nrIn(t.pidNs) !== tgid) return -ESRCH;
  return killProcess(k, t, target, userInfo(t, sig, SI_TKILL), false);
}

function queueInfo(k: Kernel, t: Task, target: Task | undefined, sig: number, uinfo: number, group: boolean): number {
  if (sig < 0 || sig > 64) return -EINVAL; // 0: only the permission and existence checks
  const raw = t.mm.copyIn(uinfo, SIGINFO_SIZE);
  if (raw === null) return -EFAULT;
  const code = new DataView(raw.buffer).getInt32(8, true);
  if (target === undefined || !target.alive) return -ESRCH;
  // Only the kernel may claim kernel or kill() origins for another process.
  if ((code >= 0 || code === SI_TKILL) && target.group !== t.group) return -EPERM;
  return killProcess(k, t, group ? target.group.leader : target, { signo: sig, code: code ?? SI_QUEUE, raw }, group);
}

function sysRtSigreturn(k: Kernel, t: Task): number {
  t.restartCode = 0;
  t.restart = null;
  if (!restoreRtFrame(t)) {
    k.lastFatal.set(t, `rt_sigreturn with a bad frame at sp 0x${(t.hart.x[2] >>> 0).toString(16)}`);
    forceSig(k, t, { signo: SIGSEGV, code: 0x80 });
  }
  recalcSigPending(t);
  return 0;
}

export const SIGNAL_SYSCALLS: SyscallEntry[] = [
  { nr: 129, name: "kill", args: ["d", "d"], level: "full", cr: "tasks, threadGroups (pending signals)", fn: sysKill },
  { nr: 130, name: "tkill", args: ["d", "d"], level: "full", cr: "tasks (pending signals)", fn: (k, t, tid, sig) => sysTgkill(k, t, -1, tid, sig) },
  { nr: 131, name: "tgkill", args: ["d", "d", "d"], level: "full", cr: "tasks (pending signals)", fn: sysTgkill },
  { nr: 132, name: "sigaltstack", args: ["p", "p"], level: "full", cr: "tasks (sas)", fn: sysSigaltstack },
  { nr: 133, name: "rt_sigsuspend", args: ["p", "u"], level: "full", cr: "tasks (savedMask, syscall)", fn: sysRtSigsuspend },
  { nr: 134, name: "rt_sigaction", args: ["d", "p", "p", "u"], level: "full", cr: "sighands", fn: sysRtSigaction },
  { nr: 135, name: "rt_sigprocmask", args: ["d", "p", "p", "u"], level: "full", cr: "tasks (blocked)", fn: sysRtSigprocmask },
  { nr: 136, name: "rt_sigpending", args: ["p", "u"], level: "full", cr: "-", fn: sysRtSigpending },
  {
    nr: 138, name: "rt_sigqueueinfo", args: ["d", "d", "p"],
    level: "full", cr: "threadGroups (pending signals with siginfo)",
    fn: (k, t, pid, sig, info) => queueInfo(k, t, k.findTask(t.pidNs, pid), sig, info, true),
  },
  { nr: 139, name: "rt_sigreturn", args: [], noReturn: true, level: "full", cr: "-", fn: sysRtSigreturn },
  {
    nr: 240, name: "rt_tgsigqueueinfo", args: ["d", "d", "d", "p"], level: "full", cr: "tasks (pending signals with siginfo)",
    fn: (k, t, tgid, tid, sig, info) => {
      const target = k.findTask(t.pidNs, tid);
      if (target !== undefined && target.group.leader.pid.nrIn(t.pidNs) !== tgid) return -ESRCH;
      return queueInfo(k, t, target, sig, info, false);
    },
  },
  { nr: 421, name: "rt_sigtimedwait_time64", args: ["p", "p", "p", "u"], level: "full", cr: "tasks (syscall restart block)", fn: sysRtSigtimedwait },
];
