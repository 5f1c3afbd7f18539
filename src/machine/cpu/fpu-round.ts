// Rounding helpers shared by the FPU files: scratch views for bit access, next-representable
// steps, directed-rounding adjustment of a round-to-nearest-even result, overflow results, the
// Dekker/Veltkamp exact product error, and roundS: exact rounding of a double-precision value
// plus the sign of its residual to binary32 in any rounding mode, with flags.
//
// Convention used throughout: a double-precision computation yields r = RNE(exact) and es, the
// sign (-1, 0, +1) of exact - r, and tie, true when |exact - r| is exactly half the gap to the
// neighbour on that side. That is enough to produce every rounding mode: RNE keeps r, directed
// modes move r one step when es points their way, RMM moves it away from zero on a tie.
import { FFLAG_NX, FFLAG_OF, FFLAG_UF, type FpContext } from "./fp-state.ts";

const scratch = new ArrayBuffer(8);
/** Scratch views over one 8-byte buffer: F64[0] aliases U32[0..1], F32[0] aliases U32[0]. */
export const F64 = new Float64Array(scratch);
export const U32 = new Uint32Array(scratch);
export const F32 = new Float32Array(scratch, 0, 1);

export const MAX_D = 1.7976931348623157e308;
export const MAX_S = 3.4028234663852886e38;
export const MIN_SUB_D = 5e-324;
export const MIN_SUB_S = 1.401298464324817e-45;
/** Veltkamp splitter 2^27 + 1. */
const SPLIT = 134217729;

/** The next double above x (x not NaN; nextUp(+inf) is +inf). */
export function nextUpD(x: number): number {
  if (x === 0) return MIN_SUB_D;
  if (x === Infinity) return x;
  F64[0] = x;
  const lo = U32[0];
  if (x > 0) {
    if (lo === 0xffffffff) {
      U32[0] = 0;
      U32[1] = U32[1] + 1;
    } else U32[0] = lo + 1;
  } else if (lo === 0) {
    U32[0] = 0xffffffff;
    U32[1] = U32[1] - 1;
  } else U32[0] = lo - 1;
  return F64[0];
}

export function nextDownD(x: number): number {
  return -nextUpD(-x);
}

/** The next binary32 value above x (x a binary32 value, not NaN). */
export function nextUpS(x: number): number {
  if (x === 0) return MIN_SUB_S;
  if (x === Infinity) return x;
  F32[0] = x;
  U32[0] = x > 0 ? U32[0] + 1 : U32[0] - 1;
  return F32[0];
}

export function nextDownS(x: number): number {
  return -nextUpS(-x);
}

/**
 * Applies directed rounding to r = RNE(exact), given es = sign(exact - r) (non-zero), tie and
 * neg (exact < 0). rm is 1..4 (RTZ RDN RUP RMM); the caller handles RNE.
 */
export function dirD(r: number, es: number, tie: boolean, neg: boolean, rm: number): number {
  switch (rm) {
    case 1: // RTZ: step toward zero when |exact| < |r|
      if (neg ? es > 0 : es < 0) return neg ? nextUpD(r) : nextDownD(r);
      return r;
    case 2: // RDN
      return es < 0 ? nextDownD(r) : r;
    case 3: // RUP
      return es > 0 ? nextUpD(r) : r;
    case 4: // RMM: differs from RNE only on a tie that RNE resolved toward zero
      if (tie && (neg ? es < 0 : es > 0)) return neg ? nextDownD(r) : nextUpD(r);
      return r;
  }
  return r;
}

/** dirD for binary32 values. */
export function dirS(r: number, es: number, tie: boolean, neg: boolean, rm: number): number {
  switch (rm) {
    case 1:
      if (neg ? es > 0 : es < 0) return neg ? nextUpS(r) : nextDownS(r);
      return r;
    case 2:
      return es < 0 ? nextDownS(r) : r;
    case 3:
      return es > 0 ? nextUpS(r) : r;
    case 4:
      if (tie && (neg ? es < 0 : es > 0)) return neg ? nextDownS(r) : nextUpS(r);
      return r;
  }
  return r;
}

