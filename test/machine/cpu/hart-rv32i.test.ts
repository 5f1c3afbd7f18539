// RV32I, one instruction (or a few) at a time on a bare hart: immediates, links, branches,
// loads and stores of every width, shifts, comparisons, and writes to x0.
import { describe, expect, it } from "vitest";
import { TRAP_EBREAK, TRAP_ECALL } from "../../../src/machine/cpu/hart-mem.ts";
import { enc, li } from "../../helpers/encode.ts";
import { CODE_BASE, DATA_BASE, makeHart, peek, peekU32, runOk, runUntilTrap, xu } from "../../helpers/hart.ts";

const INT_MIN = 0x80000000 | 0;
const INT_MAX = 0x7fffffff;

/** Run one R/I-type instruction writing x7 from x5 and x6; return x7 unsigned. */
function alu(word: number, a: number, b = 0): number {
  const { h } = runOk([word], { regs: { 5: a, 6: b } });
  expect(h.x[5]).toBe(a | 0);
  expect(h.x[6]).toBe(b | 0);
  return xu(h, 7);
}

describe("RV32I immediates", () => {
  it("addi sign-extends the 12-bit immediate", () => {
    expect(alu(enc.addi(7, 0, -2048), 0)).toBe(0xfffff800);
    expect(alu(enc.addi(7, 0, 2047), 0)).toBe(2047);
    expect(alu(enc.addi(7, 0, -1), 0)).toBe(0xffffffff);
    expect(alu(enc.addi(7, 5, -1), 0)).toBe(0xffffffff);
    expect(alu(enc.addi(7, 5, 1), INT_MAX)).toBe(0x80000000); // wraps
    expect(alu(enc.addi(7, 5, -1), INT_MIN)).toBe(0x7fffffff);
    expect(alu(enc.addi(7, 5, 0), 0xdeadbeef)).toBe(0xdeadbeef);
  });

  it("lui puts the 20-bit immediate in the upper bits", () => {
    expect(alu(enc.lui(7, 0xfffff), 0)).toBe(0xfffff000);
    expect(alu(enc.lui(7, 0x80000), 0)).toBe(0x80000000);
    expect(alu(enc.lui(7, 0x7ffff), 0)).toBe(0x7ffff000);
    expect(alu(enc.lui(7, 0), 0)).toBe(0);
    expect(alu(enc.lui(7, 1), 0)).toBe(0x1000);
  });

  it("li (lui + addi with a negative low part) reaches every extreme", () => {
    for (const v of [0, -1, INT_MIN, INT_MAX, 0x800, 0xfffff800, 0x12345678, 0x7ffff800, 0x80000fff]) {
      const { h } = runOk(li(7, v));
      expect(xu(h, 7)).toBe(v >>> 0);
    }
  });

  it("auipc adds the upper immediate to its own pc", () => {
    const { h, entry } = runOk([enc.nop(), enc.auipc(5, 0), enc.auipc(6, 0xfffff), enc.auipc(7, 0x80000), enc.auipc(8, 1)]);
    expect(xu(h, 5)).toBe(entry + 4);
    expect(xu(h, 6)).toBe((entry + 8 - 0x1000) >>> 0);
    expect(xu(h, 7)).toBe((entry + 12 + 0x80000000) >>> 0);
    expect(xu(h, 8)).toBe(entry + 16 + 0x1000);
  });
});

