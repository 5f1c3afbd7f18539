// poll of AF_UNIX sockets: unix_poll for streams, unix_dgram_poll for datagram and seqpacket
// sockets. Readers, writers and pollers of a socket all wait on its own queue (sk_sleep); a
// datagram sender whose peer's queue is full also waits on the peer's peer_wait.
import type { FsCtx } from "../fs/inode.ts";
import {
  pollWait, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM, type PollTable,
} from "../fs/poll.ts";
import { RCV_SHUTDOWN, SHUTDOWN_MASK, SOCK_SEQPACKET, SOCK_STREAM } from "./constants.ts";
import type { UnixSock } from "./sock.ts";

const WRITABLE = POLLOUT | POLLWRNORM | POLLWRBAND;

export function unixPoll(_c: FsCtx, s: UnixSock, pt: PollTable | null): number {
  pollWait(pt, s.wq);
  let mask = 0;
  if (s.err !== 0) mask |= POLLERR;
  if (s.shutdown === SHUTDOWN_MASK) mask |= POLLHUP;
  if ((s.shutdown & RCV_SHUTDOWN) !== 0) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
  if (s.queue.length > 0) mask |= POLLIN | POLLRDNORM;
  if (s.type === SOCK_STREAM) {
    // A connection-based socket that is not (or no longer) connected hangs up.
    if (s.state === "close") mask |= POLLHUP;
    if (s.writable) mask |= WRITABLE;
    return mask;
  }
  if (s.type === SOCK_SEQPACKET && s.state === "close") mask |= POLLHUP;
  let writable = s.writable;
  const other = s.peer;
  if (other !== null) {
    pollWait(pt, other.peerWait);
    if (writable && other.peer !== s && other.recvqFull) writable = false;
  }
  if (writable) mask |= WRITABLE;
  return mask;
}
