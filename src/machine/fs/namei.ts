// Path walk (Linux's fs/namei.c, condensed): absolute or relative to the cwd or a directory fd,
// "." and "..", mount crossings, symlinks (at most 40 per walk, ELOOP beyond), NAME_MAX per
// component, search permission on every directory passed, and trailing slashes (which demand a
// directory and make the last symlink be followed).
//
// Names are byte strings held as latin1 JS strings (one char per byte), so any byte but NUL and
// '/' survives a round trip.
import { AT_FDCWD, MAXSYMLINKS, NAME_MAX } from "./constants.ts";
import { EBADF, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR } from "./errno.ts";
import { isDirInode, isSymlinkInode, samePath, type FsCtx, type Path, type SymlinkInode } from "./inode.ts";
import { inodePermission, MAY_EXEC } from "./perm.ts";

/** What the last component is (Linux's LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT). */
export type LastType = "norm" | "root" | "dot" | "dotdot";

/** A walk stopped before its last component: the directory it is in, and the name. */
export interface Parent {
  dir: Path;
  last: string;
  type: LastType;
  /** The name ended in '/': the object must be a directory. */
  trailing: boolean;
  /** Symlinks followed to get here: they count against the walk's limit. */
  links: number;
}

/** One walk's shared state: the root it may not climb above and the symlinks followed so far. */
interface Nd {
  readonly c: FsCtx;
  readonly root: Path;
  links: number;
}

export const LOOKUP_FOLLOW = 1;
export const LOOKUP_DIRECTORY = 2;

function newNd(c: FsCtx, links = 0): Nd | number {
  const fs = c.t.fs;
  if (fs === null) return -ENOENT;
  return { c, root: fs.root, links };
}

/** Where a walk of `name` starts: the root, the cwd, or the directory open at dirfd. */
export function startPath(c: FsCtx, dirfd: number, name: string): Path | number {
  const fs = c.t.fs;
  if (fs === null) return -ENOENT;
  if (name.startsWith("/")) return fs.root;
  if (dirfd === AT_FDCWD) return fs.pwd;
  const f = c.t.files?.get(dirfd);
  if (f === undefined) return -EBADF;
  if (name !== "" && !isDirInode(f.inode)) return -ENOTDIR;
  return f.path;
}

/** ".." from dir: never above the walk's root; from a mount's root, to its mountpoint's parent. */
function dotdot(nd: Nd, dir: Path): Path {
  let p = dir;
  for (;;) {
    if (samePath(p, nd.root)) return p;
    if (p.dentry !== p.mnt.root) break;
    if (p.mnt.parent === null || p.mnt.mountpoint === null) return p;
    p = { mnt: p.mnt.parent, dentry: p.mnt.mountpoint };
  }
  return { mnt: p.mnt, dentry: p.dentry.parent ?? p.dentry };
}

/** Look up one ordinary component in dir (which must be a searchable directory). */
function lookupOne(nd: Nd, dir: Path, name: string): Path | number {
  const inode = dir.dentry.inode;
  if (name.length > NAME_MAX) return -ENAMETOOLONG;
  if (!isDirInode(inode) || dir.dentry.deleted) return -ENOENT;
  const child = inode.lookup(nd.c, dir.dentry, name);
  if (child === null) return -ENOENT;
  return nd.c.k.vfs.crossMount({ mnt: dir.mnt, dentry: child });
}

/** Search permission and a directory to search: what every component needs of its directory. */
function mayLookup(nd: Nd, dir: Path): number {
  const inode = dir.dentry.inode;
  if (!isDirInode(inode)) return -ENOTDIR;
  return inodePermission(nd.c.t.cred, inode, MAY_EXEC);
}

/** Resolve a symlink found in dir, following its own last component too. */
function followLink(nd: Nd, dir: Path, link: Path): Path | number {
  if (++nd.links > MAXSYMLINKS) return -ELOOP;
  const inode = link.dentry.inode as SymlinkInode;
  const magic = inode.followMagic(nd.c);
  if (magic !== undefined) return magic;
  const target = inode.readlink(nd.c);
  if (typeof target === "number") return target;
  if (target === "") return -ENOENT;
  return walk(nd, target.startsWith("/") ? nd.root : dir, target, LOOKUP_FOLLOW);
}