describe("RV32I jumps", () => {
  it("jal links pc+4 and jumps forward", () => {
    const { h, entry } = runOk([enc.jal(1, 8), enc.addi(6, 0, 1), enc.addi(7, 0, 2)]);
    expect(xu(h, 1)).toBe(entry + 4);
    expect(h.x[6]).toBe(0); // skipped
    expect(h.x[7]).toBe(2);
  });

  it("jal jumps backward", () => {
    // 0: j 12 -> 12: addi x6; 16: jal x1, -12 -> 4: addi x7; 8: j 16 -> 24: ecall
    const { h, entry } = runOk([
      enc.jal(0, 12), enc.addi(7, 0, 7), enc.jal(0, 16), enc.addi(6, 0, 6), enc.jal(1, -12), enc.addi(8, 0, 8),
    ]);
    expect(h.x[6]).toBe(6);
    expect(h.x[7]).toBe(7);
    expect(h.x[8]).toBe(0);
    expect(xu(h, 1)).toBe(entry + 20);
  });

  it("jal with rd x0 (j) links nothing", () => {
    const { h } = runOk([enc.jal(0, 8), enc.addi(6, 0, 1)]);
    expect(h.x[0]).toBe(0);
    expect(h.x[6]).toBe(0);
  });

  it("jalr jumps to rs1+imm with bit 0 cleared and links pc+4", () => {
    // x5 = entry + 12 + 1 (odd). jalr x1, 0(x5) must land on entry+12.
    const { h, entry } = runOk([enc.jalr(1, 5, 0), enc.addi(6, 0, 1), enc.addi(6, 0, 2), enc.addi(7, 0, 3)], {
      regs: { 5: CODE_BASE + 12 + 1 },
    });
    expect(xu(h, 1)).toBe(entry + 4);
    expect(h.x[6]).toBe(0);
    expect(h.x[7]).toBe(3);
  });

  it("jalr with a negative immediate and an odd sum", () => {
    // target = (entry + 0x20) + (-0x13) = entry + 13 -> entry + 12
    const { h, entry } = runOk([enc.jalr(1, 5, -0x13), enc.addi(6, 0, 1), enc.addi(6, 0, 2), enc.addi(7, 0, 3)], {
      regs: { 5: CODE_BASE + 0x20 },
    });
    expect(xu(h, 1)).toBe(entry + 4);
    expect(h.x[6]).toBe(0);
    expect(h.x[7]).toBe(3);
  });

  it("jalr with rd == rs1 uses the old rs1 for the target", () => {
    const { h, entry } = runOk([enc.jalr(5, 5, 4), enc.addi(6, 0, 1), enc.addi(7, 0, 3)], {
      regs: { 5: CODE_BASE + 4 },
    });
    expect(xu(h, 5)).toBe(entry + 4);
    expect(h.x[6]).toBe(0);
    expect(h.x[7]).toBe(3);
  });

  it("call and return through a subroutine (jal ra / jalr x0, 0(ra))", () => {
    // 0: jal ra, 12 ; 4: addi x6, x6, 1 ; 8: j 12 (-> 20 ecall) ; 12: addi x7, x0, 9 ; 16: ret ; 20: ecall
    const { h, entry } = runOk([enc.jal(1, 12), enc.addi(6, 6, 1), enc.jal(0, 12), enc.addi(7, 0, 9), enc.ret()]);
    expect(h.x[6]).toBe(1);
    expect(h.x[7]).toBe(9);
    expect(xu(h, 1)).toBe(entry + 4);
  });
});

