// File descriptors: openat, close, close_range, dup, dup3, fcntl64, ioctl, pipe2. (sys-rw.ts has
// the data transfers, sys-namei.ts the calls on names, sys-stat.ts statx and getdents64.)
import { FASYNC, O_CLOEXEC, O_LARGEFILE, O_NONBLOCK, O_RDONLY, O_WRONLY, SETFL_MASK } from "../../fs/constants.ts";
import { EBADF, EFAULT, EINVAL, EMFILE, ENOTTY } from "../../fs/errno.ts";
import type { File } from "../../fs/file.ts";
import type { FsCtx } from "../../fs/inode.ts";
import { isRegInode } from "../../fs/inode.ts";
import { openAt, openPath } from "../../fs/open.ts";
import { PipeInode, pipeSetSize } from "../../fs/pipe.ts";
import { CAP_SYS_RESOURCE } from "../cred.ts";
import { unshareFiles } from "../../fs/task-files.ts";
import { getname } from "../../fs/uaccess.ts";
import { PAGE_SIZE } from "../../mm/frame.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import { fcntlOwner, OWNER_CMDS, setFasync } from "./fcntl-owner.ts";
import { fcntlLease, fcntlLock, LEASE_CMDS, LOCK_CMDS } from "./sys-locks.ts";
import { F_ADD_SEALS, F_GET_SEALS, memfdFcntl } from "../../fs/memfd.ts";
import type { SyscallEntry } from "./types.ts";

const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_DUPFD_CLOEXEC = 1030;
const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
const FD_CLOEXEC = 1;
const CLOSE_RANGE_UNSHARE = 2;
const CLOSE_RANGE_CLOEXEC = 4;

const FIONREAD = 0x541b;
const FIONBIO = 0x5421;
const FIONCLEX = 0x5450;
const FIOCLEX = 0x5451;
const FIOASYNC = 0x5452;

/** fdget_raw: any open file, O_PATH ones included (close, dup, fcntl, fchdir, *at dirfds). */
export function fdgetRaw(t: Task, fd: number): File | undefined {
  return t.files?.get(fd);
}

/** fdget: an open file usable for I/O and attributes; O_PATH files count as not open. */
export function fdget(t: Task, fd: number): File | undefined {
  const f = fdgetRaw(t, fd);
  return f === undefined || f.isPath ? undefined : f;
}

function sysOpenat(k: Kernel, t: Task, dirfd: number, pathp: number, flags: number, mode: number): number {
  const name = getname(t.mm, pathp);
  if (typeof name === "number") return name;
  const files = t.files;
  if (files === null) return -EBADF;
  const fd = files.allocFd();
  if (fd < 0) return fd;
  const f = openAt({ k, t }, dirfd, name, flags, mode & 0o7777, `openat by pid ${t.id}`);
  if (typeof f === "number") return f;
  files.install(fd, f, (flags & O_CLOEXEC) !== 0);
  return fd;
}

function sysClose(_k: Kernel, t: Task, fd: number): number {
  return t.files?.close(fd) ?? -EBADF;
}

function sysCloseRange(k: Kernel, t: Task, first: number, last: number, flags: number): number {
  if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) !== 0) return -EINVAL;
  const lo = first >>> 0;
  const hi = last >>> 0;
  if (lo > hi) return -EINVAL;
  if ((flags & CLOSE_RANGE_UNSHARE) !== 0) unshareFiles(k, t, `close_range(CLOSE_RANGE_UNSHARE) by pid ${t.id}`);
  const files = t.files;
  if (files === null) return 0;
  for (const fd of files.fds()) {
    if (fd < lo || fd > hi) continue;
    if ((flags & CLOSE_RANGE_CLOEXEC) !== 0) files.setCloexec(fd, true);
    else files.close(fd);
  }
  return 0;
}

function sysDup(k: Kernel, t: Task, oldfd: number): number {
  const files = t.files;
  const f = files?.get(oldfd);
  if (files === null || f === undefined) return -EBADF;
  const fd = files.allocFd();
  if (fd < 0) return fd;
  k.kobj.get(f, "dup");
  files.install(fd, f, false);
  return fd;
}

