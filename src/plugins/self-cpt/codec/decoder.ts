// CkptDecoder: reads a ckpt stream pushed in chunks of any size. It holds only the record being
// read: its 8-byte header, then its head (the fields, bounded by the type's maximum length,
// checked before a byte of it is buffered), then its bulk (page data, pipe bytes: a view into the
// pushed chunk when it lies within one, else a copy), then its zero padding. Each whole record
// goes to the ModelBuilder at once, so the model grows as the image arrives and a malformed
// record is reported as soon as it is complete.
import { ImageError, type ImageDecoder } from "../../../core/cr/index.ts";
import type { CheckpointModel, PageRecord } from "../../../core/cr/index.ts";
import { ModelBuilder, Phase, type Handler } from "./build.ts";
import { bulkMemory, crc32, Crc32, crc32Combine, crc32Job } from "../../../core/cr/index.ts";
import {
  align8, CKPT_HDR_CONTAINER, CKPT_HDR_COW_PAGE, CKPT_HDR_CRED, CKPT_HDR_DENTRY, CKPT_HDR_FILE, CKPT_HDR_FILE_TABLE,
  CKPT_HDR_FS, CKPT_HDR_HEADER, CKPT_HDR_INODE, CKPT_HDR_MM, CKPT_HDR_PID, CKPT_HDR_PIDNS_TREE, CKPT_HDR_PIPE_BUF, CKPT_HDR_TTY,
  CKPT_HDR_CSUM, CKPT_HDR_PAGE, CKPT_HDR_SHMEM, CKPT_HDR_UNIX_SK, CKPT_PAGE_SIZE, PAGE_HEAD, CKPT_HDR_SIGHAND, CKPT_HDR_SIGNAL, CKPT_HDR_SIZE, CKPT_HDR_TAIL, CKPT_HDR_TASK, CKPT_HDR_TREE,
  RECORDS, recordName, type RecordSpec,
} from "./layout.ts";
import { readContainer, readCsum, readHeader, readPidNsTree, readTail, readTree } from "./objects-header.ts";
import { readDentry, readFile, readFileTable, readFs, readInode, readPipe } from "./objects-files.ts";
import { readTty } from "./objects-tty.ts";
import { readCowPage, readMm, readShmem } from "./objects-mm.ts";
import { readUnixSock } from "./objects-sockets.ts";
import { readSighand, readSignal } from "./objects-signal.ts";
import { readCred, readPid, readTask } from "./objects-task.ts";
import { ADVICE, FieldReader } from "./reader.ts";

/** A whole CKPT_HDR_PAGE: ckpt_hdr, index and pad, a page (8-aligned: no padding after it). */
const PAGE_RECORD = CKPT_HDR_SIZE + PAGE_HEAD + CKPT_PAGE_SIZE;
const PAGE_NAME = RECORDS.get(CKPT_HDR_PAGE)!.name;

/** A pushed chunk at least this long goes to the CRC worker (a MiB read of an image file's pages). */
const OFFLOAD_CHUNK = 256 << 10;

/**
 * The head or bulk of a record that has none: one shared empty array, not a new one per record
 * (most records have no bulk, and an image of many tasks has several records per task).
 */
const NO_BYTES = new Uint8Array(0);

const TRUNCATED = "the image is incomplete (an interrupted checkpoint or a short copy); restart from a complete image";

/** The prologue, one record each in this order, then the body's records. */
const PROLOGUE: readonly [number, Handler][] = [
  [CKPT_HDR_HEADER, (b, r) => readHeader(b, r)],
  [CKPT_HDR_PIDNS_TREE, (b, r) => readPidNsTree(b, r)],
  [CKPT_HDR_TREE, (b, r) => readTree(b, r)],
  [CKPT_HDR_CONTAINER, (b, r) => readContainer(b, r)],
];
const BODY: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [CKPT_HDR_PID, readPid], [CKPT_HDR_CRED, readCred], [CKPT_HDR_SIGHAND, readSighand], [CKPT_HDR_SIGNAL, readSignal],
  [CKPT_HDR_MM, readMm], [CKPT_HDR_COW_PAGE, readCowPage], [CKPT_HDR_SHMEM, readShmem], [CKPT_HDR_INODE, readInode],
  [CKPT_HDR_PIPE_BUF, readPipe], [CKPT_HDR_FILE, readFile], [CKPT_HDR_FILE_TABLE, readFileTable], [CKPT_HDR_FS, readFs],
  [CKPT_HDR_TASK, readTask], [CKPT_HDR_DENTRY, readDentry], [CKPT_HDR_TTY, readTty], [CKPT_HDR_UNIX_SK, readUnixSock],
]);