describe("RV32I branches", () => {
  type Br = "beq" | "bne" | "blt" | "bge" | "bltu" | "bgeu";
  const taken: Record<Br, (a: number, b: number) => boolean> = {
    beq: (a, b) => (a | 0) === (b | 0),
    bne: (a, b) => (a | 0) !== (b | 0),
    blt: (a, b) => (a | 0) < (b | 0),
    bge: (a, b) => (a | 0) >= (b | 0),
    bltu: (a, b) => a >>> 0 < b >>> 0,
    bgeu: (a, b) => a >>> 0 >= b >>> 0,
  };
  const pairs: [number, number][] = [
    [0x80000000, 0x7fffffff], [0x7fffffff, 0x80000000], [0xffffffff, 0], [0, 0xffffffff],
    [5, 5], [0xffffffff, 0xffffffff], [0x80000000, 0x80000000], [0, 1], [1, 0], [0xfffffffe, 0xffffffff],
    [0x80000000, 0], [0, 0x80000000],
  ];
  // Spot checks of the oracle itself, so the table cannot be wrong in the same way as the hart.
  it("oracle sanity", () => {
    expect(taken.blt(0x80000000, 0x7fffffff)).toBe(true);
    expect(taken.bltu(0x80000000, 0x7fffffff)).toBe(false);
    expect(taken.blt(0xffffffff, 0)).toBe(true);
    expect(taken.bltu(0xffffffff, 0)).toBe(false);
  });

  for (const op of Object.keys(taken) as Br[]) {
    it.each(pairs)(`${op} %#x, %#x`, (a, b) => {
      // 0: bXX x5, x6, +8 ; 4: addi x7, x0, 1 ; 8: ecall. Taken skips the addi.
      const { h } = runOk([enc[op](5, 6, 8), enc.addi(7, 0, 1)], { regs: { 5: a, 6: b } });
      expect(h.x[7]).toBe(taken[op](a, b) ? 0 : 1);
    });
  }

  it("a backward branch loops (count down 10)", () => {
    // 0: addi x5, x0, 10 ; 4: addi x6, x6, 3 ; 8: addi x5, x5, -1 ; 12: bne x5, x0, -8
    const { h } = runOk([enc.addi(5, 0, 10), enc.addi(6, 6, 3), enc.addi(5, 5, -1), enc.bne(5, 0, -8)]);
    expect(h.x[5]).toBe(0);
    expect(h.x[6]).toBe(30);
    expect(h.instret).toBe(1 + 3 * 10 + 1);
  });

  it("a branch with a large forward offset (+4092)", () => {
    // 0: beq x0, x0, +4092 ; 4..4088: addi x6, x6, 1 (skipped) ; 4088: addi x7, x0, 1 ; 4092: ecall
    const prog = new Array<number>(4092 / 4 + 1).fill(enc.addi(6, 6, 1));
    prog[0] = enc.beq(0, 0, 4092);
    prog[prog.length - 1] = enc.addi(7, 0, 1);
    const { h } = runOk(prog);
    expect(h.x[6]).toBe(0);
    expect(h.x[7]).toBe(1);
  });
});

describe("RV32I loads", () => {
  const data = Uint8Array.from([0x80, 0x7f, 0xff, 0x01, 0x01, 0x80, 0xfe, 0xff, 0x78, 0x56, 0x34, 0x12]);
  const load = (word: number, base = DATA_BASE): number => {
    const { h } = runOk([word], { data, regs: { 5: base, 7: 0x5555 } });
    return xu(h, 7);
  };

  it("lb sign-extends", () => {
    expect(load(enc.lb(7, 0, 5))).toBe(0xffffff80);
    expect(load(enc.lb(7, 1, 5))).toBe(0x7f);
    expect(load(enc.lb(7, 2, 5))).toBe(0xffffffff);
  });

  it("lbu zero-extends", () => {
    expect(load(enc.lbu(7, 0, 5))).toBe(0x80);
    expect(load(enc.lbu(7, 2, 5))).toBe(0xff);
  });

  it("lh sign-extends", () => {
    expect(load(enc.lh(7, 4, 5))).toBe(0xffff8001);
    expect(load(enc.lh(7, 0, 5))).toBe(0x7f80);
    expect(load(enc.lh(7, 6, 5))).toBe(0xfffffffe);
  });

  it("lhu zero-extends", () => {
    expect(load(enc.lhu(7, 4, 5))).toBe(0x8001);
    expect(load(enc.lhu(7, 6, 5))).toBe(0xfffe);
  });

  it("lw loads little-endian", () => {
    expect(load(enc.lw(7, 8, 5))).toBe(0x12345678);
    expect(load(enc.lw(7, 4, 5))).toBe(0xfffe8001);
  });

  it("negative and maximal offsets", () => {
    expect(load(enc.lw(7, -2040, 5), DATA_BASE + 2048)).toBe(0x12345678);
    expect(load(enc.lbu(7, -2048, 5), DATA_BASE + 2048)).toBe(0x80);
    expect(load(enc.lbu(7, 2047, 5), DATA_BASE + 1 - 2047)).toBe(0x7f);
  });

  it("an untouched page reads as zeros", () => {
    expect(load(enc.lw(7, 0, 5), DATA_BASE + 0x2000)).toBe(0);
  });
});

