// Operations on names (Linux's do_mkdirat, do_unlinkat, do_rmdir, do_renameat2, do_linkat,
// do_symlinkat, do_readlinkat), with their checks in Linux's order: the walk, the kind of last
// component, existence, permission (may_create / may_delete), then type and emptiness.
import { AT_EMPTY_PATH, AT_SYMLINK_FOLLOW, CAP_DAC_READ_SEARCH, isDir, S_IRWXUGO, S_ISVTX } from "./constants.ts";
import { EBUSY, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, EXDEV } from "./errno.ts";
import { isDirInode, isSymlinkInode, type Dentry, type DirInode, type FsCtx, type Path } from "./inode.ts";
import { lookupAt, lookupChild, lookupParentAt, startPath, type Parent } from "./namei.ts";
import { inodePermission, mayCreate, mayDelete, MAY_WRITE } from "./perm.ts";

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
  return typeof d === "number" ? d : 0;
}

export function symlinkAt(c: FsCtx, target: string, dirfd: number, name: string): number {
  if (target === "") return -ENOENT;
  const t = createTarget(c, dirfd, name, false);
  if (typeof t === "number") return t;
  const d = t.dir.symlink(c, t.p.dir.dentry, t.p.last, target);
  return typeof d === "number" ? d : 0;
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
  return dir.unlink(c, p.dir.dentry, v.dentry);
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
  return dir.unlink(c, p.dir.dentry, v.dentry);
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
  return oldDir.rename(c, from.dentry, np.dir.dentry, np.last, exchange ? target!.dentry : null);
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
  if (inode.nlink === 0) return -ENOENT;
  const d = t.dir.link(c, t.p.dir.dentry, t.p.last, old.dentry);
  return typeof d === "number" ? d : 0;
}

/** readlinkat's target text (the caller truncates it), or -errno. */
export function readlinkAt(c: FsCtx, dirfd: number, name: string): string | number {
  const p = name === "" ? startPath(c, dirfd, "") : lookupAt(c, dirfd, name, 0);
  if (typeof p === "number") return p;
  const inode = p.dentry.inode;
  if (!isSymlinkInode(inode)) return name === "" ? -ENOENT : -EINVAL;
  return inode.readlink(c);
}
