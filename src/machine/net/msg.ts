// A sendmsg or recvmsg as the protocol code sees it (the kernel's struct msghdr after
// copy_msghdr_from_user and __scm_send): the data iterator, the address, the parsed control
// messages and the flags. read(2) and write(2) on a socket are the same calls with no address
// and no control buffer.
import { O_NONBLOCK } from "../fs/constants.ts";
import type { File } from "../fs/file.ts";
import type { FsCtx } from "../fs/inode.ts";
import type { IoIter } from "../fs/iov.ts";
import type { SkbCreds } from "./sock.ts";

/** What a sender attaches (struct scm_cookie): files to pass and the credentials to claim. */
export interface ScmSend {
  /** SCM_RIGHTS files, each holding a reference the message owns until it is queued or dropped. */
  fds: File[] | null;
  /** SCM_CREDENTIALS as given (checked), or null for the sender's own. */
  creds: { pid: number; uid: number; gid: number } | null;
}

export interface SendMsg {
  readonly from: IoIter;
  /** sockaddr bytes (msg_namelen of them), or null when no address was given. */
  readonly name: Uint8Array | null;
  readonly scm: ScmSend;
  readonly flags: number;
}

/** What a receiver takes with the data, for recvmsg to turn into control messages. */
export interface ScmRecv {
  creds: SkbCreds | null;
  /** Files whose references now belong to the receiver (installed or dropped by recvmsg). */
  fds: File[] | null;
}

export interface RecvMsg {
  readonly to: IoIter;
  readonly flags: number;
  /** The caller wants the source address (recvfrom's addr, msg_name). */
  readonly wantName: boolean;
  /** Out: the source address bytes; null reports msg_namelen 0. */
  name: Uint8Array | null;
  /** Out: MSG_TRUNC and the like (msg_flags). */
  msgFlags: number;
  /** Out: the socket has SO_PASSCRED, so an SCM_CREDENTIALS message goes out (zeros if no data). */
  credsWanted: boolean;
  readonly scm: ScmRecv;
}

export function newRecvMsg(to: IoIter, flags: number, wantName: boolean): RecvMsg {
  return { to, flags, wantName, name: null, msgFlags: 0, credsWanted: false, scm: { creds: null, fds: null } };
}

/** Whether the caller asked not to block (O_NONBLOCK on the file, MSG_DONTWAIT, a kernel caller). */
export const nonblocking = (c: FsCtx, f: File, dontwait: boolean): boolean =>
  dontwait || (f.flags & O_NONBLOCK) !== 0 || c.nonblock === true;
