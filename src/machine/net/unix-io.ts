// The AF_UNIX data path (unix_stream_sendmsg / unix_stream_read_generic and unix_dgram_sendmsg /
// unix_dgram_recvmsg). Streams cut a write into skbs of at most half the send buffer, charge each
// skb's truesize to the sender until the reader consumes it, and block the sender while its
// charge reaches SO_SNDBUF; readers glue skbs together but stop at in-flight files and, with
// SO_PASSCRED, at a change of writer. Datagrams keep their boundaries and queue at the receiver,
// at most max_dgram_qlen of them from senders it is not connected to. A blocking call that
// moved bytes before it sleeps keeps the count across its restarts (rw-restart.ts).
import { SI_USER } from "../kernel/siginfo.ts";
import { sendSignal } from "../kernel/signal.ts";
import { SIGPIPE } from "../kernel/signal-names.ts";
import { EAGAIN, ECONNREFUSED, EFAULT, EINVAL, EMSGSIZE, ENOTCONN, EOPNOTSUPP, EPERM, EPIPE, EISCONN } from "../fs/errno.ts";
import type { File } from "../fs/file.ts";
import type { FsCtx } from "../fs/inode.ts";
import { endProgress, resumeProgress, sleepWithProgress } from "../fs/rw-restart.ts";
import {
  MSG_DONTWAIT, MSG_NOSIGNAL, MSG_OOB, MSG_PEEK, MSG_TRUNC, MSG_WAITALL, RCV_SHUTDOWN, SEND_SHUTDOWN, SKB_MAX_HEAD,
  SOCK_SEQPACKET, SOCK_STREAM, UNIX_SKB_FRAGS_SZ, truesize,
} from "./constants.ts";
import { autobind, findOther } from "./af-unix.ts";
import { nonblocking, type RecvMsg, type SendMsg } from "./msg.ts";
import { fdsEnterFlight, fdsLeaveFlight, freeSkb, skbLen, wakeSock, type Skb, type SkbCreds, type UnixSock } from "./sock.ts";

/** SKB_MAX_ALLOC: a datagram's linear part; the rest goes to page fragments. */
const SKB_MAX_ALLOC = 16384 - 320;

/** The credentials an skb carries: SCM_CREDENTIALS if given (checked by scm.ts), else the sender's. */
function skbCreds(c: FsCtx, m: SendMsg): SkbCreds {
  const t = c.t;
  const given = m.scm.creds;
  let pid = t.group.leader.pid;
  if (given !== null) {
    const p = t.pidNs.pids.get(given.pid);
    if (p !== undefined) pid = p;
  }
  c.k.kobj.get(pid, "skb creds");
  return { pid, uid: given?.uid ?? t.cred.uid, gid: given?.gid ?? t.cred.gid };
}

/** Put an skb on other's receive queue, charged to the sender s, and wake other's readers. */
function queueSkb(c: FsCtx, s: UnixSock, other: UnixSock, data: Uint8Array, m: SendMsg, withFds: boolean, headMax: number): void {
  const ts = truesize(data.length, headMax);
  c.k.kobj.get(s, "skb sender");
  s.wmem += ts;
  const fds = withFds ? m.scm.fds : null;
  if (withFds) m.scm.fds = null;
  if (fds !== null) fdsEnterFlight(c.k, fds);
  const skb: Skb = { data, consumed: 0, sender: s, truesize: ts, fds, creds: skbCreds(c, m) };
  other.queue.push(skb);
  wakeSock(other);
}

export function unixSendmsg(c: FsCtx, f: File, s: UnixSock, m: SendMsg): number {
  if ((m.flags & MSG_OOB) !== 0) return -EOPNOTSUPP;
  if (s.type === SOCK_STREAM) return streamSend(c, f, s, m);
  if (s.type === SOCK_SEQPACKET) {
    const err = s.takeError();
    if (err !== 0) return -err;
    if (s.state !== "established") return -ENOTCONN;
    return dgramSend(c, f, s, { ...m, name: null });
  }
  return dgramSend(c, f, s, m);
}

/** EPIPE of a stream write, with SIGPIPE when nothing went out and MSG_NOSIGNAL is not set. */
function pipeErr(c: FsCtx, m: SendMsg, sent: number): number {
  if (sent === 0 && (m.flags & MSG_NOSIGNAL) === 0) {
    const t = c.t;
    sendSignal(c.k, t, { signo: SIGPIPE, code: SI_USER, pid: t.group.leader.id, uid: t.cred.uid }, false);
  }
  return sent > 0 ? sent : -EPIPE;
}

