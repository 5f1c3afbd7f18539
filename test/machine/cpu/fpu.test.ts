// Hand-checked edge cases for every FP operation fpExec executes: specials, signed zeros,
// subnormals, rounding modes, flags, saturation, NaN boxing and illegal rounding modes.
// (The bulk of the checking is the qemu golden vectors in fpu-golden.test.ts.)
import { describe, expect, it } from "vitest";
import { newFpRegisterFile, type FpContext } from "../../../src/machine/cpu/fp-state.ts";
import { fpExec } from "../../../src/machine/cpu/fpu-exec.ts";
import { roundS } from "../../../src/machine/cpu/fpu-round.ts";
import { OP, type OpName } from "../../../src/machine/cpu/opcodes.ts";

const NV = 16, DZ = 8, OF = 4, UF = 2, NX = 1;
const RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7;

function ctx(): FpContext {
  const { f, fd } = newFpRegisterFile();
  return { x: new Int32Array(33), f, fd, fflags: 0, frm: 0 };
}
function setD(h: FpContext, r: number, bits: bigint): void {
  h.f[2 * r] = Number(bits & 0xffffffffn);
  h.f[2 * r + 1] = Number(bits >> 32n);
}
function getD(h: FpContext, r: number): bigint {
  return (BigInt(h.f[2 * r + 1]) << 32n) | BigInt(h.f[2 * r]);
}
/** A NaN-boxed single. */
function setS(h: FpContext, r: number, bits: number): void {
  h.f[2 * r] = bits >>> 0;
  h.f[2 * r + 1] = 0xffffffff;
}
/** The register as 64 bits, so tests see the NaN boxing. */
const boxed = (bits: number): bigint => 0xffffffff00000000n | BigInt(bits >>> 0);

function exec(h: FpContext, op: OpName, rd: number, rs1: number, rs2: number, imm = 0): boolean {
  return fpExec(h, OP[op], rd, rs1, rs2, imm);
}

/** Runs a two-operand double op on bit patterns; returns [result bits, flags]. */
function d2(op: OpName, a: bigint, b: bigint, rm = RNE): [bigint, number] {
  const h = ctx();
  setD(h, 1, a);
  setD(h, 2, b);
  expect(exec(h, op, 3, 1, 2, rm)).toBe(true);
  return [getD(h, 3), h.fflags];
}
function s2(op: OpName, a: number, b: number, rm = RNE): [bigint, number] {
  const h = ctx();
  setS(h, 1, a);
  setS(h, 2, b);
  expect(exec(h, op, 3, 1, 2, rm)).toBe(true);
  return [getD(h, 3), h.fflags];
}
function d1(op: OpName, a: bigint, rm = RNE): [bigint, number] {
  const h = ctx();
  setD(h, 1, a);
  expect(exec(h, op, 3, 1, 0, rm)).toBe(true);
  return [getD(h, 3), h.fflags];
}
function fma(op: OpName, a: bigint, b: bigint, c: bigint, rm = RNE): [bigint, number] {
  const h = ctx();
  setD(h, 1, a);
  setD(h, 2, b);
  setD(h, 5, c);
  expect(exec(h, op, 3, 1, 2, rm | (5 << 8))).toBe(true);
  return [getD(h, 3), h.fflags];
}
/** FP register -> integer register op; returns [x[rd] as u32, flags]. */
function toX(op: OpName, bits: bigint, rm = RNE): [number, number] {
  const h = ctx();
  setD(h, 1, bits);
  expect(exec(h, op, 10, 1, 0, rm)).toBe(true);
  return [h.x[10] >>> 0, h.fflags];
}
function fromX(op: OpName, v: number, rm = RNE): [bigint, number] {
  const h = ctx();
  h.x[7] = v | 0;
  expect(exec(h, op, 3, 7, 0, rm)).toBe(true);
  return [getD(h, 3), h.fflags];
}

