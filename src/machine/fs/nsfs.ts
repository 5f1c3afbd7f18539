// nsfs (fs/nsfs.c): what /proc/<pid>/ns/<kind> opens. Each namespace is one inode, numbered by
// the namespace's proc inode number, whose dentry is named "net:[4026531840]": the text readlink
// of the ns link and of /proc/<pid>/fd/N gives, and what programs compare to tell whether two
// tasks share a namespace. The file can be held open (setns would take it) but not read.
import { S_IFDIR, S_IFREG } from "./constants.ts";
import type { File, FileOperations } from "./file.ts";
import { Dentry, DirInode, Inode, Mount, type DirEntry, type FsCtx, type Path, type SuperBlock } from "./inode.ts";

export const NSFS_MAGIC = 0x6e736673;

/** ns_file_operations: no read, write or seek (EINVAL / ESPIPE from the generic code). */
const nsFileOps: FileOperations = { positional: false };

class NsInode extends Inode {
  open(_c: FsCtx, f: File): number {
    f.ops = nsFileOps;
    return 0;
  }
}

class NsRoot extends DirInode {
  open(): number {
    return 0;
  }

  lookup(): Dentry | null {
    return null;
  }

  list(): DirEntry[] {
    return [];
  }
}

export class Nsfs {
  readonly sb: SuperBlock;
  readonly mount: Mount;
  /** One dentry per namespace, made at the first open and kept (ns_get_path's stashed dentry). */
  private readonly dentries = new Map<number, Dentry>();

  constructor(mountId: number, dev: number, private readonly now: () => bigint) {
    this.sb = { type: "nsfs", dev, magic: NSFS_MAGIC, nextIno: 1 };
    this.mount = new Mount(mountId, this.sb, new Dentry("nsfs:", null, new NsRoot(this.sb, 1, S_IFDIR | 0o555, now())), null, null);
  }

  /** The file of the namespace of that kind and inode number. */
  path(kind: string, inum: number): Path {
    let d = this.dentries.get(inum);
    if (d === undefined) {
      d = new Dentry(`${kind}:[${inum}]`, this.mount.root, new NsInode(this.sb, inum, S_IFREG | 0o444, this.now()));
      this.dentries.set(inum, d);
    }
    return { mnt: this.mount, dentry: d };
  }
}
