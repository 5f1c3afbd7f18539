// memfd (Linux's mm/memfd.c): an anonymous tmpfs file made by memfd_create, on the internal shm
// mount (Vfs.shmMount), never linked anywhere, so /proc/<pid>/fd and maps name it
// "/memfd:NAME (deleted)". It is a tmpfs file in every other respect (read, write, mmap,
// ftruncate, fallocate), plus file seals (F_ADD_SEALS / F_GET_SEALS) that forbid shrinking,
// growing, writing or changing the exec bits, checked where Linux's shmem checks them.
//
// Only memfds have seals here: F_GET_SEALS on any other file is EINVAL, as on the disk file
// systems qemu-riscv32's guests see (the root tmpfs stands in for a disk).
import type { Cred } from "../kernel/cred.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { Mm } from "../mm/mm.ts";
import { VM_MAYWRITE, VM_SHARED } from "../mm/vma.ts";
import { EBUSY, EINVAL, EPERM } from "./errno.ts";
import { O_LARGEFILE, O_RDWR, S_IFREG } from "./constants.ts";
import { File, type FileOperations } from "./file.ts";
import { Dentry, type FsCtx } from "./inode.ts";
import { regFileOps } from "./tmpfs/file-ops.ts";
import { TmpfsFile, type Tmpfs } from "./tmpfs/tmpfs.ts";

// uapi/linux/fcntl.h
export const F_ADD_SEALS = 1024 + 9;
export const F_GET_SEALS = 1024 + 10;
export const F_SEAL_SEAL = 0x0001;
export const F_SEAL_SHRINK = 0x0002;
export const F_SEAL_GROW = 0x0004;
export const F_SEAL_WRITE = 0x0008;
export const F_SEAL_FUTURE_WRITE = 0x0010;
export const F_SEAL_EXEC = 0x0020;
export const F_ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC;
const WRITE_SEALS = F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;

export class MemfdInode extends TmpfsFile {
  /** The file's seals (shmem_inode_info.seals). */
  seals = F_SEAL_SEAL;
  /** The name given to memfd_create (the dentry is "memfd:" and this), kept for checkpoint/restart. */
  memfdName = "";

  override open(_c: FsCtx, f: File): number {
    f.ops = memfdOps;
    return 0;
  }

  /** A write or mmap for writing is refused (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE). */
  get writeSealed(): boolean {
    return (this.seals & WRITE_SEALS) !== 0;
  }

  /** shmem_write_begin: writing [pos, pos+len) is allowed by the seals. */
  override mayWrite(pos: number, len: number): boolean {
    if (this.writeSealed) return false;
    return (this.seals & F_SEAL_GROW) === 0 || pos + len <= this.size;
  }

  /** shmem_setattr: changing i_size to size is allowed by the seals. */
  override mayResize(size: number): boolean {
    if (size < this.size && (this.seals & F_SEAL_SHRINK) !== 0) return false;
    return !(size > this.size && (this.seals & F_SEAL_GROW) !== 0);
  }

  override mayPunch(): boolean {
    return !this.writeSealed;
  }

  /** chmod: F_SEAL_EXEC freezes the three exec bits. */
  override mayChmod(mode: number): boolean {
    return (this.seals & F_SEAL_EXEC) === 0 || ((this.mode ^ mode) & 0o111) === 0;
  }
}

export const memfdOps: FileOperations = { ...regFileOps };

/** Some mm maps the file shared and possibly writable (i_mmap_writable > 0: SEAL_WRITE is EBUSY). */
function mappedWritable(inode: MemfdInode): boolean {
  for (const mm of inode.cache.mappers ?? new Set<Mm>()) {
    for (const v of mm.vmas) {
      if (v.backing.kind === "file" && v.backing.inode === inode && (v.flags & (VM_SHARED | VM_MAYWRITE)) === (VM_SHARED | VM_MAYWRITE)) return true;
    }
  }
  return false;
}

/** memfd_fcntl: F_ADD_SEALS and F_GET_SEALS. Returns the seals, 0, or -errno. */
export function memfdFcntl(f: File, cmd: number, arg: number): number {
  const inode = f.inode;
  if (!(inode instanceof MemfdInode)) return -EINVAL;
  if (cmd === F_GET_SEALS) return inode.seals;
  let seals = arg >>> 0;
  if ((seals & ~F_ALL_SEALS) !== 0) return -EINVAL;
  if (!f.writable) return -EPERM;
  if ((inode.seals & F_SEAL_SEAL) !== 0) return -EPERM;
  // SEAL_EXEC on an executable file implies the write seals too (W^X from the start).
  if ((seals & F_SEAL_EXEC) !== 0 && (inode.mode & 0o111) !== 0) seals |= F_SEAL_SHRINK | F_SEAL_GROW | WRITE_SEALS;
  if ((seals & F_SEAL_WRITE) !== 0 && (inode.seals & F_SEAL_WRITE) === 0 && mappedWritable(inode)) return -EBUSY;
  inode.seals |= seals;
  return 0;
}

// memfd_create flags (uapi/linux/memfd.h).
export const MFD_CLOEXEC = 0x1;
export const MFD_ALLOW_SEALING = 0x2;
export const MFD_NOEXEC_SEAL = 0x8;
export const MFD_EXEC = 0x10;
/** NAME_MAX minus the "memfd:" prefix. */
export const MFD_NAME_MAX_LEN = 255 - 6;

/** Flags memfd_create accepts: no unknown bits, no MFD_HUGETLB, not both NOEXEC_SEAL and EXEC. */
export function memfdFlagsValid(fl: number): boolean {
  if ((fl & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) !== 0) return false;
  return (fl & MFD_NOEXEC_SEAL) === 0 || (fl & MFD_EXEC) === 0;
}

/**
 * A new memfd file named "memfd:NAME" on the shm mount, owned by cred's fs ids, mode 0777 (0666
 * with MFD_NOEXEC_SEAL, which also seals it against chmod +x). Without MFD_ALLOW_SEALING its one
 * seal is F_SEAL_SEAL. The caller owns the file's one reference.
 */
export function memfdCreate(k: Kernel, cred: Cred, name: string, flags: number, createdAt: string): File {
  const mnt = k.vfs.shmMount;
  const sb = mnt.sb as Tmpfs;
  const inode = new MemfdInode(sb, sb.allocIno(), S_IFREG | 0o777, sb.env.nowNs());
  inode.uid = cred.fsuid;
  inode.gid = cred.fsgid;
  inode.nlink = 0;
  inode.memfdName = name;
  if ((flags & MFD_NOEXEC_SEAL) !== 0) {
    inode.mode &= ~0o111;
    inode.seals = F_SEAL_EXEC;
  } else if ((flags & MFD_ALLOW_SEALING) !== 0) {
    inode.seals = 0;
  }
  const dentry = new Dentry(`memfd:${name}`, mnt.root, inode);
  dentry.deleted = true;
  const f = new File(k.kobj, { mnt, dentry }, O_RDWR | O_LARGEFILE, createdAt);
  f.ops = memfdOps;
  return f;
}
