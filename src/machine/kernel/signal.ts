// Signal generation and delivery (Linux kernel/signal.c, condensed).
//
// Generation (sendSignal) queues a signal on a thread or on its thread group, applies the
// SIGCONT/stop-signal interactions, and wakes a thread that can take it. Delivery (doSignal)
// runs before a task returns to user mode: it dequeues unblocked signals and either performs
// the default action (ignore, stop, terminate, core) or builds a signal frame for the handler,
// deciding first whether an interrupted syscall restarts or fails with EINTR.
import { RLIMIT_CORE, softLimit } from "./rlimit.ts";
import {
  TRAP_EBREAK, TRAP_FETCH_FAULT, TRAP_ILLEGAL, TRAP_LOAD_FAULT, TRAP_MISALIGNED, TRAP_STORE_FAULT,
} from "../cpu/hart-mem.ts";
import { FAULT_OOM, FAULT_SIGBUS } from "../mm/mm.ts";
import { COSTS } from "./costs.ts";
import { EINTR, ERESTARTNOINTR, ERESTARTSYS } from "./errno.ts";
import type { Kernel } from "./kernel.ts";
import {
  BUS_ADRALN, BUS_ADRERR, CLD_CONTINUED, CLD_STOPPED, ILL_ILLOPC, SEGV_ACCERR, SEGV_MAPERR, SI_KERNEL, TRAP_BRKPT, type SigInfo,
} from "./siginfo.ts";
import {
  SA_NOCLDSTOP, SA_NODEFER, SA_RESETHAND, SA_RESTART, sigmask, SIGRTMIN, UNBLOCKABLE,
} from "./signal-defs.ts";
import { setupRtFrame } from "./signal-frame.ts";
import {
  SIGBUS, SIGCHLD, SIGCONT, SIGILL, SIGKILL, SIGSEGV, SIGSTOP, SIGTRAP, signalName,
} from "./signal-names.ts";
import { SIG_DFL, SIG_IGN, type SigPending, type Task } from "./task.ts";

const STOP_MASK = sigmask(SIGSTOP) | sigmask(20) | sigmask(21) | sigmask(22);
const IGNORE_MASK = sigmask(SIGCHLD) | sigmask(SIGCONT) | sigmask(23) | sigmask(28);
const COREDUMP_MASK = [3, 4, 5, 6, 7, 8, 11, 24, 25, 31].reduce((m, s) => m | sigmask(s), 0n);
/** Dequeued first, as Linux's SYNCHRONOUS_MASK: faults must be handled before anything else. */
const SYNCHRONOUS_MASK = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, 8, 31].reduce((m, s) => m | sigmask(s), 0n);

export type DefaultAction = "ignore" | "stop" | "terminate" | "core";

export function defaultAction(sig: number): DefaultAction {
  const m = sigmask(sig);
  if (sig < SIGRTMIN) {
    if (m & IGNORE_MASK) return "ignore";
    if (m & STOP_MASK) return "stop";
    if (m & COREDUMP_MASK) return "core";
  }
  return "terminate";
}

function isIgnored(t: Task, sig: number): boolean {
  const h = t.sighand.action(sig).handler;
  return h === SIG_IGN || (h === SIG_DFL && defaultAction(sig) === "ignore");
}

function removeFrom(p: SigPending, mask: bigint): void {
  if ((p.signals & mask) === 0n) return;
  p.signals &= ~mask;
  for (let i = p.queue.length - 1; i >= 0; i--) if (mask & sigmask(p.queue[i].signo)) p.queue.splice(i, 1);
}

/** Whether a signal would be acted on if t returned to user mode now (signal_pending). */
export function signalDeliverable(t: Task): boolean {
  return ((t.pending.signals | t.group.sharedPending.signals) & ~t.blocked) !== 0n || t.group.groupExit;
}

/** Recompute whether t has something to do before returning to user mode. */
export function recalcSigPending(t: Task): void {
  const pending = (t.pending.signals | t.group.sharedPending.signals) & ~t.blocked;
  t.sigPending = pending !== 0n || t.group.groupExit || (t.group.stopped && t.state === "running");
}

/** Wake a thread so it notices a signal (signal_wake_up). */
function signalWakeUp(k: Kernel, t: Task, fatal: boolean): void {
  t.sigPending = true;
  if (fatal && t.frozen) {
    // SIGKILL reaches frozen tasks too: out of the refrigerator, to die.
    t.frozen = false;
    if (t.state === "running") k.sched.enqueue(t, k.clock);
  }
  if (t.state === "sleeping") k.wake(t);
  else if (fatal && t.state === "stopped") {
    t.state = "running";
    k.sched.enqueue(t, k.clock);
  }
}