type State = "hdr" | "head" | "bulk" | "pad" | "done";

/** A whole record read but not used yet: its run's CKPT_HDR_CSUM has not been checked. */
interface Held {
  type: number;
  at: number;
  name: string;
  head: Uint8Array;
  /** A DataView over all of head.buffer when head lies in a slab (null: the reader makes one). */
  view: DataView | null;
  bulk: Uint8Array;
}

/**
 * Heads copied out of borrowed chunks go into slabs of this size, one after the other: one
 * ArrayBuffer and one DataView for hundreds of records instead of one each (a 10,000-task
 * restart copies some 100,000 heads). A slab is never reused, so a head held for its run's
 * checksum stays intact; a head larger than a quarter of a slab gets its own buffer.
 */
const SLAB_SIZE = 64 * 1024;

export class CkptDecoder implements ImageDecoder {
  private readonly b = new ModelBuilder();
  private readonly crc = new Crc32();
  /** Bytes consumed so far: the image offset of the next byte. */
  private offset = 0;
  private state: State = "hdr";
  private readonly hdr = new Uint8Array(CKPT_HDR_SIZE);
  private readonly hdrView = new DataView(this.hdr.buffer);
  private hdrFill = 0;
  // The record being read.
  private type = 0;
  private at = 0;
  private spec: RecordSpec | undefined;
  private headLen = 0;
  private head: Uint8Array | null = null;
  private headFill = 0;
  /** The DataView of the slab the current head was copied into, or null. */
  private headView: DataView | null = null;
  private slab = new Uint8Array(0);
  private slabView: DataView | null = null;
  private slabUsed = 0;
  private bulkLen = 0;
  private bulk: Uint8Array | null = null;
  private bulkFill = 0;
  private padLeft = 0;
  /** Whether the current record's bytes count in the checksum (all but the trailer's). */
  private summed = true;
  /** Bytes of a split ckpt_hdr, from earlier chunks, not summed until its type is known. */
  private pendingHdr = 0;
  private model: CheckpointModel | null = null;
  /**
   * With run checksums: the records of the current run, in order, until its CKPT_HDR_CSUM. A
   * CKPT_HDR_PAGE read whole, with a zero pad, is held as the page record it makes (page()).
   */
  private held: (Held | PageRecord)[] = [];
  /** Where each held record starts (a page record does not say). */
  private heldAt: number[] = [];
  /** The CRC-32 of every byte before the CKPT_HDR_CSUM being read. */
  private runCrc = 0;
  /** The first error: a decoder that failed stays failed. */
  private failed: ImageError | null = null;

  /** Whether the chunk being consumed is borrowed (push): keep no view into it. */
  private borrowed = false;

  push(chunk: Uint8Array, borrowed = false): void {
    if (this.failed !== null) throw this.failed;
    this.borrowed = borrowed;
    try {
      this.consume(chunk);
    } catch (e) {
      if (e instanceof ImageError) this.failed = e;
      throw e;
    }
  }

  end(): CheckpointModel {
    if (this.failed !== null) throw this.failed;
    if (this.model !== null) return this.model;
    const n = this.offset;
    if (n === 0) this.failed = new ImageError(`not a ckpt image: it is empty (0 bytes): ${TRUNCATED}`, 0);
    else if (this.state === "hdr" && this.hdrFill === 0) {
      this.failed = new ImageError(`the image ends at byte ${n} without its trailer (CKPT_HDR_TAIL): ${TRUNCATED}`, n);
    } else {
      const what = this.state === "hdr" ? `a ckpt_hdr at byte ${this.at} (${this.hdrFill} of ${CKPT_HDR_SIZE} bytes)` : `the ${recordName(this.type)} at byte ${this.at}`;
      this.failed = new ImageError(`the image is truncated at byte ${n}, inside ${what}: ${TRUNCATED}`, n);
    }
    throw this.failed;
  }