function streamSend(c: FsCtx, f: File, s: UnixSock, m: SendMsg): number {
  if (m.name !== null) return s.state === "established" ? -EISCONN : -EOPNOTSUPP;
  const other = s.peer;
  if (other === null) return -ENOTCONN;
  const nb = nonblocking(c, f, (m.flags & MSG_DONTWAIT) !== 0);
  const prog = c.nonblock === true ? { done: 0, interrupted: false } : resumeProgress(c.t);
  if (prog.interrupted) return prog.done;
  let sent = prog.done;
  m.from.advance(sent);
  const done = (r: number): number => {
    endProgress(c.t);
    return r;
  };
  if ((s.shutdown & SEND_SHUTDOWN) !== 0) return done(pipeErr(c, m, sent));
  while (m.from.remaining > 0) {
    // sock_alloc_send_pskb: a pending error, our own shutdown, then room in the send buffer.
    const err = s.takeError();
    if (err !== 0) return done(sent > 0 ? sent : -err);
    if ((s.shutdown & SEND_SHUTDOWN) !== 0) return done(sent > 0 ? sent : -EPIPE);
    if (s.wmem >= s.sndbuf) {
      if (nb) return done(sent > 0 ? sent : -EAGAIN);
      return sleepWithProgress(c.k, c.t, s.wq, sent);
    }
    const size = Math.min(m.from.remaining, (s.sndbuf >> 1) - 64, SKB_MAX_HEAD + UNIX_SKB_FRAGS_SZ);
    const data = m.from.copyIn(size);
    if (data.length < size) return done(sent > 0 ? sent : -EFAULT);
    if (other.dead || (other.shutdown & RCV_SHUTDOWN) !== 0) return done(pipeErr(c, m, sent));
    // Files go with the first skb of the call (fds_sent).
    queueSkb(c, s, other, data.slice(), m, sent === 0, SKB_MAX_HEAD);
    sent += size;
  }
  return done(sent);
}

function dgramSend(c: FsCtx, f: File, s: UnixSock, m: SendMsg): number {
  let other: UnixSock | null = null;
  if (m.name === null) {
    other = s.peer;
    if (other === null) return -ENOTCONN;
  } else if (m.name.length <= 2 || m.name.length > 110 || (m.name[0] | (m.name[1] << 8)) !== 1) return -EINVAL;
  if (s.passcred) autobind(c.k, s);
  const len = m.from.remaining;
  if (len > s.sndbuf - 32) return -EMSGSIZE;
  const nb = nonblocking(c, f, (m.flags & MSG_DONTWAIT) !== 0);
  const err = s.takeError();
  if (err !== 0) return -err;
  if ((s.shutdown & SEND_SHUTDOWN) !== 0) return -EPIPE;
  if (s.wmem >= s.sndbuf) return nb ? -EAGAIN : c.k.sleep(c.t, s.wq);
  if (other === null) {
    const o = findOther(c, m.name!, s.type);
    if (typeof o === "number") return o;
    other = o;
  }
  if (other.peer !== null && other.peer !== s) return -EPERM;
  if (other.dead) {
    if (s.type === SOCK_SEQPACKET) return -EPIPE;
    // Our connected peer is gone: disconnect, and say so once (ECONNREFUSED).
    if (s.peer === other) {
      s.clearPeer();
      s.state = "close";
    }
    return -ECONNREFUSED;
  }
  if ((other.shutdown & RCV_SHUTDOWN) !== 0) return -EPIPE;
  if (other !== s && other.peer !== s && other.recvqFull) return nb ? -EAGAIN : c.k.sleep(c.t, other.peerWait);
  const data = m.from.copyIn(len);
  if (data.length < len) return -EFAULT;
  queueSkb(c, s, other, data.slice(), m, true, SKB_MAX_ALLOC);
  return len;
}

export function unixRecvmsg(c: FsCtx, f: File, s: UnixSock, m: RecvMsg): number {
  if ((m.flags & MSG_OOB) !== 0) return -EOPNOTSUPP;
  m.credsWanted = s.passcred;
  if (s.type === SOCK_STREAM) return streamRecv(c, f, s, m);
  if (s.type === SOCK_SEQPACKET && s.state !== "established") return -ENOTCONN;
  return dgramRecv(c, f, s, m);
}

const sameCreds = (a: SkbCreds, b: SkbCreds): boolean => a.pid === b.pid && a.uid === b.uid && a.gid === b.gid;

/** Record what the receiver gets with the data: the creds (a pid reference) and files. */
function takeCreds(c: FsCtx, m: RecvMsg, creds: SkbCreds): void {
  if (!m.credsWanted || m.scm.creds !== null) return;
  c.k.kobj.get(creds.pid, "SCM_CREDENTIALS");
  m.scm.creds = creds;
}

