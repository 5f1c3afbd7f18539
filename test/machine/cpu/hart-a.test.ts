// RV32A on the hart: LR/SC reservations, every AMO, alignment and permission faults.
import { describe, expect, it } from "vitest";
import {
  TRAP_BUDGET, TRAP_EBREAK, TRAP_ECALL, TRAP_LOAD_FAULT, TRAP_MISALIGNED, TRAP_STORE_FAULT,
} from "../../../src/machine/cpu/hart-mem.ts";
import { SEGV_ACCERR, SEGV_MAPERR } from "../../../src/machine/mm/mm.ts";
import { enc } from "../../helpers/encode.ts";
import {
  DATA_BASE, makeHart, peekU32, pokeU32, RO_BASE, RO_FILL, runOk, runProgram, UNMAPPED, xu,
} from "../../helpers/hart.ts";

const A = DATA_BASE + 0x100;
const RO_WORD = (RO_FILL * 0x01010101) >>> 0;

describe("LR/SC", () => {
  it("lr.w loads and sc.w right after it succeeds: rd = 0, memory written", () => {
    const { h, mm } = runOk([enc.lr_w(5, 10), enc.sc_w(6, 7, 10)], {
      regs: { 10: A, 6: 99, 7: 0x1234 },
      data: new Uint8Array(0x104).fill(0x11),
    });
    expect(xu(h, 5)).toBe(0x11111111);
    expect(h.x[6]).toBe(0);
    expect(peekU32(mm, A)).toBe(0x1234);
    expect(h.reservation).toBe(-1);
  });

  it("sc.w with no reservation fails: rd = 1, memory unchanged", () => {
    const { h, mm } = runOk([enc.sc_w(6, 7, 10)], { regs: { 10: A, 7: 0x1234 } });
    expect(h.x[6]).toBe(1);
    expect(peekU32(mm, A)).toBe(0);
  });

  it("a second sc.w after a successful one fails (the first consumed the reservation)", () => {
    const { h, mm } = runOk([enc.lr_w(5, 10), enc.sc_w(6, 7, 10), enc.sc_w(8, 9, 10)], {
      regs: { 10: A, 7: 0x1111, 9: 0x2222, 8: 55 },
    });
    expect(h.x[6]).toBe(0);
    expect(h.x[8]).toBe(1);
    expect(peekU32(mm, A)).toBe(0x1111);
  });

  it("sc.w to a different address than the lr.w fails, and clears the reservation", () => {
    const { h, mm } = runOk([enc.lr_w(5, 10), enc.sc_w(6, 7, 11), enc.sc_w(8, 7, 10)], {
      regs: { 10: A, 11: A + 4, 7: 0x1234 },
    });
    expect(h.x[6]).toBe(1);
    expect(h.x[8]).toBe(1); // the failed sc.w cleared the reservation
    expect(peekU32(mm, A)).toBe(0);
    expect(peekU32(mm, A + 4)).toBe(0);
  });

  it("a newer lr.w moves the reservation", () => {
    const { h, mm } = runOk([enc.lr_w(5, 10), enc.lr_w(5, 11), enc.sc_w(6, 7, 10), enc.lr_w(5, 10), enc.lr_w(5, 11),
      enc.sc_w(8, 7, 11)], { regs: { 10: A, 11: A + 8, 7: 42 } });
    expect(h.x[6]).toBe(1);
    expect(h.x[8]).toBe(0);
    expect(peekU32(mm, A)).toBe(0);
    expect(peekU32(mm, A + 8)).toBe(42);
  });

  it("sc.w x0 discards the status; sc.w with rd == rs2 writes the old rs2 to memory", () => {
    const { h, mm } = runOk([enc.lr_w(5, 10), enc.sc_w(0, 7, 10), enc.lr_w(5, 11), enc.sc_w(7, 7, 11)], {
      regs: { 10: A, 11: A + 4, 7: 0x77 },
    });
    expect(h.x[0]).toBe(0);
    expect(peekU32(mm, A)).toBe(0x77);
    expect(peekU32(mm, A + 4)).toBe(0x77);
    expect(h.x[7]).toBe(0);
  });

  it("the reservation is cleared when run() is re-entered (after a trap)", () => {
    // lr.w ; ebreak ; sc.w ; ecall. The kernel resumes after the ebreak: the sc.w must fail.
    const { h, mm } = makeHart([enc.lr_w(5, 10), enc.ebreak(), enc.sc_w(6, 7, 10), enc.ecall()], {
      regs: { 10: A, 7: 0x1234 },
    });
    expect(h.run(100)).toBe(TRAP_EBREAK);
    expect(h.reservation).toBe(A);
    h.pc += 4;
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[6]).toBe(1);
    expect(peekU32(mm, A)).toBe(0);
  });

  it("the reservation is cleared when run() is re-entered after the budget ran out", () => {
    const { h, mm } = makeHart([enc.lr_w(5, 10), enc.sc_w(6, 7, 10), enc.ecall()], { regs: { 10: A, 7: 0x1234 } });
    expect(h.run(1)).toBe(TRAP_BUDGET);
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[6]).toBe(1);
    expect(peekU32(mm, A)).toBe(0);
  });

  it("an LR/SC retry loop increments a counter", () => {
    // loop: lr.w x5, (x10); addi x5, x5, 1; sc.w x6, x5, (x10); bnez x6, loop; addi x7, x7, -1; bnez x7, loop
    const { h, mm } = runOk([
      enc.lr_w(5, 10), enc.addi(5, 5, 1), enc.sc_w(6, 5, 10), enc.bne(6, 0, -12), enc.addi(7, 7, -1),
      enc.bne(7, 0, -20),
    ], { regs: { 10: A, 7: 10 } });
    expect(peekU32(mm, A)).toBe(10);
    expect(h.x[6]).toBe(0);
  });

  it("LR/SC and an AMO at an address with bit 31 set", () => {
    const HIGH = 0x90000000;
    const { h, mm } = makeHart([enc.lr_w(5, 10), enc.sc_w(6, 7, 10), enc.amoadd_w(8, 7, 10), enc.ecall()], {
      regs: { 10: HIGH + 12, 7: 21 },
    });
    mm.mapRegion(HIGH, 4096, 3, 0, "anon");
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[6]).toBe(0);
    expect(h.x[8]).toBe(21);
    expect(peekU32(mm, HIGH + 12)).toBe(42);
  });

  it("misaligned lr.w and sc.w trap TRAP_MISALIGNED", () => {
    for (const prog of [[enc.lr_w(5, 10)], [enc.sc_w(6, 7, 10)]]) {
      const r = runProgram(prog, { regs: { 10: A + 2, 5: 3, 6: 3 } });
      expect(r.cause).toBe(TRAP_MISALIGNED);
      expect(r.h.pc).toBe(r.entry);
      expect(r.h.lastFault?.addr).toBe(A + 2);
      expect(r.h.x[5]).toBe(3);
      expect(r.h.x[6]).toBe(3);
      expect(r.h.instret).toBe(0);
    }
  });

  it("lr.w from an unmapped address is a load fault", () => {
    const r = runProgram([enc.lr_w(5, 10)], { regs: { 10: UNMAPPED, 5: 3 } });
    expect(r.cause).toBe(TRAP_LOAD_FAULT);
    expect(r.h.lastFault?.code).toBe(SEGV_MAPERR);
    expect(r.h.x[5]).toBe(3);
  });

  it("lr.w from a read-only page works; the sc.w that follows is a store fault", () => {
    const r = runProgram([enc.lr_w(5, 10), enc.sc_w(6, 7, 10)], { regs: { 10: RO_BASE, 6: 3 } });
    expect(xu(r.h, 5)).toBe(RO_WORD);
    expect(r.cause).toBe(TRAP_STORE_FAULT);
    expect(r.h.lastFault?.code).toBe(SEGV_ACCERR);
    expect(r.h.pc).toBe(r.entry + 4);
    expect(r.h.x[6]).toBe(3);
  });
});