  private fail(message: string, at: number): never {
    throw new ImageError(`${message}: ${ADVICE}`, at);
  }

  /**
   * The checksum is taken over whole runs of a chunk (one call per chunk, not per record piece),
   * up to the trailer's header. A header split across chunks is held back until its type is
   * known: `pendingHdr` of its bytes came in earlier chunks and are not summed yet.
   */
  private consume(c: Uint8Array): void {
    let p = 0;
    let from = 0;
    // A big chunk of shared memory (an image file's pages, read as views): its second half is
    // summed by the CRC worker while the chunk is parsed here, and the first half here after
    // that (the worker alone took longer than the parse: a MiB's sum and its wake-up). The two
    // are used if the chunk turns out to be summed whole, in one piece (no run checksum, trailer
    // or split header in it), else it is summed here as always, before push returns: the chunk
    // is only lent until then (the worker only reads it).
    const half = c.length >>> 1;
    const job = this.summed && c.length >= OFFLOAD_CHUNK ? crc32Job([c.subarray(half)], OFFLOAD_CHUNK >>> 1) : null;
    let chunkView: DataView | null = null;
    while (p < c.length) {
      const rest = c.length - p;
      if (this.state === "done") {
        this.fail(`${rest} bytes after the trailer (CKPT_HDR_TAIL at byte ${this.at}), starting at byte ${this.offset}: the trailer must end the image`, this.offset);
      }
      switch (this.state) {
        case "hdr": {
          if (this.hdrFill === 0 && rest >= PAGE_RECORD && this.offset > 0) {
            const dv = (chunkView ??= new DataView(c.buffer, c.byteOffset, c.length));
            if (dv.getUint32(p, true) === CKPT_HDR_PAGE && dv.getUint32(p + 4, true) === PAGE_RECORD) {
              this.at = this.offset;
              this.page(c, p, dv);
              p += PAGE_RECORD; this.offset += PAGE_RECORD;
              break;
            }
          }
          if (this.hdrFill === 0) this.at = this.offset;
          const n = Math.min(CKPT_HDR_SIZE - this.hdrFill, rest);
          for (let i = 0; i < n; i++) this.hdr[this.hdrFill + i] = c[p + i]!;
          this.hdrFill += n;
          p += n; this.offset += n;
          if (this.hdrFill === CKPT_HDR_SIZE) {
            this.startRecord();
            if (this.type === CKPT_HDR_CSUM) {
              // A run ends: the CRC of every byte before this record's header is what it must
              // carry. Then its header is summed (some of it may have come in earlier chunks).
              this.crc.update(c.subarray(from, p - (CKPT_HDR_SIZE - this.pendingHdr)));
              this.runCrc = this.crc.value;
              this.crc.update(this.hdr);
              from = p;
            } else if (!this.summed) {
              // The trailer: sum what precedes its header in this chunk, and nothing after.
              this.crc.update(c.subarray(from, p - (CKPT_HDR_SIZE - this.pendingHdr)));
              from = c.length;
            } else if (this.pendingHdr > 0) this.crc.update(this.hdr.subarray(0, this.pendingHdr));
            this.pendingHdr = 0;
          }
          break;
        }
        case "head": {
          const n = Math.min(this.headLen - this.headFill, rest);
          if (this.head === null && n === this.headLen && !this.borrowed) {
            this.head = c.subarray(p, p + n);        // the whole head is here: no copy
          } else {
            this.head ??= this.slabHead(this.headLen);
            this.head.set(c.subarray(p, p + n), this.headFill);
          }
          this.headFill += n; p += n; this.offset += n;
          if (this.headFill === this.headLen) this.state = this.bulkLen > 0 ? "bulk" : "pad";
          break;
        }
        case "bulk": {
          const n = Math.min(this.bulkLen - this.bulkFill, rest);
          if (this.bulk === null && n === this.bulkLen && !this.borrowed) {
            // A page within one chunk stays a view (the chunk itself when it is just the page).
            this.bulk = n === c.length ? c : c.subarray(p, p + n);
          } else {
            // Borrowed bytes: a page goes into pool memory, which its restored frame adopts.
            this.bulk ??= this.borrowed ? bulkMemory(this.bulkLen) : new Uint8Array(this.bulkLen);
            this.bulk.set(c.subarray(p, p + n), this.bulkFill);
          }
          this.bulkFill += n; p += n; this.offset += n;
          if (this.bulkFill === this.bulkLen) this.state = "pad";
          break;
        }
        case "pad": {
          const n = Math.min(this.padLeft, rest);
          for (let i = 0; i < n; i++) {
            if (c[p + i] !== 0) this.fail(`padding byte ${this.offset + i} after the ${recordName(this.type)} at byte ${this.at} is not zero`, this.offset + i);
          }
          this.padLeft -= n; p += n; this.offset += n;
          break;
        }
      }
      if (this.state === "pad" && this.padLeft === 0) this.finishRecord();
    }
    if (this.summed) {
      let end = c.length;
      if (this.state === "hdr" && this.hdrFill > 0) {
        end -= this.hdrFill - this.pendingHdr;
        this.pendingHdr = this.hdrFill;
      }
      if (job !== null && from === 0 && end === c.length) {
        this.crc.value = crc32Combine(crc32(c.subarray(0, half), this.crc.value), job.result(), end - half);
      }
      else this.crc.update(c.subarray(from, end));
    }
  }

