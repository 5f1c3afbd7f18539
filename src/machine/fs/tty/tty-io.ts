// Open files on terminals (Linux's tty_io.c file operations, with n_tty_read/n_tty_write and
// n_tty_poll): opening /dev/ptmx (a new pty), /dev/pts/N (its slave), /dev/tty (the caller's
// controlling terminal) and TIOCGPTPEER; reading, writing and polling through the line
// discipline; and a hung-up file's answers (hung_up_tty_fops: end of file, EIO, every event).
// Blocking follows the kernel's restart model: a reader or writer sleeps on the terminal's
// queue and re-executes its call when woken (a writer keeps its progress, fs/rw-restart.ts).
import { SIGTTIN, SIGTTOU } from "../../kernel/signal-names.ts";
import { O_CLOEXEC, O_NOCTTY, O_NONBLOCK } from "../constants.ts";
import { EAGAIN, EFAULT, EIO, EMFILE, ENOSPC, ENOTTY, ENXIO } from "../errno.ts";
import { noLlseek, type File, type FileOperations } from "../file.ts";
import type { FsCtx } from "../inode.ts";
import type { IoIter } from "../iov.ts";
import { openPath } from "../open.ts";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, pollWait, type PollTable } from "../poll.ts";
import { endProgress, resumeProgress, sleepWithProgress } from "../rw-restart.ts";
import { inputAvailable, processOutput, takeInput, writeRoom } from "./n-tty.ts";
import { ttyFileOf, ttyRelease, type TtyFile } from "./pty.ts";
import { ICANON, TIOCGPTPEER, TIOCSPGRP, TOSTOP, VMIN, VTIME } from "./termios.ts";
import { openProcSetTty, ttyCheckChange } from "./tty-jobctrl.ts";
import { ttyIoctl } from "./tty-ioctl.ts";
import { TtyStruct } from "./tty-struct.ts";

/** VTIME counts tenths of a second. */
const TENTH_NS = 100_000_000;

const nonblocking = (c: FsCtx, f: File): boolean => (f.flags & O_NONBLOCK) !== 0 || c.nonblock === true;

/** Where a VMIN = 0 read's VTIME timeout ends, kept across the call's restarts. */
function readDeadline(c: FsCtx, timeout: number): number {
  const t = c.t;
  const r = t.restart;
  if (r !== null && r.nr === t.hart.x[17] && r.ttyRead === true && typeof r.deadline === "number") return r.deadline;
  const deadline = c.k.clock + timeout;
  // The block's `deadline`: a checkpoint carries it as cycles left, like every call's timeout.
  t.restart = { nr: t.hart.x[17], ttyRead: true, deadline };
  return deadline;
}

/** n_tty_read: a line (canonical), or what VMIN and VTIME ask for; EIO once the other end closed. */
function ttyRead(c: FsCtx, f: File, to: IoIter): number {
  const { tty, hungUp } = ttyFileOf(f);
  if (hungUp) return 0;
  if (tty.ioError) return -EIO;
  if (!tty.isMaster) {
    const r = ttyCheckChange(c.k, c.t, tty, SIGTTIN);
    if (r !== 0) return r;
  }
  if (to.remaining === 0) return 0;
  const copy = (): number => {
    const bytes = Uint8Array.from(takeInput(tty, to.remaining));
    if (bytes.length === 0) return 0;
    const n = to.copyOut(bytes);
    return n > 0 ? n : -EFAULT;
  };
  const canon = tty.lflag(ICANON);
  let minimum = 0;
  let time = 0;
  let timeout = Infinity;
  if (!canon) {
    const tenths = c.k.nsToCycles(tty.cc(VTIME) * TENTH_NS);
    minimum = tty.cc(VMIN);
    if (minimum > 0) time = tenths;
    else {
      timeout = tenths;
      minimum = 1;
    }
  }
  const avail = inputAvailable(tty);
  if (avail > 0 && avail >= (canon ? 1 : Math.min(minimum, to.remaining))) return copy();
  if (tty.otherClosed) return avail > 0 ? copy() : -EIO;
  if (timeout === 0) return copy();
  if (nonblocking(c, f)) return avail > 0 ? copy() : -EAGAIN;
  let deadline = 0;
  if (timeout !== Infinity) {
    deadline = readDeadline(c, timeout);
    if (c.k.clock >= deadline) return 0;
  } else if (time > 0 && avail > 0) {
    // VMIN and VTIME: the inter-byte timer runs from the last byte that came.
    deadline = tty.ldata.lastRx + time;
    if (c.k.clock >= deadline) return copy();
  }
  return c.k.sleep(c.t, tty.readWait, deadline);
}

