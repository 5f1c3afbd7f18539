// CRC-32 (IEEE 802.3, the polynomial of zlib and gzip) of image bytes, computed incrementally over
// chunks: the writer feeds it every byte it yields, the decoder every byte it is pushed, so the
// trailer's checksum never needs the whole image in memory.
//
// Slicing-by-8 (Intel's table method): eight 256-entry tables let one step consume 8 bytes with
// eight lookups and no per-bit work. Node 20.15+ has a native zlib.crc32; where present it is
// used for long runs (page data), and the tables serve short runs and older Nodes. Both give the
// same value (the tests check it), so an image does not depend on the Node that wrote it.
import * as zlib from "node:zlib";

const POLY = 0xedb88320;

const TABLES: Int32Array = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/** The table implementation: CRC-32 of `b` continuing from `crc` (0 for a fresh one). */
export function crc32Tables(b: Uint8Array, crc = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = 0;
  const n = b.length;
  for (; i + 8 <= n; i += 8) {
    const lo = c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    const hi = b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24);
    c = t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
      t[768 + (hi & 0xff)]! ^ t[512 + ((hi >>> 8) & 0xff)]! ^ t[256 + ((hi >>> 16) & 0xff)]! ^ t[hi >>> 24]!;
  }
  for (; i < n; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

type NativeCrc = (data: Uint8Array, value?: number) => number;
const native: NativeCrc | undefined = (zlib as { crc32?: NativeCrc }).crc32;
/** Below this, a JS call beats crossing into native code. */
const NATIVE_FROM = 256;

/** CRC-32 of `b` continuing from `crc`: the same value as crc32Tables, the fastest way available. */
export function crc32(b: Uint8Array, crc = 0): number {
  if (native !== undefined && b.length >= NATIVE_FROM) return native(b, crc) >>> 0;
  return crc32Tables(b, crc);
}

/** A running CRC-32 over a stream of chunks. */
export class Crc32 {
  value = 0;
  update(b: Uint8Array): void {
    if (b.length > 0) this.value = crc32(b, this.value);
  }
}
