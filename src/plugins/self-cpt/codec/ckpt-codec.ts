// The `ckpt` ImageCodec: Oren Laadan's linux-cr checkpoint stream (layout.ts): {type, len}
// records in one pass, shared objects written at first use and named by objref afterwards, a
// CRC-32 trailer, and (ours) a CKPT_HDR_CSUM after every run of records, so a streamed restart
// uses no record before the bytes it came in have been checked. Nothing refers forward and nothing needs a seek, so it streams: encode hands out
// chunks as it goes (page data as the model's own views), and decoder() reads chunks of any size
// as they arrive, holding only the record in progress.
import { injectable } from "tsyringe";
import type { ImageCodec, ImageDecoder, ImageRecord, LateImage } from "../../../core/cr/index.ts";
import type { CheckpointModel } from "../../../core/cr/index.ts";
import { CkptDecoder } from "./decoder.ts";
import { encodeModel } from "./encode.ts";
import { RecordWriter } from "./writer.ts";
import { CKPT_VERSION } from "./layout.ts";
import { ckptRecords, ckptSniff } from "./records.ts";

@injectable()
export class CkptCodec implements ImageCodec {
  readonly name = "ckpt";
  /** One pass, no offsets to seek to: it can be written to and read from a pipe. */
  readonly streams = true;
  readonly formatVersion = CKPT_VERSION;

  /**
   * `runChecksums: false` writes the stream as before the extension (no CKPT_F_RUN_CSUM): for
   * tests of the checks behind the checksums, which still guard such images.
   */
  constructor(private readonly opts: { runChecksums?: boolean } = {}) {}

  sniff(head: Uint8Array): boolean {
    return ckptSniff(head);
  }

  records(image: Uint8Array): ImageRecord[] {
    return ckptRecords(image);
  }

  *encode(model: CheckpointModel): Generator<Uint8Array> {
    for (const batch of encodeModel(model, this.opts.runChecksums ?? true)) yield* batch;
  }

  /**
   * For an image file: the chunks with every CKPT_HDR_CSUM's and the trailer's crc32 left zero,
   * and their places (crcMarks): the file's writer sums the pages as they go in, on the CRC
   * worker beside the writing, and patches them. The same bytes as encode once patched.
   */
  encodeLate(model: CheckpointModel): LateImage {
    const runChecksums = this.opts.runChecksums ?? true;
    const w = new RecordWriter(runChecksums, true);
    const write = (sink: (batch: readonly Uint8Array[]) => void): void => {
      w.sink = sink;
      for (const batch of encodeModel(model, runChecksums, w)) sink(batch);
    };
    return { write, patches: () => [], crcMarks: w.marks };
  }

  decoder(): ImageDecoder {
    return new CkptDecoder();
  }

  /** One decoder fed the whole image: page data comes back as views into `image`. */
  decode(image: Uint8Array): CheckpointModel {
    const d = new CkptDecoder();
    d.push(image);
    return d.end();
  }
}