describe("RV32I stores", () => {
  const run = (word: number, value: number, base = DATA_BASE + 16) => {
    const fill = new Uint8Array(32).fill(0xaa);
    const r = runOk([word], { data: fill, regs: { 5: base, 6: value } });
    return Array.from(peek(r.mm, DATA_BASE + 12, 12));
  };
  const A = 0xaa;

  it("sb stores the low byte only", () => {
    expect(run(enc.sb(6, 0, 5), 0x12345678)).toEqual([A, A, A, A, 0x78, A, A, A, A, A, A, A]);
    expect(run(enc.sb(6, 1, 5), 0xffffff80)).toEqual([A, A, A, A, A, 0x80, A, A, A, A, A, A]);
  });

  it("sh stores the low halfword", () => {
    expect(run(enc.sh(6, 0, 5), 0x12345678)).toEqual([A, A, A, A, 0x78, 0x56, A, A, A, A, A, A]);
    expect(run(enc.sh(6, 2, 5), 0x0000beef)).toEqual([A, A, A, A, A, A, 0xef, 0xbe, A, A, A, A]);
  });

  it("sw stores the word little-endian", () => {
    expect(run(enc.sw(6, 0, 5), 0x12345678)).toEqual([A, A, A, A, 0x78, 0x56, 0x34, 0x12, A, A, A, A]);
    expect(run(enc.sw(6, -4, 5), 0x80000001)).toEqual([0x01, 0, 0, 0x80, A, A, A, A, A, A, A, A]);
  });

  it("negative and maximal offsets", () => {
    expect(run(enc.sw(6, -2048, 5), 0xcafef00d, DATA_BASE + 16 + 2048)).toEqual(
      [A, A, A, A, 0x0d, 0xf0, 0xfe, 0xca, A, A, A, A]);
    expect(run(enc.sb(6, 2047, 5), 0x11, DATA_BASE + 16 - 2047)).toEqual([A, A, A, A, 0x11, A, A, A, A, A, A, A]);
  });

  it("store then load round trips through the same page", () => {
    const { h, mm } = runOk([enc.sw(6, 0, 5), enc.lw(7, 0, 5), enc.lh(8, 2, 5), enc.lbu(9, 3, 5)], {
      regs: { 5: DATA_BASE + 0x1000, 6: 0x8234abcd },
    });
    expect(xu(h, 7)).toBe(0x8234abcd);
    expect(xu(h, 8)).toBe(0xffff8234);
    expect(xu(h, 9)).toBe(0x82);
    expect(peekU32(mm, DATA_BASE + 0x1000)).toBe(0x8234abcd);
  });
});

describe("RV32I shifts", () => {
  it("immediate shifts by 0, 1 and 31", () => {
    expect(alu(enc.slli(7, 5, 0), 0x80000001)).toBe(0x80000001);
    expect(alu(enc.slli(7, 5, 31), 3)).toBe(0x80000000);
    expect(alu(enc.slli(7, 5, 1), 0xc0000001)).toBe(0x80000002);
    expect(alu(enc.srli(7, 5, 0), 0x80000000)).toBe(0x80000000);
    expect(alu(enc.srli(7, 5, 31), 0x80000000)).toBe(1);
    expect(alu(enc.srli(7, 5, 1), 0xffffffff)).toBe(0x7fffffff);
    expect(alu(enc.srai(7, 5, 0), 0x80000000)).toBe(0x80000000);
    expect(alu(enc.srai(7, 5, 31), 0x80000000)).toBe(0xffffffff);
    expect(alu(enc.srai(7, 5, 31), 0x7fffffff)).toBe(0);
    expect(alu(enc.srai(7, 5, 4), 0xf0000000)).toBe(0xff000000);
  });

  // Register shifts use only the low 5 bits of rs2.
  const amounts: [number, number][] = [[0, 0], [1, 1], [31, 31], [32, 0], [33, 1], [0xffffffff, 31], [0x80000000, 0], [63, 31]];
  it.each(amounts)("sll/srl/sra by %#x shift by %i", (amt, eff) => {
    const v = 0x80000001;
    expect(alu(enc.sll(7, 5, 6), v, amt)).toBe(((v << eff) >>> 0));
    expect(alu(enc.srl(7, 5, 6), v, amt)).toBe(v >>> eff);
    expect(alu(enc.sra(7, 5, 6), v, amt)).toBe(((v | 0) >> eff) >>> 0);
  });

  it("specific register-shift values", () => {
    expect(alu(enc.sll(7, 5, 6), 1, 32)).toBe(1);
    expect(alu(enc.sll(7, 5, 6), 1, 33)).toBe(2);
    expect(alu(enc.sll(7, 5, 6), 1, -1)).toBe(0x80000000);
    expect(alu(enc.srl(7, 5, 6), 0x80000000, -1)).toBe(1);
    expect(alu(enc.sra(7, 5, 6), 0x80000000, -1)).toBe(0xffffffff);
    expect(alu(enc.sra(7, 5, 6), 0x80000000, 32)).toBe(0x80000000);
  });
});

