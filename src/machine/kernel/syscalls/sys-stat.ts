// statx (riscv32 has no fstat64 / fstatat64: its C libraries stat through statx), getdents64,
// statfs64 and fstatfs64.
import { AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW, NAME_MAX } from "../../fs/constants.ts";
import { EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR } from "../../fs/errno.ts";
import { isDirInode, type Path } from "../../fs/inode.ts";
import { LOOKUP_FOLLOW, lookupAt, startPath } from "../../fs/namei.ts";
import { readdirFrom } from "../../fs/readdir.ts";
import { encodeStatx, STATX__RESERVED } from "../../fs/stat.ts";
import { getname } from "../../fs/uaccess.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import { fdget } from "./sys-fs.ts";
import type { SyscallEntry } from "./types.ts";

function sysStatx(k: Kernel, t: Task, dirfd: number, pathp: number, flags: number, mask: number, buf: number): number {
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  if ((mask & STATX__RESERVED) !== 0) return -EINVAL;
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) !== 0) return -EINVAL;
  const name = getname(t.mm, pathp, (flags & AT_EMPTY_PATH) !== 0);
  if (typeof name === "number") return name;
  const c = { k, t };
  const p: Path | number = name === ""
    ? startPath(c, dirfd, "")
    : lookupAt(c, dirfd, name, (flags & AT_SYMLINK_NOFOLLOW) !== 0 ? 0 : LOOKUP_FOLLOW);
  if (typeof p === "number") return p;
  return t.mm.copyOut(buf, encodeStatx(p, mask >>> 0)) ? 0 : -EFAULT;
}

/** struct linux_dirent64: ino, off, reclen, type, name, NUL, padded to 8 bytes. */
const reclen = (nameLen: number): number => (19 + nameLen + 1 + 7) & ~7;

function sysGetdents64(k: Kernel, t: Task, fd: number, dirp: number, count: number): number {
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  if (!isDirInode(f.inode)) return -ENOTDIR;
  // A removed directory (IS_DEADDIR in iterate_dir) lists nothing, not even "." and "..":
  // musl's readdir takes the ENOENT for the end of the listing.
  if (f.path.dentry.deleted) return -ENOENT;
  const size = count >>> 0;
  const c = { k, t };
  const entries = readdirFrom(c, f, Math.floor(size / reclen(1)) + 1);
  const out = new Uint8Array(Math.min(size, entries.length * reclen(NAME_MAX)));
  const dv = new DataView(out.buffer);
  let used = 0;
  let pos = f.pos;
  for (const e of entries) {
    const name = Buffer.from(e.name, "latin1");
    const len = reclen(name.length);
    if (used + len > size) break;
    dv.setBigUint64(used, BigInt(e.ino), true);
    dv.setBigInt64(used + 8, BigInt(e.nextPos), true);
    dv.setUint16(used + 16, len, true);
    dv.setUint8(used + 18, e.type);
    out.set(name, used + 19);
    used += len;
    pos = e.nextPos;
  }
  if (used === 0 && entries.length > 0) return -EINVAL;
  if (!t.mm.copyOut(dirp, out.subarray(0, used))) return -EFAULT;
  f.pos = pos;
  return used;
}

/** sizeof(struct statfs64) on riscv32: 84 bytes of fields, padded to 88 for the u64 members. */
const STATFS64_SIZE = 88;
const ST_VALID = 0x20;
const ST_NOSUID = 0x2;
const ST_NODEV = 0x4;
const ST_NOEXEC = 0x8;
const ST_RELATIME = 0x1000;

function encodeStatfs(k: Kernel, p: Path): Uint8Array {
  const b = new Uint8Array(STATFS64_SIZE);
  const dv = new DataView(b.buffer);
  const sb = p.dentry.inode.sb;
  const tmpfs = sb.type === "tmpfs";
  // tmpfs may use half the machine's memory by default (size=50%), like Linux's.
  const blocks = tmpfs ? Math.floor(k.frames.limit / 2) : 0;
  const free = tmpfs ? Math.max(0, blocks - k.frames.inUse) : 0;
  dv.setUint32(0, sb.magic, true);
  dv.setUint32(4, 4096, true);
  dv.setBigUint64(8, BigInt(blocks), true);
  dv.setBigUint64(16, BigInt(free), true);
  dv.setBigUint64(24, BigInt(free), true);
  dv.setBigUint64(32, BigInt(tmpfs ? blocks : 0), true);
  dv.setBigUint64(40, BigInt(tmpfs ? Math.max(0, blocks - sb.nextIno) : 0), true);
  dv.setUint32(56, NAME_MAX, true);
  dv.setUint32(60, 4096, true);
  dv.setUint32(64, ST_VALID | ST_RELATIME | (tmpfs ? 0 : ST_NOSUID | ST_NODEV | ST_NOEXEC), true);
  return b;
}

function sysStatfs64(k: Kernel, t: Task, pathp: number, sz: number, buf: number): number {
  const name = getname(t.mm, pathp);
  if (typeof name === "number") return name;
  if (sz !== STATFS64_SIZE) return -EINVAL;
  const p = lookupAt({ k, t }, AT_FDCWD, name, LOOKUP_FOLLOW);
  if (typeof p === "number") return p;
  return t.mm.copyOut(buf, encodeStatfs(k, p)) ? 0 : -EFAULT;
}

function sysFstatfs64(k: Kernel, t: Task, fd: number, sz: number, buf: number): number {
  if (sz !== STATFS64_SIZE) return -EINVAL;
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  return t.mm.copyOut(buf, encodeStatfs(k, f.path)) ? 0 : -EFAULT;
}

export const STAT_SYSCALLS: SyscallEntry[] = [
  { nr: 43, name: "statfs64", args: ["s", "u", "p"], level: "full", cr: "-", fn: sysStatfs64 },
  { nr: 44, name: "fstatfs64", args: ["d", "u", "p"], level: "full", cr: "-", fn: sysFstatfs64 },
  { nr: 61, name: "getdents64", args: ["d", "p", "u"], level: "full", cr: "files (pos)", fn: sysGetdents64 },
  { nr: 291, name: "statx", args: ["d", "s", "x", "x", "p"], level: "full", cr: "-", fn: sysStatx },
];
