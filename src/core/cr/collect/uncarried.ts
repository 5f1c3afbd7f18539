// Per-process state the model does not carry yet (issue 16 adds it): prctl flags, POSIX timers,
// CPU affinity (a controlling terminal, supplementary groups and resource limits are carried: cred,
// signal and tty records). A checkpoint of a task whose state differs from
// what a restored task would get by default is refused with the reason, so the cell is
// "unsupported" rather than restored wrong. A task that never touched these checkpoints as before.
import type { Task } from "../../../machine/kernel/task.ts";
import { CrError, EOPNOTSUPP } from "../errors.ts";

/** Throws EOPNOTSUPP naming the first piece of t's state that a restore would lose. */
export function refuseUncarried(t: Task): void {
  const who = `task ${t.id} (${t.comm})`;
  const refuse = (what: string): never => {
    throw new CrError(EOPNOTSUPP, `${who} ${what}: checkpoint/restart of it is not implemented yet`);
  };
  const g = t.group;
  if (g.posixTimers.size > 0) refuse(`has ${g.posixTimers.size} POSIX timer(s) (timer_create)`);
  if (g.nextPosixTimerId !== 0) refuse("has created POSIX timers (the next timer id would change)");
  const timerSignal = [...t.pending.queue, ...g.sharedPending.queue].find((si) => si.timerId !== undefined);
  if (timerSignal !== undefined) refuse(`has a POSIX timer's signal ${timerSignal.signo} queued`);
  if (t.cpusAllowed !== -1) refuse("is restricted to some CPUs (sched_setaffinity)");
  if (t.nice !== 0 || t.schedPolicy !== 0 || t.resetOnFork) refuse(`has nice ${t.nice}, scheduling policy ${t.schedPolicy}${t.resetOnFork ? " with SCHED_RESET_ON_FORK" : ""} (setpriority/sched_setscheduler)`);
  if (t.mm.membarrierState !== 0) refuse("registered for membarrier commands");
  if (t.noNewPrivs) refuse("has PR_SET_NO_NEW_PRIVS set");
  if (t.keepCaps) refuse("has PR_SET_KEEPCAPS set");
}
