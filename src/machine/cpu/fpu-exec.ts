// The floating-point execution unit: every F and D operation from FMADD.S to FCVT.D.WU (the
// hart itself does FLW/FSW/FLD/FSD). See fp-state.ts for the register-file contract and
// opcodes.ts for field use.
//
// Exactness: every operation is bit-exact with IEEE 754-2008 as RISC-V specifies it (results,
// NaN canonicalisation and boxing, all five rounding modes, and all five flags with tininess
// detected after rounding), and checked against qemu's softfloat by the golden vectors in
// test/fixtures/fpu. There is no known inexact case. How:
//   - binary32 ops compute in double and round once with roundS (fpu-round.ts, fpu-single.ts);
//   - binary64 ops take JS's RNE result and an error-free transformation of the residual for
//     NX and the other modes, falling back to exact BigInt arithmetic (fpu-slow.ts) near
//     overflow, near the subnormal range, and for the rare fused multiply-add that the
//     double-double fast path cannot decide (fpu-double.ts).
// The common path (RNE add/mul/div of doubles) allocates nothing and uses no BigInt.
import { FFLAG_NV, FFLAG_NX, type FpContext } from "./fp-state.ts";
import { addD, divD, fmaD, isSNaND, mulD, sqrtD, writeNaND } from "./fpu-double.ts";
import { roundS } from "./fpu-round.ts";
import { addS, bitsS, divS, fmaS, isSNaNS, mulS, readS, sqrtS, writeS } from "./fpu-single.ts";

/** The rounding mode the rm field selects, or -1 if reserved (5, 6) or dynamic with bad frm. */
function rmOf(h: FpContext, imm: number): number {
  const rm = imm & 7;
  if (rm < 5) return rm;
  if (rm === 7) {
    const frm = h.frm >>> 0;
    if (frm < 5) return frm;
  }
  return -1;
}

/**
 * Executes FP operation op (OP.FMADD_S .. OP.FCVT_D_WU). Returns false, changing nothing, if
 * the instruction is illegal: a reserved rounding mode, dynamic rounding with an invalid frm,
 * or an op number outside that range.
 */
