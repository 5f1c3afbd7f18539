// Issue 16's per-process state back onto restored objects: scheduling parameters, affinity and
// prctl flags of each task, dumpable and the timer id counter of each process, and its POSIX
// timers — re-armed on this machine's clock and re-linked to the signal of their last expiry
// when it is still queued, so that further expiries count overruns on it as before.
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { arm, SIGEV_THREAD_ID, type PosixTimer } from "../../../machine/kernel/posix-timers.ts";
import type { SigInfo } from "../../../machine/kernel/siginfo.ts";
import type { Task, ThreadGroup } from "../../../machine/kernel/task.ts";
import { PFA_NO_NEW_PRIVS, SCHED_RESET_ON_FORK, SECBIT_KEEP_CAPS, type SigInfoRecord, type TaskRecord, type ThreadGroupRecord } from "../model.ts";

/** nice, policy, rt priority, affinity, no_new_privs and keepcaps (absent fields: a new task's). */
export function restoreSchedAndFlags(k: Kernel, t: Task, rec: TaskRecord): void {
  t.nice = rec.nice ?? 0;
  const policy = rec.schedPolicy ?? 0;
  t.schedPolicy = policy & ~SCHED_RESET_ON_FORK;
  t.resetOnFork = (policy & SCHED_RESET_ON_FORK) !== 0;
  t.rtPriority = rec.schedPriority ?? 0;
  t.noNewPrivs = ((rec.atomicFlags ?? 0) & PFA_NO_NEW_PRIVS) !== 0;
  t.keepCaps = ((rec.securebits ?? 0) & SECBIT_KEEP_CAPS) !== 0;
  // As sched_setaffinity stores it: the CPUs this machine has of the mask, -1 when that is all
  // of them (validation refused a mask naming none).
  const online = k.sched.cpus.length >= 32 ? -1 : (1 << k.sched.cpus.length) - 1;
  const mask = rec.cpusAllowed === undefined ? -1 : rec.cpusAllowed & online;
  k.sched.setAffinity(t, mask === online ? -1 : mask);
}

/** dumpable and the next timer id: set with the group's other fields, before any task exists. */
export function restoreGroupFlags(g: ThreadGroup, rec: ThreadGroupRecord): void {
  g.dumpable = rec.dumpable ?? 1;
  g.nextPosixTimerId = rec.nextPosixTimerId ?? 0;
}

/** The last record in `queue` with timer id `id`: the siginfo the timer still tracks. */
function lastOf(queue: SigInfoRecord[], id: number): SigInfoRecord | undefined {
  for (let i = queue.length - 1; i >= 0; i--) if (queue[i].timerId === id) return queue[i];
  return undefined;
}

/**
 * The group's timers, made and armed (the last step of a restart: nothing fails after it). A
 * queued signal a timer tracks is made here, into `made`, so that the restore of its queue
 * (the group's at commit, a thread's at ret-from-resume) queues this very object.
 */
export function restoreTimers(g: ThreadGroup, rec: ThreadGroupRecord, tasks: Task[], taskRecs: TaskRecord[], made: Map<SigInfoRecord, SigInfo>): void {
  for (const tr of rec.posixTimers ?? []) {
    const target = tasks[tr.targetTaskId - 1];
    const timer: PosixTimer = {
      id: tr.id, clock: tr.clock, notify: tr.notify, signo: tr.signo, value: tr.value, target,
      expires: 0, interval: tr.interval, queueId: 0, info: null, overrunLast: tr.overrunLast,
    };
    if (tr.signalQueued) {
      const queue = tr.notify === SIGEV_THREAD_ID ? taskRecs[tr.targetTaskId - 1].pending.queue : rec.sharedPending.queue;
      const si = lastOf(queue, tr.id)!;
      const info: SigInfo = { signo: si.signo, code: si.code, timerId: si.timerId, overrun: si.overrun ?? 0, value: si.value };
      made.set(si, info);
      timer.info = info;
    }
    g.posixTimers.set(tr.id, timer);
  }
}

/** Arm the restored timers of g relative to this machine's clock. */
export function armTimers(k: Kernel, g: ThreadGroup, rec: ThreadGroupRecord): void {
  for (const tr of rec.posixTimers ?? []) if (tr.left > 0) arm(k, g.posixTimers.get(tr.id)!, k.clock + tr.left);
}
