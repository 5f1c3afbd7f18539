// Zicsr in user mode on the hart: the FP CSRs (fflags, frm, fcsr), the read-only counters, and
// everything else illegal.
import { describe, expect, it } from "vitest";
import { CYCLES_PER_TIME_TICK } from "../../../src/machine/cpu/csr.ts";
import { TRAP_BUDGET, TRAP_ECALL, TRAP_ILLEGAL } from "../../../src/machine/cpu/hart-mem.ts";
import { CSR, enc } from "../../helpers/encode.ts";
import { makeHart, runOk, runProgram, xu } from "../../helpers/hart.ts";

describe("fcsr, frm, fflags", () => {
  it("csrrw fcsr swaps and sets frm and fflags", () => {
    const { h } = runOk([enc.csrrw(5, CSR.fcsr, 6), enc.csrr(7, CSR.frm), enc.csrr(8, CSR.fflags), enc.csrr(9, CSR.fcsr)],
      { regs: { 6: 0xff } });
    expect(h.x[5]).toBe(0);
    expect(h.frm).toBe(7);
    expect(h.fflags).toBe(31);
    expect(h.x[7]).toBe(7);
    expect(h.x[8]).toBe(31);
    expect(h.x[9]).toBe(0xff);
  });

  it("fcsr keeps only bits 7:0", () => {
    const { h } = runOk([enc.csrrw(0, CSR.fcsr, 6), enc.csrr(7, CSR.fcsr)], { regs: { 6: 0xffffff6b } });
    expect(h.x[7]).toBe(0x6b);
    expect(h.frm).toBe(3);
    expect(h.fflags).toBe(0x0b);
  });

  it("frm and fflags alias the fields of fcsr", () => {
    const { h } = runOk([
      enc.csrrwi(0, CSR.frm, 4), enc.csrr(5, CSR.fcsr),
      enc.csrrwi(0, CSR.fflags, 0x15), enc.csrr(6, CSR.fcsr), enc.csrr(7, CSR.frm),
      enc.csrrw(0, CSR.fcsr, 0), enc.csrr(8, CSR.frm), enc.csrr(9, CSR.fflags),
    ]);
    expect(h.x[5]).toBe(4 << 5);
    expect(h.x[6]).toBe((4 << 5) | 0x15);
    expect(h.x[7]).toBe(4);
    expect(h.x[8]).toBe(0);
    expect(h.x[9]).toBe(0);
  });

  it("writing frm leaves fflags alone and masks to 3 bits", () => {
    const { h } = makeHart([enc.csrrw(5, CSR.frm, 6), enc.ecall()], { regs: { 6: 0xfd } });
    h.fflags = 0x13;
    h.frm = 2;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(2);
    expect(h.frm).toBe(5);
    expect(h.fflags).toBe(0x13);
  });

  it("writing fflags leaves frm alone and masks to 5 bits", () => {
    const { h } = makeHart([enc.csrrw(5, CSR.fflags, 6), enc.ecall()], { regs: { 6: 0xffffffe9 } });
    h.fflags = 0x01;
    h.frm = 3;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(1);
    expect(h.fflags).toBe(0x09);
    expect(h.frm).toBe(3);
  });

  it("csrrs sets bits and returns the old value", () => {
    const { h } = makeHart([enc.csrrs(5, CSR.fflags, 6), enc.csrrs(7, CSR.fcsr, 8), enc.ecall()], {
      regs: { 6: 0x05, 8: 0x40 },
    });
    h.fflags = 0x10;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(0x10);
    expect(h.x[7]).toBe(0x15);
    expect(h.fcsr).toBe(0x55);
  });

  it("csrrc clears bits and returns the old value", () => {
    const { h } = makeHart([enc.csrrc(5, CSR.fcsr, 6), enc.csrrc(7, CSR.frm, 8), enc.ecall()], {
      regs: { 6: 0x21, 8: 4 },
    });
    h.fcsr = 0xff;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(0xff);
    expect(h.x[7]).toBe(6);
    expect(h.fcsr).toBe((2 << 5) | 0x1e);
  });

  it("immediate forms use the 5-bit zimm", () => {
    const { h } = runOk([
      enc.csrrwi(5, CSR.fflags, 31), enc.csrrci(6, CSR.fflags, 0x11), enc.csrrsi(7, CSR.fflags, 0x01),
      enc.csrrwi(8, CSR.frm, 31), enc.csrrci(9, CSR.frm, 2), enc.csrrsi(10, CSR.fcsr, 16),
    ]);
    expect(h.x[5]).toBe(0);
    expect(h.x[6]).toBe(31);
    expect(h.x[7]).toBe(0x0e);
    expect(h.x[8]).toBe(0);
    expect(h.x[9]).toBe(7);
    expect(h.x[10]).toBe((5 << 5) | 0x0f);
    expect(h.fcsr).toBe((5 << 5) | 0x1f);
  });

  it("csrrw with rs1 = x0 writes zero", () => {
    const { h } = makeHart([enc.csrrw(5, CSR.fcsr, 0), enc.ecall()]);
    h.fcsr = 0xab;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(0xab);
    expect(h.fcsr).toBe(0);
  });

  it("csrrs / csrrc with rs1 = x0 and zimm 0 only read", () => {
    const { h } = makeHart([
      enc.csrrs(5, CSR.fcsr, 0), enc.csrrc(6, CSR.fcsr, 0), enc.csrrsi(7, CSR.fcsr, 0), enc.csrrci(8, CSR.fcsr, 0),
      enc.ecall(),
    ]);
    h.fcsr = 0xab;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect([h.x[5], h.x[6], h.x[7], h.x[8]]).toEqual([0xab, 0xab, 0xab, 0xab]);
    expect(h.fcsr).toBe(0xab);
  });

  it("rd = x0 still writes the CSR; rd == rs1 reads rs1 before writing rd", () => {
    const { h } = makeHart([enc.csrrw(0, CSR.fcsr, 6), enc.csrrw(7, CSR.fcsr, 7), enc.ecall()], {
      regs: { 6: 0x12, 7: 0x34 },
    });
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[0]).toBe(0);
    expect(h.x[7]).toBe(0x12);
    expect(h.fcsr).toBe(0x34);
  });
});

