// read, write, writev on the console descriptors. The VFS issue replaces the fd lookup with a
// real fd table; until then fd 0 is the console's input and fds 1 and 2 its outputs.
import { EBADF, EFAULT, EINVAL } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

const UIO_MAXIOV = 1024;
/** Linux caps a single read/write at MAX_RW_COUNT (INT_MAX rounded down to a page). */
const MAX_RW_COUNT = 0x7ffff000;

function sysRead(k: Kernel, t: Task, fd: number, buf: number, count: number): number {
  if (fd !== 0) return -EBADF;
  const n = Math.min(count >>> 0, MAX_RW_COUNT);
  if (n === 0) return 0;
  const data = k.console.read(Math.min(n, 65536));
  if (data.length === 0) return 0;
  if (!t.mm.copyOut(buf, data)) return -EFAULT;
  return data.length;
}

function consoleWrite(k: Kernel, fd: number, data: Uint8Array): number {
  if (fd !== 1 && fd !== 2) return -EBADF;
  k.console.write(fd, data);
  return data.length;
}

function sysWrite(k: Kernel, t: Task, fd: number, buf: number, count: number): number {
  if (fd !== 1 && fd !== 2) return -EBADF;
  const n = Math.min(count >>> 0, MAX_RW_COUNT);
  const data = t.mm.copyIn(buf, n);
  if (data === null) return -EFAULT;
  return consoleWrite(k, fd, data);
}

function sysWritev(k: Kernel, t: Task, fd: number, iov: number, iovcnt: number): number {
  if (fd !== 1 && fd !== 2) return -EBADF;
  if (iovcnt < 0 || iovcnt > UIO_MAXIOV) return -EINVAL;
  const vec = t.mm.copyIn(iov, iovcnt * 8);
  if (vec === null) return -EFAULT;
  const dv = new DataView(vec.buffer, vec.byteOffset, vec.byteLength);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < iovcnt; i++) {
    const base = dv.getUint32(i * 8, true);
    const len = dv.getUint32(i * 8 + 4, true);
    // The sum of lengths must fit in ssize_t, as Linux checks before doing anything.
    if (len > 0x7fffffff || total + len > 0x7fffffff) return -EINVAL;
    total += len;
    const data = t.mm.copyIn(base, len);
    if (data === null) {
      // Linux writes the segments it could copy and returns the count, or EFAULT if none.
      if (parts.length === 0) return -EFAULT;
      break;
    }
    parts.push(data);
  }
  return consoleWrite(k, fd, Buffer.concat(parts));
}

export const IO_SYSCALLS: SyscallEntry[] = [
  { nr: 63, name: "read", args: ["d", "b", "u"], fn: sysRead },
  { nr: 64, name: "write", args: ["d", "b", "u"], fn: sysWrite },
  { nr: 66, name: "writev", args: ["d", "p", "d"], fn: sysWritev },
];
