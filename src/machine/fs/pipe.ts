// Pipes (Linux's fs/pipe.c): a ring of up to 16 page buffers (64 KiB; F_SETPIPE_SZ changes the
// count), each a machine frame.
// Writes merge into the last page when they fit, otherwise take fresh pages, exactly as
// pipe_write does — which is what makes writes of at most PIPE_BUF bytes atomic. Readers sleep
// until there is data or no writer; writers sleep until there is room, and get EPIPE plus
// SIGPIPE once no reader is left. Sleeping follows the kernel's restart model (rw-restart.ts).
import type { Kernel } from "../kernel/kernel.ts";
import { SI_USER } from "../kernel/siginfo.ts";
import { sendSignal } from "../kernel/signal.ts";
import { SIGPIPE } from "../kernel/signal-names.ts";
import { WaitQueue } from "../kernel/wait-queue.ts";
import type { Frame } from "../mm/frame.ts";
import { PAGE_SIZE } from "../mm/frame.ts";
import { O_NONBLOCK, S_IFIFO } from "./constants.ts";
import { EAGAIN, EBUSY, EFAULT, EINVAL, ENOMEM, ENOTTY, ENXIO, EPERM, EPIPE } from "./errno.ts";
import type { Task } from "../kernel/task.ts";
import { fasyncHelper, killFasync, POLL_IN, POLL_OUT, type FasyncList } from "./fown.ts";
import { noLlseek, type File, type FileOperations, type Pos } from "./file.ts";
import { Inode, timeNow, type FsCtx, type SuperBlock } from "./inode.ts";
import type { IoIter } from "./iov.ts";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, pollWait, type PollTable } from "./poll.ts";
import { endProgress, resumeProgress, sleepWithProgress } from "./rw-restart.ts";

export const PIPE_BUF = 4096;
/** PIPE_DEF_BUFFERS: the ring's slots, one page each. */
export const PIPE_DEF_BUFFERS = 16;
export const PIPEFS_MAGIC = 0x50495045;
const FIONREAD = 0x541b;

interface PipeBuffer {
  frame: Frame;
  offset: number;
  len: number;
}

/** One pipe (pipe_inode_info): the buffers and who is attached. */
export class Pipe {
  readonly bufs: PipeBuffer[] = [];
  /** max_usage: the ring's slots, PIPE_DEF_BUFFERS until F_SETPIPE_SZ changes it. */
  maxUsage = PIPE_DEF_BUFFERS;
  readers = 0;
  writers = 0;
  readonly rdWait = new WaitQueue();
  readonly wrWait = new WaitQueue();
  /** O_ASYNC ends: read ends get SIGIO (POLL_IN) after writes, write ends (POLL_OUT) after reads. */
  readonly fasyncReaders: FasyncList = [];
  readonly fasyncWriters: FasyncList = [];
  /**
   * A named FIFO's opens waiting for the other end (wait_for_partner), each with the other end's
   * open count (rCounter / wCounter) when its wait began, and where they sleep.
   */
  readonly waitingReaders = new Map<Task, number>();
  readonly waitingWriters = new Map<Task, number>();
  readonly openWait = new WaitQueue();
  /**
   * w_counter: writer opens so far (a pipe starts with its one writer). A FIFO read end opened
   * O_NONBLOCK while no writer was there remembers it (f_version) and reports no POLLHUP until
   * a writer has come, since "no writer yet" is not a hang-up.
   */
  wCounter = 1;
  /** r_counter: reader opens so far (a pipe starts with its one reader). */
  rCounter = 1;

  constructor(readonly k: Kernel) {}

  /**
   * A reader / writer is attached, or (a FIFO) one is waiting in open() for this end: an open
   * that went ahead because its partner was waiting must not see EOF or EPIPE before that
   * partner's open has run again (Linux counts the waiter at once).
   */
  get hasReaders(): boolean {
    return this.readers > 0 || waiting(this.waitingReaders);
  }

  get hasWriters(): boolean {
    return this.writers > 0 || waiting(this.waitingWriters);
  }

