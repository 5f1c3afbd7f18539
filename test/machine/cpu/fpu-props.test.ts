// Property tests for the FPU: algebraic identities, and the fast paths checked against the
// independent exact BigInt implementation (fpu-slow.ts) in every rounding mode.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newFpRegisterFile, type FpContext } from "../../../src/machine/cpu/fp-state.ts";
import { fpExec } from "../../../src/machine/cpu/fpu-exec.ts";
import { roundS } from "../../../src/machine/cpu/fpu-round.ts";
import { decodeD, roundPack, slowAddD, slowDivD, slowFmaD, slowMulD } from "../../../src/machine/cpu/fpu-slow.ts";
import { OP } from "../../../src/machine/cpu/opcodes.ts";

const SIGN = 0x8000000000000000n;
const RMS = [0, 1, 2, 3, 4];

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
const buf = new Float64Array(1);
const bits = (x: number): bigint => {
  buf[0] = x;
  return new BigUint64Array(buf.buffer)[0];
};
const fromBits = (b: bigint): number => {
  new BigUint64Array(buf.buffer)[0] = b;
  return buf[0];
};

/** Doubles with exponents in [lo, hi] and either random or short (tie-prone) significands. */
function dbl(lo: number, hi: number): fc.Arbitrary<number> {
  return fc
    .tuple(fc.boolean(), fc.integer({ min: lo, max: hi }), fc.bigInt(0n, (1n << 52n) - 1n), fc.integer({ min: 0, max: 80 }))
    .map(([neg, e, m, keep]) => {
      // keep < 52: only the top `keep` significand bits, so sums and products hit ties
      const mant = keep < 52 ? (m >> BigInt(52 - keep)) << BigInt(52 - keep) : m;
      return fromBits((neg ? SIGN : 0n) | (BigInt(e + 1023) << 52n) | mant);
    });
}
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const anyD = fc.oneof(finite, dbl(-8, 8), dbl(-1074 + 52, -1000), dbl(1000, 1023));

