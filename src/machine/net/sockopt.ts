// setsockopt/getsockopt at SOL_SOCKET for AF_UNIX (sk_setsockopt / sk_getsockopt): the options
// a unix socket has. Values are ints unless said otherwise; other levels are EOPNOTSUPP (AF_UNIX
// has no protocol options), unknown SOL_SOCKET options ENOPROTOOPT.
import { EINVAL, ENOPROTOOPT, EOPNOTSUPP } from "../fs/errno.ts";
import type { FsCtx } from "../fs/inode.ts";
import {
  AF_UNIX, SK_WMEM_MAX, SK_RMEM_MAX, SO_ACCEPTCONN, SO_DOMAIN, SO_ERROR, SO_KEEPALIVE, SO_PASSCRED, SO_PEERCRED, SO_PROTOCOL,
  SO_RCVBUF, SO_REUSEADDR, SO_SNDBUF, SO_TYPE, SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF, SOL_SOCKET,
} from "./constants.ts";
import { wakeSock, type UnixSock } from "./sock.ts";

/** setsockopt with the option value's bytes (optlen of them). */
export function unixSetsockopt(_c: FsCtx, s: UnixSock, level: number, name: number, val: Uint8Array): number {
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  if (val.length < 4) return -EINVAL;
  const v = new DataView(val.buffer, val.byteOffset, val.byteLength).getInt32(0, true);
  switch (name) {
    case SO_SNDBUF:
      // The request is clamped to wmem_max as unsigned, doubled for overhead, at least the minimum.
      s.sndbuf = Math.max(Math.min(v >>> 0, SK_WMEM_MAX) * 2, SOCK_MIN_SNDBUF);
      wakeSock(s);
      return 0;
    case SO_RCVBUF:
      s.rcvbuf = Math.max(Math.min(v >>> 0, SK_RMEM_MAX) * 2, SOCK_MIN_RCVBUF);
      return 0;
    case SO_PASSCRED:
      s.passcred = v !== 0;
      return 0;
    case SO_REUSEADDR:
      s.reuse = v !== 0 ? 1 : 0;
      return 0;
    case SO_KEEPALIVE:
      return 0;
    default:
      // SO_TYPE, SO_ERROR, SO_PEERCRED... are read-only: ENOPROTOOPT like unknown options.
      return -ENOPROTOOPT;
  }
}

/** getsockopt: the value's bytes (before truncation to the caller's length), or -errno. */
export function unixGetsockopt(c: FsCtx, s: UnixSock, level: number, name: number): Uint8Array | number {
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  const int = (v: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    return b;
  };
  switch (name) {
    case SO_TYPE:
      return int(s.type);
    case SO_ERROR:
      return int(s.takeError());
    case SO_SNDBUF:
      return int(s.sndbuf);
    case SO_RCVBUF:
      return int(s.rcvbuf);
    case SO_PASSCRED:
      return int(s.passcred ? 1 : 0);
    case SO_REUSEADDR:
      return int(s.reuse);
    case SO_KEEPALIVE:
      return int(0);
    case SO_ACCEPTCONN:
      return int(s.state === "listen" ? 1 : 0);
    case SO_DOMAIN:
      return int(AF_UNIX);
    case SO_PROTOCOL:
      return int(0);
    case SO_PEERCRED: {
      // struct ucred of the peer at connect/listen time; none yet: pid 0, ids -1.
      const b = new Uint8Array(12);
      const dv = new DataView(b.buffer);
      const pc = s.peerCred;
      dv.setInt32(0, pc === null ? 0 : pc.pid.nrIn(c.t.pidNs), true);
      dv.setInt32(4, pc === null ? -1 : pc.uid, true);
      dv.setInt32(8, pc === null ? -1 : pc.gid, true);
      return b;
    }
    default:
      return -ENOPROTOOPT;
  }
}