describe("RV32I comparisons", () => {
  it("slt / sltu on extremes", () => {
    expect(alu(enc.slt(7, 5, 6), INT_MIN, INT_MAX)).toBe(1);
    expect(alu(enc.slt(7, 5, 6), INT_MAX, INT_MIN)).toBe(0);
    expect(alu(enc.sltu(7, 5, 6), INT_MIN, INT_MAX)).toBe(0);
    expect(alu(enc.sltu(7, 5, 6), INT_MAX, INT_MIN)).toBe(1);
    expect(alu(enc.slt(7, 5, 6), -1, 0)).toBe(1);
    expect(alu(enc.sltu(7, 5, 6), -1, 0)).toBe(0);
    expect(alu(enc.sltu(7, 5, 6), 0, -1)).toBe(1);
    expect(alu(enc.slt(7, 5, 6), 5, 5)).toBe(0);
    expect(alu(enc.sltu(7, 5, 6), 5, 5)).toBe(0);
    expect(alu(enc.sltu(7, 0, 6), 0, 1)).toBe(1); // snez
    expect(alu(enc.sltu(7, 0, 6), 0, 0)).toBe(0);
  });

  it("slti sign-extends its immediate", () => {
    expect(alu(enc.slti(7, 5, 0), INT_MIN)).toBe(1);
    expect(alu(enc.slti(7, 5, -1), INT_MIN)).toBe(1);
    expect(alu(enc.slti(7, 5, -2048), -2049)).toBe(1);
    expect(alu(enc.slti(7, 5, -2048), -2048)).toBe(0);
    expect(alu(enc.slti(7, 5, 2047), 2046)).toBe(1);
    expect(alu(enc.slti(7, 5, 2047), INT_MAX)).toBe(0);
    expect(alu(enc.slti(7, 5, 0), -1)).toBe(1);
  });

  it("sltiu compares against the sign-extended immediate as unsigned", () => {
    expect(alu(enc.sltiu(7, 5, -1), 0xfffffffe)).toBe(1); // -1 is 0xffffffff
    expect(alu(enc.sltiu(7, 5, -1), 0xffffffff)).toBe(0);
    expect(alu(enc.sltiu(7, 5, -1), 0)).toBe(1);
    expect(alu(enc.sltiu(7, 5, -2048), 0xfffff7ff)).toBe(1);
    expect(alu(enc.sltiu(7, 5, -2048), 0xfffff800)).toBe(0);
    expect(alu(enc.sltiu(7, 5, 1), 0)).toBe(1); // seqz
    expect(alu(enc.sltiu(7, 5, 1), 1)).toBe(0);
    expect(alu(enc.sltiu(7, 5, 1), INT_MIN)).toBe(0);
  });
});

