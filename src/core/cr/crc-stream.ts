// A running CRC-32 over an image in order, with checksums of its own inside it: the ckpt format's
// CKPT_HDR_CSUM records each carry the CRC of every byte before them, earlier CSUM values
// included, and its trailer the CRC of all but itself. Written into a file, those fields go in as
// zeros (the chunks are written while the sum is still being taken on the CRC worker) and are
// patched afterwards; the sum reads the zeros from memory but counts each field as the value it
// will hold, so the result is the CRC of the image as it ends up.
//
// sumStream runs on the worker (its source is pasted into the worker's: no closures, no imports,
// no nested functions) and, when the worker cannot be used, here: one definition for both.

/** Where a running sum is: fed `pos` bytes, its CRC, the marks not reached, the fields to count. */
export interface StreamState {
  crc: number;
  pos: number;
  /** Marks not reached yet, in order: [before, at, out index]... (`outs` holds their arrays). */
  marks: number[];
  outs: Int32Array[];
  /** Field bytes ahead whose values are known: [position, byte]..., in order. */
  bytes: number[];
}

export function newStreamState(): StreamState {
  return { crc: 0, pos: 0, marks: [], outs: [], bytes: [] };
}

/**
 * Feeds `segs` (the next bytes of the image, in order) to the sum. `marks` are flat pairs
 * [before, at]: the CRC of the image's first `before` bytes goes into out[k] for the k-th pair,
 * and the 4 bytes at `at` (little-endian; zeros in memory) are counted as that value. A mark must
 * come before any byte at or after its `before` is fed, and `at >= before`.
 */
export function sumStream(st: StreamState, segs: readonly Uint8Array[], marks: readonly number[], out: Int32Array,
  crc32: (b: Uint8Array, c: number) => number): void {
  for (let k = 0; k < marks.length; k += 2) {
    st.marks.push(marks[k]!, marks[k + 1]!, k / 2);
    st.outs.push(out);
  }
  const one = new Uint8Array(1);
  for (let s = 0; s < segs.length; s++) {
    const seg = segs[s]!;
    const base = st.pos;
    const end = base + seg.length;
    let p = base;
    if (st.marks.length > 0 && st.marks[0]! < p) throw new Error(`a CRC mark at byte ${st.marks[0]} came after the sum passed it (at ${p})`);
    for (;;) {
      // Marks reached here take the CRC of the bytes before them; their field's bytes are ahead.
      while (st.marks.length > 0 && st.marks[0]! === p) {
        const at = st.marks[1]!;
        const value = st.crc | 0;
        st.outs[0]![st.marks[2]!] = value;
        for (let j = 0; j < 4; j++) st.bytes.push(at + j, (value >>> (8 * j)) & 0xff);
        st.marks.splice(0, 3);
        st.outs.shift();
      }
      let stop = end;
      if (st.marks.length > 0 && st.marks[0]! < stop) stop = st.marks[0]!;
      const field = st.bytes.length > 0 && st.bytes[0]! < stop;
      if (field) stop = st.bytes[0]!;
      if (stop > p) st.crc = crc32(seg.subarray(p - base, stop - base), st.crc);
      p = stop;
      if (field) {
        one[0] = st.bytes[1]!;
        st.crc = crc32(one, st.crc);
        st.bytes.splice(0, 2);
        p++;
      }
      if (p >= end && (st.marks.length === 0 || st.marks[0]! > end)) break;
    }
    st.pos = end;
  }
}