export function fpExec(h: FpContext, op: number, rd: number, rs1: number, rs2: number, imm: number): boolean {
  const f = h.f;
  let rm = 0;
  // Ops with an rm field: the fused ops, arithmetic, and every FCVT.
  if (op <= 92 || (op >= 98 && op <= 99) || (op >= 105 && op <= 106) || (op >= 108 && op <= 116) ||
    (op >= 122 && op <= 123) || op >= 128) {
    rm = rmOf(h, imm);
    if (rm < 0) return false;
  }
  switch (op) {
    case 84: /* FMADD_S */ fmaS(h, rd, rs1, rs2, imm >>> 8, false, false, rm); return true;
    case 85: /* FMSUB_S */ fmaS(h, rd, rs1, rs2, imm >>> 8, false, true, rm); return true;
    case 86: /* FNMSUB_S */ fmaS(h, rd, rs1, rs2, imm >>> 8, true, false, rm); return true;
    case 87: /* FNMADD_S */ fmaS(h, rd, rs1, rs2, imm >>> 8, true, true, rm); return true;
    case 88: /* FADD_S */ addS(h, rd, rs1, rs2, readS(f, rs1), readS(f, rs2), rm); return true;
    case 89: /* FSUB_S */ addS(h, rd, rs1, rs2, readS(f, rs1), -readS(f, rs2), rm); return true;
    case 90: /* FMUL_S */ mulS(h, rd, rs1, rs2, rm); return true;
    case 91: /* FDIV_S */ divS(h, rd, rs1, rs2, rm); return true;
    case 92: /* FSQRT_S */ sqrtS(h, rd, rs1, rm); return true;
    case 93: /* FSGNJ_S */ sgnjS(f, rd, rs1, rs2, 0); return true;
    case 94: /* FSGNJN_S */ sgnjS(f, rd, rs1, rs2, 1); return true;
    case 95: /* FSGNJX_S */ sgnjS(f, rd, rs1, rs2, 2); return true;
    case 96: /* FMIN_S */ minMaxS(h, rd, rs1, rs2, false); return true;
    case 97: /* FMAX_S */ minMaxS(h, rd, rs1, rs2, true); return true;
    case 98: /* FCVT_W_S */ h.x[rd] = toInt(h, readS(f, rs1), rm, false); return true;
    case 99: /* FCVT_WU_S */ h.x[rd] = toInt(h, readS(f, rs1), rm, true); return true;
    case 100: /* FMV_X_W */ h.x[rd] = f[2 * rs1] | 0; return true;
    case 101: /* FEQ_S */ h.x[rd] = cmp(h, readS(f, rs1), readS(f, rs2), 0, isSNaNS(f, rs1) || isSNaNS(f, rs2)); return true;
    case 102: /* FLT_S */ h.x[rd] = cmp(h, readS(f, rs1), readS(f, rs2), 1, false); return true;
    case 103: /* FLE_S */ h.x[rd] = cmp(h, readS(f, rs1), readS(f, rs2), 2, false); return true;
    case 104: /* FCLASS_S */ h.x[rd] = classS(bitsS(f, rs1)); return true;
    case 105: /* FCVT_S_W */ writeS(f, rd, fromInt(h, h.x[rs1], rm)); return true;
    case 106: /* FCVT_S_WU */ writeS(f, rd, fromInt(h, h.x[rs1] >>> 0, rm)); return true;
    case 107: /* FMV_W_X */
      f[2 * rd] = h.x[rs1] >>> 0;
      f[2 * rd + 1] = 0xffffffff;
      return true;
    case 108: /* FMADD_D */ fmaD(h, rd, rs1, rs2, imm >>> 8, false, false, rm); return true;
    case 109: /* FMSUB_D */ fmaD(h, rd, rs1, rs2, imm >>> 8, false, true, rm); return true;
    case 110: /* FNMSUB_D */ fmaD(h, rd, rs1, rs2, imm >>> 8, true, false, rm); return true;
    case 111: /* FNMADD_D */ fmaD(h, rd, rs1, rs2, imm >>> 8, true, true, rm); return true;
    case 112: /* FADD_D */ addD(h, rd, rs1, rs2, h.fd[rs1], h.fd[rs2], rm); return true;
    case 113: /* FSUB_D */ addD(h, rd, rs1, rs2, h.fd[rs1], -h.fd[rs2], rm); return true;
    case 114: /* FMUL_D */ mulD(h, rd, rs1, rs2, h.fd[rs1], h.fd[rs2], rm); return true;
    case 115: /* FDIV_D */ divD(h, rd, rs1, rs2, h.fd[rs1], h.fd[rs2], rm); return true;
    case 116: /* FSQRT_D */ sqrtD(h, rd, rs1, h.fd[rs1], rm); return true;
    case 117: /* FSGNJ_D */ sgnjD(f, rd, rs1, rs2, 0); return true;
    case 118: /* FSGNJN_D */ sgnjD(f, rd, rs1, rs2, 1); return true;
    case 119: /* FSGNJX_D */ sgnjD(f, rd, rs1, rs2, 2); return true;
    case 120: /* FMIN_D */ minMaxD(h, rd, rs1, rs2, false); return true;
    case 121: /* FMAX_D */ minMaxD(h, rd, rs1, rs2, true); return true;
    case 122: /* FCVT_S_D */ cvtSD(h, rd, rs1, rm); return true;
    case 123: /* FCVT_D_S */ {
      const a = readS(f, rs1);
      if (a === a) h.fd[rd] = a; // exact
      else {
        if (isSNaNS(f, rs1)) h.fflags |= FFLAG_NV;
        writeNaND(f, rd);
      }
      return true;
    }
    case 124: /* FEQ_D */ h.x[rd] = cmp(h, h.fd[rs1], h.fd[rs2], 0, isSNaND(f, rs1) || isSNaND(f, rs2)); return true;
    case 125: /* FLT_D */ h.x[rd] = cmp(h, h.fd[rs1], h.fd[rs2], 1, false); return true;
    case 126: /* FLE_D */ h.x[rd] = cmp(h, h.fd[rs1], h.fd[rs2], 2, false); return true;
    case 127: /* FCLASS_D */ h.x[rd] = classD(f[2 * rs1 + 1], f[2 * rs1]); return true;
    case 128: /* FCVT_W_D */ h.x[rd] = toInt(h, h.fd[rs1], rm, false); return true;
    case 129: /* FCVT_WU_D */ h.x[rd] = toInt(h, h.fd[rs1], rm, true); return true;
    case 130: /* FCVT_D_W */ h.fd[rd] = h.x[rs1]; return true;
    case 131: /* FCVT_D_WU */ h.fd[rd] = h.x[rs1] >>> 0; return true;
  }
  return false;
}

/**
 * FEQ (kind 0, quiet: NV only when snan), FLT (1) and FLE (2) (signaling: NV for any NaN).
 */
function cmp(h: FpContext, a: number, b: number, kind: number, snan: boolean): number {
  if (a !== a || b !== b) {
    if (kind !== 0 || snan) h.fflags |= FFLAG_NV;
    return 0;
  }
  return (kind === 0 ? a === b : kind === 1 ? a < b : a <= b) ? 1 : 0;
}

/** FSGNJ (0), FSGNJN (1), FSGNJX (2) on raw bits: no canonicalisation, no flags. */
function sgnjD(f: Uint32Array, rd: number, rs1: number, rs2: number, kind: number): void {
  const hiA = f[2 * rs1 + 1];
  const hiB = f[2 * rs2 + 1];
  const sign = kind === 0 ? hiB : kind === 1 ? ~hiB : hiA ^ hiB;
  f[2 * rd] = f[2 * rs1];
  f[2 * rd + 1] = ((hiA & 0x7fffffff) | (sign & 0x80000000)) >>> 0;
}

