// AF_UNIX names and connections (Linux's net/unix/af_unix.c): bind (path names as S_IFSOCK
// inodes in the file system, abstract names in a per-machine table, autobind), listen, connect,
// accept, socketpair, shutdown, getsockname/getpeername and the close of a socket. The data path
// is unix-io.ts; poll is unix-poll.ts.
import type { Kernel } from "../kernel/kernel.ts";
import type { Task } from "../kernel/task.ts";
import { AT_FDCWD, MAY_WRITE, S_IFSOCK } from "../fs/constants.ts";
import {
  EADDRINUSE, EAGAIN, ECONNREFUSED, ECONNRESET, EINVAL, EISCONN, ENOENT, ENOSPC, ENOTCONN, ENOTDIR, ENXIO, EOPNOTSUPP, EPERM, EPROTOTYPE,
} from "../fs/errno.ts";
import { Inode, isDirInode, timeNow, type FsCtx } from "../fs/inode.ts";
import { LOOKUP_FOLLOW, lookupAt, lookupChild, lookupParentAt } from "../fs/namei.ts";
import { inodePermission, mayCreate } from "../fs/perm.ts";
import { TmpfsDir } from "../fs/tmpfs/tmpfs.ts";
import {
  AF_UNIX, RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, SOCK_DGRAM, SOCKADDR_UN_SIZE, SOMAXCONN, SUN_PATH_OFFSET,
} from "./constants.ts";
import { unixGc } from "./gc.ts";
import { freeSkb, wakeSock, type PeerCred, type UnixAddr, type UnixSock } from "./sock.ts";

/** The file-system name of a bound socket: an S_IFSOCK inode that leads connect() to it. */
export class UnixNodeInode extends Inode {
  /** The sock bound here while it lives (unix_find_socket_byinode); no reference. */
  sock: UnixSock | null = null;

  /** Opening a socket's name is ENXIO, as on Linux. */
  open(): number {
    return -ENXIO;
  }
}

/** Abstract names in use, per machine (the unix_socket_table's abstract half). */
const abstractNames = new WeakMap<Kernel, Map<string, UnixSock>>();
/** autobind's next name per machine (Linux draws it at random: this is deterministic). */
const autobindNext = new WeakMap<Kernel, number>();

function abstractTable(k: Kernel): Map<string, UnixSock> {
  let m = abstractNames.get(k);
  if (m === undefined) abstractNames.set(k, (m = new Map()));
  return m;
}

const keyOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

/** The socket an abstract name leads to on this machine, if any (for checkpoint). */
export function abstractOwner(k: Kernel, bytes: Uint8Array): UnixSock | undefined {
  return abstractTable(k).get(keyOf(bytes));
}

/**
 * Give a restored socket its name (restart): the address bytes, the inode of a path name, and,
 * when the name leads to this socket, the inode's link or the abstract table's entry. Returns
 * false when the abstract name is taken on this machine (by a socket still alive here).
 */
export function restoreAddr(k: Kernel, s: UnixSock, bytes: Uint8Array, inode: UnixNodeInode | null, owner: boolean): boolean {
  const abstract = bytes[SUN_PATH_OFFSET] === 0;
  if (owner && abstract) {
    const table = abstractTable(k);
    if (table.has(keyOf(bytes))) return false;
    table.set(keyOf(bytes), s);
  }
  if (owner && inode !== null) inode.sock = s;
  s.addr = { bytes, inode };
  return true;
}

/** A parsed sockaddr_un: an abstract name's bytes, or a path name. */
export type ParsedAddr = { abstract: true; bytes: Uint8Array } | { abstract: false; path: string; bytes: Uint8Array };

/**
 * unix_validate_addr + unix_mkname_bsd: addr_len must cover more than the family and at most a
 * sockaddr_un, and the family must be AF_UNIX. A path name ends at its first NUL (the stored
 * address counts one NUL); an abstract name (leading NUL) is all addr_len bytes.
 */
