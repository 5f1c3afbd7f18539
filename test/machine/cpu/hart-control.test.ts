// Control of the execute loop: the decoded-instruction cache and self-modifying code, illegal
// instructions, compressed execution, and the instruction budget.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  TRAP_BUDGET, TRAP_EBREAK, TRAP_ECALL, TRAP_ILLEGAL,
} from "../../../src/machine/cpu/hart-mem.ts";
import { expandCompressed } from "../../../src/machine/cpu/rvc.ts";
import { PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { assemble, c16, CSR, enc, li, RM } from "../../helpers/encode.ts";
import {
  CODE_BASE, DATA_BASE, makeHart, peek, peekU32, runOk, runProgram, writeKernel, xu,
} from "../../helpers/hart.ts";

const RWX = PROT_READ | PROT_WRITE | PROT_EXEC;
const OLD = enc.addi(5, 5, 1);
const NEW = enc.addi(5, 5, 100);

describe("decode cache: self-modifying code", () => {
  // 0: li x6, NEW (2 words) ; 8: addi x7, x0, 0
  // 12: T: addi x5, x5, 1 (OLD) ; addi x7, x7, 1 ; addi x8, x0, 2 ; beq x7, x8, done
  //     <store NEW over T, base x9 = &T> ; fence.i or nop ; j T
  // done: ecall
  // T runs twice: x5 = 1 + 100 when the store is seen, 2 when a stale decode runs.
  function smc(store: number[], fenceI: boolean): number[] {
    const head = [...li(6, NEW), enc.addi(7, 0, 0)];
    const t = head.length * 4;
    const body = [OLD, enc.addi(7, 7, 1), enc.addi(8, 0, 2)];
    const beqAt = t + body.length * 4;
    const tail = [...store, fenceI ? enc.fence_i() : enc.nop()];
    const jAt = beqAt + 4 + tail.length * 4;
    const done = jAt + 4;
    return [...head, ...body, enc.beq(7, 8, done - beqAt), ...tail, enc.jal(0, t - jAt), enc.ecall()];
  }
  const T = CODE_BASE + 12;

  const STORES: [string, number[], ((h: ReturnType<typeof makeHart>["h"]) => void)?][] = [
    ["sw", [enc.sw(6, 0, 9)]],
    ["sh, sh", [enc.sh(6, 0, 9), enc.srli(10, 6, 16), enc.sh(10, 2, 9)]],
    ["sb x4", [enc.sb(6, 0, 9), enc.srli(10, 6, 8), enc.sb(10, 1, 9), enc.srli(10, 6, 16), enc.sb(10, 2, 9),
      enc.srli(10, 6, 24), enc.sb(10, 3, 9)]],
    ["sh of the upper half only", [enc.srli(10, 6, 16), enc.sh(10, 2, 9)]],
    ["fsw", [enc.fsw(1, 0, 9)], (h) => { h.f[2] = NEW; h.f[3] = 0xffffffff; }],
    ["fsd (T and the next word)", [enc.fsd(1, 0, 9)], (h) => { h.f[2] = NEW; h.f[3] = enc.addi(7, 7, 1); }],
    ["amoswap.w", [enc.amoswap_w(0, 6, 9)]],
    ["amoxor.w", [enc.xor(10, 6, 11), enc.amoxor_w(0, 10, 9)]], // x11 = OLD: OLD ^ (NEW ^ OLD) = NEW
    ["lr.w / sc.w", [enc.lr_w(10, 9), enc.sc_w(10, 6, 9)]],
  ];

  for (const fenceI of [false, true]) {
    it.each(STORES)(`a store over executed code is seen (%s, ${fenceI ? "with" : "without"} fence.i)`, (_n, store, setup) => {
      const { h, mm, entry } = makeHart(smc(store, fenceI), { codeProt: RWX, regs: { 9: T, 11: OLD } });
      setup?.(h);
      const cause = h.run(1000);
      expect(cause).toBe(TRAP_ECALL);
      expect(peekU32(mm, T)).toBe(NEW);
      expect(h.x[7]).toBe(2);
      expect(h.x[5]).toBe(101);
      expect(h.pc).toBe(entry + (smc(store, fenceI).length - 1) * 4);
    });
  }

  it.each([false, true])("a store into another code page that already ran is seen when it is called again (fence.i %s)", (fenceI) => {
    // Page 1: jalr ra, 0(x9) ; sw x6, 0(x9) ; [fence.i] ; jalr ra, 0(x9) ; ecall
    // Page 2 (x9): addi x5, x5, 1 (OLD) ; ret
    const prog = new Uint8Array(PAGE_SIZE + 8);
    prog.set(assemble([enc.jalr(1, 9, 0), enc.sw(6, 0, 9), ...(fenceI ? [enc.fence_i()] : []), enc.jalr(1, 9, 0), enc.ecall()]));
    prog.set(assemble([OLD, enc.ret()]), PAGE_SIZE);
    const { h } = makeHart(prog, { codeProt: RWX, regs: { 9: CODE_BASE + PAGE_SIZE, 6: NEW } });
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(101);
  });

  it("a store into the second half of a page-straddling instruction is seen", () => {
    // T straddles the page boundary: it starts at CODE_BASE + 0xffe. OLD and NEW differ only in
    // their upper 16 bits, so the store (an sh) touches only the second page.
    expect(OLD & 0xffff).toBe(NEW & 0xffff);
    const T2 = CODE_BASE + PAGE_SIZE - 2;
    for (const fenceI of [true, false]) {
      const prog = smc([enc.srli(10, 6, 16), enc.sh(10, 2, 9)], fenceI);
      const { h, mm } = makeHart(prog, { codeProt: RWX, codePages: 2, codeOffset: PAGE_SIZE - 2 - 12, regs: { 9: T2 } });
      expect(h.run(1000)).toBe(TRAP_ECALL);
      expect(peekU32(mm, T2)).toBe(NEW);
      expect(h.x[5], fenceI ? "with fence.i" : "without fence.i").toBe(101);
    }
  });

  it("a kernel write (mm.copyOut) into the second half of a page-straddling instruction is seen", () => {
    const T2 = CODE_BASE + PAGE_SIZE - 2;
    // T2: OLD (straddles) ; CODE_BASE + 0x1002: ecall
    const { h, mm } = makeHart([OLD, enc.ecall()], { codeProt: RWX, codePages: 2, codeOffset: PAGE_SIZE - 2 });
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(1);
    expect(mm.copyOut(T2 + 2, assemble(c16(NEW >>> 16)))).toBe(true);
    expect(peekU32(mm, T2)).toBe(NEW);
    h.pc = T2;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(101);
  });

  it("a page written by the kernel (mm.copyOut) between runs is re-decoded", () => {
    const { h, mm, entry } = makeHart([OLD, enc.ecall()], { codeProt: RWX });
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(1);
    expect(mm.copyOut(entry, assemble([NEW]))).toBe(true);
    h.pc = entry;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(101);
  });

  it("a read-only code page rewritten by the loader (protections ignored) is re-decoded", () => {
    const { h, mm, entry } = makeHart([OLD, enc.ecall()]);
    expect(h.run(10)).toBe(TRAP_ECALL);
    writeKernel(mm, entry, assemble([NEW]));
    h.pc = entry;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(101);
  });

  it("a kernel write after the budget stopped mid-page takes effect on resume", () => {
    const { h, mm, entry } = makeHart([enc.nop(), OLD, enc.ecall()], { codeProt: RWX });
    expect(h.run(1)).toBe(TRAP_BUDGET);
    expect(h.pc).toBe(entry + 4);
    expect(mm.copyOut(entry + 4, assemble([NEW]))).toBe(true);
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(100);
  });

  it("the same code runs from the cache on re-entry", () => {
    const { h, entry } = makeHart([OLD, OLD, enc.ecall()]);
    for (let i = 1; i <= 3; i++) {
      h.pc = entry;
      expect(h.run(10)).toBe(TRAP_ECALL);
      expect(h.x[5]).toBe(2 * i);
    }
  });

  it("data stores next to code on the same page do not disturb it", () => {
    // A writable code page with a data word after the code: store to it in a loop.
    // 0: addi x7, x7, 1 ; 4: sw x7, 0(x9) ; 8: addi x8, x0, 50 ; 12: bne x7, x8, -12 ; 16: ecall ; 20: data
    const { h, mm } = runOk([enc.addi(7, 7, 1), enc.sw(7, 0, 9), enc.addi(8, 0, 50), enc.bne(7, 8, -12)], {
      codeProt: RWX, codePages: 1, regs: { 9: CODE_BASE + 0x100 },
    });
    expect(h.x[7]).toBe(50);
    expect(peekU32(mm, CODE_BASE + 0x100)).toBe(50);
  });
});

describe("illegal instructions", () => {
  function expectIllegal(program: Uint8Array | number[], bits: number, at = 0): void {
    const { h, entry } = makeHart(program);
    h.x[5] = 0x5555;
    const cause = h.run(100);
    expect(cause).toBe(TRAP_ILLEGAL);
    expect(h.pc).toBe(entry + at);
    expect((h.trapInst >>> 0).toString(16)).toBe((bits >>> 0).toString(16));
    expect(h.x[5]).toBe(0x5555);
  }

  it("the all-zero word (its first parcel is the defined-illegal 0x0000)", () => {
    expectIllegal([0x00000000], 0x0000);
  });

  it("the all-ones word", () => {
    expectIllegal([0xffffffff], 0xffffffff);
  });

  it.each([
    ["mret", 0x30200073], ["sret", 0x10200073], ["wfi", 0x10500073], ["sfence.vma", 0x12000073],
    ["dret", 0x7b200073], ["uret", 0x00200073], ["hfence.vvma", 0x22000073],
  ])("privileged %s", (_n, word) => {
    expectIllegal([word], word);
  });

  it.each([
    ["0x0000 (defined illegal)", 0x0000],
    ["c.addi4spn with nzuimm 0", 0x0004],
    ["c.lwsp x0", 0x4002],
    ["c.jr x0", 0x8002],
    ["c.addi16sp 0", 0x6101],
    ["c.lui x10, 0", 0x6501],
    ["c.slli x10, 32 (shamt[5] on RV32)", 0x1502],
    ["quadrant 0 funct3 100", 0x8000],
    ["c.subw (RV64)", 0x9c21],
  ])("reserved compressed parcel %s", (_n, parcel) => {
    expect(expandCompressed(parcel)).toBe(0);
    // After a c.nop, so pc is 2 mod 4 and 2 past the entry.
    expectIllegal(assemble(c16(0x0001), c16(parcel), c16(0x0001), c16(0x0001)), parcel, 2);
  });

  it("illegal instructions do not retire; what ran before did", () => {
    const { h, entry } = makeHart([enc.addi(6, 0, 1), 0x30200073, enc.addi(6, 0, 2)]);
    expect(h.run(100)).toBe(TRAP_ILLEGAL);
    expect(h.pc).toBe(entry + 4);
    expect(h.x[6]).toBe(1);
    expect(h.instret).toBe(1);
    expect(h.cycles).toBe(1);
  });

  it("the kernel may skip the illegal instruction and resume", () => {
    const { h, entry } = makeHart([0x10500073, enc.addi(6, 0, 2), enc.ecall()]);
    expect(h.run(100)).toBe(TRAP_ILLEGAL);
    h.pc += 4;
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[6]).toBe(2);
    expect(h.pc).toBe(entry + 8);
  });

  it.each([5, 6])("an FP arithmetic op with reserved rm %i: TRAP_ILLEGAL, trapInst the bits, nothing written", (rm) => {
    for (const word of [enc.fadd_s(1, 2, 3, rm), enc.fmul_d(1, 2, 3, rm), enc.fmadd_d(1, 2, 3, 4, rm),
      enc.fcvt_w_s(5, 2, rm), enc.fsqrt_d(1, 2, rm)]) {
      const { h, entry } = makeHart([enc.nop(), word, enc.ecall()]);
      h.x[5] = 0x5555;
      h.f[2] = 0x11111111;
      h.f[3] = 0x22222222;
      expect(h.run(100)).toBe(TRAP_ILLEGAL);
      expect(h.pc).toBe(entry + 4);
      expect(h.instret).toBe(1);
      expect(h.x[5]).toBe(0x5555);
      expect([h.f[2], h.f[3]]).toEqual([0x11111111, 0x22222222]);
      expect((h.trapInst >>> 0).toString(16), `rm ${rm}: ${word.toString(16)}`).toBe(word.toString(16));
    }
  });

  it("an FP op with dynamic rm while frm holds a reserved value is illegal", () => {
    const r = runProgram([enc.csrrwi(0, CSR.frm, 5), enc.fadd_d(1, 2, 3, RM.DYN)]);
    expect(r.cause).toBe(TRAP_ILLEGAL);
    expect(r.h.pc).toBe(r.entry + 4);
  });
});

