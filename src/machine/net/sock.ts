// An AF_UNIX socket's protocol state (Linux's struct sock + struct unix_sock) and the skbs on
// its queues. A sock is a kref object ("sock"): its socket file holds one reference, a connected
// peer another (unix_peer's sock_hold), and every skb it sent that still sits on some receive
// queue a third (sk_wmem_alloc keeps the sender alive). So an unread message outlives its
// sender's close, and every sock is gone once nobody can reach it — shutdown reports the rest
// as leaks.
import type { Kernel } from "../kernel/kernel.ts";
import { KObject, type KObjectRegistry } from "../kernel/kref.ts";
import type { Pid } from "../kernel/pid.ts";
import { WaitQueue } from "../kernel/wait-queue.ts";
import type { File } from "../fs/file.ts";
import type { Inode } from "../fs/inode.ts";
import { MAX_DGRAM_QLEN, SK_RMEM_MAX, SK_WMEM_MAX, SOCK_DGRAM } from "./constants.ts";
import { sockOf } from "./socket-inode.ts";

/** TCP_ESTABLISHED, TCP_CLOSE and TCP_LISTEN: the only sk_state values AF_UNIX uses. */
export type SockState = "established" | "close" | "listen";

/** A bound name (struct unix_address): the sockaddr_un bytes as bound, family included. */
export interface UnixAddr {
  /** sun_family + sun_path, addr_len bytes (a path name counts its NUL). */
  readonly bytes: Uint8Array;
  /** The socket inode a path name created in the file system; null for abstract names. */
  readonly inode: Inode | null;
}

/** The sender's credentials an skb carries (UNIXCB(skb).pid/uid/gid), for SCM_CREDENTIALS. */
export interface SkbCreds {
  /** Holds a reference (get_pid), put when the skb is freed. */
  readonly pid: Pid;
  readonly uid: number;
  readonly gid: number;
}

/** One message or stream chunk on a receive queue. */
export interface Skb {
  readonly data: Uint8Array;
  /** Bytes already read from a stream skb (UNIXSKB(skb)->consumed). */
  consumed: number;
  /** The sending sock, charged `truesize` until the skb is freed; holds a reference. */
  readonly sender: UnixSock;
  readonly truesize: number;
  /** In-flight files (SCM_RIGHTS), each holding a file reference; null when none. */
  fds: File[] | null;
  readonly creds: SkbCreds;
  /** A connection request on a listener's queue: the embryo sock accept() returns. */
  readonly embryo?: UnixSock;
}

/** Peer credentials (sk_peer_pid, sk_peer_cred) as SO_PEERCRED reports them. */
export interface PeerCred {
  /** Holds a reference. */
  readonly pid: Pid;
  readonly uid: number;
  readonly gid: number;
}

export class UnixSock extends KObject {
  state: SockState = "close";
  /** unix_peer: the connected sock (holds a reference), or null. */
  peer: UnixSock | null = null;
  addr: UnixAddr | null = null;
  /** sk_receive_queue; a listener's holds connection requests (skb.embryo). */
  readonly queue: Skb[] = [];
  /** sk_shutdown: RCV_SHUTDOWN | SEND_SHUTDOWN. */
  shutdown = 0;
  /** sk_err: a pending error (ECONNRESET), reported once by the next call that checks it. */
  err = 0;
  sndbuf = SK_WMEM_MAX;
  rcvbuf = SK_RMEM_MAX;
  /** sk_wmem_alloc: truesize of this sock's skbs not yet freed. */
  wmem = 0;
  passcred = false;
  reuse = 0;
  /** sk_max_ack_backlog: a listener's backlog, a datagram socket's max_dgram_qlen. */
  backlog: number;
  peerCred: PeerCred | null = null;
  /** SOCK_DEAD: the socket file is gone (unix_release_sock ran). */
  dead = false;
  /** sk_sleep: readers, writers, acceptors and pollers of this socket. */
  readonly wq = new WaitQueue();
  /** u->peer_wait: connect()s waiting for the backlog, dgram senders waiting for queue room. */
  readonly peerWait = new WaitQueue();