  /** Bytes waiting to be read (FIONREAD). */
  get bytes(): number {
    return this.bufs.reduce((s, b) => s + b.len, 0);
  }

  get full(): boolean {
    return this.bufs.length >= this.maxUsage;
  }

  /** Both ends are closed: give the pages back. */
  free(): void {
    for (const b of this.bufs) this.k.frames.put(b.frame);
    this.bufs.length = 0;
  }
}

/** /proc/sys/fs/pipe-max-size's default: the most F_SETPIPE_SZ gives without CAP_SYS_RESOURCE. */
export const PIPE_MAX_SIZE = 1 << 20;

/**
 * pipe_set_size (F_SETPIPE_SZ): the size rounds up to a power-of-two number of pages (at least
 * one); over pipe-max-size needs CAP_SYS_RESOURCE (EPERM), and a ring smaller than the pages
 * in use is EBUSY. Returns the new size in bytes or -errno. Writers may have room now.
 */
export function pipeSetSize(p: Pipe, arg: number, capSysResource: boolean): number {
  const size = arg >>> 0;
  if (size > 2 ** 31) return -EINVAL;
  let pages = 1;
  while (pages * PAGE_SIZE < size) pages *= 2;
  const bytes = pages * PAGE_SIZE;
  if (pages > p.maxUsage && bytes > PIPE_MAX_SIZE && !capSysResource) return -EPERM;
  if (pages < p.bufs.length) return -EBUSY;
  p.maxUsage = pages;
  p.k.wakeAll(p.wrWait);
  return bytes;
}

/** Whether a waiting opener is still there to be a partner (a killed one is not). */
const waiting = (s: Map<Task, number>): boolean => [...s.keys()].some((t) => t.alive);

/** Nobody is attached or waiting in open any more: the buffered bytes go. */
function freeIfUnused(p: Pipe): void {
  if (!p.hasReaders && !p.hasWriters) p.free();
}

/**
 * fifo_open: a read-only open waits for a writer and a write-only one for a reader (each wakes
 * the other); O_RDWR never waits; O_NONBLOCK does not wait, and a writer with no reader gets
 * ENXIO. The wait is a sleep the open re-executes from (-ERESTARTSYS), as Linux's is; like
 * Linux's wait_for_partner it ends once the other end's open count has moved since it began, so
 * a partner that opened and closed again before this open ran once more still lets it go on (its
 * bytes wait in the pipe, which a waiting opener keeps). The count it began with lives in the
 * pipe and is only used when the call is re-executed after its own sleep (the restart block says
 * so): a handler in between (rt_sigreturn clears the block) or a restart from an image starts a
 * wait afresh, as Linux's re-executed open does.
 */
function fifoWaitForPartner(c: FsCtx, p: Pipe, f: File): number {
  if (f.readable && f.writable) return 0;
  const nonblock = (f.flags & O_NONBLOCK) !== 0;
  const [mine, theirs, partners, count] = f.readable
    ? [p.waitingReaders, p.waitingWriters, p.writers, p.wCounter]
    : [p.waitingWriters, p.waitingReaders, p.readers, p.rCounter];
  const t = c.t;
  const began = t.restart?.fifoWait === true ? mine.get(t) : undefined;
  if (partners > 0 || waiting(theirs) || (began !== undefined && began !== count)) {
    mine.delete(t);
    c.k.wakeAll(p.openWait);
    return 0;
  }
  if (nonblock) return f.readable ? 0 : -ENXIO;
  if (began === undefined) mine.set(t, count);
  t.restart = {
    nr: t.hart.x[17],
    fifoWait: true,
    // EINTR: this open is over and no longer a partner (Linux's err_rd / err_wr).
    interrupted: (x) => {
      mine.delete(x);
      freeIfUnused(p);
    },
  };
  return c.k.sleep(t, p.openWait);
}

export class PipeInode extends Inode {
  readonly pipe: Pipe;

