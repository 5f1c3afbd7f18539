// epoll_create1, epoll_ctl, epoll_pwait and epoll_pwait2 (Linux's fs/eventpoll.c syscalls; the
// sets themselves are in events/epoll.ts). musl's epoll_create and epoll_wait call these.
//
// epoll_wait sleeps on its set's own queue, which the items' callbacks wake; when a signal
// comes first it fails with EINTR whether or not a handler runs (ep_poll returns -EINTR, never
// a restart code: a SIGSTOP/SIGCONT pair ends an epoll_wait as on Linux).
import { anonInodeGetFile } from "../../fs/anon-inode.ts";
import { O_CLOEXEC } from "../../fs/constants.ts";
import { EBADF, EEXIST, EFAULT, EINTR, EINVAL, ELOOP, EMFILE, ENOENT, EPERM, ERESTARTNOHAND } from "../errno.ts";
import {
  canPoll, EPOLLERR, EPOLLEXCLUSIVE, EPOLLEXCLUSIVE_OK_BITS, EPOLLHUP, EPOLLWAKEUP, epollOf, epollOps, EventPoll,
} from "../events/epoll.ts";
import { expired, pollDeadline, readUserSigset, restoreTempSigmask, setTempSigmask } from "../events/poll-sleep.ts";
import type { Kernel } from "../kernel.ts";
import { signalDeliverable } from "../signal.ts";
import type { Task } from "../task.ts";
import { readTimespec } from "./sys-time.ts";
import type { SyscallEntry } from "./types.ts";

const EPOLL_CLOEXEC = O_CLOEXEC;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const EPOLL_EVENT_SIZE = 16; // u32 events, 4 bytes of padding, u64 data (not packed on riscv32)
/** EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event). */
const EP_MAX_EVENTS = Math.floor(0x7fffffff / EPOLL_EVENT_SIZE);
const NR_EPOLL_PWAIT = 22;
const NR_EPOLL_PWAIT2 = 441;

function sysEpollCreate1(k: Kernel, t: Task, flags: number): number {
  if ((flags & ~EPOLL_CLOEXEC) !== 0) return -EINVAL;
  const files = t.files;
  if (files === null) return -EMFILE;
  const fd = files.allocFd();
  if (fd < 0) return fd;
  const f = anonInodeGetFile(k, "[eventpoll]", epollOps, new EventPoll(k), 0, `epoll_create1 by pid ${t.id}`);
  files.install(fd, f, (flags & EPOLL_CLOEXEC) !== 0);
  return fd;
}

function sysEpollCtl(k: Kernel, t: Task, epfd: number, op: number, fd: number, event: number): number {
  let events = 0;
  let data = 0n;
  if (op !== EPOLL_CTL_DEL) {
    const b = t.mm.copyIn(event, EPOLL_EVENT_SIZE);
    if (b === null) return -EFAULT;
    const dv = new DataView(b.buffer, b.byteOffset, EPOLL_EVENT_SIZE);
    // EPOLLWAKEUP keeps no system awake here (there is no suspend): dropped, as for a caller
    // without CAP_BLOCK_SUSPEND.
    events = dv.getUint32(0, true) & ~EPOLLWAKEUP;
    data = dv.getBigUint64(8, true);
  }
  const files = t.files;
  const f = files?.get(epfd);
  const tf = files?.get(fd);
  if (f === undefined || tf === undefined) return -EBADF;
  if (!canPoll(tf)) return -EPERM;
  const ep = epollOf(f);
  if (ep === null || f === tf) return -EINVAL;
  const target = epollOf(tf);
  if (op !== EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE) !== 0) {
    if (op === EPOLL_CTL_MOD) return -EINVAL;
    if (op === EPOLL_CTL_ADD && (target !== null || (events & ~EPOLLEXCLUSIVE_OK_BITS) !== 0)) return -EINVAL;
  }
  if (op === EPOLL_CTL_ADD && target !== null && ep.wouldLoop(target)) return -ELOOP;
  const epi = ep.find(tf, fd);
  const c = { k, t };
  switch (op) {
    case EPOLL_CTL_ADD:
      if (epi !== undefined) return -EEXIST;
      ep.insert(c, tf, fd, events | EPOLLERR | EPOLLHUP, data);
      return 0;
    case EPOLL_CTL_DEL:
      if (epi === undefined) return -ENOENT;
      ep.remove(epi);
      return 0;
    case EPOLL_CTL_MOD:
      if (epi === undefined) return -ENOENT;
      // An exclusive wake-up item cannot be changed.
      if ((epi.events & EPOLLEXCLUSIVE) !== 0) return -EINVAL;
      ep.modify(c, epi, events | EPOLLERR | EPOLLHUP, data);
      return 0;
    default:
      return -EINVAL;
  }
}

