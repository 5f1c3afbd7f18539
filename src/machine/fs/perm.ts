// Permission checks (Linux's generic_permission, may_delete's sticky rule, inode_owner_or_capable)
// against a task's credentials: fsuid/fsgid, the supplementary groups and the effective
// capabilities.
import { EACCES, EISDIR, ENOTDIR, EPERM } from "./errno.ts";
import { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, isDir, MAY_EXEC, MAY_READ, MAY_WRITE, S_ISVTX } from "./constants.ts";
import type { Inode } from "./inode.ts";

const S_IXUGO = 0o111;

/** What a permission check reads of a cred (a Cred, or access()'s real-id view of one). */
export interface PermCred {
  readonly fsuid: number;
  readonly fsgid: number;
  /** Supplementary groups (a Cred's); absent in views that have none. */
  readonly groups?: readonly number[];
  capable(cap: number): boolean;
}

/** 0 if cred may access inode with mask (MAY_READ | MAY_WRITE | MAY_EXEC), else -EACCES. */
export function inodePermission(cred: PermCred, inode: Inode, mask: number): number {
  const gone = inode.gone?.() ?? 0;
  if (gone !== 0) return gone;
  let mode = inode.mode;
  if (cred.fsuid === inode.uid) mode >>= 6;
  else if (cred.fsgid === inode.gid || (cred.groups?.includes(inode.gid) ?? false)) mode >>= 3;
  if ((mask & ~mode & 7) === 0) return 0;
  if (isDir(inode.mode)) {
    if ((mask & MAY_WRITE) === 0 && cred.capable(CAP_DAC_READ_SEARCH)) return 0;
    return cred.capable(CAP_DAC_OVERRIDE) ? 0 : -EACCES;
  }
  if (mask === MAY_READ && cred.capable(CAP_DAC_READ_SEARCH)) return 0;
  // Read and write are always overridable; execute only if someone may execute.
  if ((mask & MAY_EXEC) === 0 || (inode.mode & S_IXUGO) !== 0) {
    if (cred.capable(CAP_DAC_OVERRIDE)) return 0;
  }
  return -EACCES;
}

/** The caller owns the inode or has CAP_FOWNER (chmod, utimes, sticky deletes). */
export function ownerOrCapable(cred: PermCred, inode: Inode): boolean {
  return cred.fsuid === inode.uid || cred.capable(CAP_FOWNER);
}

/**
 * may_delete, in Linux's order: write and search permission on the directory, the sticky-bit
 * rule (only the owner of the file or of the directory may remove from a sticky directory),
 * then the victim's type against what the caller removes (isDir: rmdir, or a directory rename).
 */
export function mayDelete(cred: PermCred, dir: Inode, victim: Inode, wantDir: boolean): number {
  const err = inodePermission(cred, dir, MAY_WRITE | MAY_EXEC);
  if (err !== 0) return err;
  if ((dir.mode & S_ISVTX) !== 0 && cred.fsuid !== victim.uid && cred.fsuid !== dir.uid && !cred.capable(CAP_FOWNER)) {
    return -EPERM;
  }
  if (wantDir && !isDir(victim.mode)) return -ENOTDIR;
  if (!wantDir && isDir(victim.mode)) return -EISDIR;
  return 0;
}

export function mayCreate(cred: PermCred, dir: Inode): number {
  return inodePermission(cred, dir, MAY_WRITE | MAY_EXEC);
}

export { MAY_EXEC, MAY_READ, MAY_WRITE };