  /** The ckpt_hdr is in: check type and len before any of the payload is buffered. */
  private startRecord(): void {
    const dv = this.hdrView;
    const type = dv.getUint32(0, true);
    const len = dv.getUint32(4, true);
    const at = this.at;
    if (at === 0 && type !== CKPT_HDR_HEADER) {
      this.fail(`not a ckpt image: the first record (byte 0) has type ${type}, expected CKPT_HDR_HEADER (${CKPT_HDR_HEADER})`, 0);
    }
    const spec = RECORDS.get(type);
    if (spec === undefined) this.fail(`unknown record type ${type} (h.type) at byte ${at}`, at);
    const plen = len - CKPT_HDR_SIZE;
    if (plen < spec.min || plen > spec.max) {
      const want = spec.min === spec.max ? `exactly ${spec.min + CKPT_HDR_SIZE}` : `${spec.min + CKPT_HDR_SIZE} to ${spec.max + CKPT_HDR_SIZE}`;
      this.fail(`h.len at byte ${at + 4} is ${len}, but a ${spec.name} is ${want} bytes long`, at + 4);
    }
    this.type = type;
    this.spec = spec;
    this.summed = type !== CKPT_HDR_TAIL;
    this.headLen = spec.bulkFrom ?? plen;
    this.bulkLen = plen - this.headLen;
    this.head = null; this.headFill = 0; this.headView = null;
    this.bulk = null; this.bulkFill = 0;
    this.padLeft = align8(len) - len;
    this.hdrFill = 0;
    this.state = this.headLen > 0 ? "head" : this.bulkLen > 0 ? "bulk" : "pad";
  }

  private finishRecord(): void {
    const head = this.head ?? NO_BYTES;
    const rec: Held = { type: this.type, at: this.at, name: this.spec!.name, head, view: this.headView, bulk: this.bulk ?? NO_BYTES };
    this.state = "hdr";
    this.head = null;
    this.bulk = null;
    const b = this.b;
    if (rec.type === CKPT_HDR_CSUM) {
      if (!b.runCsum) this.fail(`a CKPT_HDR_CSUM at byte ${rec.at}, but the header does not announce run checksums (CKPT_F_RUN_CSUM)`, rec.at);
      readCsum(new FieldReader(head, rec.at + CKPT_HDR_SIZE, rec.name, rec.at), this.runCrc);
      // The run is intact: now, and only now, its records build the model.
      const run = this.held;
      const ats = this.heldAt;
      this.held = [];
      this.heldAt = [];
      for (let i = 0; i < run.length; i++) {
        const h = run[i]!;
        if ("type" in h) this.use(h);
        else this.usePage(h, ats[i]!);
      }
      return;
    }
    if (rec.type === CKPT_HDR_TAIL) {
      if (this.held.length > 0) this.fail(`the records from byte ${this.heldAt[0]} on have no CKPT_HDR_CSUM before the trailer at byte ${rec.at}`, rec.at);
      readTail(new FieldReader(head, rec.at + CKPT_HDR_SIZE, rec.name, rec.at), this.crc.value);
      this.model = b.finish(rec.at);
      this.state = "done";
      return;
    }
    // The header is used at once: its flags say whether there are runs at all (its bytes are
    // still checked, by the first run's CKPT_HDR_CSUM, before anything else is used).
    this.hold(rec, rec.at);
  }

