// Changing and checking inode attributes: chmod, chown, truncate and access (Linux's
// chmod_common, chown_common, do_truncate, do_faccessat).
import { fsnotifyInodeChange, IN_ACCESS, IN_ATTRIB, IN_MODIFY } from "./notify/fsnotify.ts";
import { breakLease } from "./leases.ts";
import { CAP_CHOWN, CAP_FSETID, isDir, isReg, MAX_LFS_FILESIZE, O_WRONLY, S_IALLUGO, S_IFMT, S_ISGID, S_ISUID } from "./constants.ts";
import { EFBIG, EINVAL, EISDIR, EPERM } from "./errno.ts";
import { removePrivs, timeNow, type Dentry, type FsCtx, type Inode, type Path } from "./inode.ts";
import { inodePermission, MAY_WRITE, ownerOrCapable, type PermCred } from "./perm.ts";
import { TmpfsFile } from "./tmpfs/tmpfs.ts";

const NO_CHANGE = 0xffffffff;

/** proc's entries keep the modes and owners proc gives them (proc_setattr refuses ATTR_MODE). */
const fixedAttrs = (inode: Inode): boolean => inode.sb.type === "proc";

/** chmod; `d` (the name it was reached by) lets the directory's watches hear it too. */
export function chmodInode(c: FsCtx, inode: Inode, mode: number, d?: Dentry): number {
  const cred = c.t.cred;
  if (!ownerOrCapable(cred, inode)) return -EPERM;
  if (fixedAttrs(inode)) return -EPERM;
  if (inode instanceof TmpfsFile && !inode.mayChmod(mode)) return -EPERM;
  let m = mode & S_IALLUGO;
  // Someone outside the file's group, without CAP_FSETID, cannot make it set-group-ID.
  if (!isDir(inode.mode) && !cred.inGroup(inode.gid) && !cred.capable(CAP_FSETID)) m &= ~S_ISGID;
  inode.mode = (inode.mode & S_IFMT) | m;
  inode.ctimeNs = timeNow(c.k);
  fsnotifyInodeChange(inode, IN_ATTRIB, d);
  return 0;
}

/** chown: uid / gid of 0xffffffff (-1) leave that id unchanged. */
export function chownInode(c: FsCtx, inode: Inode, uid: number, gid: number, d?: Dentry): number {
  const cred = c.t.cred;
  uid >>>= 0;
  gid >>>= 0;
  const newUid = uid === NO_CHANGE ? inode.uid : uid;
  const newGid = gid === NO_CHANGE ? inode.gid : gid;
  const mayChangeUid = newUid === inode.uid && cred.fsuid === inode.uid;
  const mayChangeGid = cred.fsuid === inode.uid && (newGid === inode.gid || cred.inGroup(newGid));
  if (uid !== NO_CHANGE && !mayChangeUid && !cred.capable(CAP_CHOWN)) return -EPERM;
  if (gid !== NO_CHANGE && !mayChangeGid && !cred.capable(CAP_CHOWN)) return -EPERM;
  if (fixedAttrs(inode)) return -EPERM;
  inode.uid = newUid;
  inode.gid = newGid;
  // A non-directory loses set-user-ID, and set-group-ID when it is group-executable.
  if (!isDir(inode.mode)) {
    if (uid !== NO_CHANGE || gid !== NO_CHANGE) {
      inode.mode &= ~S_ISUID;
      if ((inode.mode & 0o010) !== 0) inode.mode &= ~S_ISGID;
    }
  }
  inode.ctimeNs = timeNow(c.k);
  fsnotifyInodeChange(inode, IN_ATTRIB, d);
  return 0;
}

/** Truncate a regular file to length (the caller checked the fd or path permission). */
export function truncateInode(c: FsCtx, inode: Inode, length: number, d?: Dentry): number {
  if (isDir(inode.mode)) return -EISDIR;
  if (!isReg(inode.mode)) return -EINVAL;
  if (length < 0) return -EINVAL;
  if (length > MAX_LFS_FILESIZE) return -EFBIG;
  if (inode instanceof TmpfsFile) {
    if (!inode.mayResize(length)) return -EPERM;
    inode.truncate(length);
    removePrivs(c, inode);
  }
  fsnotifyInodeChange(inode, IN_MODIFY, d);
  return 0;
}

/** truncate(path): write permission on the file. */
export function truncatePath(c: FsCtx, p: Path, length: number): number {
  const inode = p.dentry.inode;
  if (isDir(inode.mode)) return -EISDIR;
  if (!isReg(inode.mode)) return -EINVAL;
  let err = inodePermission(c.t.cred, inode, MAY_WRITE);
  // vfs_truncate breaks leases as an open for writing would (waiting, never EWOULDBLOCK).
  if (err === 0) err = breakLease(c.k, c.t, inode, O_WRONLY);
  return err !== 0 ? err : truncateInode(c, inode, length, p.dentry);
}

/**
 * The credentials access() checks with: the real ids instead of the effective ones, and (for a
 * non-root real uid) no capabilities; AT_EACCESS keeps the effective view.
 */
export function accessCred(c: FsCtx, effective: boolean): PermCred {
  const cred = c.t.cred;
  if (effective) return cred;
  const root = cred.uid === 0;
  const permitted = cred.capPermitted;
  return {
    fsuid: cred.uid,
    fsgid: cred.gid,
    groups: cred.groups,
    capable: (cap: number) => root && Math.floor(permitted / 2 ** cap) % 2 === 1,
  };
}

export const UTIME_NOW = 0x3fffffff;
export const UTIME_OMIT = 0x3ffffffe;

/**
 * utimensat: set atime and mtime (ns since the epoch, or UTIME_NOW / UTIME_OMIT); null means
 * both now. Setting the current time needs ownership or write permission; setting any other
 * time needs ownership or CAP_FOWNER (EPERM).
 */
export type TimeSpec = bigint | typeof UTIME_NOW | typeof UTIME_OMIT;

export function utimesInode(c: FsCtx, inode: Inode, times: [TimeSpec, TimeSpec] | null, d?: Dentry): number {
  const cred = c.t.cred;
  const now = timeNow(c.k);
  const explicit = times !== null && (times[0] !== UTIME_NOW || times[1] !== UTIME_NOW) &&
    !(times[0] === UTIME_OMIT && times[1] === UTIME_OMIT);
  if (explicit) {
    if (!ownerOrCapable(cred, inode)) return -EPERM;
  } else if (!ownerOrCapable(cred, inode)) {
    const err = inodePermission(cred, inode, MAY_WRITE);
    if (err !== 0) return err;
  }
  const pick = (v: TimeSpec | undefined, old: bigint): bigint => (typeof v === "bigint" ? v : v === UTIME_OMIT ? old : now);
  inode.atimeNs = pick(times?.[0], inode.atimeNs);
  inode.mtimeNs = pick(times?.[1], inode.mtimeNs);
  inode.ctimeNs = now;
  // fsnotify_change: both times is a utimes call (IN_ATTRIB); one alone reads as access or modify.
  const omitA = times?.[0] === UTIME_OMIT;
  const omitM = times?.[1] === UTIME_OMIT;
  if (!omitA || !omitM) fsnotifyInodeChange(inode, !omitA && !omitM ? IN_ATTRIB : omitM ? IN_ACCESS : IN_MODIFY, d);
  return 0;
}
