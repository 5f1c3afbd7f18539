// Sockets: socket, socketpair, bind, listen, accept, accept4, connect, getsockname, getpeername,
// sendto, recvfrom, setsockopt, getsockopt, shutdown, sendmsg, recvmsg (Linux's net/socket.c
// entry points). Only AF_UNIX exists (src/machine/net); the rest answer EAFNOSUPPORT.
import { EBADF, EFAULT, EINVAL, EMFILE, EMSGSIZE, ENOTSOCK, EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT } from "../../fs/errno.ts";
import type { File } from "../../fs/file.ts";
import type { FsCtx } from "../../fs/inode.ts";
import { UserIter, type IoSeg } from "../../fs/iov.ts";
import { importIovec } from "../../fs/uaccess.ts";
import { MAX_RW_COUNT } from "../../fs/constants.ts";
import {
  unixAccept, unixBind, unixDgramConnect, unixGetname, unixListen, unixShutdown, unixSocketpair, unixStreamConnect,
} from "../../net/af-unix.ts";
import {
  AF_UNIX, MSG_CMSG_CLOEXEC, MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_MAX, SOCK_NONBLOCK, SOCK_RAW, SOCK_SEQPACKET,
  SOCK_STREAM, SOCK_TYPE_MASK,
} from "../../net/constants.ts";
import { newRecvMsg, type RecvMsg, type ScmSend } from "../../net/msg.ts";
import { scmDestroy, scmRecv, scmSend } from "../../net/scm.ts";
import { nonblocking } from "../../net/msg.ts";
import { dropRecvScm, newSock, sockAllocFile, sockOf } from "../../net/socket.ts";
import type { UnixSock } from "../../net/sock.ts";
import { unixGetsockopt, unixSetsockopt } from "../../net/sockopt.ts";
import { unixRecvmsg, unixSendmsg } from "../../net/unix-io.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import { fdget } from "./sys-fs.ts";
import type { SyscallEntry } from "./types.ts";

/** sizeof(struct sockaddr_storage): the most of an address the kernel copies in. */
const SOCKADDR_STORAGE = 128;
const O_NONBLOCK = 0o4000;

/** sockfd_lookup: the socket behind fd (EBADF, ENOTSOCK). */
function sockfd(t: Task, fd: number): { f: File; s: UnixSock } | number {
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  const s = sockOf(f);
  return s === null ? -ENOTSOCK : { f, s };
}

/** move_addr_to_kernel. */
function addrIn(t: Task, addr: number, len: number): Uint8Array | number {
  if (len < 0 || len > SOCKADDR_STORAGE) return -EINVAL;
  if (len === 0) return new Uint8Array(0);
  return t.mm.copyIn(addr, len) ?? -EFAULT;
}

/** move_addr_to_user: copy min(*ulen, klen) bytes, then store klen in *ulen. */
function addrOut(t: Task, k: Uint8Array, uaddr: number, ulenp: number): number {
  const len = t.mm.readU32(ulenp);
  if (len === null) return -EFAULT;
  const n = Math.min(len | 0, k.length);
  if (n < 0) return -EINVAL;
  if (n > 0 && !t.mm.copyOut(uaddr, k.subarray(0, n))) return -EFAULT;
  return t.mm.writeU32(ulenp, k.length) ? 0 : -EFAULT;
}

/** The checks socket() and socketpair() share: flags, family, type, protocol. */
function checkCreate(domain: number, type: number, protocol: number): number {
  if ((type & ~(SOCK_TYPE_MASK | SOCK_CLOEXEC | SOCK_NONBLOCK)) !== 0) return -EINVAL;
  const ty = type & SOCK_TYPE_MASK;
  if (domain >>> 0 >= 46) return -EAFNOSUPPORT;
  if (ty >= SOCK_MAX) return -EINVAL;
  if (domain !== AF_UNIX) return -EAFNOSUPPORT;
  if (protocol !== 0 && protocol !== AF_UNIX) return -EPROTONOSUPPORT;
  if (ty !== SOCK_STREAM && ty !== SOCK_DGRAM && ty !== SOCK_SEQPACKET && ty !== SOCK_RAW) return -ESOCKTNOSUPPORT;
  return ty === SOCK_RAW ? SOCK_DGRAM : ty;
}

function sysSocket(k: Kernel, t: Task, domain: number, type: number, protocol: number): number {
  const ty = checkCreate(domain, type, protocol);
  if (ty < 0) return ty;
  const files = t.files;
  if (files === null) return -EMFILE;
  const fd = files.allocFd();
  if (fd < 0) return fd;
  const why = `socket by pid ${t.id}`;
  const f = sockAllocFile({ k, t }, newSock(k, ty, why), (type & SOCK_NONBLOCK) !== 0, why);
  files.install(fd, f, (type & SOCK_CLOEXEC) !== 0);
  return fd;
}