function sysDup3(k: Kernel, t: Task, oldfd: number, newfd: number, flags: number): number {
  if ((flags & ~O_CLOEXEC) !== 0) return -EINVAL;
  if (oldfd === newfd) return -EINVAL;
  const files = t.files;
  if (files === null || newfd >>> 0 >= files.limit) return -EBADF;
  const f = files.get(oldfd);
  if (f === undefined) return -EBADF;
  k.kobj.get(f, "dup3");
  const old = files.install(newfd, f, (flags & O_CLOEXEC) !== 0);
  if (old !== undefined) files.putClosed(old, "dup3 replaced");
  return newfd;
}

/** F_GETFL: the access mode and status flags (O_LARGEFILE is not reported, as under qemu-riscv32). */
const getfl = (f: File): number => f.flags & ~O_LARGEFILE;

function sysFcntl(k: Kernel, t: Task, fd: number, cmd: number, arg: number): number {
  const files = t.files;
  const f = files?.get(fd);
  if (files === null || f === undefined) return -EBADF;
  // An O_PATH file allows only the fd-table commands and F_GETFL (check_fcntl_cmd).
  if (f.isPath && ![F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL].includes(cmd)) return -EBADF;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      if (arg >>> 0 >= files.limit) return -EINVAL;
      const nfd = files.allocFd(arg >>> 0);
      if (nfd < 0) return -EMFILE;
      k.kobj.get(f, "F_DUPFD");
      files.install(nfd, f, cmd === F_DUPFD_CLOEXEC);
      return nfd;
    }
    case F_GETFD:
      return files.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case F_GETFL:
      return getfl(f);
    case F_SETFL: {
      const err = setFasync(f, fd, (arg & FASYNC) !== 0, false);
      if (err < 0) return err;
      f.flags = (arg & SETFL_MASK) | (f.flags & ~SETFL_MASK);
      return 0;
    }
    case F_GETPIPE_SZ:
      return f.inode instanceof PipeInode ? f.inode.pipe.maxUsage * PAGE_SIZE : -EBADF;
    case F_SETPIPE_SZ:
      return f.inode instanceof PipeInode ? pipeSetSize(f.inode.pipe, arg, t.cred.capable(CAP_SYS_RESOURCE)) : -EBADF;
    case F_ADD_SEALS:
    case F_GET_SEALS:
      return memfdFcntl(f, cmd, arg);
    default:
      if (OWNER_CMDS.includes(cmd)) return fcntlOwner(k, t, f, cmd, arg);
      if (LEASE_CMDS.includes(cmd)) return fcntlLease(k, t, f, fd, cmd, arg);
      return LOCK_CMDS.includes(cmd) ? fcntlLock(k, t, f, cmd, arg) : -EINVAL;
  }
}