/**
 * Generate a signal for one thread (group=false) or for its whole thread group. Returns false
 * when it was dropped (ignored, or a standard signal already pending).
 */
export function sendSignal(k: Kernel, t: Task, info: SigInfo, group: boolean): boolean {
  const sig = info.signo;
  const g = t.group;
  if (!t.alive && !group) return false;
  // Kernel threads take no signals; a task still being restored (it runs its restore in kernel
  // context) does: they stay pending until it returns to user mode.
  if (t.kthread !== null && t.kthread.resumeUser !== true) return false;
  if (g.groupExit && sig !== SIGKILL) return false;
  // prepare_signal: stop signals and SIGCONT cancel each other.
  if (sigmask(sig) & STOP_MASK) {
    removeFrom(g.sharedPending, sigmask(SIGCONT));
    for (const th of g.threads) removeFrom(th.pending, sigmask(SIGCONT));
  } else if (sig === SIGCONT) {
    removeFrom(g.sharedPending, STOP_MASK);
    for (const th of g.threads) removeFrom(th.pending, STOP_MASK);
    let wasStopped = g.stopped;
    g.stopped = false;
    for (const th of g.threads) {
      if (th.state === "stopped") {
        wasStopped = true;
        th.state = "running";
        k.sched.enqueue(th, k.clock);
      }
    }
    if (wasStopped) {
      g.notifyContinue = true;
      g.notifyStop = false;
      notifyParentStopCont(k, g.leader, CLD_CONTINUED);
    }
  }
  if (sig === SIGKILL) {
    // SIGKILL is never ignored or blocked; the whole group dies.
    startGroupKill(k, t, { signal: SIGKILL });
    return true;
  }
  const blocked = (t.blocked & sigmask(sig)) !== 0n;
  if (isIgnored(t, sig) && !blocked) return false;
  const p = group ? g.sharedPending : t.pending;
  if (sig < SIGRTMIN && (p.signals & sigmask(sig))) return false; // standard signals do not queue
  p.signals |= sigmask(sig);
  // si_pid is fixed when the signal is sent: the sender may be gone by the time it is taken.
  if (info.pid !== undefined && info.pidNr === undefined) {
    info = { ...info, pidNr: k.tasks.get(info.pid)?.pid.nrIn(t.pidNs) ?? 0 };
  }
  p.queue.push(info);
  // signalfd_notify: a signalfd reader or poller may be waiting for this one.
  if (!t.sighand.signalfdWqh.empty) k.wakeAll(t.sighand.signalfdWqh);
  completeSignal(k, t, sig, group);
  return true;
}

function wantsSignal(t: Task, sig: number): boolean {
  return t.alive && ((t.blocked & sigmask(sig)) === 0n || (t.sigWaitSet & sigmask(sig)) !== 0n);
}

function completeSignal(k: Kernel, t: Task, sig: number, group: boolean): void {
  let target: Task | undefined = t;
  if (group && !wantsSignal(t, sig)) target = [...t.group.threads].find((th) => wantsSignal(th, sig));
  if (target === undefined || !wantsSignal(target, sig)) return; // blocked everywhere: stays pending
  // A signal whose default action kills the process, delivered to an unblocked thread with no
  // handler, kills the whole group at once (sig_fatal).
  const h = t.sighand.action(sig).handler;
  const act = defaultAction(sig);
  if (h === SIG_DFL && (act === "terminate" || act === "core") && !t.group.groupExit && (target.blocked & sigmask(sig)) === 0n) {
    startGroupKill(k, target, { signal: sig, core: act === "core" });
    return;
  }
  signalWakeUp(k, target, false);
}

/** Begin a group exit: every thread is woken with SIGKILL semantics and exits on its way out. */
function startGroupKill(k: Kernel, t: Task, status: { signal: number; core?: boolean }): void {
  const g = t.group;
  if (g.groupExit) return;
  g.groupExit = true;
  g.groupExitStatus = { ...status, core: status.core === true && (k.coreDumps || softLimit(k, g, RLIMIT_CORE) > 0) };
  g.stopped = false;
  for (const th of g.threads) signalWakeUp(k, th, true);
}