function takeFds(c: FsCtx, m: RecvMsg, skb: Skb, peek: boolean): void {
  if (skb.fds === null) return;
  if (peek) {
    // unix_peek_fds: a peek installs its own references to the files too.
    for (const file of skb.fds) c.k.kobj.get(file, "MSG_PEEK of SCM_RIGHTS");
    m.scm.fds = [...skb.fds];
  } else {
    m.scm.fds = skb.fds;
    fdsLeaveFlight(c.k, skb.fds);
    skb.fds = null;
  }
}

function streamRecv(c: FsCtx, f: File, s: UnixSock, m: RecvMsg): number {
  if (s.state !== "established") return -EINVAL;
  const peek = (m.flags & MSG_PEEK) !== 0;
  const nb = nonblocking(c, f, (m.flags & MSG_DONTWAIT) !== 0);
  const prog = c.nonblock === true || peek ? { done: 0, interrupted: false } : resumeProgress(c.t);
  if (prog.interrupted) return prog.done;
  let copied = prog.done;
  m.to.advance(copied);
  const target = (m.flags & MSG_WAITALL) !== 0 ? copied + m.to.remaining : Math.min(1, copied + m.to.remaining);
  let result = 0;
  let credsSeen: SkbCreds | null = null;
  let idx = 0;
  const done = (r: number): number => {
    endProgress(c.t);
    return r;
  };
  while (m.to.remaining > 0 || copied < target) {
    const skb: Skb | undefined = s.queue[peek ? idx : 0];
    if (skb === undefined) {
      if (copied >= target || (peek && idx > 0)) break;
      const err = s.takeError();
      if (err !== 0) {
        result = -err;
        break;
      }
      if ((s.shutdown & RCV_SHUTDOWN) !== 0) break;
      if (nb) {
        result = -EAGAIN;
        break;
      }
      return peek ? c.k.sleep(c.t, s.wq) : sleepWithProgress(c.k, c.t, s.wq, copied);
    }
    // Never glue messages from different writers when the reader asked for credentials.
    if (credsSeen !== null && !sameCreds(credsSeen, skb.creds)) break;
    if (s.passcred && credsSeen === null) {
      credsSeen = skb.creds;
      takeCreds(c, m, skb.creds);
    }
    if (m.wantName && copied === prog.done && m.name === null) m.name = skb.sender.addr?.bytes ?? null;
    const chunk = Math.min(skbLen(skb), m.to.remaining);
    const w = m.to.copyOut(skb.data.subarray(skb.consumed, skb.consumed + chunk));
    if (w < chunk) {
      if (copied === 0) result = -EFAULT;
      break;
    }
    copied += chunk;
    if (!peek) {
      skb.consumed += chunk;
      takeFds(c, m, skb, false);
      if (skbLen(skb) > 0) break;
      s.queue.shift();
      freeSkb(c.k, skb);
      if (m.scm.fds !== null) break;
    } else {
      takeFds(c, m, skb, true);
      if (m.scm.fds !== null) break;
      idx++;
    }
  }
  return done(copied > 0 ? copied : result);
}

function dgramRecv(c: FsCtx, f: File, s: UnixSock, m: RecvMsg): number {
  const peek = (m.flags & MSG_PEEK) !== 0;
  const err = s.takeError();
  if (err !== 0) return -err;
  const skb = s.queue[0];
  if (skb === undefined) {
    const seqEof = s.type === SOCK_SEQPACKET && (s.shutdown & RCV_SHUTDOWN) !== 0;
    if (nonblocking(c, f, (m.flags & MSG_DONTWAIT) !== 0)) return seqEof ? 0 : -EAGAIN;
    // __skb_wait_for_more_packets: a shut-down socket reads EOF; a disconnected seqpacket ENOTCONN.
    if ((s.shutdown & RCV_SHUTDOWN) !== 0) return 0;
    if (s.type === SOCK_SEQPACKET && s.state !== "established") return -ENOTCONN;
    return c.k.sleep(c.t, s.wq);
  }
  if (!peek) s.queue.shift();
  c.k.wakeAll(s.peerWait);
  if (m.wantName) m.name = skb.sender.addr?.bytes ?? null;
  const len = skb.data.length;
  let size = m.to.remaining;
  if (size > len) size = len;
  else if (size < len) m.msgFlags |= MSG_TRUNC;
  const w = m.to.copyOut(skb.data.subarray(0, size));
  if (w < size) {
    if (!peek) freeSkb(c.k, skb);
    return -EFAULT;
  }
  takeCreds(c, m, skb.creds);
  takeFds(c, m, skb, peek);
  if (!peek) freeSkb(c.k, skb);
  return (m.flags & MSG_TRUNC) !== 0 ? len : size;
}