const ONE = 0x3ff0000000000000n, TWO = 0x4000000000000000n, NEG_ONE = 0xbff0000000000000n;
const ONE_ULP = 0x3ff0000000000001n, HALF_ULP_1 = 0x3ca0000000000000n; // 1 + 2^-52, 2^-53
const PZ = 0n, NZ = 0x8000000000000000n;
const INF = 0x7ff0000000000000n, NINF = 0xfff0000000000000n;
const QNAN = 0x7ff8000000000000n, SNAN = 0x7ff0000000000001n, NAN_PAYLOAD = 0xfff8000000000123n;
const MAX = 0x7fefffffffffffffn, NMAX = 0xffefffffffffffffn;
const MIN_NORM = 0x0010000000000000n, MIN_SUB = 1n;
const S_ONE = 0x3f800000, S_QNAN = 0x7fc00000, S_SNAN = 0x7f800001, S_INF = 0x7f800000, S_MAX = 0x7f7fffff;

describe("rounding-mode legality", () => {
  it("rejects rm 5 and 6, and dynamic rm with frm 5..7, changing nothing", () => {
    for (const imm of [5, 6]) {
      const h = ctx();
      setD(h, 1, ONE);
      setD(h, 2, TWO);
      expect(exec(h, "FADD_D", 3, 1, 2, imm)).toBe(false);
      expect(getD(h, 3)).toBe(0n);
      expect(h.fflags).toBe(0);
    }
    for (const frm of [5, 6, 7]) {
      const h = ctx();
      h.frm = frm;
      expect(exec(h, "FDIV_S", 3, 1, 2, DYN)).toBe(false);
      expect(exec(h, "FCVT_W_D", 3, 1, 0, DYN)).toBe(false);
    }
  });

  it("checks the rm field of every op that has one, FMA and exact conversions included", () => {
    const h = ctx();
    for (const op of ["FMADD_S", "FNMADD_D"] as const) expect(exec(h, op, 3, 1, 2, 5 | (4 << 8))).toBe(false);
    for (const op of ["FCVT_D_S", "FCVT_D_W", "FCVT_D_WU", "FCVT_S_W", "FSQRT_D", "FCVT_WU_S"] as const) {
      expect(exec(h, op, 3, 1, 0, 6)).toBe(false);
    }
  });

  it("ignores the funct3 bits of ops without an rm field", () => {
    const h = ctx();
    h.frm = 7;
    for (const op of ["FSGNJ_D", "FMIN_S", "FMAX_D", "FEQ_D", "FLT_S", "FCLASS_D", "FMV_X_W", "FMV_W_X"] as const) {
      expect(exec(h, op, 3, 1, 2, 7)).toBe(true);
      expect(exec(h, op, 3, 1, 2, 5)).toBe(true);
    }
  });

  it("uses frm for rm=7", () => {
    const h = ctx();
    setD(h, 1, ONE);
    setD(h, 2, HALF_ULP_1);
    h.frm = RUP;
    expect(exec(h, "FADD_D", 3, 1, 2, DYN)).toBe(true);
    expect(getD(h, 3)).toBe(ONE_ULP);
    h.frm = RNE;
    expect(exec(h, "FADD_D", 3, 1, 2, DYN)).toBe(true);
    expect(getD(h, 3)).toBe(ONE);
  });

  it("returns false for op numbers it does not execute", () => {
    expect(fpExec(ctx(), OP.FLW, 1, 2, 3, 0)).toBe(false);
    expect(fpExec(ctx(), OP.ADD, 1, 2, 3, 0)).toBe(false);
  });
});