describe("FP dispatch", () => {
  it("FP operations reach fpExec with the right registers; integer results to x0 are discarded", () => {
    // fmv.w.x f1, x5 ; fmv.x.w x6, f1 ; fcvt.d.w f2, x5 ; fcvt.w.d x7, f2 ; fadd.d f3, f2, f2 ;
    // fcvt.w.d x8, f3 ; feq.d x0, f2, f2 ; fmv.x.w x0, f1 ; fclass.d x9, f3 ; flt.s x10, f1, f1
    const { h } = runOk([
      enc.fmv_w_x(1, 5), enc.fmv_x_w(6, 1), enc.fcvt_d_w(2, 5), enc.fcvt_w_d(7, 2), enc.fadd_d(3, 2, 2),
      enc.fcvt_w_d(8, 3), enc.feq_d(0, 2, 2), enc.fmv_x_w(0, 1), enc.fclass_d(9, 3), enc.flt_s(10, 1, 1),
    ], { regs: { 5: -21 } });
    expect([h.f[2], h.f[3]]).toEqual([0xffffffeb, 0xffffffff]);
    expect(h.x[6]).toBe(-21);
    expect(h.fd[2]).toBe(-21);
    expect(h.x[7]).toBe(-21);
    expect(h.fd[3]).toBe(-42);
    expect(h.x[8]).toBe(-42);
    expect(h.x[0]).toBe(0);
    expect(h.x[9]).toBe(1 << 1); // negative normal
    expect(h.x[10]).toBe(0);
  });

  it("fld, arithmetic, fsd: a double computed end to end", () => {
    const data = new Uint8Array(16);
    new DataView(data.buffer).setFloat64(0, 1.5, true);
    new DataView(data.buffer).setFloat64(8, 2.25, true);
    const { mm } = runOk([enc.fld(1, 0, 10), enc.fld(2, 8, 10), enc.fmul_d(3, 1, 2), enc.fsd(3, 16, 10)], {
      data, regs: { 10: DATA_BASE },
    });
    const out = new DataView(peek(mm, DATA_BASE + 16, 8).buffer);
    expect(out.getFloat64(0, true)).toBe(3.375);
  });
});

