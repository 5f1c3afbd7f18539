// AF_UNIX sockets (ours; linux-cr never carried them): a CKPT_HDR_UNIX_SK per socket, each of
// its queued skbs a CKPT_HDR_UNIX_SKB child right after it. They come after every other object
// (before the dentries), in model order: they name files (in flight) and name inodes by objref,
// all defined by then; they name each other (peer, sender, embryo) by socket id, since those
// links form cycles no first-use order can break. The ids are checked once the model is whole
// (validate.ts). A file on a socket names it by socket id too.
import type { SockCredRecord, UnixSkbRecord, UnixSockRecord } from "../../../core/cr/index.ts";
import { SOCK_F_KNOWN } from "../../../core/cr/index.ts";
import type { ModelBuilder } from "./build.ts";
import { CKPT_HDR_UNIX_SK, CKPT_HDR_UNIX_SKB, CKPT_UNIX_SK_VERSION } from "./layout.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import type { RecordWriter } from "./writer.ts";

const STATES = ["close", "listen", "established"] as const;
const SKB_FDS = 1;
const SKB_EMBRYO = 2;

function writeCreds(w: RecordWriter, c: SockCredRecord, what: string): void {
  w.num(c.pidNr, `${what} pid`); w.num(c.uid, `${what} uid`); w.num(c.gid, `${what} gid`);
}

function readCreds(r: FieldReader, what: string): SockCredRecord {
  return { pidNr: r.num(`${what} pid`), uid: r.num(`${what} uid`), gid: r.num(`${what} gid`) };
}

export function writeUnixSock(w: RecordWriter, refs: ObjRefs, s: UnixSockRecord): void {
  const what = `socket ${s.id}`;
  const addr = s.addr ?? new Uint8Array(0);
  w.record(CKPT_HDR_UNIX_SK, what, () => {
    w.u32(CKPT_UNIX_SK_VERSION, "version"); w.u32(s.id, "socket id");
    w.u32(s.type, "type"); w.u32(STATES.indexOf(s.state), "state");
    w.u32(s.flags, "flags"); w.u32(s.shutdown, "shutdown");
    w.u32(s.queue.length, "skb count"); w.u32(s.peerId ?? 0, "peer socket id");
    w.u32(s.peerCred === null ? 0 : 1, "peer credentials present");
    w.u32(s.addrInodeId === undefined ? 0 : refs.ref("inode", s.addrInodeId, what), "name inode");
    w.num(s.ino, "ino"); w.num(s.uid, "uid"); w.num(s.gid, "gid"); w.num(s.err, "error");
    w.num(s.sndbuf, "sndbuf"); w.num(s.rcvbuf, "rcvbuf"); w.num(s.reuse, "reuse"); w.num(s.backlog, "backlog");
    writeCreds(w, s.peerCred ?? { pidNr: 0, uid: 0, gid: 0 }, "peer credentials");
    w.u32(addr.length, "address length");
    w.bytes(addr);
  });
  s.queue.forEach((q, i) => {
    const fds = q.fileIds ?? [];
    w.record(CKPT_HDR_UNIX_SKB, `skb ${i} of ${what}`, () => {
      w.u32((q.fileIds !== undefined ? SKB_FDS : 0) | (q.embryoSockId !== undefined ? SKB_EMBRYO : 0), "presence bits");
      w.u32(q.senderSockId, "sender socket id"); w.u32(q.embryoSockId ?? 0, "embryo socket id");
      w.u32(fds.length, "file count");
      w.num(q.consumed, "consumed");
      writeCreds(w, q.creds, "credentials");
      for (const id of fds) w.u32(refs.ref("file", id, `skb ${i} of ${what}`), "file");
      w.u32(q.data.length, "data length");
      w.bytes(q.data);
    });
  });
}

export function readUnixSock(b: ModelBuilder, r: FieldReader): void {
  const vAt = r.here();
  const version = r.u32("version");
  if (version !== CKPT_UNIX_SK_VERSION) r.fail(`CKPT_HDR_UNIX_SK version ${version} at byte ${vAt} is not ${CKPT_UNIX_SK_VERSION}, the only one this cptbench reads`, vAt);
  const id = r.u32("socket id");
  const type = r.u32("type");
  const state = r.oneOf("state", STATES);
  const flags = r.flags("flags", SOCK_F_KNOWN);
  const shutdown = r.flags("shutdown", 3);
  const n = r.u32("skb count");
  const peer = r.u32("peer socket id");
  const hasCred = r.bool("peer credentials present");
  const addrInodeId = b.objs.refOrNull(r, "inode", "name inode");
  const ino = r.num("ino"), uid = r.num("uid"), gid = r.num("gid"), err = r.num("error");
  const sndbuf = r.num("sndbuf"), rcvbuf = r.num("rcvbuf"), reuse = r.num("reuse"), backlog = r.num("backlog");
  const cred = readCreds(r, "peer credentials");
  const len = r.u32("address length");
  const addr = r.bytes(len, "address").slice();
  r.done();
  const s: UnixSockRecord = {
    id, type, state, ino, uid, gid, flags, shutdown, err, sndbuf, rcvbuf, reuse, backlog, peerId: peer === 0 ? null : peer,
    peerCred: hasCred ? cred : null, queue: [],
  };
  if (len > 0) s.addr = addr;
  if (addrInodeId !== null) s.addrInodeId = addrInodeId;
  (b.m.unixSocks ??= []).push(s);
  b.children([{
    type: CKPT_HDR_UNIX_SKB, left: n, what: `skbs of socket ${id}`,
    take: (c) => s.queue.push(readSkb(b, c)),
  }]);
}

function readSkb(b: ModelBuilder, c: FieldReader): UnixSkbRecord {
  const bits = c.flags("presence bits", SKB_FDS | SKB_EMBRYO);
  const sender = c.u32("sender socket id");
  const embryoAt = c.here();
  const embryo = c.u32("embryo socket id");
  const nf = c.count("file count", 4);
  const consumed = c.num("consumed");
  const creds = readCreds(c, "credentials");
  const fileIds: number[] = [];
  for (let i = 0; i < nf; i++) fileIds.push(b.objs.ref(c, "file", "file"));
  const len = c.u32("data length");
  const data = c.bytes(len, "data");
  c.done();
  const q: UnixSkbRecord = { data, consumed, senderSockId: sender, creds };
  if ((bits & SKB_FDS) !== 0) q.fileIds = fileIds;
  else if (nf > 0) c.fail(`${nf} files but no SCM_RIGHTS presence bit`);
  if (((bits & SKB_EMBRYO) !== 0) !== (embryo !== 0)) c.fail(`embryo socket id at byte ${embryoAt} is ${embryo}, which its presence bit contradicts`, embryoAt);
  if (embryo !== 0) q.embryoSockId = embryo;
  return q;
}