describe("add and subtract", () => {
  it("rounds a tie (1 + 2^-53) in every mode", () => {
    expect(d2("FADD_D", ONE, HALF_ULP_1, RNE)).toEqual([ONE, NX]);
    expect(d2("FADD_D", ONE, HALF_ULP_1, RTZ)).toEqual([ONE, NX]);
    expect(d2("FADD_D", ONE, HALF_ULP_1, RDN)).toEqual([ONE, NX]);
    expect(d2("FADD_D", ONE, HALF_ULP_1, RUP)).toEqual([ONE_ULP, NX]);
    expect(d2("FADD_D", ONE, HALF_ULP_1, RMM)).toEqual([ONE_ULP, NX]);
    expect(d2("FSUB_D", NEG_ONE, HALF_ULP_1, RDN)).toEqual([ONE_ULP | NZ, NX]);
  });

  it("gives exact zeros the IEEE sign: +0, or -0 in RDN", () => {
    expect(d2("FSUB_D", ONE, ONE, RNE)).toEqual([PZ, 0]);
    expect(d2("FSUB_D", ONE, ONE, RDN)).toEqual([NZ, 0]);
    expect(d2("FADD_D", NZ, NZ, RNE)).toEqual([NZ, 0]);
    expect(d2("FADD_D", PZ, NZ, RNE)).toEqual([PZ, 0]);
    expect(d2("FADD_D", PZ, PZ, RDN)).toEqual([PZ, 0]);
    expect(s2("FSUB_S", S_ONE, S_ONE, RDN)).toEqual([boxed(0x80000000), 0]);
  });

  it("overflows to inf or the largest finite value by mode", () => {
    expect(d2("FADD_D", MAX, MAX, RNE)).toEqual([INF, OF | NX]);
    expect(d2("FADD_D", MAX, MAX, RTZ)).toEqual([MAX, OF | NX]);
    expect(d2("FADD_D", NMAX, NMAX, RUP)).toEqual([NMAX, OF | NX]);
    expect(d2("FADD_D", MAX, 0x7c90000000000000n, RUP)).toEqual([INF, OF | NX]); // MAX + ulp/2
    expect(d2("FADD_D", MAX, 0x7c90000000000000n, RTZ)).toEqual([MAX, NX]);
    expect(s2("FADD_S", S_MAX, S_MAX, RDN)).toEqual([boxed(S_MAX), OF | NX]);
  });

  it("handles infinities and NaNs", () => {
    expect(d2("FADD_D", INF, NINF)).toEqual([QNAN, NV]);
    expect(d2("FADD_D", INF, ONE)).toEqual([INF, 0]);
    expect(d2("FADD_D", NAN_PAYLOAD, ONE)).toEqual([QNAN, 0]); // canonical, no NV
    expect(d2("FADD_D", ONE, SNAN)).toEqual([QNAN, NV]);
    expect(s2("FSUB_S", S_INF, S_INF)).toEqual([boxed(S_QNAN), NV]);
  });

  it("adds subnormals exactly (no underflow flag)", () => {
    expect(d2("FADD_D", MIN_SUB, MIN_SUB)).toEqual([2n, 0]);
    expect(d2("FSUB_D", MIN_NORM, MIN_SUB)).toEqual([0x000fffffffffffffn, 0]);
  });
});

describe("multiply, divide, square root", () => {
  it("detects tininess after rounding", () => {
    // (1 - 2^-53) * 2^-1022 rounds up to 2^-1022 but was tiny: UF
    expect(d2("FMUL_D", 0x3fefffffffffffffn, MIN_NORM)).toEqual([MIN_NORM, UF | NX]);
    expect(d2("FMUL_D", MIN_SUB, 0x3fe0000000000000n)).toEqual([PZ, UF | NX]); // tie to even: 0
    expect(d2("FMUL_D", MIN_SUB, 0x3fe0000000000000n, RUP)).toEqual([MIN_SUB, UF | NX]);
    expect(d2("FMUL_D", MIN_SUB, 0x3fe0000000000000n, RMM)).toEqual([MIN_SUB, UF | NX]);
    expect(d2("FMUL_D", MIN_NORM, 0x3fe0000000000000n)).toEqual([0x0008000000000000n, 0]); // exact
  });

  it("multiplies specials", () => {
    expect(d2("FMUL_D", INF, PZ)).toEqual([QNAN, NV]);
    expect(d2("FMUL_D", NINF, NZ)).toEqual([QNAN, NV]);
    expect(d2("FMUL_D", NZ, ONE)).toEqual([NZ, 0]);
    expect(d2("FMUL_D", MAX, TWO, RDN)).toEqual([MAX, OF | NX]);
    expect(d2("FMUL_D", ONE_ULP, ONE_ULP, RUP)).toEqual([0x3ff0000000000003n, NX]); // 1 + 2^-51 + 2^-104
  });

  it("divides, with DZ only for a finite non-zero dividend", () => {
    expect(d2("FDIV_D", ONE, PZ)).toEqual([INF, DZ]);
    expect(d2("FDIV_D", ONE, NZ)).toEqual([NINF, DZ]);
    expect(d2("FDIV_D", INF, PZ)).toEqual([INF, 0]);
    expect(d2("FDIV_D", PZ, PZ)).toEqual([QNAN, NV]);
    expect(d2("FDIV_D", INF, INF)).toEqual([QNAN, NV]);
    expect(d2("FDIV_D", ONE, INF)).toEqual([PZ, 0]);
    // 1/3 = 0x3fd5555555555555 (rounded down), so RUP moves up
    expect(d2("FDIV_D", ONE, 0x4008000000000000n)).toEqual([0x3fd5555555555555n, NX]);
    expect(d2("FDIV_D", ONE, 0x4008000000000000n, RUP)).toEqual([0x3fd5555555555556n, NX]);
    expect(s2("FDIV_S", S_ONE, 0x40400000, RUP)).toEqual([boxed(0x3eaaaaab), NX]);
    expect(s2("FDIV_S", S_ONE, 0x40400000, RTZ)).toEqual([boxed(0x3eaaaaaa), NX]);
  });

  it("takes square roots", () => {
    expect(d1("FSQRT_D", 0x4010000000000000n)).toEqual([TWO, 0]);
    expect(d1("FSQRT_D", TWO)).toEqual([0x3ff6a09e667f3bcdn, NX]);
    expect(d1("FSQRT_D", TWO, RTZ)).toEqual([0x3ff6a09e667f3bccn, NX]);
    expect(d1("FSQRT_D", NZ)).toEqual([NZ, 0]);
    expect(d1("FSQRT_D", NEG_ONE)).toEqual([QNAN, NV]);
    expect(d1("FSQRT_D", NINF)).toEqual([QNAN, NV]);
    expect(d1("FSQRT_D", INF)).toEqual([INF, 0]);
    expect(d1("FSQRT_D", MIN_SUB)).toEqual([0x1e60000000000000n, 0]); // 2^-537
    const h = ctx();
    setS(h, 1, 0x40000000);
    exec(h, "FSQRT_S", 2, 1, 0, RUP);
    expect([getD(h, 2), h.fflags]).toEqual([boxed(0x3fb504f4), NX]);
  });
});

