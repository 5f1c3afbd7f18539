// RV32M on the hart, checked against BigInt arithmetic: extremes by hand, then properties.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TRAP_ECALL } from "../../../src/machine/cpu/hart-mem.ts";
import { enc } from "../../helpers/encode.ts";
import { makeHart } from "../../helpers/hart.ts";

const s32 = (v: number): bigint => BigInt(v | 0);
const u32 = (v: number): bigint => BigInt(v >>> 0);
const toU = (v: bigint): number => Number(BigInt.asUintN(32, v));

// The oracle: RISC-V semantics written directly from the spec with BigInt.
const ref = {
  mul: (a: number, b: number) => toU(s32(a) * s32(b)),
  mulh: (a: number, b: number) => toU((s32(a) * s32(b)) >> 32n),
  mulhsu: (a: number, b: number) => toU((s32(a) * u32(b)) >> 32n),
  mulhu: (a: number, b: number) => toU((u32(a) * u32(b)) >> 32n),
  div: (a: number, b: number) => {
    if ((b | 0) === 0) return 0xffffffff;
    if ((a | 0) === -0x80000000 && (b | 0) === -1) return 0x80000000;
    return toU(s32(a) / s32(b)); // BigInt division truncates toward zero, as RISC-V does
  },
  divu: (a: number, b: number) => ((b >>> 0) === 0 ? 0xffffffff : toU(u32(a) / u32(b))),
  rem: (a: number, b: number) => {
    if ((b | 0) === 0) return a >>> 0;
    if ((a | 0) === -0x80000000 && (b | 0) === -1) return 0;
    return toU(s32(a) % s32(b)); // sign of the dividend
  },
  remu: (a: number, b: number) => ((b >>> 0) === 0 ? a >>> 0 : toU(u32(a) % u32(b))),
};
type Op = keyof typeof ref;
const OPS = Object.keys(ref) as Op[];

// One program computing all eight into x10..x17 from x5, x6; reused for every input pair.
const PROGRAM = [
  enc.mul(10, 5, 6), enc.mulh(11, 5, 6), enc.mulhsu(12, 5, 6), enc.mulhu(13, 5, 6),
  enc.div(14, 5, 6), enc.divu(15, 5, 6), enc.rem(16, 5, 6), enc.remu(17, 5, 6),
  enc.ecall(),
];
const { h, entry } = makeHart(PROGRAM);

function hart(a: number, b: number): Record<Op, number> {
  h.x.fill(0);
  h.x[5] = a;
  h.x[6] = b;
  h.pc = entry;
  expect(h.run(100)).toBe(TRAP_ECALL);
  expect(h.pc).toBe(entry + 32);
  expect(h.x[5]).toBe(a | 0);
  expect(h.x[6]).toBe(b | 0);
  const out = {} as Record<Op, number>;
  OPS.forEach((op, i) => (out[op] = h.x[10 + i] >>> 0));
  return out;
}

function expected(a: number, b: number): Record<Op, number> {
  const out = {} as Record<Op, number>;
  for (const op of OPS) out[op] = ref[op](a, b);
  return out;
}

describe("RV32M: the oracle", () => {
  it("agrees with hand-computed values", () => {
    expect(ref.mulh(0x80000000, 0x80000000)).toBe(0x40000000);
    expect(ref.mulhu(0xffffffff, 0xffffffff)).toBe(0xfffffffe);
    expect(ref.mulhsu(0xffffffff, 0xffffffff)).toBe(0xffffffff);
    expect(ref.mulh(0xffffffff, 0xffffffff)).toBe(0);
    expect(ref.div(-7, 2)).toBe(0xfffffffd);
    expect(ref.rem(-7, 2)).toBe(0xffffffff);
  });
});