/** The result of an overflowing operation in mode rm: infinity or the largest finite value. */
export function overflowResult(neg: boolean, rm: number, max: number): number {
  switch (rm) {
    case 1: return neg ? -max : max;
    case 2: return neg ? -Infinity : max;
    case 3: return neg ? -max : Infinity;
  }
  return neg ? -Infinity : Infinity;
}

/**
 * The exact error a*b - p of the double product p = RN(a*b) (Dekker's TwoProduct with
 * Veltkamp splitting). Exact when |a|, |b| < 2^995 and |p| < 2^1020 (neither the split nor
 * the partial products overflow) and |p| >= 2^-968 (the error is not below the subnormal
 * range); callers check those bounds.
 */
export function twoProdErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (((p - ah * bh) - al * bh) - ah * bl);
}

/** The sign of x as -1, 0 or +1 (0 for ±0). */
export function sgn(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

let coreInexact = false;

/**
 * Rounds exact = hi + lo to binary32 in mode rm, where only ls = sign(lo) is known and
 * |lo| <= ulp(hi)/2 in double precision (so lo can only break ties that hi sits on exactly).
 * Valid for any hi whose binary32 rounding is finite, subnormal results included; sets
 * coreInexact.
 */
function roundCore(hi: number, ls: number, rm: number): number {
  let s = Math.fround(hi);
  const d = hi - s; // exact: hi and s are within one binary32 ulp
  let es = ls;
  let tie = false;
  if (d !== 0) {
    es = d > 0 ? 1 : -1;
    // hi on a binary32 midpoint iff s + 2d is representable (0 < |2d| <= gap).
    const t = s + 2 * d;
    if (Math.fround(t) === t) {
      if (ls === 0) tie = true;
      else if (ls === es) {
        // beyond the midpoint: RNE (fround) went the wrong way
        s = t;
        es = -es;
      }
    }
  }
  coreInexact = es !== 0;
  if (es === 0 || rm === 0) return s;
  return dirS(s, es, tie, hi < 0, rm);
}

const TWO_M126 = 2 ** -126;
const TWO_M127 = 2 ** -127;
const TWO_127 = 2 ** 127;
const TWO_128 = 2 ** 128;
const TWO_64 = 2 ** 64;
const TWO_M64 = 2 ** -64;
const TWO_M62 = 2 ** -62;

/**
 * Rounds exact = hi + lo (see roundCore for the contract on ls = sign(lo)) to binary32 in mode
 * rm, accumulating NX, OF and UF (tininess detected after rounding, as RISC-V does) into
 * h.fflags. hi must be finite and non-zero (an exact zero has sign rules the caller applies).
 */
export function roundS(h: FpContext, hi: number, ls: number, rm: number): number {
  const a = Math.abs(hi);
  if (a > TWO_M126 && a < TWO_127) {
    const r = roundCore(hi, ls, rm);
    if (coreInexact) h.fflags |= FFLAG_NX;
    return r;
  }
  if (a > TWO_128) {
    // |exact| >= |hi| - ulp(hi)/2 > 2^128: overflows in every mode.
    h.fflags |= FFLAG_OF | FFLAG_NX;
    return overflowResult(hi < 0, rm, MAX_S);
  }
  if (a >= TWO_127) {
    // Round with the exponent range shifted down (exact scaling): overflow iff it reaches 2^128.
    // |hi| = 2^128 exactly must come here too: with lo toward zero the exact value is just
    // below 2^128, and RTZ (or RDN/RUP toward zero) rounds it to MAX_S without overflow.
    const r = roundCore(hi * TWO_M64, ls, rm);
    if (Math.abs(r) >= TWO_64) {
      h.fflags |= FFLAG_OF | FFLAG_NX;
      return overflowResult(hi < 0, rm, MAX_S);
    }
    if (coreInexact) h.fflags |= FFLAG_NX;
    return r * TWO_64;
  }
  // |hi| <= 2^-126: tiny unless rounding with unbounded exponent reaches 2^-126.
  let tiny = true;
  if (a >= TWO_M127) tiny = Math.abs(roundCore(hi * TWO_64, ls, rm)) < TWO_M62;
  const r = roundCore(hi, ls, rm);
  if (coreInexact) h.fflags |= tiny ? FFLAG_UF | FFLAG_NX : FFLAG_NX;
  return r;
}