describe("fused multiply-add", () => {
  it("rounds once", () => {
    // (1 + 2^-52)^2 - (1 + 2^-51) = 2^-104 exactly
    expect(fma("FMSUB_D", ONE_ULP, ONE_ULP, 0x3ff0000000000002n)).toEqual([0x3970000000000000n, 0]);
    // 1 + 2^-1200: the product underflows in double, but nudges a directed rounding
    const tiny = 0x1a70000000000000n; // 2^-600
    expect(fma("FMADD_D", tiny, tiny, ONE, RUP)).toEqual([ONE_ULP, NX]);
    expect(fma("FMADD_D", tiny, tiny, ONE, RNE)).toEqual([ONE, NX]);
  });

  it("applies the sign conventions of the four variants", () => {
    const three = 0x4008000000000000n;
    expect(fma("FMADD_D", TWO, three, ONE)).toEqual([0x401c000000000000n, 0]); // 7
    expect(fma("FMSUB_D", TWO, three, ONE)).toEqual([0x4014000000000000n, 0]); // 5
    expect(fma("FNMSUB_D", TWO, three, ONE)).toEqual([0xc014000000000000n, 0]); // -5
    expect(fma("FNMADD_D", TWO, three, ONE)).toEqual([0xc01c000000000000n, 0]); // -7
    // exact zeros: -(1*1) + 1 = +0 (the negation applies before the sum), -0 in RDN
    expect(fma("FNMSUB_D", ONE, ONE, ONE)).toEqual([PZ, 0]);
    expect(fma("FNMADD_D", ONE, ONE, NEG_ONE)).toEqual([PZ, 0]);
    expect(fma("FMADD_D", ONE, ONE, NEG_ONE, RDN)).toEqual([NZ, 0]);
    expect(fma("FMADD_D", NZ, ONE, NZ)).toEqual([NZ, 0]);
  });

  it("raises NV for inf * 0 even with a quiet NaN addend", () => {
    expect(fma("FMADD_D", INF, PZ, QNAN)).toEqual([QNAN, NV]);
    expect(fma("FMADD_D", ONE, QNAN, ONE)).toEqual([QNAN, 0]);
    expect(fma("FMADD_D", INF, ONE, NINF)).toEqual([QNAN, NV]);
    expect(fma("FMSUB_D", INF, ONE, INF)).toEqual([QNAN, NV]);
    expect(fma("FMADD_D", INF, ONE, INF)).toEqual([INF, 0]);
    expect(fma("FMADD_D", MAX, TWO, NMAX)).toEqual([MAX, 0]); // no intermediate overflow
  });

  it("does binary32 fma with a single rounding", () => {
    const h = ctx();
    setS(h, 1, 0x3f800800); // 1 + 2^-12
    setS(h, 2, 0x3f800800);
    setS(h, 5, 0x1e800000); // 2^-66: pushes the midpoint 1 + 2^-11 + 2^-24 up
    exec(h, "FMADD_S", 3, 1, 2, RNE | (5 << 8));
    expect([getD(h, 3), h.fflags]).toEqual([boxed(0x3f801001), NX]);
    setS(h, 5, 0);
    exec(h, "FMADD_S", 3, 1, 2, RNE | (5 << 8));
    expect(getD(h, 3)).toBe(boxed(0x3f801000)); // a true tie: to even
  });

  it("does not overflow when the binary32 fma result is just below 2^128 and rounds toward zero", () => {
    // 2^64 * 2^64 - 1: the double sum rounds to exactly 2^128 (residual -1), but the exact value
    // is below 2^128, so RTZ/RDN give MAX_S with NX only (softfloat); RNE/RUP/RMM overflow.
    const P64 = 0x5f800000, N64 = 0xdf800000, S_NONE = 0xbf800000; // 2^64, -2^64, -1
    const s3 = (a: number, b: number, c: number, rm: number): [bigint, number] => {
      const h = ctx();
      setS(h, 1, a);
      setS(h, 2, b);
      setS(h, 5, c);
      exec(h, "FMADD_S", 3, 1, 2, rm | (5 << 8));
      return [getD(h, 3), h.fflags];
    };
    expect(s3(P64, P64, S_NONE, RTZ)).toEqual([boxed(S_MAX), NX]);
    expect(s3(P64, P64, S_NONE, RDN)).toEqual([boxed(S_MAX), NX]);
    expect(s3(P64, P64, S_NONE, RNE)).toEqual([boxed(S_INF), OF | NX]);
    expect(s3(P64, P64, S_NONE, RUP)).toEqual([boxed(S_INF), OF | NX]);
    expect(s3(P64, P64, S_NONE, RMM)).toEqual([boxed(S_INF), OF | NX]);
    expect(s3(N64, P64, S_ONE, RTZ)).toEqual([boxed(S_MAX | 0x80000000), NX]);
    expect(s3(N64, P64, S_ONE, RUP)).toEqual([boxed(S_MAX | 0x80000000), NX]);
    expect(s3(N64, P64, S_ONE, RDN)).toEqual([boxed(S_INF | 0x80000000), OF | NX]);
  });
});

