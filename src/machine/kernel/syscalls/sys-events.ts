// The fd-based event files: eventfd2, timerfd_create / timerfd_settime64 / timerfd_gettime64
// and signalfd4 (Linux's fs/eventfd.c, fs/timerfd.c, fs/signalfd.c syscalls; the files
// themselves are in events/). Each is an anonymous-inode file with its own poll, so poll,
// select and epoll watch them like pipes.
import { anonInodeGetFile } from "../../fs/anon-inode.ts";
import { O_CLOEXEC, O_NONBLOCK } from "../../fs/constants.ts";
import type { FileOperations } from "../../fs/file.ts";
import { EBADF, EFAULT, EINVAL, EMFILE } from "../errno.ts";
import { EFD_SEMAPHORE, EventFdCtx, eventfdOps } from "../events/eventfd.ts";
import { readUserSigset } from "../events/poll-sleep.ts";
import { SignalFdCtx, signalfdOps } from "../events/signalfd.ts";
import { TimerFdCtx, timerfdOps } from "../events/timerfd.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import { CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, clockNs, encodeTimespec64 } from "./sys-time.ts";
import type { SyscallEntry } from "./types.ts";

/** Make an anonymous-inode file and install it at the lowest free fd. */
function installAnon(k: Kernel, t: Task, name: string, ops: FileOperations, priv: unknown, flags: number, why: string): number {
  const files = t.files;
  if (files === null) return -EMFILE;
  const fd = files.allocFd();
  if (fd < 0) return fd;
  files.install(fd, anonInodeGetFile(k, name, ops, priv, flags & O_NONBLOCK, `${why} by pid ${t.id}`), (flags & O_CLOEXEC) !== 0);
  return fd;
}

// --- eventfd ---------------------------------------------------------------------------------

function sysEventfd2(k: Kernel, t: Task, initval: number, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE)) !== 0) return -EINVAL;
  const ctx = new EventFdCtx(k, BigInt(initval >>> 0), (flags & EFD_SEMAPHORE) !== 0);
  return installAnon(k, t, "[eventfd]", eventfdOps, ctx, flags, "eventfd2");
}

// --- timerfd ---------------------------------------------------------------------------------

export const TFD_TIMER_ABSTIME = 1;
export const TFD_TIMER_CANCEL_ON_SET = 2;
export const TIMERFD_CLOCKS: ReadonlySet<number> = new Set([CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME]);

function timerfdCtx(t: Task, fd: number): TimerFdCtx | number {
  const f = t.files?.get(fd);
  if (f === undefined) return -EBADF;
  if (f.ops !== timerfdOps) return -EINVAL;
  return f.priv as TimerFdCtx;
}

function sysTimerfdCreate(k: Kernel, t: Task, clockid: number, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  if (!TIMERFD_CLOCKS.has(clockid)) return -EINVAL;
  return installAnon(k, t, "[timerfd]", timerfdOps, new TimerFdCtx(k, clockid), flags, "timerfd_create");
}

/** struct itimerspec64: it_interval then it_value, each a __kernel_timespec. */
function encodeItimerspec(k: Kernel, ctx: TimerFdCtx): Uint8Array {
  const b = new Uint8Array(32);
  b.set(encodeTimespec64(k.cyclesToNs(ctx.interval)), 0);
  b.set(encodeTimespec64(ctx.expiry === 0 ? 0 : k.cyclesToNs(Math.max(0, ctx.expiry - k.clock))), 16);
  return b;
}

function readTs(dv: DataView, off: number): number {
  const sec = Number(dv.getBigInt64(off, true));
  const nsec = Number(dv.getBigInt64(off + 8, true));
  return sec < 0 || nsec < 0 || nsec >= 1e9 ? -1 : sec * 1e9 + nsec;
}

function sysTimerfdSettime(k: Kernel, t: Task, fd: number, flags: number, utmr: number, otmr: number): number {
  const b = t.mm.copyIn(utmr, 32);
  if (b === null) return -EFAULT;
  const dv = new DataView(b.buffer, b.byteOffset, 32);
  const interval = readTs(dv, 0);
  const value = readTs(dv, 16);
  if (interval < 0 || value < 0) return -EINVAL;
  if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) !== 0) return -EINVAL;
  const ctx = timerfdCtx(t, fd);
  if (typeof ctx === "number") return ctx;
  ctx.update();
  if (otmr !== 0 && !t.mm.copyOut(otmr, encodeItimerspec(k, ctx))) return -EFAULT;
  // A new setting drops the expirations not read yet.
  ctx.ticks = 0;
  ctx.settimeFlags = flags;
  ctx.disarm();
  if (value > 0) {
    const now = clockNs(k, t, ctx.clockid)!;
    const rel = (flags & TFD_TIMER_ABSTIME) !== 0 ? value - now : value;
    // An absolute time already past expires at once.
    ctx.expiry = k.clock + Math.max(0, k.nsToCycles(rel));
    ctx.interval = k.nsToCycles(interval);
    ctx.arm();
    ctx.update();
  }
  return 0;
}

function sysTimerfdGettime(k: Kernel, t: Task, fd: number, otmr: number): number {
  const ctx = timerfdCtx(t, fd);
  if (typeof ctx === "number") return ctx;
  ctx.update();
  return t.mm.copyOut(otmr, encodeItimerspec(k, ctx)) ? 0 : -EFAULT;
}

// --- signalfd --------------------------------------------------------------------------------

function sysSignalfd4(k: Kernel, t: Task, ufd: number, umask: number, sizemask: number, flags: number): number {
  const mask = readUserSigset(t, umask, sizemask);
  if (typeof mask === "number") return mask;
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  if (ufd === -1) return installAnon(k, t, "[signalfd]", signalfdOps, new SignalFdCtx(mask), flags, "signalfd4");
  const f = t.files?.get(ufd);
  if (f === undefined) return -EBADF;
  if (f.ops !== signalfdOps) return -EINVAL;
  (f.priv as SignalFdCtx).mask = new SignalFdCtx(mask).mask;
  k.wakeAll(t.sighand.signalfdWqh);
  return ufd;
}


export const EVENTS_SYSCALLS: SyscallEntry[] = [
  { nr: 19, name: "eventfd2", args: ["u", "x"], level: "full", cr: "files (the eventfd's count and EFD_SEMAPHORE)", fn: sysEventfd2 },
  { nr: 74, name: "signalfd4", args: ["d", "p", "u", "x"], level: "partial", cr: "files (the signalfd's mask; its signals stay pending in the tasks)", note: "ssi_utime and ssi_stime of SIGCHLD records are 0", fn: sysSignalfd4 },
  {
    nr: 85, name: "timerfd_create", args: ["d", "x"],
    level: "partial", cr: "files (the timerfd's clock, cycles left, interval and unread expirations)",
    note: "CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME (all on virtual time); the *_ALARM clocks give EINVAL",
    fn: sysTimerfdCreate,
  },
  { nr: 410, name: "timerfd_gettime64", args: ["d", "p"], level: "full", cr: "-", fn: sysTimerfdGettime },
  {
    nr: 411, name: "timerfd_settime64", args: ["d", "x", "p", "p"],
    level: "partial", cr: "files (the timerfd's clock, cycles left, interval and unread expirations)",
    note: "TFD_TIMER_CANCEL_ON_SET is accepted but never cancels: the machine's clock is never set",
    fn: sysTimerfdSettime,
  },
];