function sgnjS(f: Uint32Array, rd: number, rs1: number, rs2: number, kind: number): void {
  const a = bitsS(f, rs1); // an unboxed operand reads as the canonical NaN
  const b = bitsS(f, rs2);
  const sign = kind === 0 ? b : kind === 1 ? ~b : a ^ b;
  f[2 * rd] = ((a & 0x7fffffff) | (sign & 0x80000000)) >>> 0;
  f[2 * rd + 1] = 0xffffffff;
}

/**
 * FMIN/FMAX (IEEE 754-2019 minimumNumber/maximumNumber): a NaN operand yields the other one,
 * two NaNs the canonical NaN, -0 < +0, and a signaling NaN raises NV.
 */
function minMaxD(h: FpContext, rd: number, rs1: number, rs2: number, max: boolean): void {
  const f = h.f;
  const a = h.fd[rs1];
  const b = h.fd[rs2];
  let src: number;
  if (a !== a || b !== b) {
    if (isSNaND(f, rs1) || isSNaND(f, rs2)) h.fflags |= FFLAG_NV;
    if (a !== a && b !== b) {
      writeNaND(f, rd);
      return;
    }
    src = a !== a ? rs2 : rs1;
  } else if (a === b) src = (f[2 * rs1 + 1] >>> 31 === 1) !== max ? rs1 : rs2; // ±0: by sign bit
  else src = (a < b) !== max ? rs1 : rs2;
  f[2 * rd] = f[2 * src];
  f[2 * rd + 1] = f[2 * src + 1];
}

function minMaxS(h: FpContext, rd: number, rs1: number, rs2: number, max: boolean): void {
  const f = h.f;
  const a = readS(f, rs1);
  const b = readS(f, rs2);
  let src: number;
  if (a !== a || b !== b) {
    if (isSNaNS(f, rs1) || isSNaNS(f, rs2)) h.fflags |= FFLAG_NV;
    if (a !== a && b !== b) {
      writeS(f, rd, NaN);
      return;
    }
    src = a !== a ? rs2 : rs1;
  } else if (a === b) src = (f[2 * rs1] >>> 31 === 1) !== max ? rs1 : rs2;
  else src = (a < b) !== max ? rs1 : rs2;
  f[2 * rd] = f[2 * src]; // a non-NaN operand is NaN-boxed
  f[2 * rd + 1] = 0xffffffff;
}

/** FCLASS.D: the 10-bit class mask of a double given as its high and low words. */
function classD(hi: number, lo: number): number {
  const neg = hi >>> 31 === 1;
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (hi & 0xfffff) | lo;
  if (exp === 0x7ff) return frac === 0 ? (neg ? 1 : 128) : hi & 0x80000 ? 512 : 256;
  if (exp === 0) return frac === 0 ? (neg ? 8 : 16) : neg ? 4 : 32;
  return neg ? 2 : 64;
}

function classS(bits: number): number {
  const neg = bits >>> 31 === 1;
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  if (exp === 0xff) return frac === 0 ? (neg ? 1 : 128) : bits & 0x400000 ? 512 : 256;
  if (exp === 0) return frac === 0 ? (neg ? 8 : 16) : neg ? 4 : 32;
  return neg ? 2 : 64;
}

/** x rounded to an integer in mode rm (x finite, |x| < 2^52; larger values are integers). */
function roundToInt(x: number, rm: number): number {
  if (!(Math.abs(x) < 4503599627370496)) return x;
  switch (rm) {
    case 0: {
      const r = Math.round(x); // ties toward +inf: fix ties to even
      return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
    case 1: return Math.trunc(x);
    case 2: return Math.floor(x);
    case 3: return Math.ceil(x);
  }
  const t = Math.trunc(x);
  const d = x - t;
  return d >= 0.5 ? t + 1 : d <= -0.5 ? t - 1 : t;
}

/**
 * FCVT.W[U].S/D: x (a double, or a binary32 value) to a 32-bit integer as an int32. Out of
 * range or NaN: NV and the saturated value (NaN gives the maximum); in range but inexact: NX.
 */
function toInt(h: FpContext, x: number, rm: number, unsigned: boolean): number {
  const max = unsigned ? 4294967295 : 2147483647;
  if (x !== x) {
    h.fflags |= FFLAG_NV;
    return max | 0;
  }
  const r = roundToInt(x, rm);
  const min = unsigned ? 0 : -2147483648;
  if (r < min || r > max) {
    h.fflags |= FFLAG_NV;
    return (x < 0 ? min : max) | 0;
  }
  if (r !== x) h.fflags |= FFLAG_NX;
  return r | 0;
}

/** FCVT.S.W[U]: an integer (exact as a double) rounded to binary32. */
function fromInt(h: FpContext, v: number, rm: number): number {
  return v === 0 ? 0 : roundS(h, v, 0, rm);
}

/** FCVT.S.D: round a double to binary32 (OF, UF, NX possible; sNaN: NV). */
function cvtSD(h: FpContext, rd: number, rs1: number, rm: number): void {
  const x = h.fd[rs1];
  if (x !== x) {
    if (isSNaND(h.f, rs1)) h.fflags |= FFLAG_NV;
    writeS(h.f, rd, NaN);
  } else writeS(h.f, rd, x === 0 || x - x !== 0 ? x : roundS(h, x, 0, rm));
}