export function parseAddr(raw: Uint8Array): ParsedAddr | number {
  if (raw.length <= SUN_PATH_OFFSET || raw.length > SOCKADDR_UN_SIZE) return -EINVAL;
  if ((raw[0] | (raw[1] << 8)) !== AF_UNIX) return -EINVAL;
  if (raw[SUN_PATH_OFFSET] === 0) return { abstract: true, bytes: raw.slice() };
  let end = raw.indexOf(0, SUN_PATH_OFFSET);
  if (end < 0) end = raw.length;
  const bytes = new Uint8Array(end + 1);
  bytes.set(raw.subarray(0, end));
  return { abstract: false, path: Buffer.from(raw.subarray(SUN_PATH_OFFSET, end)).toString("latin1"), bytes };
}

/** The credentials init_peercred records: the caller's thread-group pid and effective ids. */
export function currentPeerCred(t: Task): PeerCred {
  return { pid: t.group.leader.pid, uid: t.cred.euid, gid: t.cred.egid };
}

/** unix_autobind: an abstract name of five hex digits; a bound socket keeps its name. */
export function autobind(k: Kernel, s: UnixSock): number {
  if (s.addr !== null) return 0;
  const table = abstractTable(k);
  let n = autobindNext.get(k) ?? 0;
  for (let tries = 0; tries <= 0xfffff; tries++, n = (n + 1) & 0xfffff) {
    const bytes = new Uint8Array(SUN_PATH_OFFSET + 6);
    bytes[0] = AF_UNIX;
    bytes.set(Buffer.from(n.toString(16).padStart(5, "0"), "latin1"), SUN_PATH_OFFSET + 1);
    if (table.has(keyOf(bytes))) continue;
    table.set(keyOf(bytes), s);
    s.addr = { bytes, inode: null };
    autobindNext.set(k, (n + 1) & 0xfffff);
    return 0;
  }
  return -ENOSPC;
}

/** bind(2): a path name creates an S_IFSOCK inode (EADDRINUSE if the name exists). */
export function unixBind(c: FsCtx, s: UnixSock, raw: Uint8Array): number {
  if (raw.length === SUN_PATH_OFFSET && (raw[0] | (raw[1] << 8)) === AF_UNIX) return autobind(c.k, s);
  const a = parseAddr(raw);
  if (typeof a === "number") return a;
  if (a.abstract) {
    if (s.addr !== null) return -EINVAL;
    const table = abstractTable(c.k);
    if (table.has(keyOf(a.bytes))) return -EADDRINUSE;
    table.set(keyOf(a.bytes), s);
    s.addr = { bytes: a.bytes, inode: null };
    return 0;
  }
  const p = lookupParentAt(c, AT_FDCWD, a.path);
  if (typeof p === "number") return p;
  if (p.type !== "norm") return -EADDRINUSE;
  const existing = lookupChild(c, p);
  if (typeof existing === "number") return existing;
  if (existing !== null) return -EADDRINUSE;
  const dir = p.dir.dentry.inode;
  if (!isDirInode(dir)) return -ENOTDIR;
  if (p.trailing || p.dir.dentry.deleted) return -ENOENT;
  const err = mayCreate(c.t.cred, dir);
  if (err !== 0) return err;
  if (s.addr !== null) return -EINVAL;
  // mknod on a file system without it (proc): its lookup error, or EPERM as vfs_mknod answers.
  if (!(dir instanceof TmpfsDir)) return dir.missingErr() || -EPERM;
  const umask = c.t.fs?.umask ?? 0o022;
  const node = new UnixNodeInode(dir.sb, dir.sb.allocIno(), S_IFSOCK | (0o777 & ~umask), timeNow(c.k));
  dir.add(c, p.dir.dentry, p.last, node);
  node.sock = s;
  s.addr = { bytes: a.bytes, inode: node };
  return 0;
}

/**
 * unix_find_other: the sock an address names. A path is looked up (ENOENT...), needs write
 * permission (EACCES), and must be a live socket's name (ECONNREFUSED); an unknown abstract
 * name is ECONNREFUSED; a socket of another type EPROTOTYPE.
 */
