// Calls on names and on the fs context: mknodat, mkdirat, unlinkat, symlinkat, linkat, renameat2,
// readlinkat, faccessat(2), fchmod(at), fchown(at), getcwd, chdir, fchdir, chroot, umask.
// (riscv32 has no renameat, only renameat2; fchmodat has no flags argument before Linux 6.6.)
import { accessCred, chmodInode, chownInode, UTIME_NOW, UTIME_OMIT, utimesInode, type TimeSpec } from "../../fs/attr-ops.ts";
import { AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, CAP_SYS_CHROOT, MAY_EXEC } from "../../fs/constants.ts";
import { dPath } from "../../fs/dpath.ts";
import { EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, EPERM, ERANGE } from "../../fs/errno.ts";
import { isDirInode, type FsCtx, type Path } from "../../fs/inode.ts";
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW, lookupAt, startPath } from "../../fs/namei.ts";
import { inodePermission } from "../../fs/perm.ts";
import { getname } from "../../fs/uaccess.ts";
import { linkAt, mkdirAt, mknodAt, readlinkAt, renameAt, rmdirAt, symlinkAt, unlinkAt } from "../../fs/vfs-ops.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import { fdget, fdgetRaw } from "./sys-fs.ts";
import type { SyscallEntry } from "./types.ts";

const ctx = (k: Kernel, t: Task): FsCtx => ({ k, t });

/** Resolve a user path argument, honouring AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW in flags. */
function pathArg(k: Kernel, t: Task, dirfd: number, pathp: number, flags: number): Path | number {
  const empty = (flags & AT_EMPTY_PATH) !== 0;
  const name = getname(t.mm, pathp, empty);
  if (typeof name === "number") return name;
  if (name === "") return startPath(ctx(k, t), dirfd, "");
  return lookupAt(ctx(k, t), dirfd, name, (flags & AT_SYMLINK_NOFOLLOW) !== 0 ? 0 : LOOKUP_FOLLOW);
}

function withName(t: Task, pathp: number, f: (name: string) => number): number {
  const name = getname(t.mm, pathp);
  return typeof name === "number" ? name : f(name);
}

function sysMkdirat(k: Kernel, t: Task, dirfd: number, pathp: number, mode: number): number {
  return withName(t, pathp, (n) => mkdirAt(ctx(k, t), dirfd, n, mode));
}

function sysMknodat(k: Kernel, t: Task, dirfd: number, pathp: number, mode: number, dev: number): number {
  return withName(t, pathp, (n) => mknodAt(ctx(k, t), dirfd, n, mode, dev));
}

function sysUnlinkat(k: Kernel, t: Task, dirfd: number, pathp: number, flags: number): number {
  if ((flags & ~AT_REMOVEDIR) !== 0) return -EINVAL;
  return withName(t, pathp, (n) => ((flags & AT_REMOVEDIR) !== 0 ? rmdirAt(ctx(k, t), dirfd, n) : unlinkAt(ctx(k, t), dirfd, n)));
}

function sysSymlinkat(k: Kernel, t: Task, targetp: number, dirfd: number, pathp: number): number {
  const target = getname(t.mm, targetp, true);
  if (typeof target === "number") return target;
  return withName(t, pathp, (n) => symlinkAt(ctx(k, t), target, dirfd, n));
}

function sysLinkat(k: Kernel, t: Task, olddfd: number, oldp: number, newdfd: number, newp: number, flags: number): number {
  const oldName = getname(t.mm, oldp, (flags & AT_EMPTY_PATH) !== 0);
  if (typeof oldName === "number") return oldName;
  return withName(t, newp, (n) => linkAt(ctx(k, t), olddfd, oldName, newdfd, n, flags));
}

function sysRenameat2(k: Kernel, t: Task, olddfd: number, oldp: number, newdfd: number, newp: number, flags: number): number {
  const oldName = getname(t.mm, oldp);
  if (typeof oldName === "number") return oldName;
  return withName(t, newp, (n) => renameAt(ctx(k, t), olddfd, oldName, newdfd, n, flags >>> 0));
}

function sysReadlinkat(k: Kernel, t: Task, dirfd: number, pathp: number, buf: number, size: number): number {
  if (size <= 0) return -EINVAL;
  const name = getname(t.mm, pathp, true);
  if (typeof name === "number") return name;
  const target = readlinkAt(ctx(k, t), dirfd, name);
  if (typeof target === "number") return target;
  const bytes = Buffer.from(target, "latin1").subarray(0, size);
  return t.mm.copyOut(buf, bytes) ? bytes.length : -EFAULT;
}

