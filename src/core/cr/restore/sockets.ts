// AF_UNIX sockets from the model, rebuilt as the kernel's own objects (no bind/connect/sendmsg
// replayed: nothing the container could observe happens). In three steps, so that a failure
// leaves nothing linked: bare sockets first (only the restorer's creation reference holds them),
// then their files (FilesRestore opens them with the rest), then, once every file exists and
// nothing can fail any more, names, peers and queues with the references the kernel takes for
// each (unix_peer, the skb's sender and embryo, its pid, its files in flight).
//
// Credentials name pids by their number in the container's namespace: a process still in the
// container gets its own struct pid back; one that has exited since (Linux keeps its struct pid
// alive for the socket, and SO_PEERCRED still reports its number) gets a pid that reports the
// same number and is claimed by nobody.
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { Pid, type PidNamespace, type UPid } from "../../../machine/kernel/pid.ts";
import { Dentry, timeNow } from "../../../machine/fs/inode.ts";
import { File } from "../../../machine/fs/file.ts";
import { abstractOwner, restoreAddr, UnixNodeInode } from "../../../machine/net/af-unix.ts";
import { SKB_MAX_HEAD, SOCK_STREAM, truesize } from "../../../machine/net/constants.ts";
import { fdsEnterFlight, type SkbCreds, type UnixSock } from "../../../machine/net/sock.ts";
import { newSock, SocketInode, socketFileOps } from "../../../machine/net/socket.ts";
import { CrError, EADDRINUSE, EINVAL } from "../errors.ts";
import {
  SOCK_F_DEAD, SOCK_F_NAME_OWNER, SOCK_F_PASSCRED, type CheckpointModel, type FileRecord, type SockCredRecord,
} from "../model.ts";
import type { TreeRestore } from "./tree.ts";

/** SKB_MAX_ALLOC, a datagram's linear part (unix-io.ts): what its truesize is computed with. */
const SKB_MAX_ALLOC = 16384 - 320;

export class SocketsRestore {
  readonly socks = new Map<number, UnixSock>();
  private readonly recs: Map<number, NonNullable<CheckpointModel["unixSocks"]>[number]>;
  /** Pids made for credentials of processes gone since: the restorer's creation references. */
  private readonly detached = new Map<number, Pid>();

  constructor(
    private readonly k: Kernel,
    private readonly m: CheckpointModel,
    private readonly why: (what: string) => string,
  ) {
    this.recs = new Map((m.unixSocks ?? []).map((s) => [s.id, s]));
  }

  /** Step 1: every socket, bare (unconnected, unnamed, empty). */
  build(): void {
    for (const rec of this.m.unixSocks ?? []) this.socks.set(rec.id, newSock(this.k, rec.type, this.why(`socket ${rec.id}`)));
  }

  /** Step 2: the file of socket file record `rec`, on its socket, with the inode number it had. */
  open(rec: FileRecord, sockId: number): File {
    const s = this.socks.get(sockId);
    const srec = this.recs.get(sockId);
    if (s === undefined || srec === undefined) throw new CrError(EINVAL, `file ${rec.id} names socket ${sockId}, which the image does not have`);
    const vfs = this.k.vfs;
    const ino = srec.ino;
    if (this.k.frames.nextIno <= ino) this.k.frames.nextIno = ino + 1;
    const inode = new SocketInode(vfs.sockMount.sb, ino, timeNow(this.k), s);
    inode.uid = srec.uid;
    inode.gid = srec.gid;
    const f = new File(this.k.kobj, { mnt: vfs.sockMount, dentry: new Dentry(`socket:[${ino}]`, vfs.sockMount.root, inode) }, rec.flags, this.why(`file ${rec.id}`));
    f.ops = socketFileOps;
    // The file holds the socket as sock_alloc_file's does (put when the file is released).
    this.k.kobj.get(s, "restart: socket file");
    return f;
  }

  /** A pid as the credentials name it (see the header). */
  private pid(ns: PidNamespace, nr: number): Pid {
    const live = nr > 0 ? ns.pids.get(nr) : undefined;
    if (live !== undefined) return live;
    let p = this.detached.get(nr);
    if (p === undefined) {
      // Numbers at every level up to the container's (pid_nr_ns indexes them by level): the
      // container sees nr, the namespaces above it see none.
      const numbers: UPid[] = ns.chain().reverse().map((level) => ({ nr: level === ns ? nr : 0, ns: level }));
      p = new Pid(this.k.kobj, numbers);
      this.detached.set(nr, p);
    }
    return p;
  }

  private creds(ns: PidNamespace, c: SockCredRecord, why: string): SkbCreds {
    const pid = this.pid(ns, c.pidNr);
    this.k.kobj.get(pid, why);
    return { pid, uid: c.uid, gid: c.gid };
  }

