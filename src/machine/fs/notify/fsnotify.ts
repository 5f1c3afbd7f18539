// The VFS's one door to file-system notification (Linux's fs/notify/fsnotify.c and the
// fsnotify_* helpers of include/linux/fsnotify.h). The VFS calls these hooks; a backend
// (inotify.ts) hangs marks on inodes. An event goes to the marks of the inode itself (no name)
// and, for an object in a directory, first to the marks of that directory (with the name), as
// fsnotify_parent does. Nothing happens for an inode nobody watches, so the hooks cost one
// null check on the paths that call them.
import type { File } from "../file.ts";
import type { Dentry, Inode } from "../inode.ts";

export const IN_ACCESS = 0x1;
export const IN_MODIFY = 0x2;
export const IN_ATTRIB = 0x4;
export const IN_CLOSE_WRITE = 0x8;
export const IN_CLOSE_NOWRITE = 0x10;
export const IN_OPEN = 0x20;
export const IN_MOVED_FROM = 0x40;
export const IN_MOVED_TO = 0x80;
export const IN_CREATE = 0x100;
export const IN_DELETE = 0x200;
export const IN_DELETE_SELF = 0x400;
export const IN_MOVE_SELF = 0x800;
export const IN_UNMOUNT = 0x2000;
export const IN_Q_OVERFLOW = 0x4000;
export const IN_IGNORED = 0x8000;
export const IN_ISDIR = 0x40000000;
export const IN_ALL_EVENTS = 0xfff;

/** A watch on an inode, as a backend keeps it (fsnotify_mark). */
export interface FsnotifyMark {
  /** The events it wants (IN_*), IN_EXCL_UNLINK etc. included. */
  readonly mask: number;
  /**
   * One event. `name` is set when the mark is the watched directory's and the event is about
   * the entry `name` in it; `unlinked` says that entry is no longer linked (IN_EXCL_UNLINK).
   */
  handle(mask: number, name: string | null, cookie: number, unlinked: boolean): void;
  /** The inode is gone (evicted, or its file system unmounted): IN_IGNORED and drop the mark. */
  inodeGone(): void;
}

/**
 * The last cookie that tied an IN_MOVED_FROM to its IN_MOVED_TO (fsnotify_get_cookie), per file
 * system: Linux counts globally, but only equality matters, and a per-machine count keeps runs
 * independent of each other (determinism).
 */
const cookies = new WeakMap<object, number>();

/** The last move cookie handed out on a file system (0: none yet). */
export function lastCookie(sb: object): number {
  return cookies.get(sb) ?? 0;
}

/**
 * A restored container remembers cookies it read: the count goes on above the last one it may
 * have seen, so that a new rename pair never repeats one (Linux's count is global and never
 * goes back).
 */
export function cookiesFrom(sb: object, last: number): void {
  if (last > lastCookie(sb)) cookies.set(sb, last >>> 0);
}

const isDirInode = (i: Inode): boolean => (i.mode & 0o170000) === 0o040000;

/** fsnotify: deliver mask to `inode`'s marks (no name). */
function toInode(inode: Inode, mask: number, cookie = 0): void {
  const marks = inode.fsnotifyMarks;
  if (marks === null) return;
  for (const m of [...marks]) if ((m.mask & mask & IN_ALL_EVENTS) !== 0) m.handle(mask, null, cookie, false);
}

/** Deliver mask to dir's marks about the entry `name` in it. */
function toDir(dir: Inode, mask: number, name: string, cookie = 0, unlinked = false): void {
  const marks = dir.fsnotifyMarks;
  if (marks === null) return;
  for (const m of [...marks]) if ((m.mask & mask & IN_ALL_EVENTS) !== 0) m.handle(mask, name, cookie, unlinked);
}

/** fsnotify_parent + fsnotify: an event on the object at dentry, told to its directory first. */
function onDentry(d: Dentry, mask: number): void {
  const flags = isDirInode(d.inode) ? mask | IN_ISDIR : mask;
  if (d.parent !== null && d.parent !== d) toDir(d.parent.inode, flags, d.name, 0, d.deleted);
  toInode(d.inode, flags);
}

/** Whether anything watches the object at d or its directory (skip the work otherwise). */
const watched = (d: Dentry): boolean => d.inode.fsnotifyMarks !== null || (d.parent?.inode.fsnotifyMarks ?? null) !== null;