  /** `fifo`: a named FIFO in a file system (mkfifo), whose opens wait for a partner. */
  constructor(sb: SuperBlock, ino: number, k: Kernel, uid: number, gid: number, readonly fifo = false, mode = 0o600) {
    super(sb, ino, S_IFIFO | mode, timeNow(k));
    this.pipe = new Pipe(k);
    this.uid = uid;
    this.gid = gid;
  }

  /** The last reference is gone: bytes an opener killed while waiting kept for itself go too. */
  protected override evict(): void {
    this.pipe.free();
  }

  /** An end is opened: pipe2, open of a FIFO, or reopening /proc/<pid>/fd/N. */
  open(c: FsCtx, f: File): number {
    if (this.fifo) {
      const err = fifoWaitForPartner(c, this.pipe, f);
      if (err !== 0) return err;
    }
    this.attachEnd(f);
    return 0;
  }

  /**
   * The end is attached to the pipe, past fifo_open's wait for a partner: what open does once it
   * may go on, and what a restart does for a FIFO end it gives back (no open rules run then).
   */
  attachEnd(f: File): void {
    f.ops = pipeOps;
    const p = this.pipe;
    if (this.fifo && f.readable && !f.writable && (f.flags & O_NONBLOCK) !== 0 && !p.hasWriters) f.priv = p.wCounter;
    if (f.readable) {
      p.readers++;
      if (this.fifo) p.rCounter++;
    }
    if (f.writable) {
      p.writers++;
      if (this.fifo) p.wCounter++;
    }
  }
}

const pipeOf = (f: File): Pipe => (f.inode as PipeInode).pipe;

/** pipe_read: every non-empty read ends by telling O_ASYNC writers there may be room. */
function pipeRead(c: FsCtx, f: File, to: IoIter, pos: Pos): number {
  const p = pipeOf(f);
  if (to.remaining === 0) return 0;
  const ret = pipeReadBufs(c, f, to, pos);
  killFasync(c.k, p.fasyncWriters, POLL_OUT);
  return ret;
}

function pipeReadBufs(c: FsCtx, f: File, to: IoIter, _pos: Pos): number {
  const p = pipeOf(f);
  let ret = 0;
  while (p.bufs.length > 0 && to.remaining > 0) {
    const b = p.bufs[0];
    const chars = Math.min(b.len, to.remaining);
    const written = to.copyOut(b.frame.data.subarray(b.offset, b.offset + chars));
    // A fault leaves the buffer as it was: those bytes were not consumed.
    if (written < chars) return ret > 0 ? ret : -EFAULT;
    ret += chars;
    b.offset += chars;
    b.len -= chars;
    if (b.len === 0) {
      p.k.frames.put(b.frame);
      p.bufs.shift();
    }
  }
  if (ret > 0) {
    c.k.wakeAll(p.wrWait);
    return ret;
  }
  if (!p.hasWriters) return 0;
  if ((f.flags & O_NONBLOCK) !== 0 || c.nonblock === true) return -EAGAIN;
  return c.k.sleep(c.t, p.rdWait);
}

/** No reader left: SIGPIPE to the writer (send_sig from the writer itself, SI_USER). */
function brokenPipe(c: FsCtx, ret: number): number {
  const t = c.t;
  sendSignal(c.k, t, { signo: SIGPIPE, code: SI_USER, pid: t.group.leader.id, uid: t.cred.uid }, false);
  return ret > 0 ? ret : -EPIPE;
}

