// Moving data: read, write, readv, writev, pread64, pwrite64, preadv, pwritev, _llseek,
// ftruncate64, truncate64, fallocate, fsync, fdatasync, sync. On riscv32 a 64-bit offset or length comes
// in two registers, low word first, with no alignment padding (pread64's pos is a3/a4).
import { truncateInode, truncatePath } from "../../fs/attr-ops.ts";
import { AT_FDCWD, isDir, MAX_LFS_FILESIZE, MAX_RW_COUNT, SEEK_HOLE } from "../../fs/constants.ts";
import { EBADF, EFAULT, EFBIG, EINVAL, EISDIR, ENODEV, EOPNOTSUPP, ESPIPE } from "../../fs/errno.ts";
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, tmpfsFallocate } from "../../fs/tmpfs/fallocate.ts";
import { TmpfsFile } from "../../fs/tmpfs/tmpfs.ts";
import type { File, Pos } from "../../fs/file.ts";
import { isRegInode, removePrivs } from "../../fs/inode.ts";
import { UserIter, type IoSeg } from "../../fs/iov.ts";
import { LOOKUP_FOLLOW, lookupAt } from "../../fs/namei.ts";
import { PipeInode } from "../../fs/pipe.ts";
import { vfsRead, vfsWrite } from "../../fs/read-write.ts";
import { getname, importIovec, loffFromHalves } from "../../fs/uaccess.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import { fdget } from "./sys-fs.ts";
import type { SyscallEntry } from "./types.ts";

/** One user buffer as an iovec list, its length clamped to MAX_RW_COUNT. */
function userBuf(buf: number, count: number): IoSeg[] | number {
  const n = Math.min(count >>> 0, MAX_RW_COUNT);
  if ((buf >>> 0) + n > 2 ** 32) return -EFAULT;
  return [{ base: buf >>> 0, len: n }];
}

type Dir = "read" | "write";

/** The common path of every read and write variant (fd lookup, iovec import, position rules). */
function transfer(k: Kernel, t: Task, dir: Dir, fd: number, segs: IoSeg[] | number, pos: number | null): number {
  if (pos !== null && pos < 0) return -EINVAL;
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  if (pos !== null && !f.ops.positional) return -ESPIPE;
  if (typeof segs === "number") return segs;
  const p: Pos | undefined = pos === null ? undefined : { value: pos };
  const it = new UserIter(t.mm, segs);
  return dir === "read" ? vfsRead({ k, t }, f, it, p) : vfsWrite({ k, t }, f, it, p);
}

const rw = (dir: Dir) => (k: Kernel, t: Task, fd: number, buf: number, count: number): number =>
  transfer(k, t, dir, fd, userBuf(buf, count), null);

const rwv = (dir: Dir) => (k: Kernel, t: Task, fd: number, iov: number, cnt: number): number =>
  transfer(k, t, dir, fd, fdget(t, fd) === undefined ? [] : importIovec(t.mm, iov, cnt), null);

const prw = (dir: Dir) => (k: Kernel, t: Task, fd: number, buf: number, count: number, lo: number, hi: number): number =>
  transfer(k, t, dir, fd, userBuf(buf, count), loffFromHalves(lo, hi));

const prwv = (dir: Dir) => (k: Kernel, t: Task, fd: number, iov: number, cnt: number, lo: number, hi: number): number => {
  const pos = loffFromHalves(lo, hi);
  if (pos < 0) return -EINVAL;
  return transfer(k, t, dir, fd, fdget(t, fd) === undefined ? [] : importIovec(t.mm, iov, cnt), pos);
};

/** _llseek(fd, offset_high, offset_low, result, whence): the new position goes to *result. */
function sysLlseek(k: Kernel, t: Task, fd: number, hi: number, lo: number, result: number, whence: number): number {
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  if (whence >>> 0 > SEEK_HOLE) return -EINVAL;
  if (f.ops.llseek === undefined) return -ESPIPE;
  const off = f.ops.llseek({ k, t }, f, loffFromHalves(lo, hi), whence);
  if (off < 0) return off;
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(off), true);
  return t.mm.copyOut(result, b) ? 0 : -EFAULT;
}

function sysFtruncate(k: Kernel, t: Task, fd: number, lo: number, hi: number): number {
  const length = loffFromHalves(lo, hi);
  if (length < 0) return -EINVAL;
  const f: File | undefined = fdget(t, fd);
  if (f === undefined) return -EBADF;
  if (!isRegInode(f.inode) || !f.writable) return -EINVAL;
  return truncateInode({ k, t }, f.inode, length, f.path.dentry);
}

function sysTruncate(k: Kernel, t: Task, pathp: number, lo: number, hi: number): number {
  const length = loffFromHalves(lo, hi);
  if (length < 0) return -EINVAL;
  const name = getname(t.mm, pathp);
  if (typeof name === "number") return name;
  const p = lookupAt({ k, t }, AT_FDCWD, name, LOOKUP_FOLLOW);
  return typeof p === "number" ? p : truncatePath({ k, t }, p, length);
}

/** fsync / fdatasync: tmpfs has nothing to write back; other files have no fsync (EINVAL). */
function sysFsync(_k: Kernel, t: Task, fd: number): number {
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  return f.ops.fsync === true ? 0 : -EINVAL;
}

