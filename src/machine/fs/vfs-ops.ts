// Operations on names (Linux's do_mkdirat, do_unlinkat, do_rmdir, do_renameat2, do_linkat,
// do_symlinkat, do_readlinkat), with their checks in Linux's order: the walk, the kind of last
// component, existence, permission (may_create / may_delete), then type and emptiness.
import { fsnotifyCreate, fsnotifyLink, fsnotifyMove, fsnotifyUnlink, fsnotifyUnlinkedByRename } from "./notify/fsnotify.ts";
import { AT_EMPTY_PATH, AT_SYMLINK_FOLLOW, CAP_DAC_READ_SEARCH, CAP_MKNOD, isDir, S_IALLUGO, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK, S_IRWXUGO, S_ISVTX } from "./constants.ts";
import { CharDevInode, NoDeviceInode } from "./devices.ts";
import { EBUSY, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, EXDEV } from "./errno.ts";
import { isDirInode, isSymlinkInode, type Dentry, type DirInode, type FsCtx, type Path } from "./inode.ts";
import { lookupAt, lookupChild, lookupParentAt, startPath, type Parent } from "./namei.ts";
import { inodePermission, mayCreate, mayDelete, MAY_WRITE } from "./perm.ts";
import { PipeInode } from "./pipe.ts";
import { TmpfsDir } from "./tmpfs/tmpfs.ts";

export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;

/** filename_create: the parent of a name to create, which must not exist yet. */
function createTarget(c: FsCtx, dirfd: number, name: string, wantDir: boolean): { p: Parent; dir: DirInode } | number {
  const p = lookupParentAt(c, dirfd, name);
  if (typeof p === "number") return p;
  if (p.type !== "norm") return -EEXIST;
  const existing = lookupChild(c, p);
  if (typeof existing === "number") return existing;
  if (existing !== null) return -EEXIST;
  const dir = p.dir.dentry.inode;
  if (!isDirInode(dir)) return -ENOTDIR;
  if (dir.missingErr() !== 0) return dir.missingErr();
  // "foo/" names a directory: only mkdir may create it.
  if (p.trailing && !wantDir) return -ENOENT;
  if (p.dir.dentry.deleted) return -ENOENT;
  const err = mayCreate(c.t.cred, dir);
  return err !== 0 ? err : { p, dir };
}

export function mkdirAt(c: FsCtx, dirfd: number, name: string, mode: number): number {
  const t = createTarget(c, dirfd, name, true);
  if (typeof t === "number") return t;
  const umask = c.t.fs?.umask ?? 0o022;
  const d = t.dir.mkdir(c, t.p.dir.dentry, t.p.last, mode & (S_IRWXUGO | S_ISVTX) & ~umask);
  if (typeof d === "number") return d;
  fsnotifyCreate(t.p.dir.dentry, d);
  return 0;
}

/**
 * do_mknodat: a regular file, FIFO, socket name or device node. The type is checked before the
 * walk (may_mknod: a directory is EPERM, an unknown type EINVAL); device nodes need CAP_MKNOD,
 * checked after may_create as vfs_mknod does. `dev` is the syscall's 32-bit encoding.
 */
export function mknodAt(c: FsCtx, dirfd: number, name: string, mode: number, dev: number): number {
  const type = mode & S_IFMT;
  if (type === S_IFDIR) return -EPERM;
  if (![0, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK].includes(type)) return -EINVAL;
  const t = createTarget(c, dirfd, name, false);
  if (typeof t === "number") return t;
  if ((type === S_IFCHR || type === S_IFBLK) && !c.t.cred.capable(CAP_MKNOD)) return -EPERM;
  const dir = t.dir;
  if (!(dir instanceof TmpfsDir)) return -EPERM;
  const perm = mode & S_IALLUGO & ~(c.t.fs?.umask ?? 0o022);
  const parent = t.p.dir.dentry;
  if (type === 0 || type === S_IFREG) {
    fsnotifyCreate(parent, dir.create(c, parent, t.p.last, perm));
    return 0;
  }
  const sb = dir.sb;
  const now = sb.env.nowNs();
  // new_decode_dev: major in bits 8..19, minor in bits 0..7 and 20..31.
  const d = dev >>> 0;
  const rdev = ((d & 0xfff00) >>> 8) * 2 ** 20 + ((d & 0xff) | ((d >>> 12) & 0xfff00));
  const inode = type === S_IFIFO ? new PipeInode(sb, sb.allocIno(), c.k, 0, 0, true, perm)
    : type === S_IFCHR ? new CharDevInode(sb, sb.allocIno(), perm, rdev, now)
    : new NoDeviceInode(sb, sb.allocIno(), type | perm, type === S_IFBLK ? rdev : 0, now);
  fsnotifyCreate(parent, dir.add(c, parent, t.p.last, inode));
  return 0;
}