/** A synchronous fault signal: if blocked or ignored, it is unblocked and reset to SIG_DFL first. */
export function forceSig(k: Kernel, t: Task, info: SigInfo): void {
  const sig = info.signo;
  const a = t.sighand.actions[sig];
  if ((t.blocked & sigmask(sig)) !== 0n || a.handler === SIG_IGN) {
    a.handler = SIG_DFL;
    t.blocked &= ~sigmask(sig);
  }
  sendSignal(k, t, info, false);
}

/** Turn a hart trap into the signal Linux sends for it. */
export function handleTrap(k: Kernel, t: Task, cause: number): void {
  const h = t.hart;
  const pc = `pc 0x${h.pc.toString(16).padStart(8, "0")}`;
  let info: SigInfo;
  let detail: string;
  switch (cause) {
    case TRAP_ILLEGAL:
      info = { signo: SIGILL, code: ILL_ILLOPC, addr: h.pc };
      detail = `illegal instruction 0x${(h.trapInst >>> 0).toString(16)} at ${pc}`;
      break;
    case TRAP_EBREAK:
      info = { signo: SIGTRAP, code: TRAP_BRKPT, addr: h.pc };
      detail = `breakpoint (ebreak) at ${pc}`;
      break;
    case TRAP_FETCH_FAULT: case TRAP_LOAD_FAULT: case TRAP_STORE_FAULT: case TRAP_MISALIGNED: {
      const f = h.lastFault!;
      const what = cause === TRAP_FETCH_FAULT ? "instruction fetch" : cause === TRAP_LOAD_FAULT ? "load" : cause === TRAP_STORE_FAULT ? "store" : "atomic";
      const addr = `0x${f.addr.toString(16).padStart(8, "0")}`;
      if (cause === TRAP_MISALIGNED) {
        info = { signo: SIGBUS, code: BUS_ADRALN, addr: f.addr };
        detail = `misaligned atomic access at ${addr} (BUS_ADRALN), ${pc}`;
      } else if (f.code === FAULT_SIGBUS) {
        // Beyond the end of the object behind a shared mapping (mremap grew past it).
        info = { signo: SIGBUS, code: BUS_ADRERR, addr: f.addr };
        detail = `${what} at ${addr} beyond the end of its mapped object (BUS_ADRERR), ${pc}`;
      } else if (f.code === FAULT_OOM) {
        k.lastFatal.set(t, `out of memory on ${what} at ${addr}: the machine's memory limit is reached`);
        sendSignal(k, t, { signo: SIGKILL, code: SI_KERNEL }, true);
        return;
      } else {
        const code = f.code === SEGV_ACCERR ? SEGV_ACCERR : SEGV_MAPERR;
        info = { signo: SIGSEGV, code, addr: f.addr };
        detail = `${what} fault at ${addr} (${code === SEGV_ACCERR ? "SEGV_ACCERR" : "SEGV_MAPERR"}), ${pc}`;
      }
      break;
    }
    default:
      info = { signo: SIGKILL, code: SI_KERNEL };
      detail = `unknown trap ${cause} at ${pc}`;
  }
  k.lastFatal.set(t, detail);
  forceSig(k, t, info);
}

function nextSignal(p: SigPending, blocked: bigint): number {
  const ready = p.signals & ~blocked;
  if (ready === 0n) return 0;
  const sync = ready & SYNCHRONOUS_MASK;
  const pick = sync !== 0n ? sync : ready;
  // Lowest-numbered first.
  let sig = 1;
  while (((pick >> BigInt(sig - 1)) & 1n) === 0n) sig++;
  return sig;
}

function dequeueFrom(p: SigPending, sig: number): SigInfo {
  const i = p.queue.findIndex((q) => q.signo === sig);
  const info = i >= 0 ? p.queue.splice(i, 1)[0] : { signo: sig, code: SI_KERNEL };
  if (!p.queue.some((q) => q.signo === sig)) p.signals &= ~sigmask(sig);
  return info;
}

/** dequeue_signal: the thread's own pending set first, then the group's. */
export function dequeueSignal(t: Task, blocked = t.blocked): SigInfo | null {
  let sig = nextSignal(t.pending, blocked);
  if (sig !== 0) return dequeueFrom(t.pending, sig);
  sig = nextSignal(t.group.sharedPending, blocked);
  if (sig !== 0) return dequeueFrom(t.group.sharedPending, sig);
  return null;
}

