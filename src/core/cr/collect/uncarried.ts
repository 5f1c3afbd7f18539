// Per-process state the model does not carry yet: the controlling terminal (another part of
// issue 16 carries ttys). A checkpoint of a task that has one is refused with the reason, so the
// cell is "unsupported" rather than restored wrong. Scheduling, affinity, prctl flags, membarrier
// and POSIX timers are carried (task-state.ts); groups and limits by the cred and signal records.
import type { Task } from "../../../machine/kernel/task.ts";
import { CrError, EOPNOTSUPP } from "../errors.ts";

/** Throws EOPNOTSUPP naming the first piece of t's state that a restore would lose. */
export function refuseUncarried(t: Task): void {
  const g = t.group;
  if (g.tty !== null) throw new CrError(EOPNOTSUPP, `task ${t.id} (${t.comm}) has a controlling terminal (/dev/${g.tty.name}): checkpoint/restart of it is not implemented yet`);
}