export function findOther(c: FsCtx, raw: Uint8Array, type: number): UnixSock | number {
  const a = parseAddr(raw);
  if (typeof a === "number") return a;
  let s: UnixSock | undefined | null;
  if (a.abstract) s = abstractTable(c.k).get(keyOf(a.bytes));
  else {
    const p = lookupAt(c, AT_FDCWD, a.path, LOOKUP_FOLLOW);
    if (typeof p === "number") return p;
    const inode = p.dentry.inode;
    const err = inodePermission(c.t.cred, inode, MAY_WRITE);
    if (err !== 0) return err;
    s = inode instanceof UnixNodeInode ? inode.sock : null;
  }
  if (s === undefined || s === null || s.dead) return -ECONNREFUSED;
  if (s.type !== type) return -EPROTOTYPE;
  return s;
}

/** listen(2): only a bound stream or seqpacket socket that is not connected. */
export function unixListen(c: FsCtx, s: UnixSock, backlog: number): number {
  if (s.type === SOCK_DGRAM) return -EOPNOTSUPP;
  if (s.addr === null) return -EINVAL;
  if (s.state !== "close" && s.state !== "listen") return -EINVAL;
  const b = backlog >>> 0 > SOMAXCONN ? SOMAXCONN : backlog;
  if (b > s.backlog) c.k.wakeAll(s.peerWait);
  s.backlog = b;
  s.state = "listen";
  s.setPeerCred(currentPeerCred(c.t));
  return 0;
}

/**
 * unix_stream_connect: queue a connection request (an embryo sock already connected to s) on
 * the listener; s is connected at once, before accept. A full backlog blocks, or EAGAIN.
 */
export function unixStreamConnect(c: FsCtx, s: UnixSock, raw: Uint8Array, nonblock: boolean, makeSock: () => UnixSock): number {
  const a = parseAddr(raw);
  if (typeof a === "number") return a;
  if (s.passcred) autobind(c.k, s);
  const other = findOther(c, raw, s.type);
  if (typeof other === "number") return other;
  if (other.state !== "listen" || (other.shutdown & RCV_SHUTDOWN) !== 0) return -ECONNREFUSED;
  if (other.recvqFull) {
    if (nonblock) return -EAGAIN;
    return c.k.sleep(c.t, other.peerWait);
  }
  if (s.state === "established") return -EISCONN;
  if (s.state !== "close") return -EINVAL;
  const embryo = makeSock();
  embryo.state = "established";
  embryo.addr = other.addr;
  embryo.setPeerCred(currentPeerCred(c.t));
  embryo.setPeer(s);
  s.setPeerCred(other.peerCred);
  s.setPeer(embryo);
  s.state = "established";
  c.k.kobj.get(embryo, "connection request");
  c.k.kobj.get(c.t.group.leader.pid, "connection request");
  other.queue.push({
    data: new Uint8Array(0), consumed: 0, sender: embryo, truesize: 0, fds: null,
    creds: { pid: c.t.group.leader.pid, uid: c.t.cred.uid, gid: c.t.cred.gid }, embryo,
  });
  wakeSock(other);
  return 0;
}

/** unix_dgram_connect: set (or with AF_UNSPEC clear) the default destination. */
export function unixDgramConnect(c: FsCtx, s: UnixSock, raw: Uint8Array): number {
  if (raw.length >= 2 && (raw[0] | (raw[1] << 8)) === 0) {
    disconnectDgram(c.k, s);
    return 0;
  }
  const a = parseAddr(raw);
  if (typeof a === "number") return a;
  if (s.passcred) autobind(c.k, s);
  const other = findOther(c, raw, s.type);
  if (typeof other === "number") return other;
  // unix_may_send: other must be unconnected or connected to s.
  if (other.peer !== null && other.peer !== s) return -EPERM;
  disconnectDgram(c.k, s);
  s.setPeer(other);
  s.state = "established";
  return 0;
}

function disconnectDgram(k: Kernel, s: UnixSock): void {
  const old = s.peer;
  if (old === null) return;
  s.clearPeer();
  s.state = "close";
  k.wakeAll(old.peerWait);
}

