// Joining CRC-32s: the CRC of A followed by B from the CRCs of A and B and B's length, without
// reading the bytes again (zlib's crc32_combine). It is what lets a second thread sum one part of
// an image while this one sums or copies another (crc-worker.ts).
//
// The algebra (zlib 1.2.12's crc32.c): with CRC-32's conditioning (register preset to ~0, result
// inverted), crc(A ++ B) = x^(8·|B|) · crc(A) ⊕ crc(B) over GF(2) modulo the polynomial, crc(B)
// taken from a fresh start. Multiplying by x^(8n) is a product with x2nmodp(n, 3): log(n) steps.

/** The reflected polynomial of zlib's CRC-32. */
const POLY = 0xedb88320;
/** x^0 in the reflected representation (the top bit is the lowest power). */
const ONE = 0x8000_0000;

/** a · b modulo the polynomial (both reflected). */
function multmodp(a: number, b: number): number {
  let m = ONE;
  let p = 0;
  for (;;) {
    if ((a & m) !== 0) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = (b & 1) !== 0 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) modulo the polynomial. */
const X2N: Uint32Array = (() => {
  const t = new Uint32Array(32);
  let p = ONE >>> 1; // x^1
  for (let k = 0; k < 32; k++) {
    t[k] = p;
    p = multmodp(p, p);
  }
  return t;
})();

/** x^(n · 2^k) modulo the polynomial. */
function x2nmodp(n: number, k: number): number {
  let p = ONE;
  while (n > 0) {
    if (n % 2 === 1) p = multmodp(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC-32 of A ++ B, from crcA, crcB (B summed from a fresh start) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lenB: number): number {
  const shifted = crcA === 0 || lenB === 0 ? crcA >>> 0 : multmodp(x2nmodp(lenB, 3), crcA >>> 0);
  return (shifted ^ crcB) >>> 0;
}
