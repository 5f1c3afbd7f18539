// ppoll_time64 and pselect6_time64 (Linux's fs/select.c): musl's poll, select, pselect and
// ppoll all come here on riscv32. Each polls its files through f_op->poll (fs/poll.ts), sleeps
// on every queue they named until one is woken, the timeout passes or a signal comes, and is
// re-executed from the start after a wake-up (poll-sleep.ts).
//
// A signal interrupts with -ERESTARTNOHAND: EINTR when a handler ran, a transparent restart
// when none did. The timeout's remaining time is written back into the user's timespec
// (poll_select_finish), except for a zero timeout.
import { vfsPoll, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM } from "../../fs/poll.ts";
import { EBADF, EFAULT, EINVAL, ERESTARTNOHAND } from "../errno.ts";
import {
  cyclesLeft, expired, pollDeadline, QueueCollector, readUserSigset, restoreTempSigmask, setTempSigmask, type Deadline,
} from "../events/poll-sleep.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import { encodeTimespec64, readTimespec } from "./sys-time.ts";
import type { SyscallEntry } from "./types.ts";

const NR_PSELECT6 = 413;
const NR_PPOLL = 414;
const POLLFD_SIZE = 8;

/** The timeout argument: null (none), or ns; or -errno. */
function readTimeout(t: Task, tsp: number): number | null {
  if (tsp === 0) return null;
  const ns = readTimespec(t, tsp);
  if (ns === null) return -EFAULT;
  if (ns === -1) return -EINVAL;
  return ns;
}

/**
 * poll_select_finish: write the time left back (not for a zero or absent timeout), and give
 * the temporary signal mask back unless a handler is about to run.
 */
function finish(k: Kernel, t: Task, tsp: number, timeoutNs: number | null, deadline: Deadline, ret: number): number {
  if (ret !== -ERESTARTNOHAND) restoreTempSigmask(t);
  if (tsp !== 0 && timeoutNs !== 0 && deadline !== null) t.mm.copyOut(tsp, encodeTimespec64(k.cyclesToNs(cyclesLeft(k, deadline))));
  return ret;
}

/**
 * The common entry: the timeout (read again at each re-execution: it is only written back at
 * the end), then the signal mask, then the deadline. Returns the timeout in ns (null = none)
 * and the deadline, or -errno.
 */
function enter(k: Kernel, t: Task, nr: number, tsp: number, sigmask: number, sigsetsize: number): { ns: number | null; deadline: Deadline } | number {
  const ns = readTimeout(t, tsp);
  if (ns !== null && ns < 0) return ns;
  if (sigmask !== 0) {
    const m = readUserSigset(t, sigmask, sigsetsize);
    if (typeof m === "number") return m;
    setTempSigmask(t, m);
  }
  return { ns, deadline: pollDeadline(k, t, nr, ns) };
}

// --- ppoll -----------------------------------------------------------------------------------

function sysPpoll(k: Kernel, t: Task, ufds: number, nfds: number, tsp: number, sigmask: number, sigsetsize: number): number {
  const e = enter(k, t, NR_PPOLL, tsp, sigmask, sigsetsize);
  if (typeof e === "number") {
    t.restart = null;
    return e;
  }
  const done = (ret: number): number => finish(k, t, tsp, e.ns, e.deadline, ret);
  const files = t.files;
  if (files === null || nfds >>> 0 > files.limit) return done(-EINVAL);
  const raw = nfds === 0 ? new Uint8Array(0) : t.mm.copyIn(ufds, nfds * POLLFD_SIZE);
  if (raw === null) return done(-EFAULT);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const pt = new QueueCollector();
  const c = { k, t };
  let count = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = dv.getInt32(i * POLLFD_SIZE, true);
    const events = dv.getUint16(i * POLLFD_SIZE + 4, true);
    let revents = 0;
    if (fd >= 0) {
      const f = files.get(fd);
      // Only the requested events, plus the ones that cannot be masked (POLLERR, POLLHUP).
      revents = f === undefined ? POLLNVAL : vfsPoll(c, f, pt) & (events | POLLERR | POLLHUP);
    }
    dv.setUint16(i * POLLFD_SIZE + 6, revents, true);
    if (revents !== 0) count++;
  }
  if (count === 0 && !expired(k, e.deadline)) {
    const r = k.pollSleep(t, pt.queues, e.deadline ?? 0, ERESTARTNOHAND);
    // Interrupted by a handler: the revents written back are all zero, as Linux's are.
    if (t.restart !== null) {
      t.restart.interrupted = () => {
        finish(k, t, tsp, e.ns, e.deadline, -ERESTARTNOHAND);
        clearRevents(t, ufds, nfds);
      };
    }
    return r;
  }
  if (nfds > 0 && !t.mm.copyOut(ufds, raw)) return done(-EFAULT);
  return done(count);
}

function clearRevents(t: Task, ufds: number, nfds: number): void {
  for (let i = 0; i < nfds; i++) t.mm.copyOut(ufds + i * POLLFD_SIZE + 6, new Uint8Array(2));
}