  constructor(
    registry: KObjectRegistry,
    readonly k: Kernel,
    readonly type: number,
    createdAt: string,
  ) {
    super(registry, "sock", createdAt);
    this.backlog = type === SOCK_DGRAM ? MAX_DGRAM_QLEN : 0;
  }

  /** unix_recvq_full: the receive queue is longer than the backlog. */
  get recvqFull(): boolean {
    return this.queue.length > this.backlog;
  }

  /** unix_writable: a quarter of the send buffer is free (what poll's POLLOUT reports). */
  get writable(): boolean {
    return this.state !== "listen" && this.wmem * 4 <= this.sndbuf;
  }

  /** sock_error: take the pending error (0 if none). */
  takeError(): number {
    const e = this.err;
    this.err = 0;
    return e;
  }

  /** Set the peer, taking a reference on it. */
  setPeer(p: UnixSock): void {
    this.kobjRegistry.get(p, "unix_peer");
    this.peer = p;
  }

  /** Drop the peer and its reference. */
  clearPeer(): void {
    const p = this.peer;
    this.peer = null;
    if (p !== null) this.kobjRegistry.put(p, "unix_peer");
  }

  setPeerCred(pc: PeerCred | null): void {
    if (pc !== null) this.kobjRegistry.get(pc.pid, "sk_peer_pid");
    if (this.peerCred !== null) this.kobjRegistry.put(this.peerCred.pid, "sk_peer_pid");
    this.peerCred = pc;
  }

  /** Free every skb still queued (the sock is released). */
  purgeQueue(): void {
    for (const skb of this.queue.splice(0)) freeSkb(this.k, skb);
  }

  protected override release(): void {
    this.purgeQueue();
    this.clearPeer();
    this.setPeerCred(null);
  }
}

/** Wake everyone who may be waiting on s: readers, writers, pollers. */
export function wakeSock(s: UnixSock): void {
  s.k.wakeAll(s.wq);
}

/**
 * Socket files in flight (on some skb's SCM_RIGHTS list), with how many skbs carry each: what
 * the garbage collector (gc.ts) compares with their reference counts. Per machine.
 */
const inflight = new WeakMap<Kernel, Map<File, number>>();

export function inflightSockets(k: Kernel): Map<File, number> {
  let m = inflight.get(k);
  if (m === undefined) inflight.set(k, (m = new Map()));
  return m;
}

/** Files were attached to an skb (unix_attach_fds → unix_inflight). */
export function fdsEnterFlight(k: Kernel, fds: readonly File[]): void {
  const m = inflightSockets(k);
  for (const f of fds) if (sockOf(f) !== null) m.set(f, (m.get(f) ?? 0) + 1);
}

/** Files left an skb: received, or freed with it (unix_notinflight). */
export function fdsLeaveFlight(k: Kernel, fds: readonly File[]): void {
  const m = inflightSockets(k);
  for (const f of fds) {
    const n = m.get(f);
    if (n === undefined) continue;
    if (n <= 1) m.delete(f);
    else m.set(f, n - 1);
  }
}

/**
 * Free an skb (consume_skb): drop its in-flight files (the last reference closes them), its pid,
 * and its charge on the sender, whose writers may now have room (sock_wfree → sk_write_space).
 */
export function freeSkb(k: Kernel, skb: Skb): void {
  const r = k.kobj;
  if (skb.fds !== null) {
    fdsLeaveFlight(k, skb.fds);
    for (const f of skb.fds) r.put(f, "skb freed");
  }
  skb.fds = null;
  r.put(skb.creds.pid, "skb freed");
  if (skb.embryo !== undefined) r.put(skb.embryo, "connection request dropped");
  skb.sender.wmem -= skb.truesize;
  wakeSock(skb.sender);
  r.put(skb.sender, "skb freed");
}

/** Bytes not yet read from a stream skb (unix_skb_len). */
export const skbLen = (skb: Skb): number => skb.data.length - skb.consumed;