describe("compressed instructions", () => {
  const C = {
    li_a0_5: c16(0x4515), li_a0_m32: c16(0x5501), addi_a0_m1: c16(0x157d), mv_a1_a0: c16(0x85aa),
    add_a1_a0: c16(0x95aa), nop: c16(0x0001), ebreak: c16(0x9002), jalr_t0: c16(0x9282), jr_ra: c16(0x8082),
    jal_p6: c16(0x2019), j_p4: c16(0xa011), beqz_s0_p6: c16(0xc019), bnez_s0_p6: c16(0xe019),
    lw_s0_4_s1: c16(0x40c0), sw_s0_8_s1: c16(0xc480),
  };

  it("sequential compressed instructions advance pc by 2 each", () => {
    const r = runOk(assemble(C.li_a0_5, C.addi_a0_m1, C.mv_a1_a0, C.add_a1_a0));
    expect(r.endPc).toBe(r.entry + 8);
    expect(r.h.x[10]).toBe(4);
    expect(r.h.x[11]).toBe(8);
    const { h, entry } = makeHart(assemble(C.li_a0_5, C.addi_a0_m1, C.mv_a1_a0, C.add_a1_a0, enc.ecall()));
    expect(h.run(4)).toBe(TRAP_BUDGET);
    expect(h.instret).toBe(4);
    expect(h.pc).toBe(entry + 8);
  });

  it("c.jal links pc+2", () => {
    // 0: c.jal .+6 ; 2: c.li a0, 5 ; 4: c.nop ; 6: ecall
    const r = runOk(assemble(C.jal_p6, C.li_a0_5, C.nop));
    expect(xu(r.h, 1)).toBe(r.entry + 2);
    expect(r.h.x[10]).toBe(0);
  });

  it("c.jalr links pc+2 and jumps to rs1", () => {
    // 0: c.jalr t0 (-> 6) ; 2: c.li a0, 5 ; 4: c.li a0, -32 ; 6: c.nop ; 8: ecall
    const r = runOk(assemble(C.jalr_t0, C.li_a0_5, C.li_a0_m32, C.nop), { regs: { 5: CODE_BASE + 6 } });
    expect(xu(r.h, 1)).toBe(r.entry + 2);
    expect(r.h.x[10]).toBe(0);
  });

  it("c.jal and c.jr ra: call and return", () => {
    // 0: c.jal .+6 ; 2: c.li a0, 5 ; 4: c.j .+4 ; 6: c.jr ra ; 8: ecall
    const r = runOk(assemble(C.jal_p6, C.li_a0_5, C.j_p4, C.jr_ra));
    expect(r.h.x[10]).toBe(5);
    expect(xu(r.h, 1)).toBe(r.entry + 2);
  });

  it.each([[0, true], [1, false], [-1, false]])("c.beqz / c.bnez with s0 = %i", (s0, zero) => {
    // 0: c.beqz s0, .+6 ; 2: c.li a0, 5 ; 4: c.nop ; 6: ecall
    const a = runOk(assemble(C.beqz_s0_p6, C.li_a0_5, C.nop), { regs: { 8: s0 } });
    expect(a.h.x[10]).toBe(zero ? 0 : 5);
    const b = runOk(assemble(C.bnez_s0_p6, C.li_a0_5, C.nop), { regs: { 8: s0 } });
    expect(b.h.x[10]).toBe(zero ? 5 : 0);
  });

  it("c.lw and c.sw", () => {
    const r = runOk(assemble(C.lw_s0_4_s1, C.sw_s0_8_s1), {
      regs: { 9: DATA_BASE }, data: assemble([0, 0xcafebabe]),
    });
    expect(xu(r.h, 8)).toBe(0xcafebabe);
    expect(peekU32(r.mm, DATA_BASE + 8)).toBe(0xcafebabe);
  });

  it("a 32-bit instruction at a 2-mod-4 address, and a 32-bit jal there links pc+4", () => {
    // 0: c.nop ; 2: addi x5, x0, 7 ; 6: jal x1, +6 (-> 12) ; 10: c.li a0, 5 (skipped) ; 12: ecall
    const r = runOk(assemble(C.nop, enc.addi(5, 0, 7), enc.jal(1, 6), C.li_a0_5));
    expect(r.h.x[5]).toBe(7);
    expect(xu(r.h, 1)).toBe(r.entry + 10);
    expect(r.h.x[10]).toBe(0);
  });

  it("c.ebreak stops with pc on it", () => {
    const { h, entry } = makeHart(assemble(C.nop, C.ebreak, C.nop));
    expect(h.run(10)).toBe(TRAP_EBREAK);
    expect(h.pc).toBe(entry + 2);
  });

  it("a compressed instruction in the last 2 bytes of a page, then the next page", () => {
    const { h, entry } = makeHart(assemble(C.li_a0_5, C.addi_a0_m1, enc.ecall()), {
      codeOffset: PAGE_SIZE - 2, codePages: 2,
    });
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.pc).toBe(entry + 4);
    expect(h.x[10]).toBe(4);
  });
});