// --- pselect6 --------------------------------------------------------------------------------

// What each fd_set asks about (POLLIN_SET, POLLOUT_SET, POLLEX_SET of fs/select.c).
const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

/** An fd_set of n bits as 32-bit longs (riscv32), or null for a null pointer; undefined on a fault. */
function readFdSet(t: Task, addr: number, words: number): Uint32Array | null | undefined {
  if (addr === 0) return null;
  const b = t.mm.copyIn(addr, words * 4);
  if (b === null) return undefined;
  const out = new Uint32Array(words);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < words; i++) out[i] = dv.getUint32(i * 4, true);
  return out;
}

function writeFdSet(t: Task, addr: number, set: Uint32Array): boolean {
  if (addr === 0) return true;
  const b = new Uint8Array(set.length * 4);
  const dv = new DataView(b.buffer);
  set.forEach((w, i) => dv.setUint32(i * 4, w, true));
  return t.mm.copyOut(addr, b);
}

const bit = (s: Uint32Array | null, fd: number): boolean => s !== null && (s[fd >>> 5] & (1 << (fd & 31))) !== 0;

/** pselect6's sixth argument on riscv32: { const sigset_t *ss; size_t ss_len; }. */
function readSigArg(t: Task, sig: number): { set: number; size: number } | null {
  if (sig === 0) return { set: 0, size: 8 };
  const b = t.mm.copyIn(sig, 8);
  if (b === null) return null;
  const dv = new DataView(b.buffer, b.byteOffset, 8);
  return { set: dv.getUint32(0, true), size: dv.getUint32(4, true) };
}

function sysPselect6(k: Kernel, t: Task, n: number, inp: number, outp: number, exp: number, tsp: number, sig: number): number {
  const sa = readSigArg(t, sig);
  if (sa === null) return -EFAULT;
  const e = enter(k, t, NR_PSELECT6, tsp, sa.set, sa.size);
  if (typeof e === "number") {
    t.restart = null;
    return e;
  }
  const done = (ret: number): number => finish(k, t, tsp, e.ns, e.deadline, ret);
  const files = t.files;
  if (n < 0 || files === null) return done(-EINVAL);
  // Linux looks no further than the fd table's size.
  n = Math.min(n, files.maxFds);
  const words = Math.ceil(n / 32);
  const ins = readFdSet(t, inp, words);
  const outs = readFdSet(t, outp, words);
  const exs = readFdSet(t, exp, words);
  if (ins === undefined || outs === undefined || exs === undefined) return done(-EFAULT);
  // max_select_fd: an fd in any set that is not open is EBADF, before anything is polled.
  for (let fd = 0; fd < n; fd++) {
    if ((bit(ins, fd) || bit(outs, fd) || bit(exs, fd)) && files.get(fd) === undefined) return done(-EBADF);
  }
  const resIn = new Uint32Array(words), resOut = new Uint32Array(words), resEx = new Uint32Array(words);
  const pt = new QueueCollector();
  const c = { k, t };
  let count = 0;
  for (let fd = 0; fd < n; fd++) {
    const wantIn = bit(ins, fd), wantOut = bit(outs, fd), wantEx = bit(exs, fd);
    if (!wantIn && !wantOut && !wantEx) continue;
    const mask = vfsPoll(c, files.get(fd)!, pt);
    const m = 1 << (fd & 31);
    const hit = (want: boolean, set: number, res: Uint32Array): void => {
      if (!want || (mask & set) === 0) return;
      res[fd >>> 5] |= m;
      count++;
    };
    hit(wantIn, POLLIN_SET, resIn);
    hit(wantOut, POLLOUT_SET, resOut);
    hit(wantEx, POLLEX_SET, resEx);
  }
  if (count === 0 && !expired(k, e.deadline)) {
    const r = k.pollSleep(t, pt.queues, e.deadline ?? 0, ERESTARTNOHAND);
    // Interrupted: the sets are left as they were; the time left is written back.
    if (t.restart !== null) t.restart.interrupted = () => void finish(k, t, tsp, e.ns, e.deadline, -ERESTARTNOHAND);
    return r;
  }
  if (!writeFdSet(t, inp, resIn) || !writeFdSet(t, outp, resOut) || !writeFdSet(t, exp, resEx)) return done(-EFAULT);
  return done(count);
}

export const POLL_SYSCALLS: SyscallEntry[] = [
  {
    nr: NR_PSELECT6, name: "pselect6_time64", args: ["d", "p", "p", "p", "p", "p"],
    level: "full", cr: "tasks (syscall restart block: the deadline; savedMask)",
    fn: sysPselect6,
  },
  {
    nr: NR_PPOLL, name: "ppoll_time64", args: ["p", "u", "p", "p", "u"],
    level: "full", cr: "tasks (syscall restart block: the deadline; savedMask)",
    fn: sysPpoll,
  },
];
