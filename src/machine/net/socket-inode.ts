// The inode behind a socket file (struct socket_alloc) and the way from a file to its sock. A
// leaf of the net code: the data path and the garbage collector need it without the file
// operations (socket.ts), which need them.
import { ENXIO } from "../fs/errno.ts";
import { S_IFSOCK } from "../fs/constants.ts";
import type { File } from "../fs/file.ts";
import { Inode, type SuperBlock } from "../fs/inode.ts";
import type { UnixSock } from "./sock.ts";

/** The inode of a socket (struct socket_alloc): S_IFSOCK | 0777, owned by its creator. */
export class SocketInode extends Inode {
  constructor(sb: SuperBlock, ino: number, now: bigint, readonly sock: UnixSock) {
    super(sb, ino, S_IFSOCK | 0o777, now);
  }

  /** A socket is never opened by name (open of /proc/<pid>/fd/N of a socket is ENXIO). */
  open(): number {
    return -ENXIO;
  }
}

/** The sock behind a file, or null when the file is no socket (ENOTSOCK). */
export function sockOf(f: File): UnixSock | null {
  return f.inode instanceof SocketInode ? f.inode.sock : null;
}

