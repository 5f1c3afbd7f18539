// A running CRC-32 over an image in order, with checksums of its own inside it: the ckpt format's
// CKPT_HDR_CSUM records each carry the CRC of every byte before them, earlier CSUM values
// included, and its trailer the CRC of all but itself. Written into a file, those fields go in as
// zeros (the chunks are written while the sum is still being taken on the CRC worker) and are
// patched afterwards; the sum reads the zeros from memory but counts each field as the value it
// will hold, so the result is the CRC of the image as it ends up.
//
// The bytes are not summed in one pass. StreamPlan cuts them into pieces at every mark and every
// field (and every PIECE bytes), each piece's CRC taken from a fresh start by either thread in any
// order (crc-worker.ts shares them out); values() then walks the plan once, joining the pieces'
// CRCs (crc32Combine), noting each mark's value as it passes it and counting each field as the
// 4 bytes of its value. A single running sum, as before, left its last stretch to one thread while
// the other waited for it (20-27 ms at the end of a 256 MiB ckpt checkpoint).
import { crc32 } from "./checksum.ts";
import { crc32Combine } from "./crc-combine.ts";

/** A piece's bytes are cut where they reach this many (a view is cut only at a mark or field). */
export const PIECE = 4 << 20;

/** A run of the image's bytes with no mark or field inside: views, summed from a fresh start. */
export interface StreamPiece {
  readonly segs: Uint8Array[];
  len: number;
  /** Its CRC, once summed (by whichever thread: crc-worker.ts). */
  crc: number;
}

/** Plan items: a piece, a mark's point (k ≥ 0: mark k takes the CRC here), a field (~k: mark k's). */
type Item = StreamPiece | number;

export class StreamPlan {
  /** The image's bytes fed so far. */
  private pos = 0;
  private readonly items: Item[] = [];
  /** Marks given and not reached: their `before`s in order, and their indices. */
  private readonly befores: number[] = [];
  private readonly beforeK: number[] = [];
  /** Fields given and not reached: their `at`s in order, and their marks' indices. */
  private readonly ats: number[] = [];
  private readonly atK: number[] = [];
  /** Bytes of the field being passed that are still to come (they count as its value, not as read). */
  private skip = 0;
  private marks = 0;
  private piece: StreamPiece | null = null;
  /** Pieces closed since the last take(). */
  private fresh: StreamPiece[] = [];

  /**
   * The next bytes of the image, and marks [before, at]...: the CRC of the first `before` bytes is
   * mark k's value, and the 4 bytes at `at` (zeros in memory) count as that value. A mark must
   * come before any byte at or after its `before` is fed, in order, with `at >= before`.
   */
  push(segs: readonly Uint8Array[], marks: readonly number[]): void {
    for (let i = 0; i < marks.length; i += 2) {
      const before = marks[i]!;
      if (before < this.pos) throw new Error(`a CRC mark at byte ${before} came after the sum passed it (at ${this.pos})`);
      this.befores.push(before);
      this.beforeK.push(this.marks);
      this.ats.push(marks[i + 1]!);
      this.atK.push(this.marks++);
    }
    for (let s = 0; s < segs.length; s++) {
      const seg = segs[s]!;
      let off = 0;
      while (off < seg.length) {
        this.reach();
        if (this.skip > 0) {
          const n = Math.min(this.skip, seg.length - off);
          this.skip -= n;
          this.pos += n;
          off += n;
          continue;
        }
        let stop = this.pos + seg.length - off;
        if (this.befores.length > 0 && this.befores[0]! < stop) stop = this.befores[0]!;
        if (this.ats.length > 0 && this.ats[0]! < stop) stop = this.ats[0]!;
        const n = stop - this.pos;
        const p = (this.piece ??= { segs: [], len: 0, crc: 0 });
        p.segs.push(off === 0 && n === seg.length ? seg : seg.subarray(off, off + n));
        p.len += n;
        this.pos += n;
        off += n;
        if (p.len >= PIECE) this.close();
      }
    }
  }

  /** The pieces closed since the last call, to be summed. */
  take(): StreamPiece[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  /** The end of the image: the marks at it are reached, and the last piece closed. */
  end(): void {
    this.reach();
    this.close();
  }

  /** Each mark's value, in the order given, once every piece has its crc (0 for a mark never reached). */
  values(): number[] {
    const vals = new Array<number>(this.marks).fill(0);
    const field = new Uint8Array(4);
    let crc = 0;
    for (const it of this.items) {
      if (typeof it !== "number") crc = crc32Combine(crc, it.crc >>> 0, it.len);
      else if (it >= 0) vals[it] = crc >>> 0;
      else {
        const v = vals[~it]!;
        for (let j = 0; j < 4; j++) field[j] = (v >>> (8 * j)) & 0xff;
        crc = crc32(field, crc);
      }
    }
    return vals;
  }

  /** Marks and a field starting at this byte: their items, after the piece before them. */
  private reach(): void {
    while (this.befores.length > 0 && this.befores[0] === this.pos) {
      this.close();
      this.befores.shift();
      this.items.push(this.beforeK.shift()!);
    }
    if (this.skip === 0 && this.ats.length > 0 && this.ats[0] === this.pos) {
      this.close();
      this.ats.shift();
      this.items.push(~this.atK.shift()!);
      this.skip = 4;
    }
  }

  private close(): void {
    if (this.piece === null) return;
    this.items.push(this.piece);
    this.fresh.push(this.piece);
    this.piece = null;
  }
}
