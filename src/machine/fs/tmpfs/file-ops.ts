// read, write and lseek on tmpfs regular files, through the page cache (Linux's
// shmem_file_read_iter and generic_perform_write). A fault part way transfers the bytes before
// it; running out of frames part way writes what fit, then ENOSPC.
import { PAGE_SIZE } from "../../mm/frame.ts";
import { MAX_LFS_FILESIZE, O_APPEND, SEEK_DATA, SEEK_HOLE } from "../constants.ts";
import { seekHoleData } from "./fallocate.ts";
import { EFAULT, EFBIG, ENOSPC, EPERM } from "../errno.ts";
import { genericLlseek, type File, type FileOperations, type Pos } from "../file.ts";
import { removePrivs, timeNow, type FsCtx } from "../inode.ts";
import type { IoIter } from "../iov.ts";
import type { TmpfsFile } from "./tmpfs.ts";

const ZEROS = new Uint8Array(PAGE_SIZE);

function read(c: FsCtx, f: File, to: IoIter, pos: Pos): number {
  const inode = f.inode as TmpfsFile;
  let done = 0;
  while (to.remaining > 0 && pos.value < inode.size) {
    const off = pos.value % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, inode.size - pos.value, to.remaining);
    const page = inode.cache.find(Math.floor(pos.value / PAGE_SIZE));
    const src = page !== undefined ? page.data : ZEROS;
    const copied = to.copyOut(n === PAGE_SIZE ? src : src.subarray(off, off + n));
    pos.value += copied;
    done += copied;
    if (copied < n) return done > 0 ? done : -EFAULT;
  }
  // relatime: atime moves only when it is older than the last change.
  if (inode.atimeNs <= inode.mtimeNs || inode.atimeNs <= inode.ctimeNs) inode.atimeNs = timeNow(c.k);
  return done;
}

function write(c: FsCtx, f: File, from: IoIter, pos: Pos): number {
  const inode = f.inode as TmpfsFile;
  if ((f.flags & O_APPEND) !== 0) pos.value = inode.size;
  if (from.remaining === 0) return 0;
  if (pos.value >= MAX_LFS_FILESIZE) return -EFBIG;
  const limit = Math.min(from.remaining, MAX_LFS_FILESIZE - pos.value);
  let done = 0;
  let err = 0;
  while (done < limit) {
    const off = pos.value % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, limit - done);
    if (!inode.mayWrite(pos.value, n)) {
      err = -EPERM;
      break;
    }
    // A whole page written where there was none: its old bytes need no zeroing first.
    const pgoff = Math.floor(pos.value / PAGE_SIZE);
    const had = inode.cache.find(pgoff);
    const whole = n === PAGE_SIZE && had === undefined;
    const page = had ?? inode.cache.create(pgoff, whole);
    if (page === null) {
      err = -ENOSPC;
      break;
    }
    // Straight from the writer's bytes into the page (a kernel writer's: no copy between).
    const copied = from.copyInto(page.data, off, n);
    // A short copy (a fault in the source) leaves the rest of a page taken unzeroed: zero it now.
    if (whole && copied < n) page.data.fill(0, copied);
    if (copied > 0) inode.markWritten(pgoff);
    pos.value += copied;
    done += copied;
    inode.growTo(pos.value);
    if (copied < n) {
      err = -EFAULT;
      break;
    }
  }
  if (done > 0) {
    inode.mtimeNs = inode.ctimeNs = timeNow(c.k);
    removePrivs(c, inode);
  }
  return done > 0 ? done : err;
}

export const regFileOps: FileOperations = {
  positional: true,
  fsync: true,
  read,
  write,
  llseek: (_c, f, offset, whence) => {
    if (whence !== SEEK_DATA && whence !== SEEK_HOLE) return genericLlseek(f, offset, whence, MAX_LFS_FILESIZE, f.inode.size);
    const off = seekHoleData(f.inode as TmpfsFile, offset, whence);
    if (off >= 0) f.pos = off;
    return off;
  },
};
