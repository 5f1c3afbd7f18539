// read, write and lseek on tmpfs regular files, through the page cache (Linux's
// shmem_file_read_iter and generic_perform_write). A fault part way transfers the bytes before
// it; running out of frames part way writes what fit, then ENOSPC.
import { PAGE_SIZE } from "../../mm/frame.ts";
import { MAX_LFS_FILESIZE, O_APPEND, SEEK_DATA, SEEK_HOLE } from "../constants.ts";
import { seekHoleData } from "./fallocate.ts";
import { EFAULT, EFBIG, ENOSPC, EPERM } from "../errno.ts";
import { genericLlseek, type File, type FileOperations, type Pos } from "../file.ts";
import { removePrivs, timeNow, type FsCtx } from "../inode.ts";
import { UserIter, type IoIter } from "../iov.ts";
import type { TmpfsFile } from "./tmpfs.ts";

const ZEROS = new Uint8Array(PAGE_SIZE);
/** At most this many pages are read or filled with one copy (a slab's worth, frame-pool.ts). */
const RUN_PAGES = 256;

function read(c: FsCtx, f: File, to: IoIter, pos: Pos): number {
  const inode = f.inode as TmpfsFile;
  let done = 0;
  while (to.remaining > 0 && pos.value < inode.size) {
    const off = pos.value % PAGE_SIZE;
    const pgoff = Math.floor(pos.value / PAGE_SIZE);
    const page = inode.cache.find(pgoff);
    let end = off + Math.min(PAGE_SIZE - off, inode.size - pos.value, to.remaining);
    // The pages after it while they lie next to it in memory go in the same copy (runs.ts).
    if (page !== undefined && end === PAGE_SIZE) {
      const want = off + Math.min(inode.size - pos.value, to.remaining, RUN_PAGES * PAGE_SIZE);
      for (let k = 1; end < want; k++) {
        const next = inode.cache.find(pgoff + k);
        if (next === undefined || !next.adjoins(page.buf, page.off + end)) break;
        end = Math.min(end + PAGE_SIZE, want);
      }
    }
    const n = end - off;
    const src = page === undefined ? (n === PAGE_SIZE ? ZEROS : ZEROS.subarray(off, end))
      : new Uint8Array(page.buf, page.off + off, n);
    const copied = to.copyOut(src);
    pos.value += copied;
    done += copied;
    if (copied < n) return done > 0 ? done : -EFAULT;
  }
  // relatime: atime moves only when it is older than the last change.
  if (inode.atimeNs <= inode.mtimeNs || inode.atimeNs <= inode.ctimeNs) inode.atimeNs = timeNow(c.k);
  return done;
}

/**
 * Whole pages where the file has none, from pos (page-aligned) on, filled together when the
 * frames the pool hands out next lie side by side: allocated, then one copy from the writer into
 * a view over all of them (runs.ts), instead of a lookup, an allocation and a copy per page. The
 * outcome is the per-page loop's: a short copy keeps the page it stopped in (zeroed past what
 * reached it) and drops the pages after it. null when no run of two pages or more can be made (a
 * page there already, memory short or scattered, a seal): the caller goes page by page.
 */
function writeRun(inode: TmpfsFile, from: IoIter, pos: number, max: number): { bytes: number; copied: number } | null {
  const cache = inode.cache;
  const first = pos / PAGE_SIZE;
  let n = cache.frames.adjoiningAhead(Math.min(RUN_PAGES, Math.floor(max / PAGE_SIZE)));
  for (let i = 0; i < n; i++) {
    if (cache.find(first + i) !== undefined) {
      n = i;
      break;
    }
  }
  if (n < 2 || !inode.mayWrite(pos, n * PAGE_SIZE)) return null;
  const head = cache.create(first, true)!;
  for (let i = 1; i < n; i++) {
    const f = cache.create(first + i, true)!;
    // adjoiningAhead promised this; if memory ever came otherwise, the run ends before the page,
    // zeroed, and the per-page loop writes it as a page it found.
    if (!f.adjoins(head.buf, head.off + i * PAGE_SIZE)) {
      f.data.fill(0);
      n = i;
      break;
    }
  }
  const bytes = n * PAGE_SIZE;
  const copied = from.copyInto(new Uint8Array(head.buf, head.off, bytes), 0, bytes);
  if (copied < bytes) {
    // As the per-page loop leaves it (and Linux: shmem_write_begin took the page before the copy
    // faulted): the page the copy stopped in stays, zeroed past the bytes that reached it, even
    // none; the pages after it were never reached and go.
    const stop = Math.floor(copied / PAGE_SIZE);
    cache.find(first + stop)!.data.fill(0, copied % PAGE_SIZE);
    for (let i = stop + 1; i < n; i++) cache.drop(first + i);
  }
  for (let i = 0; i * PAGE_SIZE < copied; i++) inode.markWritten(first + i);
  return { bytes, copied };
}

function write(c: FsCtx, f: File, from: IoIter, pos: Pos): number {
  const inode = f.inode as TmpfsFile;
  if ((f.flags & O_APPEND) !== 0) pos.value = inode.size;
  if (from.remaining === 0) return 0;
  if (pos.value >= MAX_LFS_FILESIZE) return -EFBIG;
  const limit = Math.min(from.remaining, MAX_LFS_FILESIZE - pos.value);
  let done = 0;
  let err = 0;
  // A user buffer may map this very file, so its pages may fault in from the pages being written.
  const user = from instanceof UserIter;
  while (done < limit) {
    const off = pos.value % PAGE_SIZE;
    // A kernel writer's bytes (an image being written): whole pages a run at a time. A user
    // buffer goes page by page.
    if (off === 0 && limit - done >= 2 * PAGE_SIZE && !user) {
      const run = writeRun(inode, from, pos.value, limit - done);
      if (run !== null) {
        pos.value += run.copied;
        done += run.copied;
        inode.growTo(pos.value);
        if (run.copied < run.bytes) {
          err = -EFAULT;
          break;
        }
        continue;
      }
    }
    const n = Math.min(PAGE_SIZE - off, limit - done);
    if (!inode.mayWrite(pos.value, n)) {
      err = -EPERM;
      break;
    }
    // A whole page written where there was none: its old bytes need no zeroing first, unless
    // the bytes come from a user buffer. That one may map this very page of this file (a hole
    // the write fills from itself): its fault then reads the new page, which must read as
    // zeros, as the hole did, and not as whatever the pool's memory held before (Linux faults
    // the source in before it takes the page).
    const pgoff = Math.floor(pos.value / PAGE_SIZE);
    const had = inode.cache.find(pgoff);
    const whole = n === PAGE_SIZE && had === undefined && !user;
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
