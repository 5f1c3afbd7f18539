// AF_UNIX sockets into the model (CRIU's sk-unix.c, without sock_diag: the collector walks the
// kernel's own links). Every socket a container file reaches is recorded once, by id, and so is
// every socket it reaches in turn: its peer, the senders of the skbs on its queue, the embryo
// sockets of a listener's pending connections and the sockets in flight in SCM_RIGHTS messages.
// A reached socket that is alive but held by no container file and is no pending connection of
// a container listener belongs to someone outside the container: the checkpoint is refused with
// EBUSY naming it (CRIU's external-socket rule), since a restart could not rebuild the link.
import type { File } from "../../../machine/fs/file.ts";
import type { PidNamespace } from "../../../machine/kernel/pid.ts";
import { abstractOwner, UnixNodeInode } from "../../../machine/net/af-unix.ts";
import type { SkbCreds, UnixSock } from "../../../machine/net/sock.ts";
import { CrError, EBUSY, EOPNOTSUPP } from "../errors.ts";
import {
  SOCK_F_DEAD, SOCK_F_NAME_OWNER, SOCK_F_PASSCRED, type SockCredRecord, type UnixSkbRecord, type UnixSockRecord,
} from "../model.ts";
import { IdMap } from "./ids.ts";

/** What the socket walk needs of the files collector. */
export interface SockFiles {
  /** The id of an open file, counting one more container reference to it (an skb's). */
  fileId(f: File): number;
  /** The id of an inode already recorded from the container's tree, or undefined. */
  treeInodeId(inode: UnixNodeInode): number | undefined;
}

/** A socket's name for messages: its address, or "an unnamed socket". */
function sockName(s: UnixSock): string {
  const a = s.addr;
  if (a === null) return "an unnamed socket";
  const path = Buffer.from(a.bytes.subarray(2)).toString("latin1");
  return a.bytes[2] === 0 ? `socket @${path.slice(1)}` : `socket ${path.replace(/\0$/, "")}`;
}

export class SocketCollector {
  readonly socks: UnixSockRecord[] = [];
  private readonly ids = new IdMap<UnixSock>();
  private readonly todo: UnixSock[] = [];
  /** Sockets a container file holds (by fd or in flight), with the file's name. */
  private readonly held = new Map<UnixSock, string>();
  /** Pending connections on container listeners. */
  private readonly embryos = new Set<UnixSock>();
  /** How each socket was first reached, for a refusal's message. */
  private readonly via = new Map<UnixSock, string>();

  constructor(
    private readonly files: SockFiles,
    private readonly ns: PidNamespace,
  ) {}

  /** The socket of a socket file of the container; its id. */
  fileSock(s: UnixSock, f: File, name: string): number {
    this.held.set(s, name);
    const id = this.id(s, name);
    const rec = this.socks[id - 1];
    rec.ino = f.inode.ino;
    rec.uid = f.inode.uid;
    rec.gid = f.inode.gid;
    return id;
  }

  private id(s: UnixSock, via: string): number {
    const { id, fresh } = this.ids.lookup(s);
    if (fresh) {
      this.via.set(s, via);
      this.todo.push(s);
      this.socks.push({
        id, type: s.type, state: s.state, ino: 0, uid: 0, gid: 0, flags: 0, shutdown: 0, err: 0, sndbuf: 0, rcvbuf: 0,
        reuse: 0, backlog: 0, peerId: null, peerCred: null, queue: [],
      });
    }
    return id;
  }

  private creds(c: SkbCreds): SockCredRecord {
    return { pidNr: c.pid.nrIn(this.ns), uid: c.uid, gid: c.gid };
  }

  /**
   * After every task: record the sockets reached so far and everything they reach (which may
   * add open files: those in flight), then refuse a socket linked to the outside.
   */
  finish(): void {
    for (let s = this.todo.shift(); s !== undefined; s = this.todo.shift()) this.record(s);
    for (const [s, why] of this.via) {
      if (this.held.has(s) || this.embryos.has(s) || s.dead) continue;
      throw new CrError(EBUSY, `${why} is linked to ${sockName(s)} outside the container (no container task holds it): checkpoint/restart of sockets connected to the outside is refused, as CRIU refuses external sockets`);
    }
  }

  private record(s: UnixSock): void {
    const id = this.ids.get(s)!;
    const rec = this.socks[id - 1];
    const name = this.held.get(s) ?? `socket ${id} (no file)`;
    rec.state = s.state;
    rec.flags = (s.passcred ? SOCK_F_PASSCRED : 0) | (s.dead ? SOCK_F_DEAD : 0);
    rec.shutdown = s.shutdown;
    rec.err = s.err;
    rec.sndbuf = s.sndbuf;
    rec.rcvbuf = s.rcvbuf;
    rec.reuse = s.reuse;
    rec.backlog = s.backlog;
    rec.peerCred = s.peerCred === null ? null : this.creds(s.peerCred);
    if (s.addr !== null) {
      rec.addr = s.addr.bytes;
      const node = s.addr.inode;
      if (node instanceof UnixNodeInode) {
        if (node.sock === s) rec.flags |= SOCK_F_NAME_OWNER;
        if (node.nlink > 0) {
          const inodeId = this.files.treeInodeId(node);
          if (inodeId === undefined) throw new CrError(EOPNOTSUPP, `${name} is bound to ${sockName(s).slice(7)}, which is outside the container's tree: a restart could not give the name back`);
          rec.addrInodeId = inodeId;
        }
      } else if (abstractOwner(s.k, s.addr.bytes) === s) {
        // An abstract name leads to the socket that bound it (unix_socket_table).
        rec.flags |= SOCK_F_NAME_OWNER;
      }
    }
    if (s.peer !== null) rec.peerId = this.id(s.peer, `the peer of ${name}`);
    rec.queue = s.queue.map((skb, i): UnixSkbRecord => {
      const at = `message ${i} queued on ${name}`;
      const r: UnixSkbRecord = {
        data: skb.data, consumed: skb.consumed, senderSockId: this.id(skb.sender, `the sender of ${at}`), creds: this.creds(skb.creds),
      };
      if (skb.embryo !== undefined) {
        this.embryos.add(skb.embryo);
        r.embryoSockId = this.id(skb.embryo, `a pending connection on ${name}`);
      }
      if (skb.fds !== null) r.fileIds = skb.fds.map((f) => this.files.fileId(f));
      return r;
    });
  }
}
