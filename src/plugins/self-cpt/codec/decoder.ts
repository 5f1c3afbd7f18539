// CkptDecoder: reads a ckpt stream pushed in chunks of any size. It holds only the record being
// read: its 8-byte header, then its head (the fields, bounded by the type's maximum length,
// checked before a byte of it is buffered), then its bulk (page data, pipe bytes: a view into the
// pushed chunk when it lies within one and the chunk is not only lent, else a copy: a page
// array's pages into the memory the restored frames adopt, a run of pages per copy), then its
// zero padding. Each whole record goes to the ModelBuilder at once, so the model grows as the
// image arrives and a malformed record is reported as soon as it is complete.
import { ImageError, type ImageDecoder } from "../../../core/cr/index.ts";
import type { CheckpointModel } from "../../../core/cr/index.ts";
import { ModelBuilder, Phase, type Handler } from "./build.ts";
import { bulkMemory, crc32Job, pageMemoryRun, RunningCrc, runView } from "../../../core/cr/index.ts";
import {
  align8, CKPT_HDR_CONTAINER, CKPT_HDR_COW_PAGE, CKPT_HDR_CRED, CKPT_HDR_DENTRY, CKPT_HDR_FILE, CKPT_HDR_FILE_TABLE,
  CKPT_HDR_FS, CKPT_HDR_HEADER, CKPT_HDR_INODE, CKPT_HDR_MM, CKPT_HDR_PID, CKPT_HDR_PIDNS_TREE, CKPT_HDR_PIPE_BUF, CKPT_HDR_TTY,
  CKPT_HDR_CSUM, CKPT_HDR_SHMEM, CKPT_HDR_UNIX_SK, CKPT_PAGE_SIZE, CKPT_HDR_SIGHAND, CKPT_HDR_SIGNAL, CKPT_HDR_SIZE, CKPT_HDR_TAIL, CKPT_HDR_TASK, CKPT_HDR_TREE,
  pgarrHead, pgarrPages, RECORDS, recordName, type RecordSpec,
} from "./layout.ts";
import { readContainer, readCsum, readHeader, readPidNsTree, readTail, readTree } from "./objects-header.ts";
import { readDentry, readFile, readFileTable, readFs, readInode, readPipe } from "./objects-files.ts";
import { readTty } from "./objects-tty.ts";
import { readCowPage, readMm, readShmem } from "./objects-mm.ts";
import { readUnixSock } from "./objects-sockets.ts";
import { readSighand, readSignal } from "./objects-signal.ts";
import { readCred, readPid, readTask } from "./objects-task.ts";
import { ADVICE, FieldReader, u32le } from "./reader.ts";

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
  /** A page array's pages, 4096 bytes each (its bulk). */
  pages?: readonly Uint8Array[];
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
  /**
   * The CRC-32 of the bytes so far. A page array copied out of a lent chunk is summed from its
   * copy, by the CRC worker while the decoder goes on (RunningCrc.defer); the rest here.
   */
  private readonly crc = new RunningCrc();
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
  // A page array (CKPT_HDR_PGARR) being read: how many pages h.len makes room for; its pages
  // when they are copied, a run of side-by-side pages of pool memory at a time (`run`, covering
  // bulk bytes [runAt, runAt + run.length)); and whether the copy's checksum is deferred: its
  // ckpt_hdr and head are then copied into shared memory (sharedHead) and summed with it.
  private nrPages = 0;
  private pages: Uint8Array[] | null = null;
  private run: Uint8Array | null = null;
  private runAt = 0;
  private runs: Uint8Array[] = [];
  private deferred = false;
  private deferredHead: Uint8Array | null = null;
  private shared: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private sharedUsed = 0;
  private model: CheckpointModel | null = null;
  /** With run checksums: the records of the current run, in order, until its CKPT_HDR_CSUM. */
  private held: Held[] = [];
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
   * up to the trailer's header, except for the page arrays whose copies are summed instead
   * (`deferred`). A header split across chunks is held back until its type is known:
   * `pendingHdr` of its bytes came in earlier chunks and are not summed yet.
   */
  private consume(c: Uint8Array): void {
    let p = 0;
    /** Bytes of c before this one are summed, or deferred. */
    let from = 0;
    // A big chunk that the decoder may keep (a whole image, a pipe's read): its second half is
    // summed by the CRC worker while the chunk is parsed here, and the first half here after
    // that (the worker alone took longer than the parse: a MiB's sum and its wake-up). The two
    // are used if the chunk turns out to be summed whole, in one piece (no run checksum, trailer,
    // split header or deferred page array in it), else it is summed here as always, before push
    // returns. A lent chunk (an image file's pages) is mostly page arrays, summed from their
    // copies in batches: a message per chunk would only keep the worker from those.
    const half = c.length >>> 1;
    const job = this.summed && !this.borrowed && c.length >= OFFLOAD_CHUNK ? crc32Job([c.subarray(half)], OFFLOAD_CHUNK >>> 1) : null;
    while (p < c.length) {
      const rest = c.length - p;
      if (this.state === "done") {
        this.fail(`${rest} bytes after the trailer (CKPT_HDR_TAIL at byte ${this.at}), starting at byte ${this.offset}: the trailer must end the image`, this.offset);
      }
      switch (this.state) {
        case "hdr": {
          if (this.hdrFill === 0) this.at = this.offset;
          const n = Math.min(CKPT_HDR_SIZE - this.hdrFill, rest);
          for (let i = 0; i < n; i++) this.hdr[this.hdrFill + i] = c[p + i]!;
          this.hdrFill += n;
          p += n; this.offset += n;
          if (this.hdrFill === CKPT_HDR_SIZE) {
            this.startRecord();
            // Where this header starts in c (its first pendingHdr bytes came in earlier chunks).
            const hdrAt = p - (CKPT_HDR_SIZE - this.pendingHdr);
            if (this.type === CKPT_HDR_CSUM) {
              // A run ends: the CRC of every byte before this record's header is what it must
              // carry. Then its header is summed (some of it may have come in earlier chunks).
              this.crc.update(c.subarray(from, hdrAt));
              this.runCrc = this.crc.value;
              this.crc.update(this.hdr);
              from = p;
            } else if (!this.summed) {
              // The trailer: sum what precedes its header in this chunk, and nothing after.
              this.crc.update(c.subarray(from, hdrAt));
              from = c.length;
            } else if (this.deferred) {
              // A page array summed from its copy, header included (copied with its head).
              this.crc.update(c.subarray(from, hdrAt));
              from = p;
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
          if (this.headFill === this.headLen) {
            if (this.nrPages > 0) this.checkNrPages();
            this.state = this.bulkLen > 0 ? "bulk" : "pad";
          }
          break;
        }
        case "bulk": {
          const n = Math.min(this.bulkLen - this.bulkFill, rest);
          if (this.nrPages > 0) {
            if (this.deferred) this.copyPages(c.subarray(p, p + n));
            else this.keepPages(c, p, n);
          } else if (this.bulk === null && n === this.bulkLen && !this.borrowed) {
            // A bulk within one chunk stays a view (the chunk itself when it is just the bulk).
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
      if (this.deferred) from = p;
      if (this.state === "pad" && this.padLeft === 0) this.finishRecord();
    }
    if (this.summed) {
      let end = c.length;
      if (this.state === "hdr" && this.hdrFill > 0) {
        end -= this.hdrFill - this.pendingHdr;
        this.pendingHdr = this.hdrFill;
      }
      if (job !== null && from === 0 && end === c.length) {
        this.crc.update(c.subarray(0, half));
        this.crc.append(job.result(), end - half);
      } else this.crc.update(c.subarray(from, end));
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
    this.nrPages = 0;
    this.deferred = false;
    if (spec.pageArray === true) {
      // How many pages h.len makes room for decides where the bulk starts (layout.ts).
      const n = pgarrPages(plen);
      if (n === 0) this.fail(`h.len at byte ${at + 4} is ${len}, which is no page array's length (16 + 4 x n rounded up to 8 + 4096 x n for n pages)`, at + 4);
      this.nrPages = n;
      this.headLen = pgarrHead(n);
      this.pages = null;
      this.runs = [];
      this.run = null;
      // Out of a lent chunk: copied, and summed from the copy, header and head included.
      this.deferred = this.borrowed;
    }
    this.bulkLen = plen - this.headLen;
    this.head = null; this.headFill = 0; this.headView = null;
    this.bulk = null; this.bulkFill = 0;
    if (this.deferred) {
      const whole = this.sharedHead(CKPT_HDR_SIZE + this.headLen);
      whole.set(this.hdr);
      this.deferredHead = whole;
      this.head = whole.subarray(CKPT_HDR_SIZE);
    }
    this.padLeft = align8(len) - len;
    this.hdrFill = 0;
    this.state = this.headLen > 0 ? "head" : this.bulkLen > 0 ? "bulk" : "pad";
  }

  /** A page array's head is in: nr_pages must be what h.len makes room for, before any page memory is taken. */
  private checkNrPages(): void {
    const nr = u32le(this.head!, 0);
    if (nr !== this.nrPages) {
      const len = this.hdrView.getUint32(4, true);
      this.fail(`${this.spec!.name} at byte ${this.at}: nr_pages at byte ${this.at + CKPT_HDR_SIZE} is ${nr}, but its h.len (${len}) makes room for ${this.nrPages} pages`, this.at + CKPT_HDR_SIZE);
    }
  }

  /** The next bytes of a page array's bulk, into pool memory a run of adjoining pages at a time. */
  private copyPages(b: Uint8Array): void {
    const pages = (this.pages ??= []);
    for (let done = 0; done < b.length;) {
      const at = this.bulkFill + done;
      let run = this.run;
      if (run === null || at === this.runAt + run.length) {
        // Runs are whole pages, so a new one starts on a page boundary.
        const got = pageMemoryRun((this.bulkLen - at) / CKPT_PAGE_SIZE);
        for (const page of got) pages.push(page);
        run = this.run = runView(got[0]!, got.length * CKPT_PAGE_SIZE);
        this.runAt = at;
        this.runs.push(run);
      }
      const n = Math.min(b.length - done, this.runAt + run.length - at);
      run.set(n === b.length ? b : b.subarray(done, done + n), at - this.runAt);
      done += n;
    }
  }

  /**
   * The next n bytes of a page array's bulk, at c[p], from a chunk the decoder may keep: a page
   * that lies whole in it stays a view of it (the chunk itself when it is just the page), one
   * split between two chunks is copied into a page of its own.
   */
  private keepPages(c: Uint8Array, p: number, n: number): void {
    const pages = (this.pages ??= []);
    for (let done = 0; done < n;) {
      const off = (this.bulkFill + done) % CKPT_PAGE_SIZE;
      const k = Math.min(n - done, CKPT_PAGE_SIZE - off);
      const q = p + done;
      if (k === CKPT_PAGE_SIZE && !this.borrowed) pages.push(k === c.length ? c : c.subarray(q, q + k));
      else {
        if (off === 0) pages.push(new Uint8Array(CKPT_PAGE_SIZE));
        pages[pages.length - 1]!.set(c.subarray(q, q + k), off);
      }
      done += k;
    }
  }

  private finishRecord(): void {
    const head = this.head ?? NO_BYTES;
    const rec: Held = { type: this.type, at: this.at, name: this.spec!.name, head, view: this.headView, bulk: this.bulk ?? NO_BYTES };
    this.state = "hdr";
    this.head = null;
    this.bulk = null;
    if (this.nrPages > 0) {
      rec.pages = this.pages!;
      this.pages = null;
      this.run = null;
      if (this.deferred) {
        // Its bytes in stream order: the ckpt_hdr and head, then the copied pages.
        this.crc.defer(this.deferredHead!);
        for (const r of this.runs) this.crc.defer(r);
        this.deferredHead = null;
        this.deferred = false;
      }
    }
    const b = this.b;
    if (rec.type === CKPT_HDR_CSUM) {
      if (!b.runCsum) this.fail(`a CKPT_HDR_CSUM at byte ${rec.at}, but the header does not announce run checksums (CKPT_F_RUN_CSUM)`, rec.at);
      readCsum(new FieldReader(head, rec.at + CKPT_HDR_SIZE, rec.name, rec.at), this.runCrc);
      // The run is intact: now, and only now, its records build the model.
      const run = this.held;
      this.held = [];
      for (const h of run) this.use(h);
      return;
    }
    if (rec.type === CKPT_HDR_TAIL) {
      if (this.held.length > 0) this.fail(`the records from byte ${this.held[0]!.at} on have no CKPT_HDR_CSUM before the trailer at byte ${rec.at}`, rec.at);
      readTail(new FieldReader(head, rec.at + CKPT_HDR_SIZE, rec.name, rec.at), this.crc.value);
      this.model = b.finish(rec.at);
      this.state = "done";
      return;
    }
    // With run checksums, a record waits for its run's CKPT_HDR_CSUM; else it is used now. The
    // header is used at once: its flags say whether there are runs at all (its bytes are still
    // checked, by the first run's CKPT_HDR_CSUM, before anything else is used).
    if (b.runCsum) this.held.push(rec);
    else this.use(rec);
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

  /**
   * Room for n bytes in shared memory, which the CRC worker can read: a page array's ckpt_hdr and
   * head when its pages' checksum is deferred (summed in stream order with them). Slabs as above.
   */
  private sharedHead(n: number): Uint8Array {
    if (this.sharedUsed + n > this.shared.length) {
      this.shared = new Uint8Array(new SharedArrayBuffer(Math.max(SLAB_SIZE, n)));
      this.sharedUsed = 0;
    }
    const out = this.shared.subarray(this.sharedUsed, this.sharedUsed + n);
    this.sharedUsed += n;
    return out;
  }

  /** Builds a (checked) record into the model. */
  private use(h: Held): void {
    const { type, at, bulk } = h;
    const r = new FieldReader(h.head, at + CKPT_HDR_SIZE, h.name, at, h.view);
    const b = this.b;
    if (b.child(type, r, bulk, at, h.pages)) return;
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