function sysSocketpair(k: Kernel, t: Task, domain: number, type: number, protocol: number, sv: number): number {
  const ty = checkCreate(domain, type, protocol);
  if (ty < 0) return ty;
  const files = t.files;
  if (files === null) return -EMFILE;
  const fd0 = files.allocFd();
  const fd1 = fd0 < 0 ? fd0 : files.allocFd(fd0 + 1);
  if (fd1 < 0) return fd1;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, fd0, true);
  new DataView(out.buffer).setInt32(4, fd1, true);
  if (!t.mm.copyOut(sv, out)) return -EFAULT;
  const c: FsCtx = { k, t };
  const why = `socketpair by pid ${t.id}`;
  const a = newSock(k, ty, why);
  const b = newSock(k, ty, why);
  unixSocketpair(c, a, b);
  const nb = (type & SOCK_NONBLOCK) !== 0;
  const cloexec = (type & SOCK_CLOEXEC) !== 0;
  files.install(fd0, sockAllocFile(c, a, nb, why), cloexec);
  files.install(fd1, sockAllocFile(c, b, nb, why), cloexec);
  return 0;
}

function sysBind(k: Kernel, t: Task, fd: number, addr: number, len: number): number {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const raw = addrIn(t, addr, len);
  if (typeof raw === "number") return raw;
  return unixBind({ k, t }, so.s, raw);
}

function sysListen(k: Kernel, t: Task, fd: number, backlog: number): number {
  const so = sockfd(t, fd);
  return typeof so === "number" ? so : unixListen({ k, t }, so.s, backlog | 0);
}

function sysConnect(k: Kernel, t: Task, fd: number, addr: number, len: number): number {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const raw = addrIn(t, addr, len);
  if (typeof raw === "number") return raw;
  const c: FsCtx = { k, t };
  if (so.s.type === SOCK_DGRAM) return unixDgramConnect(c, so.s, raw);
  return unixStreamConnect(c, so.s, raw, nonblocking(c, so.f, false), () => newSock(k, so.s.type, `connect by pid ${t.id}`));
}

function sysAccept4(k: Kernel, t: Task, fd: number, addr: number, addrlenp: number, flags: number): number {
  if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) !== 0) return -EINVAL;
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const files = t.files!;
  const nfd = files.allocFd();
  if (nfd < 0) return nfd;
  const c: FsCtx = { k, t };
  const s = unixAccept(c, so.s, nonblocking(c, so.f, false));
  if (typeof s === "number") return s;
  const f = sockAllocFile(c, s, (flags & SOCK_NONBLOCK) !== 0, `accept by pid ${t.id}`);
  if (addr !== 0) {
    const name = unixGetname(s, true);
    const err = typeof name === "number" ? name : addrOut(t, name, addr, addrlenp);
    if (err < 0) {
      k.kobj.put(f, "accept failed");
      return err;
    }
  }
  files.install(nfd, f, (flags & SOCK_CLOEXEC) !== 0);
  return nfd;
}

const getname = (peer: boolean) => (k: Kernel, t: Task, fd: number, addr: number, addrlenp: number): number => {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const name = unixGetname(so.s, peer);
  return typeof name === "number" ? name : addrOut(t, name, addr, addrlenp);
};

function sysShutdown(k: Kernel, t: Task, fd: number, how: number): number {
  const so = sockfd(t, fd);
  return typeof so === "number" ? so : unixShutdown({ k, t }, so.s, how | 0);
}

function sysSetsockopt(k: Kernel, t: Task, fd: number, level: number, name: number, optval: number, optlen: number): number {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  if ((optlen | 0) < 0) return -EINVAL;
  const val = optlen === 0 ? new Uint8Array(0) : t.mm.copyIn(optval, Math.min(optlen, 4096));
  if (val === null) return -EFAULT;
  return unixSetsockopt({ k, t }, so.s, level | 0, name | 0, val);
}

function sysGetsockopt(k: Kernel, t: Task, fd: number, level: number, name: number, optval: number, optlenp: number): number {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const len = t.mm.readU32(optlenp);
  if (len === null) return -EFAULT;
  if ((len | 0) < 0) return -EINVAL;
  const v = unixGetsockopt({ k, t }, so.s, level | 0, name | 0);
  if (typeof v === "number") return v;
  const n = Math.min(len, v.length);
  if (n > 0 && !t.mm.copyOut(optval, v.subarray(0, n))) return -EFAULT;
  return t.mm.writeU32(optlenp, n) ? 0 : -EFAULT;
}

