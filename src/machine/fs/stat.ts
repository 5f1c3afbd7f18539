// struct statx as riscv32 Linux lays it out (256 bytes, the same on every architecture), filled
// from an inode the way vfs_statx does (Linux 6.1): the basic stats plus the mount id, and the
// birth time when asked for on tmpfs.
import { devMajor, devMinor } from "./constants.ts";
import type { Path } from "./inode.ts";

export const STATX_SIZE = 256;
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;
export const STATX_MNT_ID = 0x1000;
export const STATX__RESERVED = 0x80000000;

const STATX_ATTR_IMMUTABLE = 0x10;
const STATX_ATTR_APPEND = 0x20;
const STATX_ATTR_NODUMP = 0x40;
const STATX_ATTR_AUTOMOUNT = 0x1000;
const STATX_ATTR_MOUNT_ROOT = 0x2000;
const STATX_ATTR_DAX = 0x200000;

/** struct statx_timestamp: seconds (floored, so times before 1970 work) and nanoseconds. */
function putTime(dv: DataView, off: number, ns: bigint): void {
  let sec = ns / 1_000_000_000n;
  if (ns < 0n && sec * 1_000_000_000n !== ns) sec -= 1n;
  dv.setBigInt64(off, sec, true);
  dv.setUint32(off + 8, Number(ns - sec * 1_000_000_000n), true);
}

/** The statx record of p for a request mask. */
export function encodeStatx(p: Path, request: number): Uint8Array {
  const inode = p.dentry.inode;
  const b = new Uint8Array(STATX_SIZE);
  const dv = new DataView(b.buffer);
  const tmpfs = inode.sb.type === "tmpfs";
  let mask = STATX_BASIC_STATS | STATX_MNT_ID;
  if (tmpfs && (request & STATX_BTIME) !== 0) mask |= STATX_BTIME;
  let attrMask = STATX_ATTR_AUTOMOUNT | STATX_ATTR_DAX | STATX_ATTR_MOUNT_ROOT;
  if (tmpfs) attrMask |= STATX_ATTR_APPEND | STATX_ATTR_IMMUTABLE | STATX_ATTR_NODUMP;
  dv.setUint32(0, mask, true);
  dv.setUint32(4, 4096, true);
  dv.setBigUint64(8, BigInt(p.dentry === p.mnt.root ? STATX_ATTR_MOUNT_ROOT : 0), true);
  dv.setUint32(16, inode.nlink, true);
  dv.setUint32(20, inode.uid, true);
  dv.setUint32(24, inode.gid, true);
  dv.setUint16(28, inode.mode, true);
  dv.setBigUint64(32, BigInt(inode.ino), true);
  dv.setBigUint64(40, BigInt(inode.size), true);
  dv.setBigUint64(48, BigInt(inode.blocks), true);
  dv.setBigUint64(56, BigInt(attrMask), true);
  putTime(dv, 64, inode.atimeNs);
  if ((mask & STATX_BTIME) !== 0) putTime(dv, 80, inode.btimeNs);
  putTime(dv, 96, inode.ctimeNs);
  putTime(dv, 112, inode.mtimeNs);
  dv.setUint32(128, devMajor(inode.rdev), true);
  dv.setUint32(132, devMinor(inode.rdev), true);
  dv.setUint32(136, devMajor(inode.sb.dev), true);
  dv.setUint32(140, devMinor(inode.sb.dev), true);
  dv.setBigUint64(144, BigInt(p.mnt.id), true);
  return b;
}