function pipeWrite(c: FsCtx, f: File, from: IoIter, _pos: Pos): number {
  const p = pipeOf(f);
  // pipe_write: an empty write returns at once (no EPIPE, SIGPIPE or SIGIO).
  if (from.remaining === 0) return 0;
  const prog = c.nonblock === true ? { done: 0, interrupted: false } : resumeProgress(c.t);
  if (prog.interrupted) return prog.done;
  let ret = prog.done;
  from.advance(ret);
  const result = (r: number): number => {
    endProgress(c.t);
    if (r > 0 || ret > 0) c.k.wakeAll(p.rdWait);
    killFasync(c.k, p.fasyncReaders, POLL_IN);
    return r;
  };
  if (!p.hasReaders) return result(brokenPipe(c, ret));
  if (from.remaining === 0) return result(ret);
  // Merge the sub-page remainder into the last page when it fits (only at the call's start).
  const chars = from.remaining % PAGE_SIZE;
  const last = p.bufs[p.bufs.length - 1];
  if (ret === 0 && chars !== 0 && last !== undefined && last.offset + last.len + chars <= PAGE_SIZE) {
    const bytes = from.copyIn(chars);
    if (bytes.length < chars) return result(-EFAULT);
    last.frame.data.set(bytes, last.offset + last.len);
    last.len += chars;
    ret += chars;
    if (from.remaining === 0) return result(ret);
  }
  for (;;) {
    if (!p.hasReaders) return result(brokenPipe(c, ret));
    if (!p.full) {
      const frame = c.k.frames.alloc();
      if (frame === null) return result(ret > 0 ? ret : -ENOMEM);
      const want = Math.min(PAGE_SIZE, from.remaining);
      const bytes = from.copyIn(want);
      if (bytes.length < want) {
        c.k.frames.put(frame);
        return result(ret > 0 ? ret : -EFAULT);
      }
      frame.data.set(bytes);
      p.bufs.push({ frame, offset: 0, len: bytes.length });
      ret += bytes.length;
      if (from.remaining === 0) return result(ret);
      continue;
    }
    if ((f.flags & O_NONBLOCK) !== 0 || c.nonblock === true) return result(ret > 0 ? ret : -EAGAIN);
    c.k.wakeAll(p.rdWait);
    killFasync(c.k, p.fasyncReaders, POLL_IN);
    return sleepWithProgress(c.k, c.t, p.wrWait, ret);
  }
}

function pipeRelease(f: File): void {
  const p = pipeOf(f);
  if (f.readable) p.readers--;
  if (f.writable) p.writers--;
  // Readers see EOF, writers see EPIPE: both re-check when woken.
  p.k.wakeAll(p.rdWait);
  p.k.wakeAll(p.wrWait);
  if ((p.readers === 0) !== (p.writers === 0)) {
    killFasync(p.k, p.fasyncReaders, POLL_IN);
    killFasync(p.k, p.fasyncWriters, POLL_OUT);
  }
  // An open still waiting for this end counts as attached (Linux counts it at once): the bytes
  // just written stay for it.
  freeIfUnused(p);
}

function pipeIoctl(c: FsCtx, f: File, cmd: number, arg: number): number {
  if (cmd !== FIONREAD) return -ENOTTY;
  return c.t.mm.writeU32(arg, pipeOf(f).bytes) ? 0 : -EFAULT;
}

/** pipe_poll: readable with data, writable with a free slot; POLLHUP / POLLERR once the other side is gone. */
function pipePoll(_c: FsCtx, f: File, pt: PollTable | null): number {
  const p = pipeOf(f);
  pollWait(pt, p.rdWait);
  pollWait(pt, p.wrWait);
  let mask = 0;
  if (f.readable) {
    if (p.bufs.length > 0) mask |= POLLIN | POLLRDNORM;
    if (!p.hasWriters && f.priv !== p.wCounter) mask |= POLLHUP;
  }
  if (f.writable) {
    if (!p.full) mask |= POLLOUT | POLLWRNORM;
    if (!p.hasReaders) mask |= POLLERR;
  }
  return mask;
}

/** pipe_fasync: a read end joins the readers' list, a write end the writers'. */
function pipeFasync(f: File, fd: number, on: boolean): number {
  const p = pipeOf(f);
  if (f.readable) fasyncHelper(fd, f, on, p.fasyncReaders);
  if (f.writable) fasyncHelper(fd, f, on, p.fasyncWriters);
  return 0;
}

export const pipeOps: FileOperations = {
  fasync: pipeFasync,
  positional: false,
  poll: pipePoll,
  read: pipeRead,
  write: pipeWrite,
  llseek: noLlseek,
  ioctl: pipeIoctl,
  release: pipeRelease,
};
