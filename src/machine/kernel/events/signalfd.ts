// signalfd (Linux's fs/signalfd.c): reading the file dequeues the reader's pending signals that
// are in its mask, as 128-byte signalfd_siginfo records, instead of delivering them. The mask
// names signals to take (SIGKILL and SIGSTOP never); they are normally blocked, so they stay
// pending until read. Readers and pollers wait on their sighand's signalfd queue, which every
// signal sent to a task sharing it wakes (signalfd_notify in sendSignal).
import { O_NONBLOCK } from "../../fs/constants.ts";
import type { File, FileOperations } from "../../fs/file.ts";
import type { FsCtx } from "../../fs/inode.ts";
import type { IoIter } from "../../fs/iov.ts";
import { POLLIN, POLLRDNORM, pollWait, type PollTable } from "../../fs/poll.ts";
import { EAGAIN, EFAULT, EINVAL } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { SI_QUEUE, SI_TIMER, type SigInfo } from "../siginfo.ts";
import { dequeueSignal, recalcSigPending } from "../signal.ts";
import { UNBLOCKABLE } from "../signal-defs.ts";
import { SIGBUS, SIGCHLD, SIGILL, SIGSEGV, SIGTRAP } from "../signal-names.ts";
import type { Task } from "../task.ts";

export const SIGNALFD_SIGINFO_SIZE = 128;

export class SignalFdCtx {
  /** The signals this file takes (never SIGKILL or SIGSTOP). */
  mask: bigint;

  constructor(mask: bigint) {
    this.mask = mask & ~UNBLOCKABLE;
  }
}

const ctxOf = (f: File): SignalFdCtx => f.priv as SignalFdCtx;

/** Whether t has a pending signal in mask (its own or its process's). */
function hasPending(t: Task, mask: bigint): boolean {
  return ((t.pending.signals | t.group.sharedPending.signals) & mask) !== 0n;
}

/** signalfd_copyinfo: the record for one dequeued signal, as siginfo_layout picks the fields. */
export function encodeSignalfdSiginfo(k: Kernel, t: Task, si: SigInfo): Uint8Array {
  const b = new Uint8Array(SIGNALFD_SIGINFO_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, si.signo, true);
  let pid = si.pidNr ?? (si.pid !== undefined ? (k.tasks.get(si.pid)?.pid.nrIn(t.pidNs) ?? 0) : 0);
  let uid = si.uid ?? 0;
  let code = si.code;
  let value = si.value ?? 0;
  if (si.raw !== undefined) {
    // From rt_sigqueueinfo: the sender's own siginfo bytes.
    const rv = new DataView(si.raw.buffer, si.raw.byteOffset, si.raw.byteLength);
    code = rv.getInt32(8, true);
    pid = rv.getInt32(12, true);
    uid = rv.getUint32(16, true);
    value = rv.getInt32(20, true);
  }
  dv.setInt32(4, si.errno ?? 0, true);
  dv.setInt32(8, code, true);
  const fault = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, 8 /* SIGFPE */].includes(si.signo) && code > 0;
  if (fault) {
    dv.setBigUint64(72, BigInt(si.addr ?? 0), true);
  } else if (si.band !== undefined) {
    dv.setInt32(20, si.fd ?? 0, true);
    dv.setUint32(28, si.band >>> 0, true);
  } else if (si.signo === SIGCHLD && code > 0) {
    dv.setUint32(12, pid >>> 0, true);
    dv.setUint32(16, uid >>> 0, true);
    dv.setInt32(40, si.status ?? 0, true);
    // ssi_utime / ssi_stime: the child's times are not tracked per siginfo here: 0.
  } else if (code === SI_QUEUE || code === SI_TIMER || (code < 0 && si.raw !== undefined)) {
    dv.setUint32(12, pid >>> 0, true);
    dv.setUint32(16, uid >>> 0, true);
    dv.setInt32(44, value, true);
    dv.setBigInt64(48, BigInt(value), true); // (long) si_ptr, sign-extended
  } else {
    dv.setUint32(12, pid >>> 0, true);
    dv.setUint32(16, uid >>> 0, true);
  }
  return b;
}

function signalfdRead(c: FsCtx, f: File, to: IoIter): number {
  const ctx = ctxOf(f);
  const t = c.t;
  let count = Math.floor(to.remaining / SIGNALFD_SIGINFO_SIZE);
  if (count === 0) return -EINVAL;
  let total = 0;
  while (count-- > 0) {
    const info = dequeueSignal(t, ~ctx.mask);
    if (info === null) break;
    recalcSigPending(t);
    if (to.copyOut(encodeSignalfdSiginfo(c.k, t, info)) !== SIGNALFD_SIGINFO_SIZE) return total > 0 ? total : -EFAULT;
    total += SIGNALFD_SIGINFO_SIZE;
  }
  if (total > 0) return total;
  if ((f.flags & O_NONBLOCK) !== 0 || c.nonblock === true) return -EAGAIN;
  return c.k.sleep(t, t.sighand.signalfdWqh);
}

function signalfdPoll(c: FsCtx, f: File, pt: PollTable | null): number {
  // Whose signals: the poller's, as Linux's signalfd_poll looks at current.
  pollWait(pt, c.t.sighand.signalfdWqh);
  return hasPending(c.t, ctxOf(f).mask) ? POLLIN | POLLRDNORM : 0;
}

function signalfdFdinfo(f: File): string {
  return `sigmask:\t${ctxOf(f).mask.toString(16).padStart(16, "0")}\n`;
}

export const signalfdOps: FileOperations = {
  positional: false,
  read: signalfdRead,
  poll: signalfdPoll,
  llseek: (_c, f) => f.pos,
  fdinfo: signalfdFdinfo,
};
