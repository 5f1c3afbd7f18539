// A task's file-system context (Linux's fs_struct): root, working directory and umask. Shared by
// CLONE_FS (threads), copied otherwise. Paths are plain pointers: dentries are not kref objects
// (a removed working directory stays usable, as in Linux, because the dentry object stays).
import { KObject, type KObjectRegistry } from "../kernel/kref.ts";
import type { Path } from "./inode.ts";

export class FsStruct extends KObject {
  constructor(
    registry: KObjectRegistry,
    public root: Path,
    public pwd: Path,
    public umask: number,
    createdAt: string,
  ) {
    super(registry, "fs_struct", createdAt);
  }

  copy(createdAt: string): FsStruct {
    return new FsStruct(this.kobjRegistry, this.root, this.pwd, this.umask, createdAt);
  }
}