/** ep_poll with the sigmask of epoll_pwait: timeoutNs null = wait forever. */
function doEpollWait(k: Kernel, t: Task, nr: number, epfd: number, uevents: number, maxevents: number, timeoutNs: number | null, sigmask: number, sigsetsize: number): number {
  if (sigmask !== 0) {
    const m = readUserSigset(t, sigmask, sigsetsize);
    if (typeof m === "number") return m;
    setTempSigmask(t, m);
  }
  const done = (ret: number): number => {
    // restore_saved_sigmask_unless(error == -EINTR): the handler's frame takes the old mask.
    if (ret !== -EINTR) restoreTempSigmask(t);
    return ret;
  };
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) return done(-EINVAL);
  const f = t.files?.get(epfd);
  if (f === undefined) return done(-EBADF);
  const ep = epollOf(f);
  if (ep === null) return done(-EINVAL);
  const deadline = pollDeadline(k, t, nr, timeoutNs);
  const c = { k, t };
  if (ep.available) {
    const evs = ep.sendEvents(c, maxevents);
    if (evs.length > 0) {
      const b = new Uint8Array(evs.length * EPOLL_EVENT_SIZE);
      const dv = new DataView(b.buffer);
      evs.forEach((e, i) => {
        dv.setUint32(i * EPOLL_EVENT_SIZE, e.events >>> 0, true);
        dv.setBigUint64(i * EPOLL_EVENT_SIZE + 8, BigInt.asUintN(64, e.data), true);
      });
      return done(t.mm.copyOut(uevents, b) ? evs.length : -EFAULT);
    }
  }
  if (expired(k, deadline)) return done(0);
  if (signalDeliverable(t)) return done(-EINTR);
  return k.pollSleep(t, [ep.wq], deadline ?? 0, ERESTARTNOHAND);
}

function sysEpollPwait(k: Kernel, t: Task, epfd: number, events: number, maxevents: number, timeout: number, sigmask: number, sigsetsize: number): number {
  return doEpollWait(k, t, NR_EPOLL_PWAIT, epfd, events, maxevents, timeout < 0 ? null : timeout * 1e6, sigmask, sigsetsize);
}

function sysEpollPwait2(k: Kernel, t: Task, epfd: number, events: number, maxevents: number, tsp: number, sigmask: number, sigsetsize: number): number {
  let ns: number | null = null;
  if (tsp !== 0) {
    const r = readTimespec(t, tsp);
    if (r === null) return -EFAULT;
    if (r === -1) return -EINVAL;
    ns = r;
  }
  return doEpollWait(k, t, NR_EPOLL_PWAIT2, epfd, events, maxevents, ns, sigmask, sigsetsize);
}

export const EPOLL_SYSCALLS: SyscallEntry[] = [
  { nr: 20, name: "epoll_create1", args: ["x"], level: "full", cr: "files (the epoll set: each item's fd, watched file, events and data; the ready list)", fn: sysEpollCreate1 },
  {
    nr: 21, name: "epoll_ctl", args: ["d", "d", "d", "p"],
    level: "partial", cr: "files (the epoll set: each item's fd, watched file, events and data; the ready list)",
    note: "EPOLLWAKEUP is accepted and dropped; EPOLLEXCLUSIVE wakes like a plain item; no max_user_watches limit",
    fn: sysEpollCtl,
  },
  {
    nr: NR_EPOLL_PWAIT, name: "epoll_pwait", args: ["d", "p", "d", "d", "p", "u"],
    level: "full", cr: "tasks (syscall restart block: the deadline; savedMask)",
    fn: sysEpollPwait,
  },
  {
    nr: NR_EPOLL_PWAIT2, name: "epoll_pwait2", args: ["d", "p", "d", "p", "p", "u"],
    level: "full", cr: "tasks (syscall restart block: the deadline; savedMask)",
    fn: sysEpollPwait2,
  },
];
