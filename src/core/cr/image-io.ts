// Moving image bytes between a kthread and the fd the caller passed: checks on the fd (a clear
// errno for a bad one), writing chunks with the kthread sleeping while a pipe is full, and
// reading a whole image back. A failed write truncates a regular file back to where the image
// began, so no half-written image is left looking complete.
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import type { Task } from "../../machine/kernel/task.ts";
import type { File } from "../../machine/fs/file.ts";
import { fdget } from "../../machine/fs/task-files.ts";
import { kernelWrite, kernelWriteIter } from "../../machine/fs/read-write.ts";
import { KvecIter } from "../../machine/fs/iov.ts";
import { PAGE_SIZE } from "../../machine/mm/frame.ts";
import { PipeInode } from "../../machine/fs/pipe.ts";
import { TmpfsFile } from "../../machine/fs/tmpfs/tmpfs.ts";
import { isDir } from "../../machine/fs/constants.ts";
import { CrError, EAGAIN, EBADF, EINVAL, EIO, EISDIR, EPIPE, ESPIPE } from "./errors.ts";
import type { CrContext, ImageCodec, LateImage } from "./interfaces.ts";
import { PagedImage } from "./paged-image.ts";
import { crcStream } from "./crc-worker.ts";

export interface ImageFd {
  file: File;
  kind: "file" | "pipe";
  /** Where the image starts in a regular file (its offset when the call began). */
  start: number;
}

/** The image fd of a C/R call, checked: -errno with a reason when it cannot carry an image. */
export function imageFd(caller: Task, fd: number, write: boolean): ImageFd | CrError {
  const file = fdget(caller, fd);
  if (file === undefined) return new CrError(EBADF, `fd ${fd} is not open`);
  if (write ? !file.writable : !file.readable) return new CrError(EBADF, `fd ${fd} is not open for ${write ? "writing" : "reading"}`);
  const inode = file.inode;
  if (isDir(inode.mode)) return new CrError(EISDIR, `fd ${fd} is a directory`);
  if (inode instanceof PipeInode) {
    if (write && !inode.pipe.hasReaders) return new CrError(EPIPE, `fd ${fd} is a pipe with no reader`);
    return { file, kind: "pipe", start: 0 };
  }
  if (inode instanceof TmpfsFile) return { file, kind: "file", start: file.pos };
  return new CrError(EINVAL, `fd ${fd} is neither a regular file nor a pipe (it is on ${inode.sb.type})`);
}

/**
 * The checkpoint holds its own reference on the image file for its whole duration (get at the
 * start, put at the end), so a caller — or another thread of it — closing the fd meanwhile cannot
 * free the file under the dump. With the deliberate bug "double-fput" the end puts it twice (once
 * in checkpoint(), once more in context_release(), as the reviewed patch did): a refcount underflow.
 */
export function pinImage(k: Kernel, img: ImageFd): void {
  k.kobj.get(img.file, "checkpoint: get the image file");
}

export function unpinImage(cr: CrContext, img: ImageFd): void {
  cr.k.kobj.put(img.file, "checkpoint: fput the image file");
  if (cr.bugs?.has("double-fput") === true) cr.k.kobj.put(img.file, "checkpoint: context_release fput of the image file");
}

/**
 * The image fd of a restart: as imageFd, and a pipe only if the codec streams (every creator
 * refuses the same way, before anything is made).
 */
export function restartImageFd(caller: Task, fd: number, codec: ImageCodec): ImageFd | CrError {
  const img = imageFd(caller, fd, false);
  if (img instanceof CrError || img.kind !== "pipe" || codec.streams) return img;
  return new CrError(ESPIPE, `the ${codec.name} image format needs seeking: restart from a regular file, not a pipe`);
}

/** Bytes gathered before each write: one VFS call per MiB rather than one per 4 KiB page. */
const STAGING = 1 << 20;

/**
 * Write the chunks to the image fd from kthread `self`; returns bytes written or -errno. The
 * chunks must stay as they are until the write returns (ImageCodec.encode's are: views of the
 * stopped guest's frames and of scratch that is only appended to).
 */