describe("instruction budget", () => {
  // 0: addi x5, x5, 1 ; 4: j 0
  const LOOP = [enc.addi(5, 5, 1), enc.jal(0, -4)];

  it("run(n) executes exactly n instructions and returns TRAP_BUDGET", () => {
    const { h, entry } = makeHart(LOOP);
    expect(h.run(1000)).toBe(TRAP_BUDGET);
    expect(h.instret).toBe(1000);
    expect(h.cycles).toBe(1000);
    expect(h.x[5]).toBe(500);
    expect(h.pc).toBe(entry);
    expect(h.run(7)).toBe(TRAP_BUDGET);
    expect(h.instret).toBe(1007);
    expect(h.x[5]).toBe(504);
    expect(h.pc).toBe(entry + 4);
  });

  it("run(0) executes nothing", () => {
    const { h, entry } = makeHart(LOOP);
    expect(h.run(0)).toBe(TRAP_BUDGET);
    expect(h.instret).toBe(0);
    expect(h.pc).toBe(entry);
    expect(h.x[5]).toBe(0);
  });

  it("run(1) steps one instruction at a time", () => {
    const { h, entry } = makeHart([enc.addi(5, 0, 1), enc.addi(5, 5, 1), enc.addi(5, 5, 1), enc.ecall()]);
    for (let i = 1; i <= 3; i++) {
      expect(h.run(1)).toBe(TRAP_BUDGET);
      expect(h.pc).toBe(entry + 4 * i);
      expect(h.x[5]).toBe(i);
      expect(h.instret).toBe(i);
    }
    expect(h.run(1)).toBe(TRAP_ECALL);
    expect(h.pc).toBe(entry + 12);
  });

  it("a budget that runs out exactly before an ecall does not report it", () => {
    const { h, entry } = makeHart([enc.nop(), enc.nop(), enc.ecall()]);
    expect(h.run(2)).toBe(TRAP_BUDGET);
    expect(h.pc).toBe(entry + 8);
    expect(h.run(5)).toBe(TRAP_ECALL);
    expect(h.pc).toBe(entry + 8);
  });

  it("property: any budget split gives the same state as one run", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 20 }), (budgets) => {
        const { h } = makeHart(LOOP);
        let total = 0;
        for (const b of budgets) {
          expect(h.run(b)).toBe(TRAP_BUDGET);
          total += b;
          expect(h.instret).toBe(total);
        }
        expect(h.x[5]).toBe(Math.ceil(total / 2));
        expect(h.pc).toBe(CODE_BASE + (total % 2) * 4);
      }),
      { numRuns: 200 },
    );
  });

  it("cycles and instret accumulate on top of kernel-charged cycles", () => {
    const { h } = makeHart(LOOP);
    h.cycles = 5000;
    expect(h.run(10)).toBe(TRAP_BUDGET);
    expect(h.cycles).toBe(5010);
    expect(h.instret).toBe(10);
  });
});
