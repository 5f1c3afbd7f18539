// The executable of a program the machine started from bytes outside the VFS (`cptbench exec
// prog.elf`: the host's file): /proc/<pid>/exe must still open to the ELF, as it does in Linux,
// so the image gets a read-only inode of its own on a pseudo file system (like pipefs: no place
// in the tree, its dentry's name is the whole name). Made when the link is first followed.
import { S_IFREG } from "./constants.ts";
import { EFAULT } from "./errno.ts";
import { genericLlseek, type File, type FileOperations, type Pos } from "./file.ts";
import { Inode, type FsCtx, type SuperBlock } from "./inode.ts";
import type { IoIter } from "./iov.ts";

export const EXEIMAGE_MAGIC = 0x65786531;

export class ExeImageInode extends Inode {
  constructor(
    sb: SuperBlock,
    ino: number,
    readonly bytes: Uint8Array,
    now: bigint,
  ) {
    super(sb, ino, S_IFREG | 0o555, now);
    this.nlink = 1;
  }

  override get size(): number {
    return this.bytes.length;
  }

  override get blocks(): number {
    return Math.ceil(this.bytes.length / 512);
  }

  open(_c: FsCtx, f: File): number {
    f.ops = imageOps;
    return 0;
  }
}

function imageRead(_c: FsCtx, f: File, to: IoIter, pos: Pos): number {
  const data = (f.inode as ExeImageInode).bytes;
  if (pos.value >= data.length || to.remaining === 0) return 0;
  const n = to.copyOut(data.subarray(pos.value, pos.value + to.remaining));
  if (n === 0) return -EFAULT;
  pos.value += n;
  return n;
}

const imageOps: FileOperations = {
  positional: true,
  read: imageRead,
  llseek: (_c, f, offset, whence) => genericLlseek(f, offset, whence, Number.MAX_SAFE_INTEGER, (f.inode as ExeImageInode).size),
};