describe("counters", () => {
  it("instret counts retired instructions exactly within a run", () => {
    const { h } = runOk([enc.csrr(5, CSR.instret), enc.nop(), enc.nop(), enc.csrr(6, CSR.instret), enc.csrr(7, CSR.instret)]);
    expect(h.x[6] - h.x[5]).toBe(3);
    expect(h.x[7] - h.x[6]).toBe(1);
  });

  it("instret reads the count before the reading instruction retires", () => {
    // Zicsr: a CSR instruction that reads instret "reads the value prior to the execution of the
    // instruction". The first instruction a fresh hart runs must read 0, and a csrr after three
    // retired instructions reads 3, whether or not run() was re-entered in between.
    const { h } = runOk([enc.csrr(5, CSR.instret), enc.nop(), enc.nop(), enc.csrr(6, CSR.instret)]);
    expect(h.x[5]).toBe(0);
    expect(h.x[6]).toBe(3);
    const t = makeHart([enc.nop(), enc.nop(), enc.nop(), enc.csrr(5, CSR.instret), enc.ecall()]);
    expect(t.h.run(2)).toBe(TRAP_BUDGET);
    expect(t.h.instret).toBe(2);
    expect(t.h.run(100)).toBe(TRAP_ECALL);
    expect(t.h.x[5]).toBe(3);
  });

  it("instret read in a later run continues from hart.instret", () => {
    const { h } = makeHart([enc.csrr(5, CSR.instret), enc.nop(), enc.nop(), enc.csrr(6, CSR.instret), enc.ecall()]);
    expect(h.run(2)).toBe(TRAP_BUDGET);
    expect(h.instret).toBe(2);
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[6] - h.x[5]).toBe(3);
  });

  it("cycle advances one per instruction and includes cycles charged by the kernel", () => {
    const { h } = makeHart([enc.csrr(5, CSR.cycle), enc.nop(), enc.csrr(6, CSR.cycle), enc.ecall()]);
    h.cycles = 1000;
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[6] - h.x[5]).toBe(2);
    expect(h.x[5]).toBeGreaterThanOrEqual(1000);
    expect(h.x[5]).toBeLessThanOrEqual(1001);
  });

  it("time is cycles / CYCLES_PER_TIME_TICK and increases", () => {
    const { h } = makeHart([enc.csrr(5, CSR.time), ...new Array<number>(250).fill(enc.nop()), enc.csrr(6, CSR.time), enc.ecall()]);
    h.cycles = 10 * CYCLES_PER_TIME_TICK;
    expect(h.run(1000)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(10);
    expect(h.x[6]).toBe(12); // 1000 + 251 or 252 cycles
  });

  it("the high halves (cycleh, timeh, instreth) carry bits 63:32", () => {
    const { h } = makeHart([
      enc.csrr(5, CSR.cycleh), enc.csrr(6, CSR.cycle), enc.csrr(7, CSR.instreth), enc.csrr(8, CSR.instret),
      enc.csrr(9, CSR.timeh), enc.ecall(),
    ]);
    h.cycles = 3 * 2 ** 32 + 5;
    h.instret = 2 ** 32 + 0xfffffff0;
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(3);
    expect(xu(h, 6)).toBeGreaterThanOrEqual(5);
    expect(xu(h, 6)).toBeLessThan(10);
    expect(h.x[7]).toBe(1);
    expect(xu(h, 8)).toBeGreaterThanOrEqual(0xfffffff0);
    expect(h.x[9]).toBe(Math.floor((3 * 2 ** 32) / CYCLES_PER_TIME_TICK / 2 ** 32));
  });

  it("csrrs/csrrc with x0 and zimm 0 may read the counters", () => {
    const { h } = makeHart([enc.csrrs(5, CSR.cycle, 0), enc.csrrc(6, CSR.instret, 0), enc.csrrsi(7, CSR.time, 0),
      enc.csrrci(8, CSR.instreth, 0), enc.ecall()]);
    h.cycles = 500;
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBeGreaterThanOrEqual(500);
    expect(h.x[7]).toBe(5);
  });

  const WRITES: [string, number][] = [
    ["csrrw cycle", enc.csrrw(5, CSR.cycle, 6)],
    ["csrrw x0, cycle, x0", enc.csrrw(0, CSR.cycle, 0)],
    ["csrrwi instret, 0", enc.csrrwi(5, CSR.instret, 0)],
    ["csrrs time, x6 (x6 = 0)", enc.csrrs(5, CSR.time, 6)],
    ["csrrc cycleh, x6", enc.csrrc(5, CSR.cycleh, 6)],
    ["csrrsi instreth, 1", enc.csrrsi(5, CSR.instreth, 1)],
    ["csrrci timeh, 1", enc.csrrci(5, CSR.timeh, 1)],
  ];
  it.each(WRITES)("writing a counter is illegal: %s", (_name, word) => {
    const r = runProgram([enc.nop(), word], { regs: { 5: 77, 6: 0 } });
    expect(r.cause).toBe(TRAP_ILLEGAL);
    expect(r.h.pc).toBe(r.entry + 4);
    expect(r.h.x[5]).toBe(77);
    expect(r.h.instret).toBe(1);
  });
});