export function* writeImage(k: Kernel, self: Task, img: ImageFd, chunks: Iterable<Uint8Array>): Generator<KthreadYield, number, void> {
  if (img.kind === "file") return writeImageFile(k, self, img, chunks);
  let total = 0;
  const c = { k, t: self };
  const staging = new Uint8Array(STAGING);
  let fill = 0;
  // Write out staging[0, fill), sleeping while the pipe is full. Returns 0 or -errno.
  const flush = function* (): Generator<KthreadYield, number, void> {
    let off = 0;
    while (off < fill) {
      const n = kernelWrite(c, img.file, staging.subarray(off, fill));
      if (n === -EAGAIN) {
        const pipe = (img.file.inode as PipeInode).pipe;
        if (!pipe.hasReaders) return -EPIPE;
        yield { sleep: pipe.wrWait };
        continue;
      }
      if (n < 0) return n;
      off += n;
      total += n;
    }
    fill = 0;
    return 0;
  };
  for (const chunk of chunks) {
    for (let off = 0; off < chunk.length;) {
      const n = Math.min(chunk.length - off, STAGING - fill);
      // A whole chunk (a page, mostly) is copied as it is, without making a view of it.
      staging.set(n === chunk.length ? chunk : chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === STAGING) {
        const err = yield* flush();
        if (err < 0) return err;
      }
    }
  }
  const err = yield* flush();
  return err < 0 ? err : total;
}

/**
 * A regular file: the chunks go in groups of about STAGING bytes, each one vfs_write of a kvec
 * (KvecIter), so every byte is copied once, from the frame or scratch it lies in straight into
 * the file's page (no staging buffer: one copy of the image less). A write to a file never
 * sleeps, so neither does this.
 */
function writeImageFile(k: Kernel, self: Task, img: ImageFd, chunks: Iterable<Uint8Array>): number {
  const f = new FileWriter(k, self, img);
  try {
    for (const chunk of chunks) f.add(chunk);
    return f.finish();
  } catch (e) {
    if (e instanceof WriteFailed) return e.err;
    throw e;
  }
}

/** The write into a regular file failed (the file is cut back already): -errno in `err`. */
class WriteFailed extends Error {
  constructor(readonly err: number) {
    super(`the image write failed with errno ${-err}`);
  }
}

/** Chunks gathered and written into a regular image file a STAGING group at a time. */
class FileWriter {
  private total = 0;
  private vecs: Uint8Array[] = [];
  private gathered = 0;
  /** Told of each range of image bytes [from, to) once it is in the file's pages. */
  written: ((from: number, to: number) => void) | null = null;

  constructor(private readonly k: Kernel, private readonly self: Task, private readonly img: ImageFd) {}

  /** Throws WriteFailed if a write failed. */
  add(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.vecs.push(chunk);
    this.gathered += chunk.length;
    if (this.gathered >= STAGING) this.flush();
  }

  /** Writes what is gathered: the image's bytes written in all. Throws WriteFailed as add does. */
  finish(): number {
    this.flush();
    return this.total;
  }

  private flush(): void {
    const it = new KvecIter(this.vecs);
    const from = this.total;
    const c = { k: this.k, t: this.self };
    while (it.remaining > 0) {
      const n = kernelWriteIter(c, this.img.file, it);
      if (n < 0) throw new WriteFailed(failWrite(this.img, n));
      this.total += n;
    }
    this.vecs = [];
    this.gathered = 0;
    if (this.total > from) this.written?.(from, this.total);
  }
}

/**
 * A late image (ImageCodec.encodeLate) into a regular file: its chunks as writeImageFile writes
 * them, then each patch put over its place in the file's pages. A patch is part of the same
 * write (the kthread does not yield between): no second write, so no second modify event or
 * timestamp. With crcMarks, each group of chunks written is summed from the file's own pages
 * (shared memory, read by the CRC worker while the next group is written) and the checksums go
 * in as patches. Returns bytes written (the chunks') or -errno, the file cut back as for any
 * failed write.
 */
