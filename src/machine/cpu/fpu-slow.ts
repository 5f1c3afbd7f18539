// Exact (BigInt) slow path for the double-precision operations whose fast error-free
// transformations do not apply: results that overflow, underflow or land near the subnormal
// range, operands too large to split, and fused multiply-adds that the double-double fast path
// cannot decide. Operands are decoded to sign * m * 2^e with integer m, the exact result (or,
// for division, a quotient with a sticky bit) is formed, and roundPack rounds it once like
// softfloat does. Allocates; only reached on rare inputs.
import { FFLAG_NX, FFLAG_OF, FFLAG_UF, type FpContext } from "./fp-state.ts";
import { F64, MAX_D, MAX_S, U32, overflowResult } from "./fpu-round.ts";

/** A decoded finite value: (-1)^neg * m * 2^e. */
export interface Exact {
  neg: boolean;
  m: bigint;
  e: number;
}

/** Decodes a finite double (zero gives m = 0). */
export function decodeD(x: number): Exact {
  F64[0] = x;
  const lo = U32[0];
  const hi = U32[1];
  const be = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = -1074;
  if (be !== 0) {
    m |= 1n << 52n;
    e = be - 1075;
  }
  return { neg: hi >>> 31 === 1, m, e };
}

function bitLength(m: bigint): number {
  return m.toString(2).length;
}

/** m / 2^sh rounded to an integer in mode rm for a value of sign neg; sets lastInexact. */
let lastInexact = false;
function shiftRound(m: bigint, sh: number, neg: boolean, rm: number): bigint {
  if (sh <= 0) {
    lastInexact = false;
    return m << BigInt(-sh);
  }
  const s = BigInt(sh);
  const q = m >> s;
  const r = m - (q << s);
  const half = 1n << (s - 1n);
  lastInexact = r !== 0n;
  let up = false;
  switch (rm) {
    case 0: up = r > half || (r === half && (q & 1n) === 1n); break;
    case 2: up = neg && lastInexact; break;
    case 3: up = !neg && lastInexact; break;
    case 4: up = r >= half; break;
  }
  return up ? q + 1n : q;
}

/**
 * Rounds the exact non-zero value (-1)^neg * m * 2^e to a format with p significand bits and
 * normal exponents emin..emax in mode rm, like softfloat's roundPack: IEEE overflow, tininess
 * detected after rounding, UF only when also inexact. Returns the result as a JS number (a
 * binary32 result is an exactly representable double) and ORs the flags into h.fflags.
 * Exported for the binary32 reference in the tests.
 */
export function roundPack(h: FpContext, neg: boolean, m: bigint, e: number, rm: number,
  p = 53, emin = -1022, emax = 1023): number {
  const n = bitLength(m);
  const top = e + n - 1; // exponent of the leading bit
  let tiny = top < emin;
  if (top === emin - 1) {
    // rounding with unbounded exponent may carry up to 2^emin
    tiny = shiftRound(m, n - p, neg, rm) !== 1n << BigInt(p);
  }
  let qe = Math.max(top, emin) - (p - 1); // exponent of the result's last place
  let q = shiftRound(m, qe - e, neg, rm);
  const inexact = lastInexact;
  if (q === 1n << BigInt(p)) {
    q >>= 1n;
    qe++;
  }
  if (q !== 0n && qe + bitLength(q) - 1 > emax) {
    h.fflags |= FFLAG_OF | FFLAG_NX;
    return overflowResult(neg, rm, p === 53 ? MAX_D : MAX_S);
  }
  if (inexact) h.fflags |= tiny ? FFLAG_UF | FFLAG_NX : FFLAG_NX;
  // q < 2^p and qe >= emin - p + 1, so both factors and the product are exact.
  const v = Number(q) * 2 ** qe;
  return neg ? -v : v;
}

/** a + b for finite a, b (an exact zero sum gives +0, or -0 in RDN). */
export function slowAddD(h: FpContext, a: number, b: number, rm: number): number {
  return sumExact(h, decodeD(a), decodeD(b), rm);
}

function sumExact(h: FpContext, x: Exact, y: Exact, rm: number): number {
  const e = Math.min(x.e, y.e);
  let mx = x.m << BigInt(x.e - e);
  let my = y.m << BigInt(y.e - e);
  if (x.neg) mx = -mx;
  if (y.neg) my = -my;
  let s = mx + my;
  if (s === 0n) return rm === 2 ? -0 : 0;
  const neg = s < 0n;
  if (neg) s = -s;
  return roundPack(h, neg, s, e, rm);
}

/** a * b for finite non-zero a, b. */
export function slowMulD(h: FpContext, a: number, b: number, rm: number): number {
  const x = decodeD(a);
  const y = decodeD(b);
  return roundPack(h, x.neg !== y.neg, x.m * y.m, x.e + y.e, rm);
}

/** a / b for finite non-zero a, b: a 57+-bit quotient plus a sticky bit rounds correctly. */
export function slowDivD(h: FpContext, a: number, b: number, rm: number): number {
  const x = decodeD(a);
  const y = decodeD(b);
  const num = x.m << 110n;
  const q = num / y.m;
  const sticky = num - q * y.m !== 0n ? 1n : 0n;
  return roundPack(h, x.neg !== y.neg, (q << 1n) | sticky, x.e - y.e - 111, rm);
}

/** a * b + c with one rounding, for finite a, b, c with a*b non-zero. */
export function slowFmaD(h: FpContext, a: number, b: number, c: number, rm: number): number {
  const x = decodeD(a);
  const y = decodeD(b);
  const prod: Exact = { neg: x.neg !== y.neg, m: x.m * y.m, e: x.e + y.e };
  if (c === 0) return roundPack(h, prod.neg, prod.m, prod.e, rm);
  return sumExact(h, prod, decodeD(c), rm);
}
