// Per-process state beside the task tree (issue 16): scheduling parameters, CPU affinity, prctl
// flags, dumpable, membarrier registrations and POSIX timers. Each is recorded only when it
// differs from what a new process gets, so images of programs that never touched it keep their
// bytes (the records' optional fields, model.ts TASK_EXT / GROUP_EXT / MM_EXT).
import type { Mm } from "../../../machine/mm/mm.ts";
import type { PosixTimer } from "../../../machine/kernel/posix-timers.ts";
import type { SigInfo } from "../../../machine/kernel/siginfo.ts";
import type { Task, ThreadGroup } from "../../../machine/kernel/task.ts";
import { CrError, EOPNOTSUPP } from "../errors.ts";
import { PFA_NO_NEW_PRIVS, SCHED_RESET_ON_FORK, SECBIT_KEEP_CAPS, type MmRecord, type PosixTimerRecord, type TaskRecord, type ThreadGroupRecord } from "../model.ts";

type TaskExt = Pick<TaskRecord, "nice" | "schedPolicy" | "schedPriority" | "cpusAllowed" | "atomicFlags" | "securebits">;

/** nice, policy, rt priority, affinity, no_new_privs and keepcaps of one thread. */
export function taskSchedAndFlags(t: Task): TaskExt {
  const r: TaskExt = {};
  if (t.nice !== 0) r.nice = t.nice;
  const policy = t.schedPolicy | (t.resetOnFork ? SCHED_RESET_ON_FORK : 0);
  if (policy !== 0) r.schedPolicy = policy;
  if (t.rtPriority !== 0) r.schedPriority = t.rtPriority;
  if (t.cpusAllowed !== -1) r.cpusAllowed = t.cpusAllowed >>> 0;
  if (t.noNewPrivs) r.atomicFlags = PFA_NO_NEW_PRIVS;
  if (t.keepCaps) r.securebits = SECBIT_KEEP_CAPS;
  return r;
}

/** The mm's membarrier registrations. */
export function mmExt(mm: Mm): Pick<MmRecord, "membarrierState"> {
  return mm.membarrierState !== 0 ? { membarrierState: mm.membarrierState } : {};
}

/** Whether `info` waits in its timer target's queues (posix-timers.ts's own test). */
const queuedIn = (t: Task, info: SigInfo): boolean => t.pending.queue.includes(info) || t.group.sharedPending.queue.includes(info);

/**
 * The last queued siginfo with timer id `id` in t's queues: where a restore finds the one the
 * timer still tracks (its own queue first when it signals the thread, its process's otherwise).
 */
function lastQueued(t: Task, id: number, toThread: boolean): SigInfo | undefined {
  const q = toThread ? t.pending.queue : t.group.sharedPending.queue;
  for (let i = q.length - 1; i >= 0; i--) if (q[i].timerId === id) return q[i];
  return undefined;
}

const SIGEV_THREAD_ID = 4;

/** One timer as a record: the expiry as cycles left, the signal it tracks as a flag. */
function timerRecord(tm: PosixTimer, clock: number, taskId: (t: Task) => number | undefined, who: string): PosixTimerRecord {
  const target = taskId(tm.target);
  if (target === undefined) {
    throw new CrError(EOPNOTSUPP, `${who}: POSIX timer ${tm.id} signals thread ${tm.target.id}, which is not a task of the container (it has exited): checkpoint/restart of such a timer is not implemented yet`);
  }
  let signalQueued = false;
  let overrunLast = tm.overrunLast;
  const info = tm.info;
  if (info !== null) {
    if (queuedIn(tm.target, info)) {
      // The restore re-links the timer to the last siginfo of its id in the queue it went to.
      if (lastQueued(tm.target, tm.id, tm.notify === SIGEV_THREAD_ID) !== info) {
        throw new CrError(EOPNOTSUPP, `${who}: POSIX timer ${tm.id}'s queued signal is not the last one with its id: checkpoint/restart of it is not implemented yet`);
      }
      signalQueued = true;
    } else {
      // Delivered: timer_getoverrun reads its count, as it reads overrunLast once `info` is gone.
      overrunLast = info.overrun ?? 0;
    }
  }
  return {
    id: tm.id, clock: tm.clock, notify: tm.notify, signo: tm.signo, value: tm.value, targetTaskId: target,
    left: tm.expires > 0 ? Math.max(1, tm.expires - clock) : 0, interval: tm.interval, overrunLast, signalQueued,
  };
}

/** dumpable, the next timer id and the timers of a process. */
export function groupTimersAndFlags(g: ThreadGroup, clock: number, taskId: (t: Task) => number | undefined): Pick<ThreadGroupRecord, "dumpable" | "nextPosixTimerId" | "posixTimers"> {
  const r: Pick<ThreadGroupRecord, "dumpable" | "nextPosixTimerId" | "posixTimers"> = {};
  if (g.dumpable !== 1) r.dumpable = g.dumpable;
  if (g.nextPosixTimerId !== 0) r.nextPosixTimerId = g.nextPosixTimerId;
  if (g.posixTimers.size > 0) {
    const who = `process ${g.leader.id} (${g.leader.comm})`;
    r.posixTimers = [...g.posixTimers.values()].sort((a, b) => a.id - b.id).map((tm) => timerRecord(tm, clock, taskId, who));
  }
  return r;
}