/** Send on a socket: the common tail of sendto and sendmsg (drops what was not sent). */
function doSend(k: Kernel, t: Task, so: { f: File; s: UnixSock }, segs: IoSeg[], name: Uint8Array | null, scm: ScmSend, flags: number): number {
  const c: FsCtx = { k, t };
  const nb = (so.f.flags & O_NONBLOCK) !== 0 ? MSG_DONTWAIT : 0;
  const r = unixSendmsg(c, so.f, so.s, { from: new UserIter(t.mm, segs), name, scm, flags: flags | nb });
  scmDestroy(c, scm);
  return r;
}

function sysSendto(k: Kernel, t: Task, fd: number, buf: number, len: number, flags: number, addr: number, addrlen: number): number {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const n = Math.min(len >>> 0, MAX_RW_COUNT);
  if ((buf >>> 0) + n > 2 ** 32) return -EFAULT;
  let name: Uint8Array | null = null;
  if (addr !== 0) {
    const raw = addrIn(t, addr, addrlen | 0);
    if (typeof raw === "number") return raw;
    if (raw.length > 0) name = raw;
  }
  return doSend(k, t, so, [{ base: buf >>> 0, len: n }], name, { fds: null, creds: null }, flags);
}

/** Receive on a socket: the common part of recvfrom and recvmsg. */
function doRecv(k: Kernel, t: Task, so: { f: File; s: UnixSock }, segs: IoSeg[], flags: number, wantName: boolean): { r: number; m: RecvMsg } {
  const nb = (so.f.flags & O_NONBLOCK) !== 0 ? MSG_DONTWAIT : 0;
  const m = newRecvMsg(new UserIter(t.mm, segs), flags | nb, wantName);
  const r = unixRecvmsg({ k, t }, so.f, so.s, m);
  if (r < 0) dropRecvScm(k, m);
  return { r, m };
}

function sysRecvfrom(k: Kernel, t: Task, fd: number, buf: number, len: number, flags: number, addr: number, addrlenp: number): number {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const n = Math.min(len >>> 0, MAX_RW_COUNT);
  if ((buf >>> 0) + n > 2 ** 32) return -EFAULT;
  const { r, m } = doRecv(k, t, so, [{ base: buf >>> 0, len: n }], flags, addr !== 0);
  if (r < 0) return r;
  scmRecv({ k, t }, m, { addr: 0, len: 0 }, flags);
  if (addr !== 0) {
    const err = addrOut(t, m.name ?? new Uint8Array(0), addr, addrlenp);
    if (err < 0) return err;
  }
  return r;
}

/** struct msghdr on riscv32: name, namelen, iov, iovlen, control, controllen, flags (28 bytes). */
interface UserMsghdr {
  name: number;
  namelen: number;
  iov: number;
  iovlen: number;
  control: number;
  controllen: number;
}

function readMsghdr(t: Task, p: number): UserMsghdr | number {
  const b = t.mm.copyIn(p, 28);
  if (b === null) return -EFAULT;
  const dv = new DataView(b.buffer, b.byteOffset, 28);
  const u = (o: number): number => dv.getUint32(o, true);
  return { name: u(0), namelen: dv.getInt32(4, true), iov: u(8), iovlen: u(12), control: u(16), controllen: u(20) };
}

/** copy_msghdr_from_user's iovec part: too many segments is EMSGSIZE. */
function msgIovec(t: Task, h: UserMsghdr): IoSeg[] | number {
  if (h.iovlen > 1024) return -EMSGSIZE;
  return importIovec(t.mm, h.iov, h.iovlen);
}

function sysSendmsg(k: Kernel, t: Task, fd: number, msgp: number, flags: number): number {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const h = readMsghdr(t, msgp);
  if (typeof h === "number") return h;
  if (h.namelen < 0) return -EINVAL;
  let name: Uint8Array | null = null;
  if (h.name !== 0 && h.namelen > 0) {
    const raw = t.mm.copyIn(h.name, Math.min(h.namelen, SOCKADDR_STORAGE));
    if (raw === null) return -EFAULT;
    name = raw;
  }
  const segs = msgIovec(t, h);
  if (typeof segs === "number") return segs;
  if (h.controllen > 0x7fffffff) return -105; // ENOBUFS
  let scm: ScmSend = { fds: null, creds: null };
  if (h.controllen > 0) {
    const ctl = t.mm.copyIn(h.control, h.controllen);
    if (ctl === null) return -EFAULT;
    const parsed = scmSend({ k, t }, ctl);
    if (typeof parsed === "number") return parsed;
    scm = parsed;
  }
  return doSend(k, t, so, segs, name, scm, flags);
}

