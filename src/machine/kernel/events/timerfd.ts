// timerfd (Linux's fs/timerfd.c): a timer on the machine's virtual clock whose expirations are
// counted and read as a u64. Armed with an absolute or relative first expiry and an optional
// interval; the kernel's TimerQueue fires it, and a late firing counts every interval missed
// meanwhile (hrtimer_forward). Reads, polls and gettime first account for expirations the
// clock has already passed, so a task that never sleeps sees them as it would on Linux.
import { O_NONBLOCK } from "../../fs/constants.ts";
import type { File, FileOperations } from "../../fs/file.ts";
import type { FsCtx } from "../../fs/inode.ts";
import type { IoIter } from "../../fs/iov.ts";
import { POLLIN, POLLRDNORM, pollWait, type PollTable } from "../../fs/poll.ts";
import { EAGAIN, EFAULT, EINVAL } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { WaitQueue } from "../wait-queue.ts";

export class TimerFdCtx {
  readonly wqh = new WaitQueue();
  /** Expirations not yet read. */
  ticks = 0;
  /** Next expiry in cycles on the machine clock; 0 = disarmed. */
  expiry = 0;
  /** Reload in cycles; 0 = one-shot. */
  interval = 0;
  /** The armed TimerQueue entry. */
  timerId = 0;
  /** The flags of the last settime (fdinfo's "settime flags"). */
  settimeFlags = 0;

  constructor(
    readonly k: Kernel,
    readonly clockid: number,
  ) {}

  /** Count the expirations up to now and re-arm for the next one (timerfd_tmrproc + forward). */
  update(): void {
    const k = this.k;
    if (this.expiry === 0 || k.clock < this.expiry) return;
    let n = 1;
    if (this.interval > 0) {
      n += Math.floor((k.clock - this.expiry) / this.interval);
      this.expiry += n * this.interval;
    } else this.expiry = 0;
    this.ticks += n;
    this.arm();
    k.wakeAll(this.wqh);
  }

  /** (Re-)arm the queue entry for `expiry` (none when disarmed). */
  arm(): void {
    if (this.timerId !== 0) this.k.timers.cancel(this.timerId);
    this.timerId = 0;
    if (this.expiry === 0) return;
    this.timerId = this.k.timers.add(this.expiry, () => {
      this.timerId = 0;
      this.update();
    });
  }

  disarm(): void {
    this.expiry = 0;
    this.interval = 0;
    this.arm();
  }
}

const ctxOf = (f: File): TimerFdCtx => f.priv as TimerFdCtx;

function timerfdRead(c: FsCtx, f: File, to: IoIter): number {
  const ctx = ctxOf(f);
  if (to.remaining < 8) return -EINVAL;
  ctx.update();
  if (ctx.ticks === 0) {
    if ((f.flags & O_NONBLOCK) !== 0 || c.nonblock === true) return -EAGAIN;
    return c.k.sleep(c.t, ctx.wqh);
  }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(ctx.ticks), true);
  if (to.copyOut(b) !== 8) return -EFAULT;
  ctx.ticks = 0;
  return 8;
}

function timerfdPoll(_c: FsCtx, f: File, pt: PollTable | null): number {
  const ctx = ctxOf(f);
  pollWait(pt, ctx.wqh);
  ctx.update();
  return ctx.ticks > 0 ? POLLIN | POLLRDNORM : 0;
}

function timerfdFdinfo(f: File): string {
  const ctx = ctxOf(f);
  ctx.update();
  const k = ctx.k;
  const left = ctx.expiry === 0 ? 0 : k.cyclesToNs(Math.max(0, ctx.expiry - k.clock));
  const iv = k.cyclesToNs(ctx.interval);
  const pair = (ns: number): string => `(${Math.floor(ns / 1e9)}, ${ns % 1e9})`;
  return `clockid: ${ctx.clockid}\nticks: ${ctx.ticks}\nsettime flags: 0${ctx.settimeFlags.toString(8)}\nit_value: ${pair(left)}\nit_interval: ${pair(iv)}\n`;
}

export const timerfdOps: FileOperations = {
  positional: false,
  read: timerfdRead,
  poll: timerfdPoll,
  llseek: (_c, f) => f.pos,
  release: (f) => ctxOf(f).disarm(),
  fdinfo: timerfdFdinfo,
};
