// eventfd (Linux's fs/eventfd.c): a 64-bit counter behind a file. write adds to it, read takes
// it all (or 1 in semaphore mode); a read of zero and a write that would reach 2^64-1 wait, or
// fail with EAGAIN when non-blocking. One wait queue serves both directions and poll, as wqh.
import { O_NONBLOCK } from "../../fs/constants.ts";
import type { File, FileOperations } from "../../fs/file.ts";
import type { FsCtx } from "../../fs/inode.ts";
import type { IoIter } from "../../fs/iov.ts";
import { POLLERR, POLLIN, POLLOUT, pollWait, type PollTable } from "../../fs/poll.ts";
import { EAGAIN, EFAULT, EINVAL } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { WaitQueue } from "../wait-queue.ts";

export const EFD_SEMAPHORE = 1;
export const ULLONG_MAX = 0xffffffffffffffffn;

/** The eventfd ids in use on each machine (Linux's eventfd_ida: the lowest free one is next). */
const idsInUse = new WeakMap<Kernel, Set<number>>();

export class EventFdCtx {
  readonly wqh = new WaitQueue();
  /** eventfd-id in fdinfo. */
  readonly id: number;

  constructor(
    readonly k: Kernel,
    public count: bigint,
    readonly semaphore: boolean,
  ) {
    let ids = idsInUse.get(k);
    if (ids === undefined) idsInUse.set(k, (ids = new Set()));
    let id = 0;
    while (ids.has(id)) id++;
    ids.add(id);
    this.id = id;
  }

  release(): void {
    idsInUse.get(this.k)?.delete(this.id);
  }
}

const ctxOf = (f: File): EventFdCtx => f.priv as EventFdCtx;
const nonblock = (c: FsCtx, f: File): boolean => (f.flags & O_NONBLOCK) !== 0 || c.nonblock === true;

function eventfdRead(c: FsCtx, f: File, to: IoIter): number {
  const ctx = ctxOf(f);
  if (to.remaining < 8) return -EINVAL;
  if (ctx.count === 0n) return nonblock(c, f) ? -EAGAIN : c.k.sleep(c.t, ctx.wqh);
  const value = ctx.semaphore ? 1n : ctx.count;
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, value, true);
  if (to.copyOut(b) !== 8) return -EFAULT;
  ctx.count -= value;
  c.k.wakeAll(ctx.wqh);
  return 8;
}

function eventfdWrite(c: FsCtx, f: File, from: IoIter): number {
  const ctx = ctxOf(f);
  if (from.remaining < 8) return -EINVAL;
  const b = from.copyIn(8);
  if (b.length < 8) return -EFAULT;
  const value = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  if (value === ULLONG_MAX) return -EINVAL;
  if (ULLONG_MAX - ctx.count <= value) {
    if (nonblock(c, f)) return -EAGAIN;
    return c.k.sleep(c.t, ctx.wqh);
  }
  ctx.count += value;
  c.k.wakeAll(ctx.wqh);
  return 8;
}

function eventfdPoll(_c: FsCtx, f: File, pt: PollTable | null): number {
  const ctx = ctxOf(f);
  pollWait(pt, ctx.wqh);
  let mask = 0;
  if (ctx.count > 0n) mask |= POLLIN;
  if (ctx.count === ULLONG_MAX) mask |= POLLERR;
  if (ULLONG_MAX - 1n > ctx.count) mask |= POLLOUT;
  return mask;
}

function eventfdFdinfo(f: File): string {
  const ctx = ctxOf(f);
  return `eventfd-count: ${ctx.count.toString(16).padStart(16)}\neventfd-id: ${ctx.id}\neventfd-semaphore: ${ctx.semaphore ? 1 : 0}\n`;
}

export const eventfdOps: FileOperations = {
  positional: false,
  read: eventfdRead,
  write: eventfdWrite,
  poll: eventfdPoll,
  // noop_llseek: every seek "succeeds" and leaves the position where it is.
  llseek: (_c, f) => f.pos,
  release: (f) => ctxOf(f).release(),
  fdinfo: eventfdFdinfo,
};