function sysRecvmsg(k: Kernel, t: Task, fd: number, msgp: number, flags: number): number {
  const so = sockfd(t, fd);
  if (typeof so === "number") return so;
  const h = readMsghdr(t, msgp);
  if (typeof h === "number") return h;
  if (h.namelen < 0) return -EINVAL;
  const segs = msgIovec(t, h);
  if (typeof segs === "number") return segs;
  const { r, m } = doRecv(k, t, so, segs, flags, h.name !== 0);
  if (r < 0) return r;
  const ctl = { addr: h.control, len: h.controllen };
  const err = scmRecv({ k, t }, m, ctl, flags);
  if (err < 0) return err;
  const out = new Uint8Array(4);
  const dv = new DataView(out.buffer);
  if (h.name !== 0) {
    // msg_namelen: the address length (what fits is copied), 0 for an unnamed sender.
    const name = m.name ?? new Uint8Array(0);
    const n = Math.min(Math.min(h.namelen, SOCKADDR_STORAGE), name.length);
    if (n > 0 && !t.mm.copyOut(h.name, name.subarray(0, n))) return -EFAULT;
    dv.setUint32(0, name.length, true);
  } else dv.setUint32(0, 0, true);
  if (!t.mm.copyOut(msgp + 4, out)) return -EFAULT;
  dv.setUint32(0, h.controllen - ctl.len, true);
  if (!t.mm.copyOut(msgp + 20, out)) return -EFAULT;
  dv.setUint32(0, (m.msgFlags | (flags & MSG_CMSG_CLOEXEC)) >>> 0, true);
  if (!t.mm.copyOut(msgp + 24, out)) return -EFAULT;
  return r;
}

const CR = "files (a socket file names its AF_UNIX socket, carried in unixSocks with its name, peer, queued data, files and credentials in flight and pending connections; a socket linked to one outside the container makes the checkpoint EBUSY)";

export const SOCKET_SYSCALLS: SyscallEntry[] = [
  { nr: 198, name: "socket", args: ["d", "x", "d"], level: "partial", note: "AF_UNIX only (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET); other families give EAFNOSUPPORT", cr: CR, fn: sysSocket },
  { nr: 199, name: "socketpair", args: ["d", "x", "d", "p"], level: "partial", note: "AF_UNIX only", cr: CR, fn: sysSocketpair },
  { nr: 200, name: "bind", args: ["d", "p", "d"], level: "full", note: "autobind names are drawn in order, not at random (Linux draws them)", cr: CR, fn: sysBind },
  { nr: 201, name: "listen", args: ["d", "d"], level: "full", cr: CR, fn: sysListen },
  { nr: 202, name: "accept", args: ["d", "p", "p"], level: "full", cr: CR, fn: (k, t, fd, a, l) => sysAccept4(k, t, fd, a, l, 0) },
  { nr: 203, name: "connect", args: ["d", "p", "d"], level: "full", cr: CR, fn: sysConnect },
  { nr: 204, name: "getsockname", args: ["d", "p", "p"], level: "full", cr: "-", fn: getname(false) },
  { nr: 205, name: "getpeername", args: ["d", "p", "p"], level: "full", cr: "-", fn: getname(true) },
  { nr: 206, name: "sendto", args: ["d", "b", "u", "x", "p", "d"], level: "partial", note: "no MSG_OOB (EOPNOTSUPP)", cr: CR, fn: sysSendto },
  { nr: 207, name: "recvfrom", args: ["d", "b", "u", "x", "p", "p"], level: "partial", note: "no MSG_OOB (EOPNOTSUPP), no SO_PEEK_OFF", cr: CR, fn: sysRecvfrom },
  { nr: 208, name: "setsockopt", args: ["d", "d", "d", "p", "d"], level: "partial", note: "SOL_SOCKET: SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_REUSEADDR, SO_KEEPALIVE; others ENOPROTOOPT", cr: CR, fn: sysSetsockopt },
  { nr: 209, name: "getsockopt", args: ["d", "d", "d", "p", "p"], level: "partial", note: "SOL_SOCKET: SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_PEERCRED, SO_REUSEADDR, SO_KEEPALIVE, SO_ACCEPTCONN, SO_DOMAIN, SO_PROTOCOL; others ENOPROTOOPT", cr: "-", fn: sysGetsockopt },
  { nr: 210, name: "shutdown", args: ["d", "d"], level: "full", cr: CR, fn: sysShutdown },
  { nr: 211, name: "sendmsg", args: ["d", "p", "x"], level: "partial", note: "SCM_RIGHTS (with unix_gc for sockets in flight on each other) and SCM_CREDENTIALS; no MSG_OOB", cr: CR, fn: sysSendmsg },
  { nr: 212, name: "recvmsg", args: ["d", "p", "x"], level: "partial", note: "no MSG_OOB, no MSG_ERRQUEUE", cr: CR, fn: sysRecvmsg },
  { nr: 242, name: "accept4", args: ["d", "p", "p", "x"], level: "full", cr: CR, fn: sysAccept4 },
];
