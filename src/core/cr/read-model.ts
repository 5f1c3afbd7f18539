// Reading an image into a CheckpointModel, for every creator: a codec that streams is fed the
// image as it arrives — from a pipe while the checkpoint is still writing into it (the kthread
// sleeps while the pipe is empty), or from a file a chunk at a time — so no whole-image buffer is
// ever held; a codec that seeks gets the whole file (and a pipe was refused before this).
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { kernelRead, vfsRead } from "../../machine/fs/read-write.ts";
import { SpliceIter } from "../../machine/fs/iov.ts";
import type { FsCtx } from "../../machine/fs/inode.ts";
import type { PipeInode } from "../../machine/fs/pipe.ts";
import { EAGAIN } from "../../machine/kernel/errno.ts";
import { CrError, EBADMSG } from "./errors.ts";
import { pagedImageFile, readImageFile, type ImageFd } from "./image-io.ts";
import { injectFault } from "./faults.ts";
import { ImageError, type CrContext, type ImageDecoder } from "./interfaces.ts";
import { asPerTask, type PerTaskParts } from "./per-task.ts";
import type { CheckpointModel } from "./model.ts";
import type { CrOpRecord } from "./trace.ts";

/** Bytes asked of the fd per read: the decoder keeps page data as views into each chunk. */
const CHUNK = 1 << 20;

function badImage(cr: CrContext, e: unknown): never {
  if (e instanceof ImageError) throw new CrError(EBADMSG, `bad ${cr.codec.name} image: ${e.message}`);
  throw e;
}

/**
 * Read and decode the image on `img` from kthread `self`; records the image size in `rec`.
 * Throws CrError (EBADMSG for a malformed image, the read's errno for an I/O error).
 */
export function* readModel(cr: CrContext, self: Task, img: ImageFd, rec: CrOpRecord): Generator<KthreadYield, CheckpointModel, void> {
  const codec = cr.codec;
  injectFault(cr.faults, "read");
  if (codec.decoder === undefined && codec.decodeLent !== undefined) {
    // The file's pages, decoded in place (no buffer: one image less in memory, none of it
    // fresh). The yield comes first, where the read's would be after it: the file is not to
    // change under the decode, so the two go without one between them. Errors and the decode
    // fault land after that yield, as with a buffer of its own.
    yield;
    const bytes = pagedImageFile(img);
    rec.imageBytes = bytes.length;
    injectFault(cr.faults, "decode");
    try {
      return codec.decodeLent(bytes);
    } catch (e) {
      return badImage(cr, e);
    }
  }
  if (codec.decoder === undefined) {
    const bytes = readImageFile(img);
    rec.imageBytes = bytes.length;
    yield;
    injectFault(cr.faults, "decode");
    try {
      return codec.decode(bytes);
    } catch (e) {
      return badImage(cr, e);
    }
  }
  const dec = codec.decoder();
  const c = { k: cr.k, t: self };
  if (img.kind === "file") return yield* readFileChunks(cr, c, img, dec, rec);
  for (;;) {
    const got = kernelRead(c, img.file, CHUNK);
    if (got === -EAGAIN && img.kind === "pipe") {
      // Empty, with a writer still there: wait for the checkpoint to write more.
      yield { sleep: (img.file.inode as PipeInode).pipe.rdWait };
      continue;
    }
    if (typeof got === "number") throw new CrError(-got, `reading the image failed with errno ${-got}`);
    if (got.length === 0) break;
    pushChunk(cr, dec, rec, got, false);
    yield;
  }
  return endDecode(cr, dec);
}

/** One chunk to the decoder (`borrowed`: it copies what it keeps); damage it finds is a bad image. */
function pushChunk(cr: CrContext, dec: ImageDecoder, rec: CrOpRecord, chunk: Uint8Array, borrowed: boolean): void {
  rec.imageBytes += chunk.length;
  try {
    dec.push(chunk, borrowed);
  } catch (e) {
    badImage(cr, e);
  }
}

/** The image's end. A streaming decoder has parsed as the bytes came: the fault lands where it makes the model. */
function endDecode(cr: CrContext, dec: ImageDecoder): CheckpointModel {
  injectFault(cr.faults, "decode");
  try {
    return dec.end();
  } catch (e) {
    return badImage(cr, e);
  }
}

/** More pieces than this in one read (the file's pages do not adjoin): gathered, not pushed one by one. */
const MAX_PIECES = 8;

/**
 * One CHUNK of host memory the scattered pieces of a read are gathered in, lent to the decoder
 * for the push (which copies what it keeps) and reused by the next read: a read and its push run
 * without a yield between them, so two restarts never share it at once.
 */
let scratch: Uint8Array | null = null;

/**
 * A regular image file: the same reads as kernelRead's, CHUNK bytes each with a yield between
 * them, each taking the file's pages as they are (SpliceIter: views, no copy) and pushing them to
 * the decoder as borrowed, which copies what it keeps: the page data go from the image file's
 * pages to the restored frames' memory in one copy. The file's pages mostly lie side by side
 * (runs.ts), so a push is a run of them: the checksum of a long run costs far less than of 256
 * short ones (zlib.crc32 pays about a microsecond per call); a read whose pages are scattered is
 * gathered into one buffer and pushed once, as before. Read and pushes go without a yield
 * between them, so the views never outlive what they show.
 */
function* readFileChunks(cr: CrContext, c: FsCtx, img: ImageFd, dec: ImageDecoder, rec: CrOpRecord): Generator<KthreadYield, CheckpointModel, void> {
  for (;;) {
    const it = new SpliceIter(CHUNK);
    const got = vfsRead({ ...c, nonblock: true }, img.file, it);
    if (got < 0) throw new CrError(-got, `reading the image failed with errno ${-got}`);
    if (got === 0) break;
    if (it.pieces.length <= MAX_PIECES) for (const piece of it.pieces) pushChunk(cr, dec, rec, piece, true);
    else {
      // Scattered pages: one push of their bytes gathered (a push and a checksum call per 4 KiB
      // piece cost more than the copy).
      const buf = (scratch ??= new Uint8Array(CHUNK));
      let n = 0;
      for (const piece of it.pieces) {
        buf.set(piece, n);
        n += piece.length;
      }
      pushChunk(cr, dec, rec, buf.subarray(0, n), true);
    }
    yield;
  }
  return endDecode(cr, dec);
}

/**
 * For a codec in the per-task layout: read the image and decode its skeleton only; each task's
 * part is read by whoever restores that task. Null for any other codec (use readModel).
 */
export function* readPerTask(cr: CrContext, img: ImageFd, rec: CrOpRecord): Generator<KthreadYield, PerTaskParts | null, void> {
  const codec = asPerTask(cr.codec);
  if (codec === null) return null;
  injectFault(cr.faults, "read");
  const bytes = readImageFile(img);
  rec.imageBytes = bytes.length;
  yield;
  injectFault(cr.faults, "decode");
  try {
    return codec.split(bytes);
  } catch (e) {
    return badImage(cr, e);
  }
}