function faccess(k: Kernel, t: Task, dirfd: number, pathp: number, mode: number, flags: number): number {
  if ((mode & ~7) !== 0) return -EINVAL;
  if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const p = pathArg(k, t, dirfd, pathp, flags);
  if (typeof p === "number") return p;
  if (mode === 0) return 0;
  return inodePermission(accessCred(ctx(k, t), (flags & AT_EACCESS) !== 0), p.dentry.inode, mode);
}

function sysFchmodat(k: Kernel, t: Task, dirfd: number, pathp: number, mode: number): number {
  const p = pathArg(k, t, dirfd, pathp, 0);
  return typeof p === "number" ? p : chmodInode(ctx(k, t), p.dentry.inode, mode, p.dentry);
}

function sysFchmod(k: Kernel, t: Task, fd: number, mode: number): number {
  const f = fdget(t, fd);
  return f === undefined ? -EBADF : chmodInode(ctx(k, t), f.inode, mode, f.path.dentry);
}

function sysFchownat(k: Kernel, t: Task, dirfd: number, pathp: number, uid: number, gid: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const p = pathArg(k, t, dirfd, pathp, flags);
  return typeof p === "number" ? p : chownInode(ctx(k, t), p.dentry.inode, uid, gid, p.dentry);
}

function sysFchown(k: Kernel, t: Task, fd: number, uid: number, gid: number): number {
  const f = fdget(t, fd);
  return f === undefined ? -EBADF : chownInode(ctx(k, t), f.inode, uid, gid, f.path.dentry);
}

/** utimensat_time64(dirfd, path, times[2], flags): path NULL works on dirfd itself (futimens). */
function sysUtimensat(k: Kernel, t: Task, dirfd: number, pathp: number, timesp: number, flags: number): number {
  let times: [TimeSpec, TimeSpec] | null = null;
  if (timesp !== 0) {
    const raw = t.mm.copyIn(timesp, 32);
    if (raw === null) return -EFAULT;
    const dv = new DataView(raw.buffer);
    const ts = [0, 16].map((off) => ({ sec: dv.getBigInt64(off, true), nsec: Number(dv.getBigInt64(off + 8, true)) }));
    for (const x of ts) {
      if (x.nsec !== UTIME_NOW && x.nsec !== UTIME_OMIT && (x.nsec < 0 || x.nsec >= 1e9)) return -EINVAL;
    }
    const spec = (x: { sec: bigint; nsec: number }): TimeSpec =>
      x.nsec === UTIME_NOW ? UTIME_NOW : x.nsec === UTIME_OMIT ? UTIME_OMIT : x.sec * 1_000_000_000n + BigInt(x.nsec);
    times = [spec(ts[0]), spec(ts[1])];
  }
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  if (pathp === 0 && dirfd !== AT_FDCWD) {
    if (flags !== 0) return -EINVAL;
    const f = fdget(t, dirfd);
    return f === undefined ? -EBADF : utimesInode(ctx(k, t), f.inode, times, f.path.dentry);
  }
  const p = pathArg(k, t, dirfd, pathp, flags);
  return typeof p === "number" ? p : utimesInode(ctx(k, t), p.dentry.inode, times, p.dentry);
}

function sysGetcwd(_k: Kernel, t: Task, buf: number, size: number): number {
  const fs = t.fs;
  if (fs === null) return -ENOENT;
  if (fs.pwd.dentry.deleted) return -ENOENT;
  const d = dPath(fs.pwd, fs.root);
  const name = (d.reachable ? "" : "(unreachable)") + d.name;
  const bytes = Buffer.from(name + "\0", "latin1");
  if (bytes.length > size >>> 0) return -ERANGE;
  return t.mm.copyOut(buf, bytes) ? bytes.length : -EFAULT;
}

/** A directory the caller may search: what chdir, fchdir and chroot need. */
function searchableDir(t: Task, p: Path): number {
  if (!isDirInode(p.dentry.inode)) return -ENOTDIR;
  return inodePermission(t.cred, p.dentry.inode, MAY_EXEC);
}

function sysChdir(k: Kernel, t: Task, pathp: number): number {
  const fs = t.fs;
  const p = withPath(k, t, pathp);
  if (typeof p === "number") return p;
  const err = searchableDir(t, p);
  if (err !== 0 || fs === null) return err;
  fs.pwd = p;
  return 0;
}