describe("RV32M: extremes", () => {
  const MIN = 0x80000000;
  const MAX = 0x7fffffff;
  const pairs: [number, number][] = [
    [MIN, MIN], [0xffffffff, 0xffffffff], [MIN, 0xffffffff], [0xffffffff, MIN], [MAX, MAX], [MAX, MIN],
    [MIN, MAX], [MIN, 1], [1, MIN], [MAX, 0xffffffff], [0xffffffff, MAX], [0, 0], [0, 0xffffffff],
    [0xffffffff, 0], [MIN, 0], [MAX, 0], [1, 0], [7, 2], [-7, 2], [7, -2], [-7, -2], [2, 7], [-2, 7],
    [0x12345678, 0x9abcdef0], [0xdeadbeef, 0x10000], [0x10000, 0x10000], [0xffff, 0xffff], [3, 0xfffffffd],
  ];
  it.each(pairs)("%#x op %#x", (a, b) => {
    expect(hart(a, b)).toEqual(expected(a, b));
  });

  it("mul family on the classic extremes", () => {
    const r1 = hart(0x80000000, 0x80000000);
    expect(r1.mul).toBe(0);
    expect(r1.mulh).toBe(0x40000000);
    expect(r1.mulhu).toBe(0x40000000);
    expect(r1.mulhsu).toBe(0xc0000000);
    const r2 = hart(-1, -1);
    expect(r2.mul).toBe(1);
    expect(r2.mulh).toBe(0);
    expect(r2.mulhu).toBe(0xfffffffe);
    expect(r2.mulhsu).toBe(0xffffffff);
    const r3 = hart(-3, 5); // mixed signs
    expect(r3.mul).toBe(0xfffffff1);
    expect(r3.mulh).toBe(0xffffffff);
    expect(r3.mulhsu).toBe(0xffffffff);
    expect(r3.mulhu).toBe(4);
    const r4 = hart(5, -3);
    expect(r4.mulh).toBe(0xffffffff);
    expect(r4.mulhsu).toBe(4); // rs2 unsigned: 5 * 0xfffffffd
  });

  it("division by zero: quotient all ones, remainder the dividend", () => {
    for (const a of [0, 1, -1, 0x80000000, 0x7fffffff, 12345]) {
      const r = hart(a, 0);
      expect(r.div).toBe(0xffffffff);
      expect(r.divu).toBe(0xffffffff);
      expect(r.rem).toBe(a >>> 0);
      expect(r.remu).toBe(a >>> 0);
    }
  });

  it("signed overflow: INT_MIN / -1 = INT_MIN, remainder 0", () => {
    const r = hart(0x80000000, -1);
    expect(r.div).toBe(0x80000000);
    expect(r.rem).toBe(0);
    expect(r.divu).toBe(0); // 0x80000000 / 0xffffffff
    expect(r.remu).toBe(0x80000000);
  });

  it("division truncates toward zero; remainder takes the dividend's sign", () => {
    const r = hart(-7, 2);
    expect(r.div | 0).toBe(-3);
    expect(r.rem | 0).toBe(-1);
    const s = hart(7, -2);
    expect(s.div | 0).toBe(-3);
    expect(s.rem | 0).toBe(1);
  });

  it("rd == rs1 == rs2", () => {
    const t = makeHart([enc.mulhu(5, 5, 5), enc.div(6, 6, 6), enc.remu(7, 7, 7), enc.ecall()], {
      regs: { 5: -1, 6: -9, 7: 0 },
    });
    expect(t.h.run(10)).toBe(TRAP_ECALL);
    expect(t.h.x[5] >>> 0).toBe(0xfffffffe);
    expect(t.h.x[6]).toBe(1);
    expect(t.h.x[7]).toBe(0);
  });
});

describe("RV32M: properties against BigInt", () => {
  // Bias toward the interesting corners: small values, powers of two and their neighbours, extremes.
  const corner = fc.oneof(
    fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    fc.integer({ min: -16, max: 16 }),
    fc.integer({ min: 0, max: 31 }).chain((k) => fc.constantFrom(2 ** k, 2 ** k - 1, 2 ** k + 1, -(2 ** k))),
    fc.constantFrom(0x80000000, 0x7fffffff, 0xffffffff, 0x80000001),
  );

  it("mul, mulh, mulhsu, mulhu match BigInt for random pairs", () => {
    fc.assert(
      fc.property(corner, corner, (a, b) => {
        const got = hart(a, b);
        const want = expected(a, b);
        expect([got.mul, got.mulh, got.mulhsu, got.mulhu]).toEqual([want.mul, want.mulh, want.mulhsu, want.mulhu]);
      }),
      { numRuns: 3000 },
    );
  });

  it("div, divu, rem, remu match BigInt for random pairs", () => {
    fc.assert(
      fc.property(corner, corner, (a, b) => {
        const got = hart(a, b);
        const want = expected(a, b);
        expect([got.div, got.divu, got.rem, got.remu]).toEqual([want.div, want.divu, want.rem, want.remu]);
      }),
      { numRuns: 3000 },
    );
  });

  it("div/rem identity: a = q*b + r for signed and unsigned, b != 0", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer().filter((b) => b !== 0), (a, b) => {
        const r = hart(a, b);
        expect(Math.imul(r.div, b) + (r.rem | 0)).toBe(a | 0);
        expect((Math.imul(r.divu, b) + r.remu) | 0).toBe(a | 0);
        expect(r.remu).toBeLessThan(b >>> 0);
      }),
      { numRuns: 1000 },
    );
  });
});
