// futex_time64: WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET, WAKE_BITSET, with timeouts on the
// virtual clock. A waiter sleeps with its pc on the ecall; a FUTEX_WAKE marks it woken
// (restart.woken) so the re-executed call returns 0 instead of waiting again.
import { EAGAIN, EFAULT, EINVAL, ENOSYS, EPERM, ESRCH, ERESTART_RESTARTBLOCK, ERESTARTSYS, ETIMEDOUT } from "../errno.ts";
import {
  FUTEX_BITSET_MATCH_ANY, FUTEX_CLOCK_REALTIME, FUTEX_CMP_REQUEUE, FUTEX_PRIVATE_FLAG, FUTEX_REQUEUE, FUTEX_WAIT,
  FUTEX_WAIT_BITSET, FUTEX_WAKE, FUTEX_WAKE_BITSET,
} from "../futex.ts";
import type { Kernel } from "../kernel.ts";
import { ROBUST_LIST_HEAD_SIZE } from "../robust-list.ts";
import type { Task } from "../task.ts";
import { readTimespec } from "./sys-time.ts";
import type { SyscallEntry } from "./types.ts";

const NR_FUTEX_TIME64 = 422;

function futexWait(k: Kernel, t: Task, uaddr: number, val: number, timeout: number, bitset: number, priv: boolean, absolute: boolean, realtime: boolean): number {
  const r = t.restart;
  if (r?.nr === NR_FUTEX_TIME64) {
    if (r.woken === true) return 0;
    if (r.deadline !== undefined && k.clock >= r.deadline) return -ETIMEDOUT;
  }
  if ((uaddr & 3) !== 0) return -EINVAL;
  if (bitset === 0) return -EINVAL;
  const cur = t.mm.readU32(uaddr);
  if (cur === null) return -EFAULT;
  if (cur !== val >>> 0) return -EAGAIN;
  let deadline = r?.nr === NR_FUTEX_TIME64 ? r.deadline : undefined;
  if (deadline === undefined && timeout !== 0) {
    const ns = readTimespec(t, timeout);
    if (ns === null) return -EFAULT;
    if (ns === -1) return -EINVAL;
    const now = absolute ? (realtime ? k.realtimeNs() : k.monotonicNs()) : 0;
    deadline = k.clock + k.nsToCycles(Math.max(0, ns - now));
    if (deadline <= k.clock) return -ETIMEDOUT;
  }
  const key = k.futexes.key(t.mm, uaddr, priv);
  if (key === null) return -EFAULT;
  t.restart = { nr: NR_FUTEX_TIME64, deadline, woken: false };
  k.futexes.enqueue({ task: t, bitset, key });
  // With a timeout Linux restarts through restart_block: a handler always interrupts with EINTR.
  return k.sleep(t, null, deadline ?? 0, deadline === undefined ? ERESTARTSYS : ERESTART_RESTARTBLOCK);
}

function sysFutex(k: Kernel, t: Task, uaddr: number, op: number, val: number, timeout: number, uaddr2: number, val3: number): number {
  const priv = (op & FUTEX_PRIVATE_FLAG) !== 0;
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  if (realtime && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT) return -ENOSYS;
  // A task that slept here and was woken or interrupted: drop its stale queue entry first.
  if (t.restart?.nr === NR_FUTEX_TIME64) k.futexes.dequeue(t);
  switch (cmd) {
    case FUTEX_WAIT:
      return futexWait(k, t, uaddr, val, timeout, FUTEX_BITSET_MATCH_ANY, priv, false, realtime);
    case FUTEX_WAIT_BITSET:
      return futexWait(k, t, uaddr, val, timeout, val3 >>> 0, priv, true, realtime);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      const bitset = cmd === FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3 >>> 0;
      if (bitset === 0) return -EINVAL;
      if (k.futexes.key(t.mm, uaddr, priv) === null) return -EFAULT;
      return k.futexWake(t.mm, uaddr, val <= 0 ? 0 : val, bitset, priv);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if (val < 0 || timeout < 0) return -EINVAL;
      if (cmd === FUTEX_CMP_REQUEUE) {
        const cur = t.mm.readU32(uaddr);
        if (cur === null) return -EFAULT;
        if (cur !== val3 >>> 0) return -EAGAIN;
      }
      const from = k.futexes.key(t.mm, uaddr, priv);
      const to = k.futexes.key(t.mm, uaddr2, priv);
      if (from === null || to === null) return -EFAULT;
      const woken = k.futexWake(t.mm, uaddr, val, FUTEX_BITSET_MATCH_ANY, priv);
      // The fourth argument is the requeue count (val2), not a timeout, for these commands.
      return woken + k.futexes.requeue(from, to, timeout >>> 0);
    }
    default:
      return -ENOSYS;
  }
}

/** set_robust_list: only the head's size is checked; the list is read when the thread exits. */
function sysSetRobustList(_k: Kernel, t: Task, head: number, len: number): number {
  if (len >>> 0 !== ROBUST_LIST_HEAD_SIZE) return -EINVAL;
  t.robustList = head >>> 0;
  return 0;
}

const CAP_SYS_PTRACE = 19;

/**
 * ptrace_may_access(PTRACE_MODE_READ_REALCREDS) without LSMs: its own process always; another
 * with CAP_SYS_PTRACE, or when the caller's real ids are all of the target's and it is dumpable.
 */
function mayReadTask(t: Task, target: Task): boolean {
  if (target.group === t.group || t.cred.capable(CAP_SYS_PTRACE)) return true;
  const a = t.cred;
  const b = target.cred;
  const ids = [b.uid, b.euid, b.suid].every((x) => x === a.uid) && [b.gid, b.egid, b.sgid].every((x) => x === a.gid);
  return ids && target.group.dumpable === 1;
}

function sysGetRobustList(k: Kernel, t: Task, pid: number, headPtr: number, lenPtr: number): number {
  const target = pid === 0 ? t : k.findTask(t.pidNs, pid);
  if (target === undefined) return -ESRCH;
  if (!mayReadTask(t, target)) return -EPERM;
  if (!t.mm.writeU32(lenPtr, ROBUST_LIST_HEAD_SIZE)) return -EFAULT;
  return t.mm.writeU32(headPtr, target.robustList) ? 0 : -EFAULT;
}

export const FUTEX_SYSCALLS: SyscallEntry[] = [
  { nr: 99, name: "set_robust_list", args: ["p", "u"], level: "full", cr: "tasks (robustList)", fn: sysSetRobustList },
  { nr: 100, name: "get_robust_list", args: ["d", "p", "p"], level: "full", cr: "-", fn: sysGetRobustList },
  {
    nr: NR_FUTEX_TIME64, name: "futex_time64", args: ["p", "d", "d", "p", "p", "x"],
    level: "partial", cr: "tasks (syscall restart block: a waiter queues again as it re-executes)",
    note: "WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET, WAKE_BITSET only: WAKE_OP and the PI operations give ENOSYS",
    fn: sysFutex,
  },
];