describe("other CSRs are illegal in user mode", () => {
  const CSRS: [string, number][] = [
    ["mstatus", 0x300], ["misa", 0x301], ["mepc", 0x341], ["mhartid", 0xf14], ["sstatus", 0x100], ["satp", 0x180],
    ["hpmcounter3", 0xc03], ["vl", 0xc20], ["seed", 0x015], ["0x004", 0x004], ["0xfff", 0xfff],
  ];
  it.each(CSRS)("csrr %s: TRAP_ILLEGAL, pc on the instruction, rd unchanged", (_name, num) => {
    const r = runProgram([enc.nop(), enc.csrr(5, num)], { regs: { 5: 77 } });
    expect(r.cause).toBe(TRAP_ILLEGAL);
    expect(r.h.pc).toBe(r.entry + 4);
    expect(r.h.x[5]).toBe(77);
    expect(r.h.instret).toBe(1);
  });

  it("an illegal CSR access reports the instruction bits in trapInst (not the CSR number)", () => {
    for (const word of [enc.csrr(5, CSR.mstatus), enc.csrrw(0, CSR.cycle, 6), enc.csrrsi(5, 0x7c0, 3)]) {
      const r = runProgram([word]);
      expect(r.cause).toBe(TRAP_ILLEGAL);
      expect((r.h.trapInst >>> 0).toString(16)).toBe(word.toString(16));
    }
  });

  it("csrw mstatus is illegal and leaves the FP state alone", () => {
    const { h } = makeHart([enc.csrrw(0, CSR.mstatus, 6), enc.ecall()], { regs: { 6: 0xffffffff } });
    h.fcsr = 0x42;
    expect(h.run(10)).toBe(TRAP_ILLEGAL);
    expect(h.fcsr).toBe(0x42);
  });
});