describe("identities", () => {
  it("FSGNJ.D(x, x) = x, FSGNJN.D(x, x) = -x, FSGNJX.D(x, x) = |x|, bit for bit", () => {
    fc.assert(
      fc.property(fc.bigInt(0n, (1n << 64n) - 1n), (x) => {
        const h = ctx();
        setD(h, 1, x);
        fpExec(h, OP.FSGNJ_D, 2, 1, 1, 0);
        fpExec(h, OP.FSGNJN_D, 3, 1, 1, 0);
        fpExec(h, OP.FSGNJX_D, 4, 1, 1, 0);
        expect([getD(h, 2), getD(h, 3), getD(h, 4), h.fflags]).toEqual([x, x ^ SIGN, x & ~SIGN, 0]);
      }),
      { numRuns: 500 },
    );
  });

  it("FMIN/FMAX are commutative on non-NaN values and return an operand", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => {
        const h = ctx();
        setD(h, 1, bits(a));
        setD(h, 2, bits(b));
        for (const [op, pick] of [[OP.FMIN_D, Math.min], [OP.FMAX_D, Math.max]] as const) {
          fpExec(h, op, 3, 1, 2, 0);
          fpExec(h, op, 4, 2, 1, 0);
          expect(getD(h, 3)).toBe(getD(h, 4));
          expect(getD(h, 3)).toBe(bits(pick(a, b))); // Math.min/max also order -0 < +0
        }
        expect(h.fflags).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it("FCVT.W.D(FCVT.D.W(i)) = i and FCVT.WU.D(FCVT.D.WU(u)) = u, exactly, in every mode", () => {
    fc.assert(
      fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), fc.constantFrom(...RMS), (i, rm) => {
        const h = ctx();
        h.x[5] = i;
        fpExec(h, OP.FCVT_D_W, 1, 5, 0, rm);
        fpExec(h, OP.FCVT_W_D, 6, 1, 0, rm);
        fpExec(h, OP.FCVT_D_WU, 2, 5, 0, rm);
        fpExec(h, OP.FCVT_WU_D, 7, 2, 0, rm);
        expect([h.x[6], h.x[7], h.fflags]).toEqual([i, i, 0]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("fast paths agree with the exact BigInt implementation", () => {
  /** Runs op on (a, b[, c]) in mode rm; returns [bits, flags]. */
  function fast(op: number, rm: number, a: number, b: number, c = 0): [bigint, number] {
    const h = ctx();
    setD(h, 1, bits(a));
    setD(h, 2, bits(b));
    setD(h, 3, bits(c));
    fpExec(h, op, 4, 1, 2, rm | (3 << 8));
    return [getD(h, 4), h.fflags];
  }
  function slow(fn: (h: FpContext) => number): [bigint, number] {
    const h = ctx();
    const r = fn(h);
    return [bits(r), h.fflags];
  }
  const opts = { numRuns: 3000 };

  it("FADD.D", () => {
    fc.assert(
      fc.property(anyD, anyD, fc.constantFrom(...RMS), (a, b, rm) => {
        fc.pre(a !== 0 || b !== 0);
        expect(fast(OP.FADD_D, rm, a, b)).toEqual(slow((h) => slowAddD(h, a, b, rm)));
      }),
      opts,
    );
  });

  it("FMUL.D", () => {
    fc.assert(
      fc.property(anyD, anyD, fc.constantFrom(...RMS), (a, b, rm) => {
        fc.pre(a !== 0 && b !== 0);
        expect(fast(OP.FMUL_D, rm, a, b)).toEqual(slow((h) => slowMulD(h, a, b, rm)));
      }),
      opts,
    );
  });

  it("FDIV.D", () => {
    fc.assert(
      fc.property(anyD, anyD, fc.constantFrom(...RMS), (a, b, rm) => {
        fc.pre(a !== 0 && b !== 0);
        expect(fast(OP.FDIV_D, rm, a, b)).toEqual(slow((h) => slowDivD(h, a, b, rm)));
      }),
      opts,
    );
  });

  it("FMADD.D", () => {
    const near = dbl(-4, 4);
    fc.assert(
      fc.property(fc.oneof(anyD, near), fc.oneof(anyD, near), fc.oneof(anyD, near, dbl(-60, -45)), fc.constantFrom(...RMS),
        (a, b, c, rm) => {
          fc.pre(a !== 0 && b !== 0);
          expect(fast(OP.FMADD_D, rm, a, b, c)).toEqual(slow((h) => slowFmaD(h, a, b, c, rm)));
          // and the cancellation case, whose result is the product's rounding error
          const p = -(a * b);
          if (p - p === 0) expect(fast(OP.FMADD_D, rm, a, b, p)).toEqual(slow((h) => slowFmaD(h, a, b, p, rm)));
        }),
      opts,
    );
  });

  it("roundS (binary32 rounding of hi + lo) matches roundPack", () => {
    const f32 = fc.float({ noNaN: true, noDefaultInfinity: true }).map(Math.fround);
    const hiArb = fc.oneof(
      // a binary32 value plus eighths of its ulp: hits exact values, midpoints and near-misses
      fc.tuple(f32, fc.integer({ min: -8, max: 8 })).map(([s, k]) => {
        const ulp = Math.abs(s) < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(s))) - 23);
        return s + (k * ulp) / 8;
      }),
      finite,
    );
    fc.assert(
      fc.property(hiArb, fc.integer({ min: -4, max: 4 }), fc.constantFrom(...RMS), (hi, k, rm) => {
        fc.pre(hi !== 0 && hi - hi === 0);
        // lo: a residual of at most half an ulp of hi (in double precision)
        const a = Math.abs(hi);
        const ulp = fromBits(bits(a) + 1n) - a;
        const lo = a === Number.MAX_VALUE ? 0 : (k * ulp) / 8;
        const h1 = ctx();
        const got = roundS(h1, hi, Math.sign(lo), rm);
        const x = decodeD(hi);
        const y = decodeD(lo);
        const e = Math.min(x.e, y.e);
        let m = (x.neg ? -x.m : x.m) << BigInt(x.e - e);
        m += (y.neg ? -y.m : y.m) << BigInt(y.e - e);
        const h2 = ctx();
        const want = roundPack(h2, m < 0n, m < 0n ? -m : m, e, rm, 24, -126, 127);
        expect([bits(got), h1.fflags]).toEqual([bits(want), h2.fflags]);
      }),
      { numRuns: 5000 },
    );
  });
});