  /**
   * Step 3: names, links and queues (files: every restored file by id; nodes: the tree's socket
   * names by inode id). Checks first, then links: it fails before anything is linked, or not at all.
   */
  link(files: ReadonlyMap<number, File>, tree: TreeRestore, ns: PidNamespace): void {
    const k = this.k;
    const r = k.kobj;
    const sock = (id: number, what: string): UnixSock => {
      const s = this.socks.get(id);
      if (s === undefined) throw new CrError(EINVAL, `${what} names socket ${id}, which the image does not have`);
      return s;
    };
    const node = (id: number, what: string): UnixNodeInode => {
      const inode = tree.paths.get(id)?.dentry.inode;
      if (!(inode instanceof UnixNodeInode)) throw new CrError(EINVAL, `${what} is bound to inode ${id}, which is no socket name of the image's tree`);
      return inode;
    };
    const recs = this.m.unixSocks ?? [];
    for (const rec of recs) {
      const what = `socket ${rec.id}`;
      if (rec.peerId !== null) sock(rec.peerId, what);
      if (rec.addrInodeId !== undefined) node(rec.addrInodeId, what);
      rec.queue.forEach((skb, i) => {
        sock(skb.senderSockId, `message ${i} of ${what}`);
        if (skb.embryoSockId !== undefined) sock(skb.embryoSockId, `message ${i} of ${what}`);
        for (const id of skb.fileIds ?? []) if (!files.has(id)) throw new CrError(EINVAL, `message ${i} of ${what} carries file ${id}, which the image does not have`);
      });
    }
    // Abstract names: a name still held on this machine (the checkpointed container runs on)
    // cannot be given back; checked before any is taken.
    const taken = new Set<string>();
    for (const rec of recs) {
      if (rec.addr === undefined || rec.addr[2] !== 0 || (rec.flags & SOCK_F_NAME_OWNER) === 0) continue;
      const key = Buffer.from(rec.addr).toString("latin1");
      const name = `@${Buffer.from(rec.addr.subarray(3)).toString("latin1")}`;
      if (taken.has(key)) throw new CrError(EINVAL, `socket ${rec.id}'s abstract name ${name} is bound by another socket of the image too`);
      taken.add(key);
      if (abstractOwner(k, rec.addr) !== undefined) throw new CrError(EADDRINUSE, `socket ${rec.id}'s abstract name ${name} is in use on this machine`);
    }
    for (const rec of recs) {
      const s = this.socks.get(rec.id)!;
      s.state = rec.state;
      s.shutdown = rec.shutdown;
      s.err = rec.err;
      s.sndbuf = rec.sndbuf;
      s.rcvbuf = rec.rcvbuf;
      s.reuse = rec.reuse;
      s.backlog = rec.backlog;
      s.passcred = (rec.flags & SOCK_F_PASSCRED) !== 0;
      s.dead = (rec.flags & SOCK_F_DEAD) !== 0;
      if (rec.addr !== undefined) {
        const inode = rec.addrInodeId === undefined ? null : node(rec.addrInodeId, "");
        restoreAddr(k, s, rec.addr.slice(), inode, (rec.flags & SOCK_F_NAME_OWNER) !== 0);
      }
      if (rec.peerCred !== null) {
        const pc = this.creds(ns, rec.peerCred, "restart: sk_peer_pid");
        s.setPeerCred(pc);
        r.put(pc.pid, "restart: sk_peer_pid"); // setPeerCred took its own
      }
      if (rec.peerId !== null) s.setPeer(this.socks.get(rec.peerId)!);
    }
    for (const rec of recs) {
      const s = this.socks.get(rec.id)!;
      const headMax = s.type === SOCK_STREAM ? SKB_MAX_HEAD : SKB_MAX_ALLOC;
      for (const q of rec.queue) {
        const sender = this.socks.get(q.senderSockId)!;
        const embryo = q.embryoSockId === undefined ? undefined : this.socks.get(q.embryoSockId)!;
        // A connection request is charged nothing (unix_stream_connect's skb has no data).
        const ts = embryo !== undefined ? 0 : truesize(q.data.length, headMax);
        r.get(sender, "restart: skb sender");
        sender.wmem += ts;
        if (embryo !== undefined) r.get(embryo, "restart: connection request");
        const fds = q.fileIds === undefined ? null : q.fileIds.map((id) => files.get(id)!);
        if (fds !== null) {
          for (const f of fds) r.get(f, "restart: SCM_RIGHTS in flight");
          fdsEnterFlight(k, fds);
        }
        s.queue.push({
          data: q.data.slice(), consumed: q.consumed, sender, truesize: ts, fds, creds: this.creds(ns, q.creds, "restart: skb creds"),
          ...(embryo !== undefined ? { embryo } : {}),
        });
      }
    }
  }

  /** Drop the creation references (linked sockets live on through their files and links). */
  release(): void {
    for (const s of this.socks.values()) this.k.kobj.put(s, "restart: creation ref");
    for (const p of this.detached.values()) this.k.kobj.put(p, "restart: creation ref");
    this.socks.clear();
    this.detached.clear();
  }
}