/** Take the first connection request of a listener, or -errno (-ERESTARTSYS after sleeping). */
export function unixAccept(c: FsCtx, s: UnixSock, nonblock: boolean): UnixSock | number {
  if (s.type === SOCK_DGRAM) return -EOPNOTSUPP;
  if (s.state !== "listen") return -EINVAL;
  const skb = s.queue[0];
  if (skb === undefined) {
    if ((s.shutdown & RCV_SHUTDOWN) !== 0) return -EINVAL;
    if (nonblock) return -EAGAIN;
    return c.k.sleep(c.t, s.wq);
  }
  s.queue.shift();
  const embryo = skb.embryo!;
  c.k.kobj.get(embryo, "accept");
  freeSkb(c.k, skb);
  c.k.wakeAll(s.peerWait);
  return embryo;
}

/** unix_socketpair: connect two fresh socks to each other. */
export function unixSocketpair(c: FsCtx, a: UnixSock, b: UnixSock): void {
  a.setPeer(b);
  b.setPeer(a);
  a.setPeerCred(currentPeerCred(c.t));
  b.setPeerCred(currentPeerCred(c.t));
  a.state = "established";
  b.state = "established";
}

/** shutdown(2): how 0..2 sets RCV/SEND/both; a connected stream peer gets the mirror image. */
export function unixShutdown(c: FsCtx, s: UnixSock, how: number): number {
  if (how < 0 || how > 2) return -EINVAL;
  const mode = how + 1;
  s.shutdown |= mode;
  wakeSock(s);
  const other = s.peer;
  if (other !== null && s.type !== SOCK_DGRAM) {
    let peerMode = 0;
    if ((mode & RCV_SHUTDOWN) !== 0) peerMode |= SEND_SHUTDOWN;
    if ((mode & SEND_SHUTDOWN) !== 0) peerMode |= RCV_SHUTDOWN;
    other.shutdown |= peerMode;
    wakeSock(other);
  }
  return 0;
}

/** getsockname (peer=false) / getpeername: the address bytes; an unnamed socket is its family. */
export function unixGetname(s: UnixSock, peer: boolean): Uint8Array | number {
  let addr: UnixAddr | null;
  if (peer) {
    if (s.peer === null || (s.type !== SOCK_DGRAM && s.state !== "established")) return -ENOTCONN;
    addr = s.peer.addr;
  } else addr = s.addr;
  return addr !== null ? addr.bytes : new Uint8Array([AF_UNIX, 0]);
}

/**
 * unix_release_sock: the socket's file is gone (or, embryo, an unaccepted connection is dropped
 * with its listener). A connected stream peer sees EOF both ways, and ECONNRESET if this side
 * left data unread; queued messages are freed, so files in flight on them are closed.
 */
export function unixReleaseSock(s: UnixSock, embryo: boolean): void {
  const k = s.k;
  unbind(k, s);
  const wasListener = s.state === "listen";
  s.state = "close";
  s.shutdown = SHUTDOWN_MASK;
  s.dead = true;
  const pair = s.peer;
  if (pair !== null) {
    if (s.type !== SOCK_DGRAM) {
      pair.shutdown = SHUTDOWN_MASK;
      if (s.queue.length > 0 || embryo) pair.err = ECONNRESET;
    }
    wakeSock(pair);
    k.wakeAll(pair.peerWait);
    s.clearPeer();
  }
  k.wakeAll(s.peerWait);
  wakeSock(s);
  for (const skb of s.queue.splice(0)) {
    if (wasListener && skb.embryo !== undefined) unixReleaseSock(skb.embryo, true);
    freeSkb(k, skb);
  }
}

function unbind(k: Kernel, s: UnixSock): void {
  const a = s.addr;
  if (a === null) return;
  if (a.inode instanceof UnixNodeInode) {
    if (a.inode.sock === s) a.inode.sock = null;
  } else if (a.inode === null) {
    const table = abstractTable(k);
    const key = keyOf(a.bytes);
    if (table.get(key) === s) table.delete(key);
  }
}

/** The socket file's last reference is gone: release, drop the file's sock reference, collect cycles. */
export function unixRelease(s: UnixSock): void {
  unixReleaseSock(s, false);
  s.k.kobj.put(s, "socket file released");
  unixGc(s.k);
}