describe("roundS", () => {
  it("rounds hi = ±2^128 with a residual toward zero to ±MAX_S without OF in the modes toward zero", () => {
    // fast-check counterexample of "roundS ... matches roundPack" (seed 3, numRuns 5000):
    // [hi = -3.402823669209385e+38 = -2^128, k = 1 (lo = +2^73), rm = RTZ]
    const run = (hi: number, ls: number, rm: number): [number, number] => {
      const h = ctx();
      const r = roundS(h, hi, ls, rm);
      return [r, h.fflags];
    };
    const MAXS = 3.4028234663852886e38;
    expect(run(-(2 ** 128), 1, RTZ)).toEqual([-MAXS, NX]);
    expect(run(-(2 ** 128), 1, RUP)).toEqual([-MAXS, NX]);
    expect(run(2 ** 128, -1, RDN)).toEqual([MAXS, NX]);
    expect(run(2 ** 128, -1, RTZ)).toEqual([MAXS, NX]);
    // the residual away from zero, no residual, or a mode away from zero: overflow
    expect(run(-(2 ** 128), 1, RDN)).toEqual([-Infinity, OF | NX]);
    expect(run(-(2 ** 128), 1, RNE)).toEqual([-Infinity, OF | NX]);
    expect(run(-(2 ** 128), 1, RMM)).toEqual([-Infinity, OF | NX]);
    expect(run(2 ** 128, 0, RTZ)).toEqual([MAXS, OF | NX]);
    expect(run(2 ** 128, 1, RTZ)).toEqual([MAXS, OF | NX]);
    expect(run(2 ** 128, 1, RUP)).toEqual([Infinity, OF | NX]);
  });
});