export function writeLateImage(k: Kernel, self: Task, img: ImageFd, late: LateImage): number {
  const cache = (img.file.inode as TmpfsFile).cache;
  const marks = late.crcMarks;
  const stream = marks === undefined ? null : crcStream();
  const f = new FileWriter(k, self, img);
  let sent = 0;
  if (stream !== null) {
    f.written = (from, to) => {
      stream.push(filePages(cache, img.start + from, img.start + to), marks!.slice(sent));
      sent = marks!.length;
    };
  }
  let n: number;
  try {
    late.write((batch) => {
      for (const chunk of batch) f.add(chunk);
    });
    n = f.finish();
  } catch (e) {
    // A failed write's sum is not waited for: nobody needs it, and the worker only reads.
    if (e instanceof WriteFailed) return e.err;
    throw e;
  }
  const patches = late.patches();
  if (stream !== null) {
    if (sent !== marks!.length) stream.push([], marks!.slice(sent));
    stream.values().forEach((v, i) => {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, v, true);
      patches.push({ at: marks![2 * i + 1]!, bytes });
    });
  }
  for (const p of patches) {
    if (p.at < 0 || p.at + p.bytes.length > n) return failWrite(img, -EINVAL);
    for (let i = 0; i < p.bytes.length;) {
      const pos = img.start + p.at + i;
      const off = pos % PAGE_SIZE;
      const m = Math.min(PAGE_SIZE - off, p.bytes.length - i);
      // Every byte of [start, start + n) was just written, so its page is there.
      const page = cache.find(Math.floor(pos / PAGE_SIZE));
      if (page === undefined) return failWrite(img, -EIO);
      page.data.set(p.bytes.subarray(i, i + m), off);
      i += m;
    }
  }
  return n;
}

/** The bytes [from, to) of a file's cache as views of its pages, adjoining ones joined (runs.ts). */
function filePages(cache: TmpfsFile["cache"], from: number, to: number): Uint8Array[] {
  const segs: Uint8Array[] = [];
  let runBuf: ArrayBufferLike | null = null;
  let runStart = 0;
  let runEnd = 0;
  for (let pos = from; pos < to;) {
    const off = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, to - pos);
    // Every byte of the range was just written, so its page is there.
    const page = cache.find(Math.floor(pos / PAGE_SIZE))!;
    // Only the first page can start part way in (off > 0); every later one adjoins or not.
    if (runBuf !== null && page.adjoins(runBuf, runEnd)) {
      runEnd += n;
    } else {
      if (runBuf !== null) segs.push(new Uint8Array(runBuf, runStart, runEnd - runStart));
      runBuf = page.buf;
      runStart = page.off + off;
      runEnd = runStart + n;
    }
    pos += n;
  }
  if (runBuf !== null) segs.push(new Uint8Array(runBuf, runStart, runEnd - runStart));
  return segs;
}

function failWrite(img: ImageFd, err: number): number {
  if (img.kind === "file") {
    const inode = img.file.inode as TmpfsFile;
    if (inode.size > img.start) inode.truncate(img.start);
    img.file.pos = img.start;
  }
  return err;
}

/** Truncate a regular image file back to where the image began (the dump failed later). */
export function discardImage(img: ImageFd): void {
  failWrite(img, 0);
}

/**
 * The rest of a regular image file from its offset (the offset moves to the end), as the file's
 * own pages (no copy): for ImageCodec.decodeLent, which keeps no view into them, in a decode
 * that runs without a yield (the file cannot change under it).
 */
export function pagedImageFile(img: ImageFd): PagedImage {
  const inode = img.file.inode as TmpfsFile;
  const from = Math.min(img.file.pos, inode.size);
  img.file.pos = inode.size;
  return PagedImage.ofFile((pg) => inode.cache.find(pg), from, inode.size - from);
}

/** The rest of a regular image file from its offset (the offset moves to the end). */
export function readImageFile(img: ImageFd): Uint8Array {
  const inode = img.file.inode as TmpfsFile;
  const all = inode.readBytes();
  const bytes = all.subarray(Math.min(img.file.pos, all.length));
  img.file.pos = all.length;
  return bytes;
}