/** fsnotify_create / fsnotify_mkdir: a new entry in dir. */
export function fsnotifyCreate(dir: Dentry, child: Dentry): void {
  if (dir.inode.fsnotifyMarks !== null) toDir(dir.inode, IN_CREATE | (isDirInode(child.inode) ? IN_ISDIR : 0), child.name);
}

/** fsnotify_link: a new name for an existing inode (the inode's link count changed too). */
export function fsnotifyLink(dir: Dentry, inode: Inode, name: string): void {
  toInode(inode, IN_ATTRIB);
  if (dir.inode.fsnotifyMarks !== null) toDir(dir.inode, IN_CREATE, name);
}

/**
 * vfs_unlink / vfs_rmdir: IN_ATTRIB for a file's link count, IN_DELETE_SELF (and the watches'
 * end) when `gone` (its last link, and no other user), then IN_DELETE in the directory.
 */
export function fsnotifyUnlink(dir: Dentry, victim: Dentry, name: string, gone: boolean): void {
  const isDir = isDirInode(victim.inode);
  if (!isDir) toInode(victim.inode, IN_ATTRIB);
  if (gone) fsnotifyInodeRemove(victim.inode);
  if (dir.inode.fsnotifyMarks !== null) toDir(dir.inode, IN_DELETE | (isDir ? IN_ISDIR : 0), name);
}

/** fsnotify_move's fsnotify_link_count: a rename replaced this inode's name. */
export function fsnotifyUnlinkedByRename(target: Inode): void {
  if (!isDirInode(target)) toInode(target, IN_ATTRIB);
}

/**
 * fsnotify_move: IN_MOVED_FROM / IN_MOVED_TO with one cookie in the two directories, then
 * IN_MOVE_SELF on the object. A replaced target is unlinked first (the caller reports that).
 */
export function fsnotifyMove(oldDir: Inode, newDir: Inode, oldName: string, newName: string, moved: Inode): void {
  if (oldDir.fsnotifyMarks === null && newDir.fsnotifyMarks === null && moved.fsnotifyMarks === null) return;
  const isdir = isDirInode(moved) ? IN_ISDIR : 0;
  const cookie = ((cookies.get(moved.sb) ?? 0) + 1) >>> 0;
  cookies.set(moved.sb, cookie);
  toDir(oldDir, IN_MOVED_FROM | isdir, oldName, cookie);
  toDir(newDir, IN_MOVED_TO | isdir, newName, cookie);
  toInode(moved, IN_MOVE_SELF | isdir);
}

/** fsnotify_open (not for O_PATH files or the notification files themselves). */
export function fsnotifyOpen(f: File): void {
  if (!f.isPath && !f.noNotify && watched(f.path.dentry)) onDentry(f.path.dentry, IN_OPEN);
}

/** fsnotify_close: the file's last reference went. */
export function fsnotifyClose(f: File): void {
  if (!f.isPath && !f.noNotify && watched(f.path.dentry)) onDentry(f.path.dentry, f.writable ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
}

/** fsnotify_access: a read returned data. */
export function fsnotifyAccess(f: File): void {
  if (!f.noNotify && watched(f.path.dentry)) onDentry(f.path.dentry, IN_ACCESS);
}

/** fsnotify_modify: a write changed the file. */
export function fsnotifyModify(f: File): void {
  if (!f.noNotify && watched(f.path.dentry)) onDentry(f.path.dentry, IN_MODIFY);
}

/** fsnotify_change: attributes changed (chmod, chown, utimes) or, for truncate, the data. */
export function fsnotifyChange(d: Dentry, mask: number): void {
  if (watched(d)) onDentry(d, mask);
}

/**
 * fsnotify_change (chmod, chown, utimes, truncate): the object's watches and, given the dentry
 * it was reached by, its directory's.
 */
export function fsnotifyInodeChange(inode: Inode, mask: number, d?: Dentry): void {
  if (d !== undefined && d.inode === inode) fsnotifyChange(d, mask);
  else toInode(inode, isDirInode(inode) ? mask | IN_ISDIR : mask);
}

/**
 * fsnotify_inoderemove and the marks' end: the inode is freed (no link, no user), so it says
 * IN_DELETE_SELF and every mark goes with IN_IGNORED.
 */
export function fsnotifyInodeRemove(inode: Inode): void {
  const marks = inode.fsnotifyMarks;
  if (marks === null) return;
  toInode(inode, IN_DELETE_SELF | (isDirInode(inode) ? IN_ISDIR : 0));
  for (const m of [...marks]) m.inodeGone();
  inode.fsnotifyMarks = null;
}
