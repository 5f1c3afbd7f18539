// inotify_init1, inotify_add_watch, inotify_rm_watch (Linux's fs/notify/inotify/inotify_user.c)
// over fs/notify/inotify.ts; the events themselves come from the VFS hooks in fs/notify/fsnotify.ts.
import { AT_FDCWD, MAY_READ, O_CLOEXEC, O_NONBLOCK, O_RDONLY } from "../../fs/constants.ts";
import { EBADF, EINVAL, EMFILE } from "../../fs/errno.ts";
import type { File } from "../../fs/file.ts";
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW, lookupAt } from "../../fs/namei.ts";
import { ALL_INOTIFY_BITS, groupOf, IN_DONT_FOLLOW, IN_MASK_ADD, IN_MASK_CREATE, IN_ONLYDIR, inotifyFile, inotifyOps } from "../../fs/notify/inotify.ts";
import { inodePermission } from "../../fs/perm.ts";
import { getname } from "../../fs/uaccess.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import { fdget } from "./sys-fs.ts";
import type { SyscallEntry } from "./types.ts";

const INOTIFY_CR = "files (an inotify instance: its watches by inode, its wd cursor and its queued events; a watch on a file the container does not carry is refused)";

function sysInotifyInit1(k: Kernel, t: Task, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  const files = t.files;
  if (files === null) return -EMFILE;
  const fd = files.allocFd();
  if (fd < 0) return fd;
  const f = inotifyFile(k, flags & O_NONBLOCK, `inotify_init1 by pid ${t.id}`);
  // anon_inode_getfile(..., O_RDONLY | flags): read-only, unlike the other event files.
  f.flags = O_RDONLY | (flags & O_NONBLOCK);
  files.install(fd, f, (flags & O_CLOEXEC) !== 0);
  return fd;
}

/** The inotify instance behind fd: EBADF for no file, EINVAL for another kind. */
function inotifyFd(t: Task, fd: number): File | number {
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  return f.ops === inotifyOps ? f : -EINVAL;
}

function sysInotifyAddWatch(k: Kernel, t: Task, fd: number, pathp: number, mask: number): number {
  mask >>>= 0;
  if ((mask & IN_MASK_ADD) !== 0 && (mask & IN_MASK_CREATE) !== 0) return -EINVAL;
  if ((mask & ~ALL_INOTIFY_BITS) !== 0 || (mask & ALL_INOTIFY_BITS) === 0) return -EINVAL;
  const f = inotifyFd(t, fd);
  if (typeof f === "number") return f;
  const name = getname(t.mm, pathp);
  if (typeof name === "number") return name;
  const flags = ((mask & IN_DONT_FOLLOW) === 0 ? LOOKUP_FOLLOW : 0) | ((mask & IN_ONLYDIR) !== 0 ? LOOKUP_DIRECTORY : 0);
  const p = lookupAt({ k, t }, AT_FDCWD, name, flags);
  if (typeof p === "number") return p;
  // inotify_find_inode: watching needs read permission on the object.
  const err = inodePermission(t.cred, p.dentry.inode, MAY_READ);
  if (err !== 0) return err;
  return groupOf(f).updateWatch(p.dentry.inode, mask);
}

function sysInotifyRmWatch(_k: Kernel, t: Task, fd: number, wd: number): number {
  const f = inotifyFd(t, fd);
  if (typeof f === "number") return f;
  return groupOf(f).rmWatch(wd);
}

export const INOTIFY_SYSCALLS: SyscallEntry[] = [
  { nr: 26, name: "inotify_init1", args: ["x"], level: "full", cr: INOTIFY_CR, fn: sysInotifyInit1 },
  {
    nr: 27, name: "inotify_add_watch", args: ["d", "s", "x"],
    level: "partial", cr: INOTIFY_CR,
    note: "events from open/close/read/write, create/unlink/rmdir/link/rename (cookies), attribute changes and the inode's end; no IN_UNMOUNT (mounts are fixed); fdinfo has no f_handle",
    fn: sysInotifyAddWatch,
  },
  { nr: 28, name: "inotify_rm_watch", args: ["d", "d"], level: "full", cr: INOTIFY_CR, fn: sysInotifyRmWatch },
];
