// A task's own state from its record: what each restored task sets on itself in kernel context
// (registers, masks, the syscall it was inside), and what it takes on at ret-from-resume (its
// pending signals, a job-control stop) — the last step, so that no signal is acted on before
// every task of the container exists.
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { recalcSigPending } from "../../../machine/kernel/signal.ts";
import type { SigInfo } from "../../../machine/kernel/siginfo.ts";
import { AUDIT_UNSET, type SigPending, type Task } from "../../../machine/kernel/task.ts";
import type { PidNamespace } from "../../../machine/kernel/pid.ts";
import type { SigInfoRecord, SigPendingRecord, TaskRecord, ThreadGroupRecord } from "../model.ts";
import { restoreSchedAndFlags } from "./task-state.ts";

/**
 * The audit login uid and session, the robust futex list, the scheduling parameters, affinity
 * and prctl flags (absent in the record: a new task's). Cannot fail (the model was validated).
 */
export function restoreAuditAndRobust(k: Kernel, t: Task, rec: TaskRecord): void {
  t.loginuid = rec.loginuid ?? AUDIT_UNSET;
  t.sessionid = rec.sessionid ?? AUDIT_UNSET;
  t.robustList = rec.robustList ?? 0;
  restoreSchedAndFlags(k, t, rec);
}

/** Registers, masks, alternate stack and the interrupted syscall. */
export function restoreTaskState(k: Kernel, t: Task, rec: TaskRecord, tasks: Task[]): void {
  const h = t.hart;
  const regs = rec.regs!;
  for (let i = 1; i < 32; i++) h.x[i] = regs.x[i] | 0;
  h.x[0] = 0;
  h.pc = regs.pc >>> 0;
  for (let i = 0; i < h.f.length; i++) h.f[i] = regs.f[i] >>> 0;
  h.fcsr = regs.fcsr;
  h.instret = rec.instret;
  t.blocked = rec.blocked;
  t.savedMask = rec.savedMask;
  t.sas = { ...rec.sas };
  t.clearChildTid = rec.clearChildTid >>> 0;
  t.sigWaitSet = rec.sigWaitSet;
  t.cpuCycles = rec.cpuCycles;
  const sc = rec.syscall;
  if (sc !== null) {
    t.restartCode = sc.restartCode;
    if (sc.block !== null) {
      const block: Task["restart"] = { nr: 0, ...sc.block };
      if (sc.deadlineLeft !== undefined) block.deadline = k.clock + sc.deadlineLeft;
      if (sc.vforkChildTaskId !== undefined) block.vforkChild = tasks[sc.vforkChildTaskId - 1]?.id ?? 0;
      t.restart = block;
    }
    if (sc.afterHandler !== undefined) t.rwAfterHandler = { ...sc.afterHandler };
  }
}

/** Timer siginfos the restore made already (restore/task-state.ts restoreTimers), by record. */
export type MadeSigInfos = ReadonlyMap<SigInfoRecord, SigInfo>;

function addPending(p: SigPending, rec: SigPendingRecord, ns: PidNamespace, made?: MadeSigInfos): void {
  p.signals |= rec.signals;
  for (const si of rec.queue) {
    const tracked = made?.get(si);
    if (tracked !== undefined) {
      p.queue.push(tracked);
      continue;
    }
    const info: SigInfo = { signo: si.signo, code: si.code };
    if (si.errno !== undefined) info.errno = si.errno;
    if (si.pidNr !== undefined) info.pid = si.pidNr === 0 ? 0 : ns.pids.get(si.pidNr)?.numbers[0].nr ?? 0;
    if (si.uid !== undefined) info.uid = si.uid;
    if (si.status !== undefined) info.status = si.status;
    if (si.addr !== undefined) info.addr = si.addr;
    if (si.value !== undefined) info.value = si.value;
    if (si.raw !== undefined) info.raw = si.raw.slice();
    if (si.timerId !== undefined) {
      info.timerId = si.timerId;
      info.overrun = si.overrun ?? 0;
    }
    p.queue.push(info);
  }
}

/** A thread group's shared pending signals (once per group, before any of its tasks resumes). */
export function restoreGroupPending(t: Task, group: ThreadGroupRecord, ns: PidNamespace, made?: MadeSigInfos): void {
  addPending(t.group.sharedPending, group.sharedPending, ns, made);
}

/** ret-from-resume: the task's own pending signals and a job-control stop. */
export function resumeTask(k: Kernel, t: Task, rec: TaskRecord, ns: PidNamespace, made?: MadeSigInfos): void {
  addPending(t.pending, rec.pending, ns, made);
  for (const th of t.group.threads) recalcSigPending(th);
  // Still stopped unless a SIGCONT came while it was finishing its restore (a task that resumed
  // earlier may have sent one): that cleared the group's stop.
  if (rec.state === "stopped" && t.group.stopped) {
    t.state = "stopped";
    k.sched.remove(t);
  }
}
