// Opening files (Linux's do_filp_open, condensed): the walk, O_CREAT / O_EXCL, O_NOFOLLOW,
// O_DIRECTORY, the permission checks of may_open, O_TRUNC, and the file object itself.
import { __O_TMPFILE, isDir, isLnk, MAY_EXEC, MAY_READ, MAY_WRITE, O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_RDONLY, O_TMPFILE, O_TRUNC, O_WRONLY, S_IALLUGO } from "./constants.ts";
import { EINVAL, EISDIR, ELOOP, ENOENT, ENOTDIR } from "./errno.ts";
import { File } from "./file.ts";
import { breakLease } from "./leases.ts";
import { fsnotifyCreate, fsnotifyOpen } from "./notify/fsnotify.ts";
import { isDirInode, type FsCtx, type Path } from "./inode.ts";
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW, lookupAt, lookupCreate, lookupParentAt } from "./namei.ts";
import { inodePermission, mayCreate } from "./perm.ts";
import { TmpfsFile } from "./tmpfs/tmpfs.ts";

/** The MAY_* an open needs (ACC_MODE, plus write for O_TRUNC). */
function accMode(flags: number): number {
  const acc = flags & O_ACCMODE;
  let m = acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
  if ((flags & O_TRUNC) !== 0) m |= MAY_WRITE;
  return m;
}

/** may_open: what the object's type and permission bits allow. */
function mayOpen(c: FsCtx, p: Path, flags: number): number {
  const inode = p.dentry.inode;
  if ((flags & O_PATH) !== 0) return 0;
  if (isLnk(inode.mode)) return -ELOOP;
  const acc = accMode(flags);
  if (isDir(inode.mode) && (acc & MAY_WRITE) !== 0) return -EISDIR;
  return inodePermission(c.t.cred, inode, acc);
}

/**
 * A new file on an object already found (no permission checks: the caller did them). Runs the
 * inode's open. Returns the file, holding the one reference the caller owns, or -errno.
 */
export function openPath(c: FsCtx, p: Path, flags: number, createdAt: string, priv?: unknown): File | number {
  const f = new File(c.k.kobj, p, flags, createdAt);
  if (priv !== undefined) f.priv = priv;
  if ((flags & O_PATH) !== 0) return f;
  // do_dentry_open: leases are broken before the file system's open runs. The inode's open sees
  // O_NOCTTY (a terminal's open decides on it); do_dentry_open drops it after.
  let err = breakLease(c.k, c.t, p.dentry.inode, flags);
  f.flags |= flags & O_NOCTTY;
  if (err === 0) err = p.dentry.inode.open(c, f);
  f.flags &= ~O_NOCTTY;
  if (err < 0) {
    // The file never became usable: drop it before its inode's open took anything.
    f.ops = { positional: false };
    f.noNotify = true;
    c.k.kobj.put(f, "open failed");
    return err;
  }
  fsnotifyOpen(f);
  return f;
}

/** Find or create what openat names. Returns the path and whether it was created. */
function openTarget(c: FsCtx, dirfd: number, name: string, flags: number, mode: number): { path: Path; created: boolean } | number {
  const follow = (flags & O_NOFOLLOW) === 0;
  if ((flags & O_CREAT) === 0) {
    const r = lookupAt(c, dirfd, name, (follow ? LOOKUP_FOLLOW : 0) | ((flags & O_DIRECTORY) !== 0 ? LOOKUP_DIRECTORY : 0));
    return typeof r === "number" ? r : { path: r, created: false };
  }
  const parent = lookupParentAt(c, dirfd, name);
  if (typeof parent === "number") return parent;
  // O_EXCL never follows: an existing name, even a dangling symlink, is EEXIST.
  const t = lookupCreate(c, parent, follow && (flags & O_EXCL) === 0);
  if (typeof t === "number") return t;
  if (t.existing !== null) {
    if ((flags & O_EXCL) !== 0) return -17; // EEXIST
    return { path: t.existing, created: false };
  }
  const dir = t.parent.dir;
  const dirInode = dir.dentry.inode;
  if (!isDirInode(dirInode)) return -ENOTDIR;
  if (dirInode.missingErr() !== 0) return dirInode.missingErr();
  if (dir.dentry.deleted) return -ENOENT;
  const err = mayCreate(c.t.cred, dirInode);
  if (err !== 0) return err;
  const umask = c.t.fs?.umask ?? 0o022;
  const d = dirInode.create(c, dir.dentry, t.parent.last, mode & S_IALLUGO & ~umask);
  if (typeof d === "number") return d;
  fsnotifyCreate(dir.dentry, d);
  return { path: { mnt: dir.mnt, dentry: d }, created: true };
}

/**
 * do_tmpfile: the directory named (followed unless O_NOFOLLOW) gets a nameless file, which
 * needs write and search permission on it; the new file itself is not permission-checked.
 */
function openTmpfile(c: FsCtx, dirfd: number, name: string, flags: number, mode: number, createdAt: string): File | number {
  const dir = lookupAt(c, dirfd, name, ((flags & O_NOFOLLOW) === 0 ? LOOKUP_FOLLOW : 0) | LOOKUP_DIRECTORY);
  if (typeof dir === "number") return dir;
  const dirInode = dir.dentry.inode;
  if (!isDirInode(dirInode)) return -ENOTDIR;
  const err = inodePermission(c.t.cred, dirInode, MAY_WRITE | MAY_EXEC);
  if (err !== 0) return err;
  const umask = c.t.fs?.umask ?? 0o022;
  const d = dirInode.tmpfile(c, dir.dentry, mode & S_IALLUGO & ~umask);
  if (typeof d === "number") return d;
  if ((flags & O_EXCL) === 0) d.inode.linkable = true;
  return openPath(c, { mnt: dir.mnt, dentry: d }, flags & ~O_TMPFILE, createdAt);
}

/** openat: the new file (its one reference is the caller's), or -errno. */
export function openAt(c: FsCtx, dirfd: number, name: string, flags: number, mode: number, createdAt: string): File | number {
  if ((flags & O_PATH) !== 0) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  if ((flags & __O_TMPFILE) !== 0) {
    // build_open_flags: O_TMPFILE comes with O_DIRECTORY, never O_CREAT, and a writable mode.
    if ((flags & (O_TMPFILE | O_CREAT)) !== O_TMPFILE || (accMode(flags) & MAY_WRITE) === 0) return -EINVAL;
    return openTmpfile(c, dirfd, name, flags, mode, createdAt);
  }
  if ((flags & O_CREAT) !== 0 && (flags & O_DIRECTORY) !== 0) return -EINVAL;
  const target = openTarget(c, dirfd, name, flags, mode);
  if (typeof target === "number") return target;
  const { path, created } = target;
  const inode = path.dentry.inode;
  if ((flags & O_CREAT) !== 0 && isDir(inode.mode)) return -EISDIR;
  if ((flags & O_DIRECTORY) !== 0 && !isDir(inode.mode)) return -ENOTDIR;
  if (isLnk(inode.mode) && (flags & O_PATH) === 0) return -ELOOP;
  if (!created) {
    const err = mayOpen(c, path, flags);
    if (err !== 0) return err;
  }
  const f = openPath(c, path, flags, createdAt);
  if (typeof f === "number") return f;
  // O_TRUNC on a regular tmpfs file; proc's regular files ignore it (proc_sys_setattr).
  if ((flags & O_TRUNC) !== 0 && !created && (flags & O_PATH) === 0 && inode instanceof TmpfsFile) inode.truncate(0);
  return f;
}