/** Tell the parent a group stopped or continued (do_notify_parent_cldstop). */
function notifyParentStopCont(k: Kernel, leader: Task, why: number): void {
  const parent = leader.parent;
  if (parent === null || !parent.alive) return;
  if ((parent.sighand.action(SIGCHLD).flags & SA_NOCLDSTOP) === 0) {
    const status = why === 6 /* CLD_CONTINUED */ ? 18 /* SIGCONT */ : leader.group.stopSignal;
    sendSignal(k, parent, { signo: SIGCHLD, code: why, pid: leader.id, uid: leader.cred.uid, status }, true);
  }
  k.wakeAll(parent.group.childWait);
}

/** Stop the current thread as part of a group stop. */
function stopSelf(k: Kernel, t: Task): void {
  t.state = "stopped";
  k.sched.remove(t);
}

function doSignalStop(k: Kernel, t: Task, sig: number): void {
  const g = t.group;
  if (!g.stopped) {
    g.stopped = true;
    g.stopSignal = sig;
    g.notifyStop = true;
    g.notifyContinue = false;
    notifyParentStopCont(k, g.leader, CLD_STOPPED);
    for (const th of g.threads) if (th !== t) signalWakeUp(k, th, false);
  }
  stopSelf(k, t);
}

/**
 * Before t returns to user mode: group exit, group stop, then every deliverable signal (each
 * handler frame stacked on the previous one, as Linux's exit_to_user_mode loop does), and the
 * restart decision for an interrupted syscall.
 */
export function doSignal(k: Kernel, t: Task): void {
  let delivered = false;
  for (;;) {
    const g = t.group;
    if (g.groupExit) {
      k.groupExit(t, g.groupExitStatus ?? { signal: SIGKILL });
      return;
    }
    if (g.stopped && t.state === "running") {
      stopSelf(k, t);
      return;
    }
    const info = dequeueSignal(t);
    if (info === null) break;
    const sig = info.signo;
    const ka = t.sighand.action(sig);
    if (ka.handler === SIG_IGN) continue;
    if (ka.handler === SIG_DFL) {
      const act = defaultAction(sig);
      if (act === "ignore") continue;
      // A namespace's init (SIGNAL_UNKILLABLE) discards default-action signals at delivery.
      const init = t.pidNs.reaper;
      if (init !== null && init.group === t.group && sig !== SIGKILL && sig !== SIGSTOP) continue;
      if (act === "stop") {
        doSignalStop(k, t, sig);
        return;
      }
      if (!k.lastFatal.has(t)) k.lastFatal.set(t, `${signalName(sig)} from ${info.pid !== undefined ? `pid ${info.pid}` : "the kernel"}`);
      k.groupExit(t, { signal: sig, core: act === "core" });
      return;
    }
    // A handler runs: settle the interrupted syscall first.
    if (t.restartCode !== 0) {
      const code = t.restartCode;
      const restart = code === ERESTARTNOINTR || (code === ERESTARTSYS && (ka.flags & SA_RESTART) !== 0);
      if (!restart) {
        t.restart?.interrupted?.(t);
        t.hart.x[10] = -EINTR;
        t.hart.pc = (t.hart.pc + 4) >>> 0;
        t.restart = null;
      }
      t.restartCode = 0;
    }
    const oldMask = t.savedMask ?? t.blocked;
    t.savedMask = null;
    k.charge(t, COSTS.signalDelivery);
    if (!setupRtFrame(k, t, sig, info, ka, oldMask)) {
      // No room for the frame (bad stack): Linux kills with SIGSEGV.
      k.lastFatal.set(t, `cannot build the ${signalName(sig)} frame: bad stack pointer 0x${(t.hart.x[2] >>> 0).toString(16)}`);
      k.groupExit(t, { signal: SIGSEGV, core: true });
      return;
    }
    t.blocked |= ka.mask | ((ka.flags & SA_NODEFER) !== 0 ? 0n : sigmask(sig));
    t.blocked &= ~UNBLOCKABLE;
    if ((ka.flags & SA_RESETHAND) !== 0) t.sighand.actions[sig] = { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n };
    delivered = true;
  }
  // No handler ran: an interrupted call restarts transparently (ERESTARTNOHAND and
  // ERESTART_RESTARTBLOCK restart too when no handler ran; the pc is still on the ecall).
  if (!delivered && t.savedMask !== null && t.restartCode === 0) {
    t.blocked = t.savedMask;
    t.savedMask = null;
  }
  recalcSigPending(t);
}