export function symlinkAt(c: FsCtx, target: string, dirfd: number, name: string): number {
  if (target === "") return -ENOENT;
  const t = createTarget(c, dirfd, name, false);
  if (typeof t === "number") return t;
  const d = t.dir.symlink(c, t.p.dir.dentry, t.p.last, target);
  if (typeof d === "number") return d;
  fsnotifyCreate(t.p.dir.dentry, d);
  return 0;
}

/** The existing child a removal names; null-safe errors for "no such entry". */
function victimOf(c: FsCtx, p: Parent): Path | number {
  const v = lookupChild(c, p);
  return v === null ? -ENOENT : v;
}

export function unlinkAt(c: FsCtx, dirfd: number, name: string): number {
  const p = lookupParentAt(c, dirfd, name);
  if (typeof p === "number") return p;
  if (p.type !== "norm") return -EISDIR;
  const v = victimOf(c, p);
  if (typeof v === "number") return v;
  if (p.trailing) return isDir(v.dentry.inode.mode) ? -EISDIR : -ENOTDIR;
  const dir = p.dir.dentry.inode as DirInode;
  const err = mayDelete(c.t.cred, dir, v.dentry.inode, false);
  if (err !== 0) return err;
  if (c.k.vfs.isMountpoint(v.dentry)) return -EBUSY;
  return removeNotify(c, dir, p.dir.dentry, v.dentry);
}

/**
 * The removal, then its events in vfs_unlink's order: IN_ATTRIB (a file's link count), then
 * d_delete's IN_DELETE_SELF and IN_IGNORED when that was the last link and nobody else uses
 * the inode, then IN_DELETE in the directory. The inode is held meanwhile, as the dentry holds
 * it in Linux.
 */
function removeNotify(c: FsCtx, dir: DirInode, parent: Dentry, victim: Dentry): number {
  const inode = victim.inode;
  const name = victim.name;
  inode.get();
  try {
    const r = dir.unlink(c, parent, victim);
    if (r === 0) fsnotifyUnlink(parent, victim, name, inode.nlink === 0 && inode.users === 1);
    return r;
  } finally {
    inode.put();
  }
}

export function rmdirAt(c: FsCtx, dirfd: number, name: string): number {
  const p = lookupParentAt(c, dirfd, name);
  if (typeof p === "number") return p;
  if (p.type === "dotdot") return -ENOTEMPTY;
  if (p.type === "dot") return -EINVAL;
  if (p.type === "root") return -EBUSY;
  const v = victimOf(c, p);
  if (typeof v === "number") return v;
  const dir = p.dir.dentry.inode as DirInode;
  const err = mayDelete(c.t.cred, dir, v.dentry.inode, true);
  if (err !== 0) return err;
  // A mounted-on directory, or the root of a mount reached through it, is busy.
  if (c.k.vfs.isMountpoint(v.dentry) || v.dentry === v.mnt.root) return -EBUSY;
  const inode = v.dentry.inode;
  if (isDirInode(inode) && !inode.isEmpty(c, v.dentry)) return -ENOTEMPTY;
  return removeNotify(c, dir, p.dir.dentry, v.dentry);
}

/** d is `anc` or below it (is_subdir), within one file system. */
function isSubdir(d: Dentry, anc: Dentry): boolean {
  for (let x: Dentry | null = d; x !== null; x = x.parent) if (x === anc) return true;
  return false;
}

