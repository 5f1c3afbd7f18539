// Socket files (Linux's net/socket.c): a socket is an inode on sockfs named socket:[ino], with
// an open file whose operations turn read/write/poll/ioctl/close into the protocol's calls.
// Only AF_UNIX exists, so the "protocol" is af-unix.ts and its stream/datagram halves.
import type { Kernel } from "../kernel/kernel.ts";
import { EFAULT, EINVAL, ENOTTY } from "../fs/errno.ts";
import { O_NONBLOCK, O_RDWR } from "../fs/constants.ts";
import { File, noLlseek, type FileOperations, type Pos } from "../fs/file.ts";
import { Dentry, timeNow, type FsCtx, type Path } from "../fs/inode.ts";
import type { IoIter } from "../fs/iov.ts";
import type { PollTable } from "../fs/poll.ts";
import { SIOCINQ, SIOCOUTQ, SOCK_DGRAM } from "./constants.ts";
import { newRecvMsg, type RecvMsg } from "./msg.ts";

import { UnixSock, skbLen } from "./sock.ts";
import { SocketInode, sockOf } from "./socket-inode.ts";

export { SocketInode, sockOf };
import { unixRelease } from "./af-unix.ts";
import { unixPoll } from "./unix-poll.ts";
import { unixRecvmsg, unixSendmsg } from "./unix-io.ts";

/**
 * sock_alloc_file: a new socket file on `sock`, which the file takes over (its creation
 * reference). O_NONBLOCK comes from SOCK_NONBLOCK. Returns the file (the caller's reference).
 */
export function sockAllocFile(c: FsCtx, sock: UnixSock, nonblock: boolean, why: string): File {
  const vfs = c.k.vfs;
  const ino = c.k.frames.nextIno++;
  const inode = new SocketInode(vfs.sockMount.sb, ino, timeNow(c.k), sock);
  inode.uid = c.t.cred.fsuid;
  inode.gid = c.t.cred.fsgid;
  const path: Path = { mnt: vfs.sockMount, dentry: new Dentry(`socket:[${ino}]`, vfs.sockMount.root, inode) };
  // Not through openPath: a socket inode refuses open() by name.
  const f = new File(c.k.kobj, path, O_RDWR | (nonblock ? O_NONBLOCK : 0), why);
  f.ops = socketFileOps;
  return f;
}

/** A new, unconnected AF_UNIX sock of type (stream, dgram or seqpacket). */
export function newSock(k: Kernel, type: number, why: string): UnixSock {
  return new UnixSock(k.kobj, k, type, why);
}

function sockRead(c: FsCtx, f: File, to: IoIter, _pos: Pos): number {
  const m: RecvMsg = newRecvMsg(to, 0, false);
  const r = unixRecvmsg(c, f, sockOf(f)!, m);
  dropRecvScm(c.k, m);
  return r;
}

function sockWrite(c: FsCtx, f: File, from: IoIter, _pos: Pos): number {
  return unixSendmsg(c, f, sockOf(f)!, { from, name: null, scm: { fds: null, creds: null }, flags: 0 });
}

/** Files received where nobody asked for them (read(2), no control buffer) are closed. */
export function dropRecvScm(k: Kernel, m: RecvMsg): void {
  if (m.scm.fds !== null) for (const f of m.scm.fds) k.kobj.put(f, "SCM_RIGHTS not received");
  m.scm.fds = null;
  if (m.scm.creds !== null) k.kobj.put(m.scm.creds.pid, "SCM_CREDENTIALS not received");
  m.scm.creds = null;
}

/** unix_inq_len: unread bytes of a stream, the first datagram's length, EINVAL on a listener. */
function inqLen(s: UnixSock): number {
  if (s.state === "listen") return -EINVAL;
  if (s.type === SOCK_DGRAM) return s.queue.length > 0 ? skbLen(s.queue[0]) : 0;
  return s.queue.reduce((n, skb) => n + skbLen(skb), 0);
}

function sockIoctl(c: FsCtx, f: File, cmd: number, arg: number): number {
  const s = sockOf(f)!;
  let v: number;
  if (cmd === SIOCINQ) v = inqLen(s);
  else if (cmd === SIOCOUTQ) v = s.wmem; // unix_outq_len: sk_wmem_alloc, in truesize bytes
  else return -ENOTTY;
  if (v < 0) return v;
  return c.t.mm.writeU32(arg, v) ? 0 : -EFAULT;
}

function sockPoll(c: FsCtx, f: File, pt: PollTable | null): number {
  return unixPoll(c, sockOf(f)!, pt);
}

function sockRelease(f: File): void {
  unixRelease(sockOf(f)!);
}

export const socketFileOps: FileOperations = {
  positional: false,
  read: sockRead,
  write: sockWrite,
  llseek: noLlseek,
  ioctl: sockIoctl,
  poll: sockPoll,
  release: sockRelease,
};