  /** With run checksums, keeps a record until its run's CKPT_HDR_CSUM; else uses it now. */
  private hold(rec: Held | PageRecord, at: number): void {
    if (this.b.runCsum) {
      this.held.push(rec);
      this.heldAt.push(at);
    } else if ("type" in rec) this.use(rec);
    else this.usePage(rec, at);
  }

  /**
   * A whole CKPT_HDR_PAGE at c[p] (its h.len checked: exactly a page record): the fast path of the
   * 65,536 records of a 256 MiB mm, held as the page record it makes (one object, not a Held and
   * a head). A page whose pad is not zero is held the common way, and use() says what is wrong.
   */
  private page(c: Uint8Array, p: number, dv: DataView): void {
    const src = c.subarray(p + PAGE_RECORD - CKPT_PAGE_SIZE, p + PAGE_RECORD);
    let data = src;
    if (this.borrowed) {
      data = bulkMemory(CKPT_PAGE_SIZE);
      data.set(src);
    }
    const index = dv.getUint32(p + CKPT_HDR_SIZE, true);
    if (dv.getUint32(p + CKPT_HDR_SIZE + 4, true) === 0) {
      this.hold({ index, data }, this.at);
      return;
    }
    const head = c.slice(p + CKPT_HDR_SIZE, p + CKPT_HDR_SIZE + PAGE_HEAD);
    this.hold({ type: CKPT_HDR_PAGE, at: this.at, name: PAGE_NAME, head, view: null, bulk: data }, this.at);
  }

  /** A well-formed page record to the parent waiting for pages; the common way if none is. */
  private usePage(rec: PageRecord, at: number): void {
    if (this.b.takePage(rec)) return;
    const head = new Uint8Array(PAGE_HEAD);
    new DataView(head.buffer).setUint32(0, rec.index, true);
    this.use({ type: CKPT_HDR_PAGE, at, name: PAGE_NAME, head, view: null, bulk: rec.data });
  }

  /** Room for a head of n bytes in the current slab (a new one when it is full); sets headView. */
  private slabHead(n: number): Uint8Array {
    if (n > SLAB_SIZE / 4) return new Uint8Array(n);
    if (this.slabUsed + n > this.slab.length) {
      this.slab = new Uint8Array(SLAB_SIZE);
      this.slabView = new DataView(this.slab.buffer);
      this.slabUsed = 0;
    }
    const head = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    this.slabUsed += n;
    this.headView = this.slabView;
    return head;
  }

  /** Builds a (checked) record into the model. */
  private use(h: Held): void {
    const { type, at, bulk } = h;
    const r = new FieldReader(h.head, at + CKPT_HDR_SIZE, h.name, at, h.view);
    const b = this.b;
    if (b.child(type, r, bulk, at)) return;
    if (b.phase !== Phase.Body) {
      const [want, read] = PROLOGUE[b.phase]!;
      if (type !== want) this.fail(`expected ${recordName(want)} at byte ${at} (the stream begins with the header, the pid namespace table, the task tree and the container), found ${recordName(type)}`, at);
      read(b, r, bulk);
      if (b.phase < Phase.Container) b.phase = (b.phase + 1) as Phase;
      return;
    }
    const read = BODY.get(type);
    if (read === undefined) this.fail(`a ${recordName(type)} at byte ${at} is out of place: no record before it announced one`, at);
    read(b, r, bulk);
  }
}
