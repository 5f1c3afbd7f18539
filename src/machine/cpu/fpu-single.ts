// Single-precision arithmetic: FADD/FSUB/FMUL/FDIV/FSQRT.S and the fused multiply-adds.
//
// Binary32 operands are exact doubles and binary32's range sits deep inside binary64's, so each
// op computes in double and knows the exact result as hi + lo (add: Fast2Sum; mul: the product
// of two 24-bit significands is exact; fma: exact product then Fast2Sum) or as hi plus the
// sign of a residual (div, sqrt). roundS (fpu-round.ts) then rounds that to binary32 in any
// mode with exact flags, subnormals, tininess-after-rounding and overflow included. No BigInt.
import { FFLAG_DZ, FFLAG_NV, FFLAG_NX, type FpContext } from "./fp-state.ts";
import { F32, U32, dirS, roundS, sgn, twoProdErr } from "./fpu-round.ts";

const TWO_M126 = 2 ** -126;
const TWO_127 = 2 ** 127;

/** The binary32 value in register r: the canonical NaN unless the register is NaN-boxed. */
export function readS(f: Uint32Array, r: number): number {
  if (f[2 * r + 1] !== 0xffffffff) return NaN;
  U32[0] = f[2 * r];
  return F32[0];
}

/** The binary32 bits in register r (0x7fc00000 unless NaN-boxed). */
export function bitsS(f: Uint32Array, r: number): number {
  return f[2 * r + 1] === 0xffffffff ? f[2 * r] : 0x7fc00000;
}

export function isSNaNS(f: Uint32Array, r: number): boolean {
  if (f[2 * r + 1] !== 0xffffffff) return false;
  const b = f[2 * r];
  return (b & 0x7fc00000) === 0x7f800000 && (b & 0x3fffff) !== 0;
}

/** Writes binary32 value v (NaN becomes the canonical NaN), NaN-boxed. */
export function writeS(f: Uint32Array, rd: number, v: number): void {
  if (v === v) {
    F32[0] = v;
    f[2 * rd] = U32[0];
  } else f[2 * rd] = 0x7fc00000;
  f[2 * rd + 1] = 0xffffffff;
}

function nanResult2(h: FpContext, rd: number, rs1: number, rs2: number, a: number, b: number): void {
  if ((a === a && b === b) || isSNaNS(h.f, rs1) || isSNaNS(h.f, rs2)) h.fflags |= FFLAG_NV;
  writeS(h.f, rd, NaN);
}

/** FADD.S (and FSUB.S with b negated by the caller). */
export function addS(h: FpContext, rd: number, rs1: number, rs2: number, a: number, b: number, rm: number): void {
  const hi = a + b;
  if (hi - hi !== 0) {
    if (hi !== hi) nanResult2(h, rd, rs1, rs2, a, b);
    else writeS(h.f, rd, hi); // an infinite operand (binary32 sums cannot overflow a double)
    return;
  }
  if (hi === 0) {
    // exact zero (sums of binary32 values are exact this close to zero)
    writeS(h.f, rd, rm === 2 && !(a === 0 && b === 0 && 1 / a > 0 && 1 / b > 0) ? -0 : hi);
    return;
  }
  const lo = Math.abs(a) >= Math.abs(b) ? b - (hi - a) : a - (hi - b);
  writeS(h.f, rd, roundS(h, hi, sgn(lo), rm));
}

export function mulS(h: FpContext, rd: number, rs1: number, rs2: number, rm: number): void {
  const a = readS(h.f, rs1);
  const b = readS(h.f, rs2);
  const p = a * b; // exact
  if (p - p !== 0) {
    if (p !== p) nanResult2(h, rd, rs1, rs2, a, b);
    else writeS(h.f, rd, p);
    return;
  }
  writeS(h.f, rd, p === 0 ? p : roundS(h, p, 0, rm));
}

export function divS(h: FpContext, rd: number, rs1: number, rs2: number, rm: number): void {
  const a = readS(h.f, rs1);
  const b = readS(h.f, rs2);
  const q = a / b;
  const aq = Math.abs(q);
  if (aq > TWO_M126 && aq < TWO_127 && a - a === 0) {
    // normal range: fround(q) is the correct RNE result (53 >= 2*24 + 2), and a - s*b is exact
    const s = Math.fround(q);
    const rem = a - s * b;
    if (rem !== 0) {
      h.fflags |= FFLAG_NX;
      writeS(h.f, rd, rm === 0 ? s : dirS(s, (rem > 0) === (b > 0) ? 1 : -1, false, s < 0, rm));
    } else writeS(h.f, rd, s);
    return;
  }
  if (q !== q) nanResult2(h, rd, rs1, rs2, a, b);
  else if (b === 0) {
    if (a - a === 0) h.fflags |= FFLAG_DZ;
    writeS(h.f, rd, q);
  } else if (q === 0 || q - q !== 0) writeS(h.f, rd, q); // 0/x, x/inf, inf/x: exact
  else {
    // near the subnormal range or overflow: the sign of a - q*b (exact via TwoProduct)
    const p = q * b;
    const rem = (a - p) - twoProdErr(q, b, p);
    writeS(h.f, rd, roundS(h, q, b > 0 ? sgn(rem) : -sgn(rem), rm));
  }
}

export function sqrtS(h: FpContext, rd: number, rs1: number, rm: number): void {
  const a = readS(h.f, rs1);
  if (a > 0 && a < Infinity) {
    const s = Math.fround(Math.sqrt(a)); // correctly rounded (innocuous double rounding)
    const rem = a - s * s; // s*s has 48 bits: exact; Sterbenz for the subtraction
    if (rem !== 0) {
      h.fflags |= FFLAG_NX;
      writeS(h.f, rd, rm === 0 ? s : dirS(s, rem > 0 ? 1 : -1, false, false, rm));
    } else writeS(h.f, rd, s);
    return;
  }
  if (a === 0 || a === Infinity) writeS(h.f, rd, a);
  else {
    if (a === a || isSNaNS(h.f, rs1)) h.fflags |= FFLAG_NV;
    writeS(h.f, rd, NaN);
  }
}

/** The fused multiply-adds, as fmaD. */
export function fmaS(h: FpContext, rd: number, rs1: number, rs2: number, rs3: number, np: boolean, nc: boolean, rm: number): void {
  const a0 = readS(h.f, rs1);
  const a = np ? -a0 : a0;
  const b = readS(h.f, rs2);
  const c0 = readS(h.f, rs3);
  const c = nc ? -c0 : c0;
  const p = a * b; // exact: 24 x 24 bits, far inside the double range
  const hi = p + c;
  if (hi - hi === 0) {
    if (hi === 0) {
      writeS(h.f, rd, rm === 2 && !(p === 0 && c === 0 && 1 / p > 0 && 1 / c > 0) ? -0 : hi);
      return;
    }
    const lo = Math.abs(p) >= Math.abs(c) ? c - (hi - p) : p - (hi - c);
    writeS(h.f, rd, roundS(h, hi, sgn(lo), rm));
    return;
  }
  // NaN or infinite: inf * 0 is invalid even when the addend is a quiet NaN
  const infA = a - a !== 0 && a === a;
  const infB = b - b !== 0 && b === b;
  if ((infA && b === 0) || (infB && a === 0) || isSNaNS(h.f, rs1) || isSNaNS(h.f, rs2) || isSNaNS(h.f, rs3) ||
    (hi !== hi && a === a && b === b && c === c)) {
    h.fflags |= FFLAG_NV;
  }
  writeS(h.f, rd, hi);
}
