// What poll, select and epoll_wait share (Linux's fs/select.c helpers): the poll table that
// collects the queues a poller sleeps on, the absolute deadline kept across re-executions, and
// the temporary signal mask of ppoll / pselect6 / epoll_pwait (set_user_sigmask and
// restore_saved_sigmask_unless).
//
// Under the kernel's -ERESTARTSYS model a sleeping poller is re-executed from the start when
// any of its queues is woken: it polls every file again, which is exactly Linux's do_poll loop
// after schedule returns. The deadline rides in the restart block so that the re-executed call
// does not start its timeout afresh.
import type { PollTable } from "../../fs/poll.ts";
import { EFAULT, EINVAL } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { recalcSigPending } from "../signal.ts";
import { UNBLOCKABLE } from "../signal-defs.ts";
import type { Task } from "../task.ts";
import type { WaitQueue } from "../wait-queue.ts";

/** poll_wqueues: the distinct queues the polled files named, in the order they named them. */
export class QueueCollector implements PollTable {
  readonly queues = new Set<WaitQueue>();

  wait(wq: WaitQueue): void {
    this.queues.add(wq);
  }
}

/** A deadline in cycles; null = wait forever. */
export type Deadline = number | null;

/**
 * The call's deadline: from the restart block if this is a re-execution of call `nr`, else from
 * `ns` (null = no timeout; 0 = return at once). Stores it in the restart block (`deadline`, so
 * that a checkpoint carries it as the time left; `poll` marks the block as this call's).
 */
export function pollDeadline(k: Kernel, t: Task, nr: number, ns: number | null): Deadline {
  const r = t.restart;
  if (r !== null && r.nr === nr && r.poll === true) return r.deadline ?? null;
  const deadline = ns === null ? null : k.clock + k.nsToCycles(ns);
  t.restart = { nr, poll: true, deadline: deadline ?? undefined };
  return deadline;
}

export const expired = (k: Kernel, d: Deadline): boolean => d !== null && k.clock >= d;

/** Cycles left until d, at least 0 (null: none). */
export const cyclesLeft = (k: Kernel, d: Deadline): number => (d === null ? 0 : Math.max(0, d - k.clock));

/** Read a sigset_t of `size` bytes (must be 8, _NSIG/8) at addr: the set, or -errno. */
export function readUserSigset(t: Task, addr: number, size: number): bigint | number {
  if (size !== 8) return -EINVAL;
  const b = t.mm.copyIn(addr, 8);
  if (b === null) return -EFAULT;
  const dv = new DataView(b.buffer);
  return BigInt(dv.getUint32(0, true)) | (BigInt(dv.getUint32(4, true)) << 32n);
}

/**
 * set_user_sigmask: block `mask` for the duration of the call, keeping the old mask in
 * savedMask (a re-execution finds it there already). Signal delivery restores savedMask after
 * the handler's frame has recorded it (restore_saved_sigmask).
 */
export function setTempSigmask(t: Task, mask: bigint): void {
  if (t.savedMask === null) t.savedMask = t.blocked;
  t.blocked = mask & ~UNBLOCKABLE;
  recalcSigPending(t);
}

/** restore_saved_sigmask: the call returns to user space without a handler in between. */
export function restoreTempSigmask(t: Task): void {
  if (t.savedMask === null) return;
  t.blocked = t.savedMask;
  t.savedMask = null;
  recalcSigPending(t);
}