export function renameAt(c: FsCtx, olddfd: number, oldName: string, newdfd: number, newName: string, flags: number): number {
  if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) !== 0) return -EINVAL;
  if ((flags & RENAME_NOREPLACE) !== 0 && (flags & RENAME_EXCHANGE) !== 0) return -EINVAL;
  if ((flags & RENAME_WHITEOUT) !== 0) return -EINVAL;
  const exchange = (flags & RENAME_EXCHANGE) !== 0;
  const op = lookupParentAt(c, olddfd, oldName);
  if (typeof op === "number") return op;
  const np = lookupParentAt(c, newdfd, newName);
  if (typeof np === "number") return np;
  if (op.dir.mnt !== np.dir.mnt) return -EXDEV;
  if (op.type !== "norm") return -EBUSY;
  if (np.type !== "norm") return (flags & RENAME_NOREPLACE) !== 0 ? -EEXIST : -EBUSY;
  const from = victimOf(c, op);
  if (typeof from === "number") return from;
  const target = lookupChild(c, np);
  if (typeof target === "number") return target;
  if (exchange && target === null) return -ENOENT;
  if ((flags & RENAME_NOREPLACE) !== 0 && target !== null) return -EEXIST;
  const fromDir = isDir(from.dentry.inode.mode);
  if (!fromDir && (op.trailing || (!exchange && np.trailing))) return -ENOTDIR;
  // The source may not become its own ancestor; the target may not be the source's ancestor.
  if (isSubdir(np.dir.dentry, from.dentry)) return -EINVAL;
  if (target !== null && isSubdir(op.dir.dentry, target.dentry)) return exchange ? -EINVAL : -ENOTEMPTY;
  if (target !== null && target.dentry.inode === from.dentry.inode) return 0;
  const cred = c.t.cred;
  const oldDir = op.dir.dentry.inode as DirInode;
  const newDir = np.dir.dentry.inode as DirInode;
  let err = mayDelete(cred, oldDir, from.dentry.inode, fromDir);
  if (err !== 0) return err;
  if (target === null) err = mayCreate(cred, newDir);
  else err = mayDelete(cred, newDir, target.dentry.inode, exchange ? isDir(target.dentry.inode.mode) : fromDir);
  if (err !== 0) return err;
  const vfs = c.k.vfs;
  if (vfs.isMountpoint(from.dentry) || (target !== null && vfs.isMountpoint(target.dentry))) return -EBUSY;
  if (np.dir.dentry.deleted) return -ENOENT;
  if (target !== null && !exchange && isDirInode(target.dentry.inode) && !target.dentry.inode.isEmpty(c, target.dentry)) return -ENOTEMPTY;
  // Moving a directory rewrites its "..": that needs write permission on it.
  if (oldDir !== newDir) {
    if (fromDir) err = inodePermission(cred, from.dentry.inode, MAY_WRITE);
    if (err === 0 && exchange && target !== null && isDir(target.dentry.inode.mode)) err = inodePermission(cred, target.dentry.inode, MAY_WRITE);
    if (err !== 0) return err;
  }
  // fsnotify_move after the rename; a replaced target stays held until its events are out.
  const oldNameNow = from.dentry.name;
  const replaced = target !== null && !exchange ? target.dentry.inode : null;
  replaced?.get();
  try {
    const r = oldDir.rename(c, from.dentry, np.dir.dentry, np.last, exchange ? target!.dentry : null);
    if (r !== 0) return r;
    if (replaced !== null) fsnotifyUnlinkedByRename(replaced);
    fsnotifyMove(oldDir, newDir, oldNameNow, np.last, from.dentry.inode);
    if (exchange) fsnotifyMove(newDir, oldDir, np.last, oldNameNow, target!.dentry.inode);
    return 0;
  } finally {
    replaced?.put();
  }
}

export function linkAt(c: FsCtx, olddfd: number, oldName: string, newdfd: number, newName: string, flags: number): number {
  if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  let old: Path | number;
  if (oldName === "" && (flags & AT_EMPTY_PATH) !== 0) {
    if (!c.t.cred.capable(CAP_DAC_READ_SEARCH)) return -ENOENT;
    old = startPath(c, olddfd, "");
  } else old = lookupAt(c, olddfd, oldName, (flags & AT_SYMLINK_FOLLOW) !== 0 ? 1 : 0);
  if (typeof old === "number") return old;
  const t = createTarget(c, newdfd, newName, false);
  if (typeof t === "number") return t;
  if (old.mnt !== t.p.dir.mnt) return -EXDEV;
  const inode = old.dentry.inode;
  if (isDir(inode.mode)) return -EPERM;
  if (inode.nlink === 0 && !inode.linkable) return -ENOENT;
  const d = t.dir.link(c, t.p.dir.dentry, t.p.last, old.dentry);
  if (typeof d === "number") return d;
  inode.linkable = false;
  fsnotifyLink(t.p.dir.dentry, inode, t.p.last);
  return 0;
}

/** readlinkat's target text (the caller truncates it), or -errno. */
export function readlinkAt(c: FsCtx, dirfd: number, name: string): string | number {
  const p = name === "" ? startPath(c, dirfd, "") : lookupAt(c, dirfd, name, 0);
  if (typeof p === "number") return p;
  const inode = p.dentry.inode;
  if (!isSymlinkInode(inode)) return name === "" ? -ENOENT : -EINVAL;
  return inode.readlink(c);
}
