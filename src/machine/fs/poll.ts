// The poll interface of files (Linux's f_op->poll with poll_table): a file reports which events
// are ready now and, when asked, names the wait queues a poller must sleep on to learn of a
// change. poll/select/epoll and the files (pipes, sockets, eventfd...) meet only here.
import type { WaitQueue } from "../kernel/wait-queue.ts";
import type { File } from "./file.ts";
import type { FsCtx } from "./inode.ts";

// uapi/asm-generic/poll.h
export const POLLIN = 0x0001;
export const POLLPRI = 0x0002;
export const POLLOUT = 0x0004;
export const POLLERR = 0x0008;
export const POLLHUP = 0x0010;
export const POLLNVAL = 0x0020;
export const POLLRDNORM = 0x0040;
export const POLLRDBAND = 0x0080;
export const POLLWRNORM = 0x0100;
export const POLLWRBAND = 0x0200;
export const POLLMSG = 0x0400;
export const POLLRDHUP = 0x2000;

/** DEFAULT_POLLMASK: a file without ->poll (regular files, directories) is always ready. */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/**
 * poll_table: a poller collects the queues it will sleep on. Null when only the mask is wanted
 * (a re-check after wake-up, fdinfo), as Linux passes a NULL table.
 */
export interface PollTable {
  wait(wq: WaitQueue): void;
}

/** poll_wait(): register wq with the poller, if there is one. */
export function pollWait(pt: PollTable | null, wq: WaitQueue): void {
  pt?.wait(wq);
}

/** vfs_poll(): the file's ready events; DEFAULT_POLLMASK when it has no ->poll. */
export function vfsPoll(c: FsCtx, f: File, pt: PollTable | null): number {
  return f.ops.poll ? f.ops.poll(c, f, pt) : DEFAULT_POLLMASK;
}
