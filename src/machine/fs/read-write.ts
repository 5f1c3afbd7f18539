// vfs_read / vfs_write: the mode checks every read and write goes through, for syscalls and for
// kernel callers (the checkpoint code writing an image to an fd, reading one back). A call
// without an explicit position uses and advances the file's own (read/write); pread and pwrite
// pass their own.
import { EBADF, EINVAL } from "./errno.ts";
import type { File, Pos } from "./file.ts";
import type { FsCtx } from "./inode.ts";
import { KernelIter, type IoIter } from "./iov.ts";
import { fsnotifyAccess, fsnotifyModify } from "./notify/fsnotify.ts";

export function vfsRead(c: FsCtx, f: File, to: IoIter, pos?: Pos): number {
  if (!f.readable) return -EBADF;
  if (f.ops.read === undefined) return -EINVAL;
  const p = pos ?? { value: f.pos };
  const r = f.ops.read(c, f, to, p);
  if (pos === undefined) f.pos = p.value;
  if (r > 0) fsnotifyAccess(f);
  return r;
}

export function vfsWrite(c: FsCtx, f: File, from: IoIter, pos?: Pos): number {
  if (!f.writable) return -EBADF;
  if (f.ops.write === undefined) return -EINVAL;
  const p = pos ?? { value: f.pos };
  const r = f.ops.write(c, f, from, p);
  if (pos === undefined) f.pos = p.value;
  if (r > 0) fsnotifyModify(f);
  return r;
}

/**
 * Write a kernel buffer to a file as a kernel caller: never sleeps (a full pipe is -EAGAIN, with
 * the bytes that fit written). Returns the bytes written or -errno; EPIPE also raises SIGPIPE
 * on c.t, as a write by that task would.
 */
export function kernelWrite(c: FsCtx, f: File, data: Uint8Array): number {
  return vfsWrite({ ...c, nonblock: true }, f, new KernelIter(data));
}

/** As kernelWrite, from an iterator the caller keeps (its position moves by what was written). */
export function kernelWriteIter(c: FsCtx, f: File, from: IoIter): number {
  return vfsWrite({ ...c, nonblock: true }, f, from);
}

/** Read up to max bytes as a kernel caller (never sleeps: an empty pipe is -EAGAIN). */
export function kernelRead(c: FsCtx, f: File, max: number): Uint8Array | number {
  const it = new KernelIter(new Uint8Array(max));
  const r = vfsRead({ ...c, nonblock: true }, f, it);
  return r < 0 ? r : it.done.slice();
}