/** n_tty_write: all of it, through OPOST, sleeping while the other end's buffer is full. */
function ttyWrite(c: FsCtx, f: File, from: IoIter): number {
  const { tty, hungUp } = ttyFileOf(f);
  if (hungUp || tty.ioError) return -EIO;
  if (!tty.isMaster && tty.lflag(TOSTOP)) {
    const r = ttyCheckChange(c.k, c.t, tty, SIGTTOU);
    if (r !== 0) return r;
  }
  const prog = c.nonblock === true ? { done: 0, interrupted: false } : resumeProgress(c.t);
  if (prog.interrupted) return prog.done;
  let done = prog.done;
  from.advance(done);
  const finish = (r: number): number => {
    endProgress(c.t);
    return r;
  };
  if (tty.hupped || tty.link.count === 0) return finish(done > 0 ? done : -EIO);
  if (from.remaining === 0) return finish(done);
  const want = from.remaining;
  const bytes = from.copyIn(want);
  const n = processOutput(tty, bytes);
  done += n;
  if (n === bytes.length) return finish(bytes.length < want && done === 0 ? -EFAULT : done);
  if (nonblocking(c, f)) return finish(done > 0 ? done : -EAGAIN);
  return sleepWithProgress(c.k, c.t, tty.writeWait, done);
}

/** n_tty_poll; a hung-up file is ready for everything (hung_up_tty_poll). */
function ttyPoll(_c: FsCtx, f: File, pt: PollTable | null): number {
  const { tty, hungUp } = ttyFileOf(f);
  if (hungUp) return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
  pollWait(pt, tty.readWait);
  pollWait(pt, tty.writeWait);
  let mask = 0;
  // input_available_p(tty, 1): a poller of a VMIN read without VTIME waits for VMIN bytes.
  const amt = !tty.lflag(ICANON) && tty.cc(VTIME) === 0 && tty.cc(VMIN) > 0 ? tty.cc(VMIN) : 1;
  if (inputAvailable(tty) >= amt) mask |= POLLIN | POLLRDNORM;
  if (tty.otherClosed) mask |= POLLHUP;
  if (writeRoom(tty) > 0) mask |= POLLOUT | POLLWRNORM;
  return mask;
}

function ttyFileIoctl(c: FsCtx, f: File, cmd: number, arg: number): number {
  const { tty, hungUp } = ttyFileOf(f);
  if (hungUp) return cmd === TIOCSPGRP ? -ENOTTY : -EIO;
  if (cmd === TIOCGPTPEER) return tty.isMaster ? ptmOpenPeer(c, tty, arg) : -EIO;
  return ttyIoctl(c, f, tty, cmd, arg);
}

export const ttyOps: FileOperations = {
  positional: false,
  read: ttyRead,
  write: ttyWrite,
  poll: ttyPoll,
  ioctl: ttyFileIoctl,
  llseek: noLlseek,
  release: (f) => ttyRelease(ttyFileOf(f).tty.k, f),
  // pty_show_fdinfo: the master says which pty it is.
  fdinfo: (f) => {
    const tty = ttyFileOf(f).tty;
    return tty.isMaster ? `tty-index:\t${tty.index}\n` : "";
  },
};

/** Attach an opened file to its terminal end. */
function attach(f: File, tty: TtyStruct): void {
  const priv: TtyFile = { tty, hungUp: false };
  f.ops = ttyOps;
  f.priv = priv;
  tty.files.add(f);
}

/** ptmx_open: a new pty, its slave locked and numbered, /dev/pts/N made for it. */
export function ptmxOpen(c: FsCtx, f: File): number {
  const pts = c.k.vfs.devpts;
  const index = pts.newIndex();
  if (index < 0) return -ENOSPC;
  const master = new TtyStruct(c.k, index, true);
  const slave = new TtyStruct(c.k, index, false);
  master.link = slave;
  slave.link = master;
  master.ptyLocked = true;
  master.count = 1;
  slave.count = 1; // the master's reference (pty_common_install)
  pts.ptyNew(c, slave);
  attach(f, master);
  return 0;
}

/**
 * pty_open of the slave (tty_open): EIO while it is locked or its master is gone. A session
 * leader without a controlling terminal gets this one unless O_NOCTTY.
 */
export function ptsOpen(c: FsCtx, f: File, slave: TtyStruct): number {
  const master = slave.link;
  if (slave.otherClosed || master.ptyLocked || master.count !== 1) return -EIO;
  slave.ioError = false;
  master.otherClosed = false;
  slave.count++;
  attach(f, slave);
  if ((f.flags & O_NOCTTY) === 0) openProcSetTty(c.t, slave, f.readable);
  return 0;
}

/** /dev/tty: another open of the caller's controlling terminal (tty_open_current_tty). */
export function ttyOpenCurrent(c: FsCtx, f: File): number {
  const tty = c.t.group.tty;
  if (tty === null) return -ENXIO;
  if (tty.count === 0) return -EIO;
  return ptsOpen(c, f, tty);
}

/** TIOCGPTPEER: open the slave from its master, without a path lookup (ptm_open_peer). */
function ptmOpenPeer(c: FsCtx, master: TtyStruct, flags: number): number {
  const slave = master.link;
  const files = c.t.files;
  if (files === null) return -EMFILE;
  const d = slave.dentry;
  if (d === null) return -EIO;
  const fd = files.allocFd();
  if (fd < 0) return fd;
  const f = openPath(c, { mnt: c.k.vfs.devptsMount, dentry: d }, flags, `TIOCGPTPEER by pid ${c.t.id}`);
  if (typeof f === "number") return f;
  files.install(fd, f, (flags & O_CLOEXEC) !== 0);
  return fd;
}