describe("AMOs", () => {
  type Amo = "amoswap_w" | "amoadd_w" | "amoxor_w" | "amoand_w" | "amoor_w" | "amomin_w" | "amomax_w" |
    "amominu_w" | "amomaxu_w";
  const semantics: Record<Amo, (old: number, v: number) => number> = {
    amoswap_w: (_o, v) => v,
    amoadd_w: (o, v) => (o + v) | 0,
    amoxor_w: (o, v) => o ^ v,
    amoand_w: (o, v) => o & v,
    amoor_w: (o, v) => o | v,
    amomin_w: (o, v) => Math.min(o | 0, v | 0),
    amomax_w: (o, v) => Math.max(o | 0, v | 0),
    amominu_w: (o, v) => (Math.min(o >>> 0, v >>> 0) | 0),
    amomaxu_w: (o, v) => (Math.max(o >>> 0, v >>> 0) | 0),
  };
  const pairs: [number, number][] = [
    [0x80000000, 1], [1, 0x80000000], [0xffffffff, 1], [1, 0xffffffff], [0x7fffffff, 1], [0xf0f0f0f0, 0x0ff00ff0],
    [0, 0], [5, 5],
  ];

  for (const op of Object.keys(semantics) as Amo[]) {
    it.each(pairs)(`${op}: memory %#x, rs2 %#x`, (old, v) => {
      const { h, mm } = makeHart([enc[op](5, 6, 10), enc.ecall()], { regs: { 10: A, 6: v } });
      pokeU32(mm, A, old);
      expect(h.run(10)).toBe(TRAP_ECALL);
      expect(xu(h, 5)).toBe(old >>> 0); // rd gets the old value
      expect(peekU32(mm, A)).toBe(semantics[op](old | 0, v | 0) >>> 0);
      expect(xu(h, 6)).toBe(v >>> 0);
    });
  }

  it("signed and unsigned min/max differ on 0x80000000 vs 1", () => {
    const results: Record<string, number> = {};
    for (const op of ["amomin_w", "amomax_w", "amominu_w", "amomaxu_w"] as const) {
      const { h, mm } = makeHart([enc[op](5, 6, 10), enc.ecall()], { regs: { 10: A, 6: 1 } });
      pokeU32(mm, A, 0x80000000);
      expect(h.run(10)).toBe(TRAP_ECALL);
      results[op] = peekU32(mm, A);
    }
    expect(results).toEqual({ amomin_w: 0x80000000, amomax_w: 1, amominu_w: 1, amomaxu_w: 0x80000000 });
  });

  it("rd == rs2: rd gets the old value, memory the old rs2", () => {
    const { h, mm } = makeHart([enc.amoadd_w(6, 6, 10), enc.ecall()], { regs: { 10: A, 6: 10 } });
    pokeU32(mm, A, 32);
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[6]).toBe(32);
    expect(peekU32(mm, A)).toBe(42);
  });

  it("rd == rs1: the address is read before rd is written", () => {
    const { h, mm } = makeHart([enc.amoswap_w(10, 6, 10), enc.ecall()], { regs: { 10: A, 6: 7 } });
    pokeU32(mm, A, 1234);
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[10]).toBe(1234);
    expect(peekU32(mm, A)).toBe(7);
  });

  it("rd x0 still performs the memory operation", () => {
    const { h, mm } = makeHart([enc.amoor_w(0, 6, 10), enc.ecall()], { regs: { 10: A, 6: 0xf0 } });
    pokeU32(mm, A, 0x0f);
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[0]).toBe(0);
    expect(peekU32(mm, A)).toBe(0xff);
  });

  it("aq/rl bits change nothing", () => {
    const { h, mm } = runOk([enc.amoadd_w(5, 6, 10, 1, 1), enc.lr_w(7, 10, 1, 0), enc.sc_w(8, 6, 10, 0, 1)], {
      regs: { 10: A, 6: 3 },
    });
    expect(h.x[5]).toBe(0);
    expect(h.x[7]).toBe(3);
    expect(h.x[8]).toBe(0);
    expect(peekU32(mm, A)).toBe(3);
  });

  it("an AMO on a page read earlier (zero page in the TLB) sees and writes the real frame", () => {
    const { h, mm } = runOk([enc.lw(7, 0, 10), enc.amoadd_w(5, 6, 10), enc.lw(8, 0, 10)], {
      regs: { 10: DATA_BASE + 0x3000, 6: 9 },
    });
    expect(h.x[7]).toBe(0);
    expect(h.x[5]).toBe(0);
    expect(h.x[8]).toBe(9);
    expect(peekU32(mm, DATA_BASE + 0x3000)).toBe(9);
  });

  it.each([1, 2, 3])("misaligned AMO (offset %i) traps TRAP_MISALIGNED and changes nothing", (off) => {
    const { h, mm, entry } = makeHart([enc.nop(), enc.amoadd_w(5, 6, 10), enc.ecall()], {
      regs: { 10: A + off, 6: 1, 5: 77 },
    });
    pokeU32(mm, A, 0x01020304);
    pokeU32(mm, A + 4, 0x05060708);
    expect(h.run(10)).toBe(TRAP_MISALIGNED);
    expect(h.pc).toBe(entry + 4);
    expect(h.lastFault?.addr).toBe(A + off);
    expect(h.x[5]).toBe(77);
    expect(h.instret).toBe(1);
    expect(peekU32(mm, A)).toBe(0x01020304);
    expect(peekU32(mm, A + 4)).toBe(0x05060708);
  });

  it("AMO to a read-only page is a store fault with SEGV_ACCERR", () => {
    const { h, mm, entry } = makeHart([enc.amoswap_w(5, 6, 10), enc.ecall()], { regs: { 10: RO_BASE + 8, 5: 77 } });
    expect(h.run(10)).toBe(TRAP_STORE_FAULT);
    expect(h.pc).toBe(entry);
    expect(h.lastFault?.addr).toBe(RO_BASE + 8);
    expect(h.lastFault?.code).toBe(SEGV_ACCERR);
    expect(h.x[5]).toBe(77);
    expect(h.instret).toBe(0);
    expect(peekU32(mm, RO_BASE + 8)).toBe(RO_WORD);
  });

  it("AMO to an unmapped address is a store fault with SEGV_MAPERR", () => {
    const { h } = makeHart([enc.amoadd_w(5, 6, 10), enc.ecall()], { regs: { 10: UNMAPPED } });
    expect(h.run(10)).toBe(TRAP_STORE_FAULT);
    expect(h.lastFault?.code).toBe(SEGV_MAPERR);
    expect(h.lastFault?.addr).toBe(UNMAPPED);
  });
});
