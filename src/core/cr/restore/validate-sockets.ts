// AF_UNIX sockets of a decoded model, each field against what the kernel enforces and each link
// against what the kernel could have built (a pending connection only on a listener's queue, a
// socket with one file at most, a path name only as a socket inode of the tree). An image is
// untrusted: a socket no kernel could have made is refused here, naming the record, before a
// restart makes anything from it.
import {
  AF_UNIX, SCM_MAX_FD, SK_RMEM_MAX, SK_WMEM_MAX, SOCK_DGRAM, SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF, SOCK_SEQPACKET, SOCK_STREAM,
  SOCKADDR_UN_SIZE, SOMAXCONN, SUN_PATH_OFFSET,
} from "../../../machine/net/constants.ts";
import { CrError, EINVAL } from "../errors.ts";
import { SOCK_F_DEAD, SOCK_F_KNOWN, type CheckpointModel, type SockCredRecord } from "../model.ts";

/** The most skbs one queue holds here: more than a listener's SOMAXCONN and any buffer allows. */
const MAX_SKBS = 1 << 16;
/** sk_err is an errno. */
const MAX_ERRNO = 4095;
const ID_MAX = 0xfffffffe;
const U32 = 0xffffffff;

function bad(what: string, why: string): never {
  throw new CrError(EINVAL, `bad image: ${what}: ${why}`);
}

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;

function int(what: string, v: unknown, min: number, max: number): void {
  if (!isInt(v, min, max)) bad(`${what} = ${String(v)}`, `not an integer in [${min}, ${max}]`);
}

function creds(what: string, c: SockCredRecord, pidMax: number): void {
  int(`${what} pid`, c.pidNr, 0, pidMax - 1);
  int(`${what} uid`, c.uid, 0, ID_MAX);
  int(`${what} gid`, c.gid, 0, ID_MAX);
}