describe("sign injection, min/max, compares, classify", () => {
  it("moves bits without canonicalising", () => {
    expect(d2("FSGNJ_D", SNAN, NEG_ONE)).toEqual([SNAN | NZ, 0]);
    expect(d2("FSGNJN_D", NAN_PAYLOAD, NEG_ONE)).toEqual([0x7ff8000000000123n, 0]); // payload kept
    expect(d2("FSGNJX_D", NEG_ONE, NEG_ONE)).toEqual([ONE, 0]);
    expect(s2("FSGNJN_S", S_SNAN, S_ONE)).toEqual([boxed(S_SNAN | 0x80000000), 0]);
  });

  it("treats an unboxed single as the canonical NaN", () => {
    const h = ctx();
    setD(h, 1, ONE); // not NaN-boxed
    setS(h, 2, 0xbf800000);
    exec(h, "FSGNJ_S", 3, 1, 2);
    expect(getD(h, 3)).toBe(boxed(0xffc00000));
    exec(h, "FADD_S", 3, 1, 2, RNE);
    expect([getD(h, 3), h.fflags]).toEqual([boxed(S_QNAN), 0]);
    exec(h, "FCLASS_S", 10, 1, 0);
    expect(h.x[10]).toBe(512);
    exec(h, "FMIN_S", 3, 1, 2);
    expect(getD(h, 3)).toBe(boxed(0xbf800000));
    exec(h, "FMV_X_W", 10, 1, 0); // moves the low word regardless of boxing
    expect(h.x[10]).toBe(0);
  });

  it("implements minimumNumber / maximumNumber", () => {
    expect(d2("FMIN_D", PZ, NZ)).toEqual([NZ, 0]);
    expect(d2("FMIN_D", NZ, PZ)).toEqual([NZ, 0]);
    expect(d2("FMAX_D", NZ, PZ)).toEqual([PZ, 0]);
    expect(d2("FMAX_D", PZ, NZ)).toEqual([PZ, 0]);
    expect(d2("FMIN_D", QNAN, NEG_ONE)).toEqual([NEG_ONE, 0]);
    expect(d2("FMAX_D", TWO, SNAN)).toEqual([TWO, NV]);
    expect(d2("FMAX_D", NAN_PAYLOAD, SNAN)).toEqual([QNAN, NV]);
    expect(d2("FMIN_D", NINF, MAX)).toEqual([NINF, 0]);
    expect(s2("FMAX_S", S_QNAN, S_QNAN)).toEqual([boxed(S_QNAN), 0]);
  });

  it("compares quietly (FEQ) and signalingly (FLT, FLE)", () => {
    expect(toXX("FEQ_D", PZ, NZ)).toEqual([1, 0]);
    expect(toXX("FLE_D", NZ, PZ)).toEqual([1, 0]);
    expect(toXX("FLT_D", NZ, PZ)).toEqual([0, 0]);
    expect(toXX("FEQ_D", QNAN, QNAN)).toEqual([0, 0]);
    expect(toXX("FEQ_D", SNAN, ONE)).toEqual([0, NV]);
    expect(toXX("FLT_D", QNAN, ONE)).toEqual([0, NV]);
    expect(toXX("FLE_D", ONE, QNAN)).toEqual([0, NV]);
    expect(toXX("FLT_D", NINF, MIN_SUB)).toEqual([1, 0]);
  });

  it("classifies into the ten classes", () => {
    const cases: [bigint, number][] = [
      [NINF, 1], [NEG_ONE, 2], [MIN_SUB | NZ, 4], [NZ, 8], [PZ, 16], [MIN_SUB, 32], [ONE, 64], [INF, 128],
      [SNAN, 256], [QNAN, 512], [NAN_PAYLOAD, 512],
    ];
    for (const [bits, mask] of cases) expect(toX("FCLASS_D", bits)[0]).toBe(mask);
    const sc: [number, number][] = [
      [0xff800000, 1], [0xbf800000, 2], [0x80000001, 4], [0x80000000, 8], [0, 16], [1, 32], [S_ONE, 64],
      [S_INF, 128], [S_SNAN, 256], [S_QNAN, 512],
    ];
    for (const [bits, mask] of sc) expect(toX("FCLASS_S", boxed(bits))[0]).toBe(mask);
  });
});