function sysIoctl(k: Kernel, t: Task, fd: number, cmd: number, arg: number): number {
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  const files = t.files!;
  switch (cmd >>> 0) {
    case FIOCLEX:
      files.setCloexec(fd, true);
      return 0;
    case FIONCLEX:
      files.setCloexec(fd, false);
      return 0;
    case FIONBIO: {
      const on = t.mm.readU32(arg);
      if (on === null) return -EFAULT;
      f.flags = on !== 0 ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIOASYNC: {
      const on = t.mm.readU32(arg);
      if (on === null) return -EFAULT;
      return setFasync(f, fd, on !== 0, true);
    }
    case FIONREAD:
      // i_size - f_pos as an int, negative past the end, as do_vfs_ioctl reports it.
      if (isRegInode(f.inode)) return t.mm.writeU32(arg, (f.inode.size - f.pos) | 0) ? 0 : -EFAULT;
      break;
  }
  return f.ops.ioctl?.({ k, t }, f, cmd >>> 0, arg) ?? -ENOTTY;
}

function sysPipe2(k: Kernel, t: Task, fdsp: number, flags: number): number {
  // O_DIRECT (packet mode) and O_NOTIFICATION_PIPE are not implemented: refused like unknown flags.
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  const files = t.files;
  if (files === null) return -EMFILE;
  const c: FsCtx = { k, t };
  const path = k.vfs.newPipe(c);
  const why = `pipe2 by pid ${t.id}`;
  const nb = flags & O_NONBLOCK;
  const r = openPath(c, path, O_RDONLY | nb, why) as File;
  const w = openPath(c, path, O_WRONLY | nb, why) as File;
  const fd0 = files.allocFd();
  const fd1 = fd0 < 0 ? fd0 : files.allocFd(fd0 + 1);
  const fds = new Uint8Array(8);
  new DataView(fds.buffer).setInt32(0, fd0, true);
  new DataView(fds.buffer).setInt32(4, fd1, true);
  const err = fd1 < 0 ? fd1 : t.mm.copyOut(fdsp, fds) ? 0 : -EFAULT;
  if (err < 0) {
    k.kobj.put(r, "pipe2 failed");
    k.kobj.put(w, "pipe2 failed");
    return err;
  }
  const cloexec = (flags & O_CLOEXEC) !== 0;
  files.install(fd0, r, cloexec);
  files.install(fd1, w, cloexec);
  return 0;
}

export const FS_SYSCALLS: SyscallEntry[] = [
  { nr: 23, name: "dup", args: ["d"], level: "full", cr: "fdTables", fn: sysDup },
  { nr: 24, name: "dup3", args: ["d", "d", "x"], level: "full", cr: "fdTables", fn: sysDup3 },
  {
    nr: 25, name: "fcntl64", args: ["d", "d", "x"],
    level: "partial", cr: "fdTables (close-on-exec), files (status flags, owner and F_SETSIG signal, O_ASYNC registration, locks, lease; a lease being broken is refused), pipes (F_SETPIPE_SZ ring size)",
    note: "F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD, F_GETFL/F_SETFL (O_ASYNC signals for pipes only), F_GETPIPE_SZ/F_SETPIPE_SZ, record locks (F_GETLK/F_SETLK/F_SETLKW and their 64-bit forms), OFD locks, F_SETOWN/F_GETOWN(_EX), F_SETSIG/F_GETSIG, F_SETLEASE/F_GETLEASE and memfd seals (F_ADD_SEALS/F_GET_SEALS) only: F_GETOWNER_UIDS and F_NOTIFY give EINVAL",
    fn: sysFcntl,
  },
  {
    nr: 29, name: "ioctl", args: ["d", "x", "x"],
    level: "partial", cr: "fdTables (FIOCLEX), files (FIONBIO)",
    note: "FIOCLEX, FIONCLEX, FIONBIO, FIONREAD; on ptys the termios, window-size, flush, flow, job-control and pty ioctls (fs/tty/tty-ioctl.ts; no TIOCPKT, TIOCSTI, TIOCSIG, TIOCEXCL or TIOCVHANGUP: ENOTTY); the console is not a tty (ENOTTY), as a redirected stdout under qemu",
    fn: sysIoctl,
  },
  {
    nr: 56, name: "openat", args: ["d", "s", "x", "x"],
    level: "partial", cr: "files, fdTables; inodes, tree (O_CREAT)",
    note: "O_TMPFILE on tmpfs only (EOPNOTSUPP elsewhere, as on procfs)",
    fn: sysOpenat,
  },
  { nr: 57, name: "close", args: ["d"], level: "full", cr: "-", fn: sysClose },
  {
    nr: 59, name: "pipe2", args: ["p", "x"],
    level: "partial", cr: "pipes, files, fdTables",
    note: "O_DIRECT (packet mode) and O_NOTIFICATION_PIPE give EINVAL",
    fn: sysPipe2,
  },
  { nr: 436, name: "close_range", args: ["u", "u", "x"], level: "full", cr: "fdTables", fn: sysCloseRange },
];