function withPath(k: Kernel, t: Task, pathp: number): Path | number {
  const name = getname(t.mm, pathp);
  if (typeof name === "number") return name;
  return lookupAt(ctx(k, t), AT_FDCWD, name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY);
}

function sysFchdir(_k: Kernel, t: Task, fd: number): number {
  const f = fdgetRaw(t, fd);
  const fs = t.fs;
  if (f === undefined || fs === null) return -EBADF;
  const err = searchableDir(t, f.path);
  if (err === 0) fs.pwd = f.path;
  return err;
}

function sysChroot(k: Kernel, t: Task, pathp: number): number {
  const fs = t.fs;
  const p = withPath(k, t, pathp);
  if (typeof p === "number") return p;
  const err = searchableDir(t, p);
  if (err !== 0) return err;
  if (!t.cred.capable(CAP_SYS_CHROOT)) return -EPERM;
  if (fs !== null) fs.root = p;
  return 0;
}

function sysUmask(_k: Kernel, t: Task, mask: number): number {
  const fs = t.fs;
  if (fs === null) return 0o022;
  const old = fs.umask;
  fs.umask = mask & 0o777;
  return old;
}

export const NAMEI_SYSCALLS: SyscallEntry[] = [
  { nr: 17, name: "getcwd", args: ["p", "u"], level: "full", cr: "-", fn: sysGetcwd },
  {
    nr: 33, name: "mknodat", args: ["d", "s", "x", "x"],
    level: "partial", cr: "inodes, tree (FIFOs, named or unlinked, with their pipes; a socket's name, mknod'd or bound, is an inode of kind sock; a character device node of the tree, named or unlinked, is an inode of kind chr made anew by number, only for 1:3, 1:5, 1:7 and 5:1; other device numbers and block device nodes are refused)",
    note: "device nodes open only the machine's drivers (null, zero, full, console); block devices and socket names open as ENXIO",
    fn: sysMknodat,
  },
  { nr: 34, name: "mkdirat", args: ["d", "s", "x"], level: "full", cr: "inodes, tree", fn: sysMkdirat },
  { nr: 35, name: "unlinkat", args: ["d", "s", "x"], level: "full", cr: "inodes, tree", fn: sysUnlinkat },
  { nr: 36, name: "symlinkat", args: ["s", "d", "s"], level: "full", cr: "inodes, tree", fn: sysSymlinkat },
  { nr: 37, name: "linkat", args: ["d", "s", "d", "s", "x"], level: "full", cr: "inodes, tree", fn: sysLinkat },
  { nr: 48, name: "faccessat", args: ["d", "s", "x"], level: "full", cr: "-", fn: (k, t, d, p, m) => faccess(k, t, d, p, m, 0) },
  { nr: 49, name: "chdir", args: ["s"], level: "full", cr: "fsContexts (cwd)", fn: sysChdir },
  { nr: 50, name: "fchdir", args: ["d"], level: "full", cr: "fsContexts (cwd)", fn: sysFchdir },
  { nr: 51, name: "chroot", args: ["s"], level: "full", cr: "fsContexts (root)", fn: sysChroot },
  { nr: 52, name: "fchmod", args: ["d", "x"], level: "full", cr: "inodes (mode)", fn: sysFchmod },
  { nr: 53, name: "fchmodat", args: ["d", "s", "x"], level: "full", cr: "inodes (mode)", fn: sysFchmodat },
  { nr: 54, name: "fchownat", args: ["d", "s", "d", "d", "x"], level: "full", cr: "inodes (uid, gid)", fn: sysFchownat },
  { nr: 55, name: "fchown", args: ["d", "d", "d"], level: "full", cr: "inodes (uid, gid)", fn: sysFchown },
  { nr: 78, name: "readlinkat", args: ["d", "s", "p", "d"], level: "full", cr: "-", fn: sysReadlinkat },
  { nr: 166, name: "umask", args: ["x"], level: "full", cr: "fsContexts (umask)", fn: sysUmask },
  {
    nr: 276, name: "renameat2", args: ["d", "s", "d", "s", "x"],
    level: "partial", cr: "tree",
    note: "RENAME_WHITEOUT gives EINVAL (Linux's tmpfs has it)",
    fn: sysRenameat2,
  },
  { nr: 412, name: "utimensat_time64", args: ["d", "s", "p", "x"], level: "full", cr: "inodes (times)", fn: sysUtimensat },
  { nr: 439, name: "faccessat2", args: ["d", "s", "x", "x"], level: "full", cr: "-", fn: faccess },
];
