// Anonymous inodes (Linux's fs/anon_inodes.c): the one inode that eventfd, epoll, timerfd and
// signalfd files share. It has no file type bits (fstat shows mode 0600), lives on the
// anon_inodefs pseudo mount, and each file gets its own dentry named "anon_inode:[eventfd]"
// and so on, which is what /proc/<pid>/fd/N reads back.
import type { Kernel } from "../kernel/kernel.ts";
import { O_NONBLOCK, O_RDWR } from "./constants.ts";
import { ENXIO } from "./errno.ts";
import { File, type FileOperations } from "./file.ts";
import { Dentry, Inode, timeNow, type Mount, type SuperBlock } from "./inode.ts";

export const ANON_INODE_FS_MAGIC = 0x09041934;

export class AnonInode extends Inode {
  constructor(sb: SuperBlock, k: Kernel) {
    // alloc_anon_inode: S_IRUSR | S_IWUSR, no S_IFMT bits.
    super(sb, k.frames.nextIno++, 0o600, timeNow(k));
  }

  /**
   * Files on it are made by anonInodeGetFile only: reopening one by name (/proc/<pid>/fd/N) is
   * ENXIO, as the inode's no_open_fops answer on Linux.
   */
  open(): number {
    return -ENXIO;
  }
}

/**
 * anon_inode_getfile: a new file of the given kind (`name` is "[eventfd]", "[eventpoll]"...) on
 * the shared inode, with `ops` and `priv`. Only O_NONBLOCK of flags is kept, and the file is
 * O_RDWR, as Linux makes them. The caller owns its one reference.
 */
export function anonInodeGetFile(k: Kernel, name: string, ops: FileOperations, priv: unknown, flags: number, createdAt: string): File {
  const mnt: Mount = k.vfs.anonMount;
  const path = { mnt, dentry: new Dentry(`anon_inode:${name}`, mnt.root, k.vfs.anonInode) };
  const f = new File(k.kobj, path, O_RDWR | (flags & O_NONBLOCK), createdAt);
  f.ops = ops;
  f.priv = priv;
  return f;
}
