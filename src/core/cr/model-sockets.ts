// The CheckpointModel's AF_UNIX socket records (CheckpointModel.unixSocks): each socket with its
// name, peer, options and queued messages (with their credentials and files in flight). Split out
// of model.ts to keep it readable; model.ts re-exports everything here.

/** Credentials a socket recorded (SCM_CREDENTIALS of a message, SO_PEERCRED of a connection). */
export interface SockCredRecord {
  /** The process's number in the container's pid namespace; 0: outside it (Linux reports 0 too). */
  pidNr: number;
  uid: number;
  gid: number;
}

/** One message or stream chunk on a socket's receive queue (an skb). */
export interface UnixSkbRecord {
  /** All the bytes the skb was sent with; `consumed` of them (streams) were read already. */
  data: Uint8Array;
  consumed: number;
  /** The sending socket (it stays charged for the skb until the skb is freed). */
  senderSockId: number;
  creds: SockCredRecord;
  /** SCM_RIGHTS: the files in flight, in order (they may be held by no task any more). */
  fileIds?: number[];
  /** A connection request on a listener: the embryo socket accept() will return. */
  embryoSockId?: number;
}

/** UnixSockRecord.flags bits. */
export const SOCK_F_PASSCRED = 1;
/** SOCK_DEAD: its file is gone (a closed sender whose messages are still queued somewhere). */
export const SOCK_F_DEAD = 2;
/** The bound name leads to this socket (it bound it; an accepted or embryo socket only shares it). */
export const SOCK_F_NAME_OWNER = 4;
export const SOCK_F_KNOWN = SOCK_F_PASSCRED | SOCK_F_DEAD | SOCK_F_NAME_OWNER;

/**
 * An AF_UNIX socket (struct unix_sock): once, by id, whoever names it — its file, its peer, the
 * skbs it sent, the listener whose queue holds it as a connection request.
 */
export interface UnixSockRecord {
  id: number;
  /** SOCK_STREAM (1), SOCK_DGRAM (2) or SOCK_SEQPACKET (5). */
  type: number;
  state: "close" | "listen" | "established";
  /** socket:[ino] of its file (st_ino); 0 for a socket without a file (embryo, dead sender). */
  ino: number;
  /** Owner of its socket inode (fstat). */
  uid: number;
  gid: number;
  flags: number;
  /** sk_shutdown: RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2. */
  shutdown: number;
  /** sk_err, a pending error (errno), 0 if none. */
  err: number;
  sndbuf: number;
  rcvbuf: number;
  reuse: number;
  /** A listener's backlog, a datagram socket's max_dgram_qlen. */
  backlog: number;
  /** unix_peer: the connected socket, or null. */
  peerId: number | null;
  peerCred: SockCredRecord | null;
  /** The bound address (sun_family + sun_path, addr_len bytes); absent: unnamed. */
  addr?: Uint8Array;
  /** A path name still linked in the tree: its S_IFSOCK inode (kind "sock"). */
  addrInodeId?: number;
  queue: UnixSkbRecord[];
}
