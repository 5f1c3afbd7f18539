// AF_UNIX sockets (ours: OpenVZ kept them in CPT_SECT_SOCKET too, as CPT_OBJ_SOCKET with
// CPT_OBJ_SKB children): one CPT_OBJ_SOCKET per socket, its queued skbs as CPT_OBJ_SKB objects
// holding their bytes. Sockets name each other (peer, sender, embryo) and files (in flight) by
// id: those links may form cycles, so nothing is written "before" its user and the references
// are checked once the image is read (refs.ts).
import type { SockCredRecord, UnixSkbRecord, UnixSockRecord } from "../../../core/cr/index.ts";
import { SOCK_F_KNOWN } from "../../../core/cr/index.ts";
import { CPT_CONTENT_ARRAY, CPT_CONTENT_DATA, CPT_OBJ_SKB, CPT_OBJ_SOCKET, CPT_SOCKET_VERSION } from "./layout.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

const SOCK_STATES = ["close", "listen", "established"] as const;
/** CPT_OBJ_SKB presence bits. */
const SKB_FDS = 1;
const SKB_EMBRYO = 2;

function writeCreds(w: ImageWriter, c: SockCredRecord, what: string): void {
  w.num(c.pidNr, `${what} pid`); w.num(c.uid, `${what} uid`); w.num(c.gid, `${what} gid`);
}

function readCreds(r: ImageReader, what: string): SockCredRecord {
  return { pidNr: r.num(`${what} pid`), uid: r.num(`${what} uid`), gid: r.num(`${what} gid`) };
}

export function writeSocket(w: ImageWriter, s: UnixSockRecord): void {
  w.parent(CPT_OBJ_SOCKET, `socket ${s.id}`, () => {
    w.ref(s.id, "socket id");
    w.u32(CPT_SOCKET_VERSION, "socket record version");
    w.u32(s.type, "socket type");
    w.u32(SOCK_STATES.indexOf(s.state), "socket state");
    w.u32(s.flags, "socket flags");
    w.u32(s.shutdown, "socket shutdown");
    w.num(s.ino, "socket ino"); w.num(s.uid, "socket uid"); w.num(s.gid, "socket gid");
    w.num(s.err, "socket error"); w.num(s.sndbuf, "sndbuf"); w.num(s.rcvbuf, "rcvbuf");
    w.num(s.reuse, "reuse"); w.num(s.backlog, "backlog");
    w.ref(s.peerId, "socket peer");
    w.u32(s.peerCred === null ? 0 : 1, "peer credentials present");
    writeCreds(w, s.peerCred ?? { pidNr: 0, uid: 0, gid: 0 }, "peer credentials");
    w.ref(s.addrInodeId ?? null, "socket name inode");
    w.u32(s.queue.length, "queued skbs");
    const addr = s.addr ?? new Uint8Array(0);
    w.u32(addr.length, "address length");
    w.bytes(addr);
  }, () => {
    s.queue.forEach((q, i) => writeSkb(w, q, `skb ${i} of socket ${s.id}`));
  });
}

function writeSkb(w: ImageWriter, q: UnixSkbRecord, what: string): void {
  w.data(CPT_OBJ_SKB, what, () => {
    w.u32((q.fileIds !== undefined ? SKB_FDS : 0) | (q.embryoSockId !== undefined ? SKB_EMBRYO : 0), "skb presence bits");
    w.ref(q.senderSockId, "skb sender");
    w.ref(q.embryoSockId ?? null, "skb embryo");
    w.num(q.consumed, "skb consumed");
    writeCreds(w, q.creds, "skb credentials");
    const fds = q.fileIds ?? [];
    w.u32(fds.length, "skb files");
    for (const id of fds) w.ref(id, "skb file");
    w.u32(q.data.length, "skb length");
  }, () => w.view(q.data));
}

export function readSocket(r: ImageReader, where: string): UnixSockRecord {
  return r.object(CPT_OBJ_SOCKET, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("socket id");
    const verAt = r.pos;
    const version = r.u32("socket record version");
    if (version !== CPT_SOCKET_VERSION) r.fail(`CPT_OBJ_SOCKET version ${version} at byte ${verAt} is not ${CPT_SOCKET_VERSION}, the only one this cptbench reads`, verAt);
    const type = r.u32("socket type");
    const state = r.oneOf("socket state", SOCK_STATES);
    const flags = r.flags("socket flags", SOCK_F_KNOWN);
    const shutdown = r.flags("socket shutdown", 3);
    const ino = r.num("socket ino"); const uid = r.num("socket uid"); const gid = r.num("socket gid");
    const err = r.num("socket error"); const sndbuf = r.num("sndbuf"); const rcvbuf = r.num("rcvbuf");
    const reuse = r.num("reuse"); const backlog = r.num("backlog");
    const peerId = r.ref("socket peer");
    const hasCred = r.flags("peer credentials present", 1);
    const cred = readCreds(r, "peer credentials");
    const addrInodeId = r.ref("socket name inode");
    const n = r.count("queued skbs", 16, o.end);
    const addrLen = r.u32("address length");
    const addr = r.view(addrLen, `the ${addrLen}-byte socket address`).slice();
    r.content(o);
    const s: UnixSockRecord = {
      id, type, state, ino, uid, gid, flags, shutdown, err, sndbuf, rcvbuf, reuse, backlog, peerId,
      peerCred: hasCred !== 0 ? cred : null, queue: [],
    };
    if (addrLen > 0) s.addr = addr;
    if (addrInodeId !== null) s.addrInodeId = addrInodeId;
    for (let i = 0; i < n; i++) s.queue.push(readSkb(r, `skb ${i} of socket ${id}`));
    return s;
  });
}

function readSkb(r: ImageReader, where: string): UnixSkbRecord {
  return r.object(CPT_OBJ_SKB, CPT_CONTENT_DATA, where, (o) => {
    const bits = r.flags("skb presence bits", SKB_FDS | SKB_EMBRYO);
    const senderSockId = r.id("skb sender");
    const embryoAt = r.pos;
    const embryo = r.ref("skb embryo");
    const consumed = r.num("skb consumed");
    const creds = readCreds(r, "skb credentials");
    const nf = r.count("skb files", 4, o.fieldsEnd);
    const fileIds: number[] = [];
    for (let i = 0; i < nf; i++) fileIds.push(r.id("skb file"));
    const len = r.count("skb length", 1, o.end);
    r.content(o);
    const q: UnixSkbRecord = { data: r.view(len, `${len} skb bytes`), consumed, senderSockId, creds };
    if ((bits & SKB_FDS) !== 0) q.fileIds = fileIds;
    else if (nf > 0) r.fail(`${where} has ${nf} files but no SCM_RIGHTS presence bit`);
    if ((bits & SKB_EMBRYO) !== 0) {
      if (embryo === null) r.fail(`skb embryo at byte ${embryoAt} is CPT_NOINDEX but the presence bit says it has one`, embryoAt);
      q.embryoSockId = embryo;
    } else if (embryo !== null) r.fail(`skb embryo at byte ${embryoAt} is ${embryo} but the presence bit says it has none`, embryoAt);
    return q;
  });
}