/**
 * fallocate(fd, mode, offset, len) (vfs_fallocate's checks, then shmem_fallocate): only tmpfs
 * files have it; modes other than 0, KEEP_SIZE and PUNCH_HOLE|KEEP_SIZE are EOPNOTSUPP.
 */
function sysFallocate(k: Kernel, t: Task, fd: number, mode: number, olo: number, ohi: number, llo: number, lhi: number): number {
  const offset = loffFromHalves(olo, ohi);
  const len = loffFromHalves(llo, lhi);
  if (offset < 0 || len <= 0) return -EINVAL;
  if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_OTHERS)) !== 0) return -EOPNOTSUPP;
  // A hole is punched only inside the file: PUNCH_HOLE must come with KEEP_SIZE.
  if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0 && (mode & FALLOC_FL_KEEP_SIZE) === 0) return -EOPNOTSUPP;
  const f = fdget(t, fd);
  if (f === undefined || !f.writable) return -EBADF;
  const inode = f.inode;
  if (inode instanceof PipeInode) return -ESPIPE;
  if (isDir(inode.mode)) return -EISDIR;
  if (!isRegInode(inode)) return -ENODEV;
  if (offset + len > MAX_LFS_FILESIZE) return -EFBIG;
  if (!(inode instanceof TmpfsFile)) return -EOPNOTSUPP;
  const r = tmpfsFallocate(inode, mode, offset, len);
  if (r === 0 && (mode & FALLOC_FL_PUNCH_HOLE) === 0) removePrivs({ k, t }, inode);
  return r;
}

/** FALLOC_FL_NO_HIDE_STALE, COLLAPSE_RANGE, ZERO_RANGE, INSERT_RANGE, UNSHARE_RANGE, WRITE_ZEROES: known to Linux, not to tmpfs. */
const FALLOC_FL_OTHERS = 0x04 | 0x08 | 0x10 | 0x20 | 0x40 | 0x80;

const POSIX_FADV_NOREUSE = 5;

/** fadvise64_64(fd, offset, len, advice): only a hint; checked, then ignored (tmpfs is memory). */
function sysFadvise(_k: Kernel, t: Task, fd: number, _olo: number, _ohi: number, llo: number, lhi: number, advice: number): number {
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  if (f.inode instanceof PipeInode) return -ESPIPE;
  if (loffFromHalves(llo, lhi) < 0 || advice >>> 0 > POSIX_FADV_NOREUSE) return -EINVAL;
  return 0;
}

export const RW_SYSCALLS: SyscallEntry[] = [
  { nr: 45, name: "truncate64", args: ["s", "u", "d"], level: "full", cr: "inodes (size, pages)", fn: sysTruncate },
  { nr: 46, name: "ftruncate64", args: ["d", "u", "d"], level: "full", cr: "inodes (size, pages)", fn: sysFtruncate },
  { nr: 62, name: "_llseek", args: ["d", "d", "u", "p", "d"], level: "full", cr: "files (pos)", fn: sysLlseek },
  { nr: 63, name: "read", args: ["d", "b", "u"], level: "full", cr: "files (pos), pipes (buffer)", fn: rw("read") },
  { nr: 64, name: "write", args: ["d", "b", "u"], level: "full", cr: "files (pos), inodes (pages), pipes (buffer)", fn: rw("write") },
  { nr: 65, name: "readv", args: ["d", "p", "d"], level: "full", cr: "files (pos), pipes (buffer)", fn: rwv("read") },
  { nr: 66, name: "writev", args: ["d", "p", "d"], level: "full", cr: "files (pos), inodes (pages), pipes (buffer)", fn: rwv("write") },
  { nr: 67, name: "pread64", args: ["d", "b", "u", "u", "d"], level: "full", cr: "-", fn: prw("read") },
  { nr: 68, name: "pwrite64", args: ["d", "b", "u", "u", "d"], level: "full", cr: "inodes (pages)", fn: prw("write") },
  { nr: 69, name: "preadv", args: ["d", "p", "d", "u", "d"], level: "full", cr: "-", fn: prwv("read") },
  { nr: 70, name: "pwritev", args: ["d", "p", "d", "u", "d"], level: "full", cr: "inodes (pages)", fn: prwv("write") },
  { nr: 81, name: "sync", args: [], level: "full", cr: "-", fn: () => 0 },
  {
    nr: 47, name: "fallocate", args: ["d", "x", "u", "d", "u", "d"],
    level: "partial", note: "tmpfs's modes only: 0, KEEP_SIZE and PUNCH_HOLE|KEEP_SIZE (ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE give EOPNOTSUPP, as on tmpfs)",
    cr: "inodes (size, pages)", fn: sysFallocate,
  },
  { nr: 223, name: "fadvise64_64", args: ["d", "u", "d", "u", "d", "d"], level: "full", cr: "-", fn: sysFadvise },
  { nr: 82, name: "fsync", args: ["d"], level: "full", cr: "-", fn: sysFsync },
  { nr: 83, name: "fdatasync", args: ["d"], level: "full", cr: "-", fn: sysFsync },
];