describe("RV32I logic and arithmetic", () => {
  it("add / sub wrap", () => {
    expect(alu(enc.add(7, 5, 6), INT_MAX, 1)).toBe(0x80000000);
    expect(alu(enc.add(7, 5, 6), 0xffffffff, 0xffffffff)).toBe(0xfffffffe);
    expect(alu(enc.sub(7, 5, 6), INT_MIN, 1)).toBe(0x7fffffff);
    expect(alu(enc.sub(7, 5, 6), 0, 1)).toBe(0xffffffff);
    expect(alu(enc.sub(7, 5, 6), 0, INT_MIN)).toBe(0x80000000);
    expect(alu(enc.sub(7, 0, 6), 0, 5)).toBe(0xfffffffb); // neg
  });

  it("xor / or / and", () => {
    expect(alu(enc.xor(7, 5, 6), 0xff00ff00, 0x0ff00ff0)).toBe(0xf0f0f0f0);
    expect(alu(enc.or(7, 5, 6), 0xff00ff00, 0x0ff00ff0)).toBe(0xfff0fff0);
    expect(alu(enc.and(7, 5, 6), 0xff00ff00, 0x0ff00ff0)).toBe(0x0f000f00);
  });

  it("xori / ori / andi sign-extend", () => {
    expect(alu(enc.xori(7, 5, -1), 0x12345678)).toBe(0xedcba987); // not
    expect(alu(enc.xori(7, 5, 0x7ff), 0xffffffff)).toBe(0xfffff800);
    expect(alu(enc.ori(7, 5, -2048), 0)).toBe(0xfffff800);
    expect(alu(enc.ori(7, 5, 0x555), 0xa0000000)).toBe(0xa0000555);
    expect(alu(enc.andi(7, 5, -16), 0xffffffff)).toBe(0xfffffff0);
    expect(alu(enc.andi(7, 5, 0x7ff), 0xffffffff)).toBe(0x7ff);
    expect(alu(enc.andi(7, 5, 0xff), 0x12345678)).toBe(0x78);
  });

  it("rd may equal rs1 and rs2", () => {
    const { h } = runOk([enc.add(5, 5, 5), enc.sub(6, 6, 6), enc.xor(7, 7, 5)], { regs: { 5: 21, 6: 99, 7: 3 } });
    expect(h.x[5]).toBe(42);
    expect(h.x[6]).toBe(0);
    expect(h.x[7]).toBe(3 ^ 42);
  });
});

describe("RV32I writes to x0 are discarded", () => {
  const cases: [string, number[]][] = [
    ["addi x0, x0, 5", [enc.addi(0, 0, 5)]],
    ["lui x0", [enc.lui(0, 0xfffff)]],
    ["auipc x0", [enc.auipc(0, 1)]],
    ["lw x0", [enc.lw(0, 0, 5)]],
    ["lb x0", [enc.lb(0, 0, 5)]],
    ["lhu x0", [enc.lhu(0, 0, 5)]],
    ["jal x0", [enc.jal(0, 4)]],
    ["jalr x0", [enc.auipc(6, 0), enc.jalr(0, 6, 8)]],
    ["add x0", [enc.add(0, 5, 5)]],
    ["slt x0", [enc.sltiu(0, 0, 1)]],
    ["srai x0", [enc.srai(0, 5, 1)]],
  ];
  it.each(cases)("%s", (_name, prog) => {
    // Data has a nonzero word so a load to x0 would show. After the instruction, x0 is used as a source.
    const data = Uint8Array.from([0xef, 0xbe, 0xad, 0xde]);
    const { h } = runOk([...prog, enc.add(7, 0, 0), enc.addi(8, 0, 0), enc.sw(0, 4, 5), enc.lw(9, 4, 5)], {
      data, regs: { 5: DATA_BASE, 9: 77 },
    });
    expect(h.x[0]).toBe(0);
    expect(h.x[7]).toBe(0);
    expect(h.x[8]).toBe(0);
    expect(h.x[9]).toBe(0); // sw x0 stored zero
  });
});

describe("RV32I system", () => {
  it("ecall stops with pc on the ecall", () => {
    const { h, entry } = makeHart([enc.addi(5, 0, 1), enc.ecall(), enc.addi(5, 0, 2)]);
    expect(runUntilTrap(h)).toBe(TRAP_ECALL);
    expect(h.pc).toBe(entry + 4);
    expect(h.x[5]).toBe(1);
    // The kernel advances pc past the ecall and runs on.
    h.pc += 4;
    expect(runUntilTrap(h, 1)).not.toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(2);
  });

  it("ebreak stops with pc on the ebreak", () => {
    const { h, entry } = makeHart([enc.addi(5, 0, 1), enc.ebreak(), enc.addi(5, 0, 2)]);
    expect(runUntilTrap(h)).toBe(TRAP_EBREAK);
    expect(h.pc).toBe(entry + 4);
    expect(h.x[5]).toBe(1);
  });

  it("fence is a no-op", () => {
    const { h } = runOk([enc.addi(5, 0, 1), enc.fence(), enc.fence(2, 1), 0x8330000f, enc.addi(5, 5, 1)]);
    expect(h.x[5]).toBe(2);
  });
});