/** Two-operand op with an integer result. */
function toXX(op: OpName, a: bigint, b: bigint): [number, number] {
  const h = ctx();
  setD(h, 1, a);
  setD(h, 2, b);
  expect(exec(h, op, 10, 1, 2)).toBe(true);
  return [h.x[10], h.fflags];
}

describe("conversions", () => {
  const d = (x: number): bigint => {
    const b = new Float64Array([x]);
    return new BigUint64Array(b.buffer)[0];
  };

  it("FCVT.W.D rounds by mode and saturates with NV", () => {
    expect(toX("FCVT_W_D", d(2.5), RNE)).toEqual([2, NX]);
    expect(toX("FCVT_W_D", d(-2.5), RNE)).toEqual([-2 >>> 0, NX]);
    expect(toX("FCVT_W_D", d(-2.5), RMM)).toEqual([-3 >>> 0, NX]);
    expect(toX("FCVT_W_D", d(-2.5), RDN)).toEqual([-3 >>> 0, NX]);
    expect(toX("FCVT_W_D", d(2.1), RUP)).toEqual([3, NX]);
    expect(toX("FCVT_W_D", d(-2147483648), RNE)).toEqual([0x80000000, 0]);
    expect(toX("FCVT_W_D", d(2147483647.5), RTZ)).toEqual([0x7fffffff, NX]);
    expect(toX("FCVT_W_D", d(2147483647.5), RNE)).toEqual([0x7fffffff, NV]);
    expect(toX("FCVT_W_D", d(-2147483648.5), RTZ)).toEqual([0x80000000, NX]);
    expect(toX("FCVT_W_D", d(-2147483649), RTZ)).toEqual([0x80000000, NV]);
    expect(toX("FCVT_W_D", QNAN)).toEqual([0x7fffffff, NV]);
    expect(toX("FCVT_W_D", NAN_PAYLOAD)).toEqual([0x7fffffff, NV]);
    expect(toX("FCVT_W_D", NINF)).toEqual([0x80000000, NV]);
    expect(toX("FCVT_W_D", INF)).toEqual([0x7fffffff, NV]);
    expect(toX("FCVT_W_D", NZ)).toEqual([0, 0]);
  });

  it("FCVT.WU.D saturates to 0 below and 2^32-1 above", () => {
    expect(toX("FCVT_WU_D", d(-1))).toEqual([0, NV]);
    expect(toX("FCVT_WU_D", d(-0.5), RTZ)).toEqual([0, NX]); // rounds to 0: in range
    expect(toX("FCVT_WU_D", d(-0.5), RDN)).toEqual([0, NV]);
    expect(toX("FCVT_WU_D", d(4294967295))).toEqual([0xffffffff, 0]);
    expect(toX("FCVT_WU_D", d(4294967295.5), RNE)).toEqual([0xffffffff, NV]);
    expect(toX("FCVT_WU_D", QNAN)).toEqual([0xffffffff, NV]);
    expect(toX("FCVT_WU_D", NINF)).toEqual([0, NV]);
  });

  it("FCVT.W[U].S read binary32 (boxed)", () => {
    expect(toX("FCVT_W_S", boxed(0x4f000000))).toEqual([0x7fffffff, NV]); // 2^31
    expect(toX("FCVT_W_S", boxed(0xcf000000))).toEqual([0x80000000, 0]);
    expect(toX("FCVT_WU_S", boxed(0x3fc00000), RNE)).toEqual([2, NX]);
    expect(toX("FCVT_W_S", ONE)).toEqual([0x7fffffff, NV]); // unboxed: canonical NaN
  });

  it("FCVT.S.W[U] round; FCVT.D.W[U] are exact", () => {
    expect(fromX("FCVT_S_W", 16777217, RNE)).toEqual([boxed(0x4b800000), NX]);
    expect(fromX("FCVT_S_W", 16777217, RUP)).toEqual([boxed(0x4b800001), NX]);
    expect(fromX("FCVT_S_W", 0x7fffffff, RNE)).toEqual([boxed(0x4f000000), NX]);
    expect(fromX("FCVT_S_W", -1, RNE)).toEqual([boxed(0xbf800000), 0]);
    expect(fromX("FCVT_S_WU", -1, RTZ)).toEqual([boxed(0x4f7fffff), NX]);
    expect(fromX("FCVT_S_W", 0, RDN)).toEqual([boxed(0), 0]);
    expect(fromX("FCVT_D_W", -2147483648)).toEqual([0xc1e0000000000000n, 0]);
    expect(fromX("FCVT_D_WU", -1)).toEqual([0x41efffffffe00000n, 0]);
    expect(fromX("FCVT_D_W", 0, RDN)).toEqual([PZ, 0]);
  });

  it("FCVT.S.D rounds with OF, UF and NX", () => {
    expect(d1("FCVT_S_D", d(1e300))).toEqual([boxed(S_INF), OF | NX]);
    expect(d1("FCVT_S_D", d(1e300), RTZ)).toEqual([boxed(S_MAX), OF | NX]);
    expect(d1("FCVT_S_D", d(-1e300), RUP)).toEqual([boxed(0xff7fffff), OF | NX]);
    expect(d1("FCVT_S_D", d(1e-300))).toEqual([boxed(0), UF | NX]);
    expect(d1("FCVT_S_D", d(1e-300), RUP)).toEqual([boxed(1), UF | NX]);
    // 2^-126 - 2^-151 rounds (unbounded) to 2^-126: not tiny
    expect(d1("FCVT_S_D", 0x380ffffff0000000n)).toEqual([boxed(0x00800000), NX]);
    expect(d1("FCVT_S_D", 0x380ffffff0000000n, RTZ)).toEqual([boxed(0x007fffff), UF | NX]);
    expect(d1("FCVT_S_D", d(0.1))).toEqual([boxed(0x3dcccccd), NX]);
    expect(d1("FCVT_S_D", d(0.1), RTZ)).toEqual([boxed(0x3dcccccc), NX]);
    expect(d1("FCVT_S_D", SNAN)).toEqual([boxed(S_QNAN), NV]);
    expect(d1("FCVT_S_D", NAN_PAYLOAD)).toEqual([boxed(S_QNAN), 0]);
    expect(d1("FCVT_S_D", NZ)).toEqual([boxed(0x80000000), 0]);
  });

  it("FCVT.D.S is exact; a signaling NaN raises NV", () => {
    expect(d1("FCVT_D_S", boxed(0x3fc00000))).toEqual([0x3ff8000000000000n, 0]);
    expect(d1("FCVT_D_S", boxed(1))).toEqual([0x36a0000000000000n, 0]);
    expect(d1("FCVT_D_S", boxed(S_SNAN))).toEqual([QNAN, NV]);
    expect(d1("FCVT_D_S", ONE)).toEqual([QNAN, 0]); // unboxed
  });

  it("FMV.X.W / FMV.W.X move raw bits", () => {
    expect(toX("FMV_X_W", boxed(S_SNAN))).toEqual([S_SNAN, 0]);
    expect(fromX("FMV_W_X", 0x7f800001)).toEqual([boxed(S_SNAN), 0]);
  });
});

describe("register-file details", () => {
  it("lets rd alias a source", () => {
    const h = ctx();
    setD(h, 1, ONE);
    exec(h, "FADD_D", 1, 1, 1, RNE);
    expect(getD(h, 1)).toBe(TWO);
    setD(h, 2, NEG_ONE);
    exec(h, "FMIN_D", 2, 1, 2);
    expect(getD(h, 2)).toBe(NEG_ONE);
    exec(h, "FSGNJN_D", 1, 1, 1);
    expect(getD(h, 1)).toBe(TWO | NZ);
  });

  it("writes integer results for rd = x0 to the sink x[32]", () => {
    const h = ctx();
    setD(h, 1, ONE);
    exec(h, "FCLASS_D", 32, 1, 0);
    expect(h.x[32]).toBe(64);
    expect(h.x[0]).toBe(0);
  });

  it("accumulates flags", () => {
    const h = ctx();
    h.fflags = DZ;
    setD(h, 1, ONE);
    setD(h, 2, 0x4008000000000000n);
    exec(h, "FDIV_D", 3, 1, 2, RNE);
    expect(h.fflags).toBe(DZ | NX);
  });
});