export function validateSockets(m: CheckpointModel, pidMax: number, memoryBytes: number): void {
  const socks = m.unixSocks;
  if (socks === undefined) return;
  if (socks.length === 0) bad("unixSocks", "present but empty (an image without sockets has none)");
  const byId = new Map(socks.map((s) => [s.id, s]));
  if (byId.size !== socks.length) bad("unixSocks", "two sockets have the same id");
  const files = new Map(m.files.map((f) => [f.id, f]));
  const inodes = new Map(m.inodes.map((i) => [i.id, i]));
  const inTree = new Set(m.tree.map((d) => d.inodeId));
  const withFile = new Set<number>();
  for (const f of m.files) {
    if (f.target.kind !== "socket") continue;
    const id = f.target.sockId;
    if (!byId.has(id)) bad(`file ${f.id}`, `names socket ${id}, which the image does not have`);
    if (withFile.has(id)) bad(`file ${f.id}`, `socket ${id} has another file (a socket has one)`);
    withFile.add(id);
  }
  const embryos = new Set<number>();
  const requested = new Set(socks.flatMap((s) => s.queue.flatMap((q) => (q.embryoSockId === undefined ? [] : [q.embryoSockId]))));
  let bytes = 0;
  for (const s of socks) {
    const what = `socket ${s.id}`;
    int(`${what} id`, s.id, 1, U32 - 1);
    if (s.type !== SOCK_STREAM && s.type !== SOCK_DGRAM && s.type !== SOCK_SEQPACKET) bad(`${what} type = ${s.type}`, "not SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET");
    if (!["close", "listen", "established"].includes(s.state)) bad(`${what} state`, `${String(s.state)} is not one AF_UNIX has`);
    if (s.state === "listen" && s.type === SOCK_DGRAM) bad(`${what} state`, "a datagram socket cannot listen");
    if (s.state === "listen" && s.addr === undefined) bad(`${what} state`, "a listener is bound");
    int(`${what} flags`, s.flags, 0, SOCK_F_KNOWN);
    int(`${what} shutdown`, s.shutdown, 0, 3);
    int(`${what} err`, s.err, 0, MAX_ERRNO);
    int(`${what} ino`, s.ino, 0, U32);
    int(`${what} uid`, s.uid, 0, ID_MAX);
    int(`${what} gid`, s.gid, 0, ID_MAX);
    // sk_setsockopt doubles the request within [min, max]: nothing else can be set.
    int(`${what} sndbuf`, s.sndbuf, SOCK_MIN_SNDBUF, 2 * SK_WMEM_MAX);
    int(`${what} rcvbuf`, s.rcvbuf, SOCK_MIN_RCVBUF, 2 * SK_RMEM_MAX);
    int(`${what} reuse`, s.reuse, 0, 1);
    int(`${what} backlog`, s.backlog, 0, SOMAXCONN);
    if (s.peerCred !== null) creds(`${what} peer credentials`, s.peerCred, pidMax);
    if (s.peerId !== null && !byId.has(s.peerId)) bad(`${what} peer`, `socket ${s.peerId}, which the image does not have`);
    if (s.peerId !== null && byId.get(s.peerId)!.type !== s.type) bad(`${what} peer`, `socket ${s.peerId} is of another type`);
    const dead = (s.flags & SOCK_F_DEAD) !== 0;
    if (dead && (withFile.has(s.id) || requested.has(s.id))) bad(what, "is dead (its file is gone) but a file or a listener holds it");
    if (!dead && !withFile.has(s.id) && !requested.has(s.id)) bad(what, "has no file, is not dead and is no pending connection");
    const a = s.addr;
    if (a !== undefined) {
      if (a.length <= SUN_PATH_OFFSET || a.length > SOCKADDR_UN_SIZE) bad(`${what} address length ${a.length}`, `not in ${SUN_PATH_OFFSET + 1}..${SOCKADDR_UN_SIZE}`);
      if ((a[0] | (a[1] << 8)) !== AF_UNIX) bad(`${what} address`, "its family is not AF_UNIX");
      const abstract = a[SUN_PATH_OFFSET] === 0;
      if (!abstract && a.indexOf(0, SUN_PATH_OFFSET) !== a.length - 1) bad(`${what} address`, "a path name ends at its one NUL");
      if (s.addrInodeId !== undefined) {
        if (abstract) bad(`${what} name inode`, "an abstract name has no inode");
        const i = inodes.get(s.addrInodeId);
        if (i === undefined || i.kind !== "sock" || !inTree.has(i.id)) bad(`${what} name inode ${s.addrInodeId}`, "not a socket name of the image's tree");
      }
    } else if (s.addrInodeId !== undefined) bad(`${what} name inode`, "an unnamed socket has none");
    if (s.queue.length > MAX_SKBS) bad(`${what} queue length ${s.queue.length}`, `more than ${MAX_SKBS}`);
    s.queue.forEach((q, i) => {
      const at = `${what} skb ${i}`;
      if (!(q.data instanceof Uint8Array) || q.data.length > 2 * SK_WMEM_MAX) bad(`${at} length`, `not at most ${2 * SK_WMEM_MAX} bytes (an skb fits the largest send buffer)`);
      bytes += q.data.length;
      int(`${at} consumed`, q.consumed, 0, s.type === SOCK_STREAM ? Math.max(0, q.data.length - 1) : 0);
      creds(`${at} credentials`, q.creds, pidMax);
      const sender = byId.get(q.senderSockId);
      if (sender === undefined) bad(`${at} sender`, `socket ${q.senderSockId}, which the image does not have`);
      if (sender.type !== s.type) bad(`${at} sender`, `socket ${q.senderSockId} is of another type`);
      if ((q.embryoSockId !== undefined) !== (s.state === "listen")) bad(at, s.state === "listen" ? "a listener's queue holds connection requests only" : "only a listener's queue holds connection requests");
      if (q.embryoSockId !== undefined) {
        const e = byId.get(q.embryoSockId);
        if (e === undefined) bad(`${at} embryo`, `socket ${q.embryoSockId}, which the image does not have`);
        if (q.embryoSockId !== q.senderSockId || q.data.length !== 0 || q.fileIds !== undefined) bad(`${at}`, "a connection request is sent by its embryo and carries nothing");
        if (embryos.has(e.id) || withFile.has(e.id) || e.state !== "established") bad(`${at} embryo`, `socket ${e.id} is no pending connection (it has a file, another request or is not connected)`);
        embryos.add(e.id);
      }
      if (q.fileIds !== undefined) {
        if (q.fileIds.length === 0 || q.fileIds.length > SCM_MAX_FD) bad(`${at} files`, `1..SCM_MAX_FD (${SCM_MAX_FD}) when present`);
        for (const id of q.fileIds) if (!files.has(id)) bad(`${at} files`, `file ${id}, which the image does not have`);
      }
    });
  }
  // Every socket without a file is reached: a dead one as a sender or as the peer a socket still
  // names (an embryo's client that closed), an embryo from its listener.
  for (const s of socks) {
    if (withFile.has(s.id) || embryos.has(s.id)) continue;
    if (!socks.some((o) => o.peerId === s.id || o.queue.some((q) => q.senderSockId === s.id))) bad(`socket ${s.id}`, "has no file, is no pending connection, no socket's peer and sent nothing still queued: nothing reaches it");
  }
  if (bytes > memoryBytes) bad("unixSocks", `${bytes} queued bytes, more than the machine's memory`);
}