/** Walk every component but the last (link_path_walk). */
function walkParent(nd: Nd, start: Path, name: string): Parent | number {
  let dir = name.startsWith("/") ? nd.root : start;
  const parts = name.split("/").filter((s) => s.length > 0);
  if (parts.length === 0) return { dir, last: "", type: name.startsWith("/") ? "root" : "dot", trailing: false, links: nd.links };
  for (let i = 0; i < parts.length - 1; i++) {
    const err = mayLookup(nd, dir);
    if (err !== 0) return err;
    const comp = parts[i];
    if (comp === ".") continue;
    if (comp === "..") {
      dir = dotdot(nd, dir);
      continue;
    }
    let next = lookupOne(nd, dir, comp);
    if (typeof next === "number") return next;
    if (isSymlinkInode(next.dentry.inode)) next = followLink(nd, dir, next);
    if (typeof next === "number") return next;
    dir = next;
  }
  const err = mayLookup(nd, dir);
  if (err !== 0) return err;
  const last = parts[parts.length - 1];
  const type: LastType = last === "." ? "dot" : last === ".." ? "dotdot" : "norm";
  return { dir, last, type, trailing: name.endsWith("/"), links: nd.links };
}

/** Resolve the last component found by walkParent. */
function walkLast(nd: Nd, p: Parent, flags: number): Path | number {
  let res: Path | number;
  if (p.type === "root" || p.type === "dot") res = p.dir;
  else if (p.type === "dotdot") res = dotdot(nd, p.dir);
  else {
    res = lookupOne(nd, p.dir, p.last);
    if (typeof res === "number") return res;
    if (isSymlinkInode(res.dentry.inode) && ((flags & LOOKUP_FOLLOW) !== 0 || p.trailing)) res = followLink(nd, p.dir, res);
  }
  if (typeof res === "number") return res;
  if (((flags & LOOKUP_DIRECTORY) !== 0 || p.trailing) && !isDirInode(res.dentry.inode)) return -ENOTDIR;
  return res;
}

function walk(nd: Nd, start: Path, name: string, flags: number): Path | number {
  const p = walkParent(nd, start, name);
  return typeof p === "number" ? p : walkLast(nd, p, flags);
}

/**
 * Resolve name relative to dirfd (filename_lookup). flags: LOOKUP_FOLLOW (follow a final
 * symlink), LOOKUP_DIRECTORY. An empty name is ENOENT; callers handle AT_EMPTY_PATH first.
 */
export function lookupAt(c: FsCtx, dirfd: number, name: string, flags: number): Path | number {
  if (name === "") return -ENOENT;
  const nd = newNd(c);
  if (typeof nd === "number") return nd;
  const start = startPath(c, dirfd, name);
  if (typeof start === "number") return start;
  return walk(nd, start, name, flags);
}

/** Walk to the directory that holds name's last component (for create, unlink, rename...). */
export function lookupParentAt(c: FsCtx, dirfd: number, name: string): Parent | number {
  if (name === "") return -ENOENT;
  const nd = newNd(c);
  if (typeof nd === "number") return nd;
  const start = startPath(c, dirfd, name);
  if (typeof start === "number") return start;
  return walkParent(nd, start, name);
}

/** The child `last` of a parent found by lookupParentAt, without following it; null if absent. */
export function lookupChild(c: FsCtx, p: Parent): Path | null | number {
  const nd = newNd(c, p.links);
  if (typeof nd === "number") return nd;
  const r = lookupOne(nd, p.dir, p.last);
  return r === -ENOENT ? null : r;
}

/** Where open(O_CREAT) stands after its walk: the object found, or the name to create. */
export interface CreateTarget {
  parent: Parent;
  existing: Path | null;
}

/**
 * open(O_CREAT)'s last step: the existing object (a final symlink is followed when `follow`, so a
 * dangling one makes its target be created, as in Linux), or the parent and name to create.
 * The last component must be an ordinary name without a trailing slash (else EISDIR).
 */
export function lookupCreate(c: FsCtx, p: Parent, follow: boolean): CreateTarget | number {
  const nd = newNd(c, p.links);
  if (typeof nd === "number") return nd;
  let cur = p;
  for (;;) {
    if (cur.type !== "norm" || cur.trailing) return -EISDIR;
    const r = lookupOne(nd, cur.dir, cur.last);
    if (r === -ENOENT) return { parent: cur, existing: null };
    if (typeof r === "number") return r;
    if (!follow || !isSymlinkInode(r.dentry.inode)) return { parent: cur, existing: r };
    if (++nd.links > MAXSYMLINKS) return -ELOOP;
    const inode = r.dentry.inode as SymlinkInode;
    const magic = inode.followMagic(c);
    if (magic !== undefined) return typeof magic === "number" ? magic : { parent: cur, existing: magic };
    const target = inode.readlink(c);
    if (typeof target === "number") return target;
    if (target === "") return -ENOENT;
    const next = walkParent(nd, target.startsWith("/") ? nd.root : cur.dir, target);
    if (typeof next === "number") return next;
    cur = next;
  }
}

/** Finish a walk whose parent the caller already has (open's last step), following as asked. */
export function lookupLast(c: FsCtx, p: Parent, flags: number): Path | number {
  const nd = newNd(c, p.links);
  if (typeof nd === "number") return nd;
  return walkLast(nd, p, flags);
}
