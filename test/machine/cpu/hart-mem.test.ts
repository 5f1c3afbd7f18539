// The hart's memory paths: faults (and what they leave behind), misaligned and page-crossing
// accesses, instruction fetch across pages, stack growth, TLB coherence with the kernel, and the
// FP loads and stores the hart executes itself.
import { describe, expect, it } from "vitest";
import {
  TRAP_ECALL, TRAP_FETCH_FAULT, TRAP_LOAD_FAULT, TRAP_STORE_FAULT,
} from "../../../src/machine/cpu/hart-mem.ts";
import { PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { SEGV_ACCERR, SEGV_MAPERR, STACK_LIMIT } from "../../../src/machine/mm/mm.ts";
import { assemble, enc, li } from "../../helpers/encode.ts";
import {
  CODE_BASE, DATA_BASE, DATA_PAGES, makeHart, NX_BASE, peek, peekU32, pokeU32, RO_BASE, RO_FILL, runOk,
  runProgram, STACK_PAGES, STACK_TOP, UNMAPPED, writeKernel, xu,
} from "../../helpers/hart.ts";

const DATA_END = DATA_BASE + DATA_PAGES * PAGE_SIZE; // unmapped from here
const RO_WORD = (RO_FILL * 0x01010101) >>> 0;

describe("load faults", () => {
  const LOADS: [string, number][] = [
    ["lb", enc.lb(5, 8, 10)], ["lh", enc.lh(5, 8, 10)], ["lw", enc.lw(5, 8, 10)],
    ["lbu", enc.lbu(5, 8, 10)], ["lhu", enc.lhu(5, 8, 10)],
  ];
  it.each(LOADS)("%s from an unmapped address: TRAP_LOAD_FAULT, SEGV_MAPERR, nothing retired or written", (_n, word) => {
    const { h, entry } = makeHart([enc.addi(6, 6, 1), word, enc.addi(6, 6, 1), enc.ecall()], {
      regs: { 10: UNMAPPED, 5: 1234 },
    });
    expect(h.run(100)).toBe(TRAP_LOAD_FAULT);
    expect(h.pc).toBe(entry + 4);
    expect(h.lastFault?.addr).toBe(UNMAPPED + 8);
    expect(h.lastFault?.code).toBe(SEGV_MAPERR);
    expect(h.lastFault?.cause).toBe(TRAP_LOAD_FAULT);
    expect(h.x[5]).toBe(1234);
    expect(h.x[6]).toBe(1);
    expect(h.instret).toBe(1);
    expect(h.cycles).toBe(1);
  });

  it("the faulting load re-executes when the kernel maps the page and resumes", () => {
    const { h, mm, entry } = makeHart([enc.lw(5, 0, 10), enc.ecall()], { regs: { 10: UNMAPPED } });
    expect(h.run(100)).toBe(TRAP_LOAD_FAULT);
    mm.mapRegion(UNMAPPED, PAGE_SIZE, 3, 0, "anon");
    pokeU32(mm, UNMAPPED, 0xfeedface);
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.pc).toBe(entry + 4);
    expect(xu(h, 5)).toBe(0xfeedface);
  });

  it("a load from address 0 faults with addr 0", () => {
    const r = runProgram([enc.lw(5, 0, 0)]);
    expect(r.cause).toBe(TRAP_LOAD_FAULT);
    expect(r.h.lastFault?.addr).toBe(0);
  });

  it("a load from the top of the address space reports the unsigned address", () => {
    const r = runProgram([enc.lbu(5, -1, 0)]);
    expect(r.cause).toBe(TRAP_LOAD_FAULT);
    expect(r.h.lastFault?.addr).toBe(0xffffffff);
  });

  it("loads from a read-only page work, and from the (R+X) code page", () => {
    const { h } = runOk([enc.lw(5, 0, 10), enc.lbu(6, 5, 10), enc.lw(7, 0, 11)], {
      regs: { 10: RO_BASE, 11: CODE_BASE },
    });
    expect(xu(h, 5)).toBe(RO_WORD);
    expect(h.x[6]).toBe(RO_FILL);
    expect(xu(h, 7)).toBe(enc.lw(5, 0, 10));
  });
});

describe("store faults", () => {
  const STORES: [string, number][] = [
    ["sb", enc.sb(6, 4, 10)], ["sh", enc.sh(6, 4, 10)], ["sw", enc.sw(6, 4, 10)],
    ["fsw", enc.fsw(1, 4, 10)], ["fsd", enc.fsd(1, 4, 10)],
  ];
  it.each(STORES)("%s to a read-only page: TRAP_STORE_FAULT, SEGV_ACCERR, memory unchanged", (_n, word) => {
    const { h, mm, entry } = makeHart([enc.nop(), word, enc.ecall()], { regs: { 10: RO_BASE, 6: -1 } });
    expect(h.run(100)).toBe(TRAP_STORE_FAULT);
    expect(h.pc).toBe(entry + 4);
    expect(h.lastFault?.addr).toBe(RO_BASE + 4);
    expect(h.lastFault?.code).toBe(SEGV_ACCERR);
    expect(h.instret).toBe(1);
    expect(peekU32(mm, RO_BASE + 4)).toBe(RO_WORD);
    expect(peekU32(mm, RO_BASE + 8)).toBe(RO_WORD);
  });

  it.each(STORES)("%s to an unmapped address: TRAP_STORE_FAULT, SEGV_MAPERR", (_n, word) => {
    const r = runProgram([word], { regs: { 10: UNMAPPED } });
    expect(r.cause).toBe(TRAP_STORE_FAULT);
    expect(r.h.pc).toBe(r.entry);
    expect(r.h.lastFault?.addr).toBe(UNMAPPED + 4);
    expect(r.h.lastFault?.code).toBe(SEGV_MAPERR);
  });

  it("a store to the (read-only) code page faults", () => {
    const r = runProgram([enc.sw(0, 0, 10)], { regs: { 10: CODE_BASE } });
    expect(r.cause).toBe(TRAP_STORE_FAULT);
    expect(r.h.lastFault?.code).toBe(SEGV_ACCERR);
    expect(peekU32(r.mm, CODE_BASE)).toBe(enc.sw(0, 0, 10));
  });

  it("a store after a load of the same read-only page still faults (read TLB is not write permission)", () => {
    const r = runProgram([enc.lw(5, 0, 10), enc.sw(5, 0, 10)], { regs: { 10: RO_BASE } });
    expect(r.cause).toBe(TRAP_STORE_FAULT);
    expect(r.h.pc).toBe(r.entry + 4);
  });
});

describe("fetch faults", () => {
  it("jumping to a non-executable page: TRAP_FETCH_FAULT, SEGV_ACCERR, pc at the target", () => {
    const { h, entry } = makeHart([enc.jalr(1, 10, 0), enc.ecall()], { regs: { 10: NX_BASE + 8 } });
    expect(h.run(100)).toBe(TRAP_FETCH_FAULT);
    expect(h.pc).toBe(NX_BASE + 8);
    expect(h.lastFault?.addr).toBe(NX_BASE + 8);
    expect(h.lastFault?.code).toBe(SEGV_ACCERR);
    expect(xu(h, 1)).toBe(entry + 4); // the jalr itself retired
    expect(h.instret).toBe(1);
  });

  it("jumping to an unmapped page: SEGV_MAPERR", () => {
    const { h } = makeHart([enc.jalr(0, 10, 0), enc.ecall()], { regs: { 10: UNMAPPED } });
    expect(h.run(100)).toBe(TRAP_FETCH_FAULT);
    expect(h.pc).toBe(UNMAPPED);
    expect(h.lastFault?.code).toBe(SEGV_MAPERR);
  });

  it("running off the end of the code mapping", () => {
    const prog = new Array<number>(PAGE_SIZE / 4).fill(enc.addi(5, 5, 1));
    const { h } = makeHart(prog);
    expect(h.run(10_000)).toBe(TRAP_FETCH_FAULT);
    expect(h.pc).toBe(CODE_BASE + PAGE_SIZE);
    expect(h.x[5]).toBe(PAGE_SIZE / 4);
    expect(h.instret).toBe(PAGE_SIZE / 4);
  });

  it("a fetch from a readable, writable page that is not executable faults even after it was written", () => {
    const { h } = makeHart([enc.sw(0, 0, 10), enc.jalr(0, 10, 0)], { regs: { 10: NX_BASE } });
    expect(h.run(100)).toBe(TRAP_FETCH_FAULT);
    expect(h.pc).toBe(NX_BASE);
  });
});

describe("misaligned accesses", () => {
  const data = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  const word = (i: number): number => (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;

  it("lw, lh, lhu at odd offsets inside a page", () => {
    const { h } = runOk([enc.lw(5, 1, 10), enc.lw(6, 3, 10), enc.lh(7, 1, 10), enc.lhu(8, 3, 10), enc.lh(9, 7, 10)], {
      data, regs: { 10: DATA_BASE },
    });
    expect(xu(h, 5)).toBe(word(1));
    expect(xu(h, 6)).toBe(word(3));
    expect(xu(h, 7)).toBe(0xffff8281);
    expect(xu(h, 8)).toBe(0x8483);
    expect(xu(h, 9)).toBe(0xffff8887);
  });

  it("sw, sh at odd offsets inside a page", () => {
    const { mm } = runOk([enc.sw(6, 1, 10), enc.sh(6, 7, 10)], { regs: { 10: DATA_BASE, 6: 0x11223344 } });
    expect(Array.from(peek(mm, DATA_BASE, 10))).toEqual([0, 0x44, 0x33, 0x22, 0x11, 0, 0, 0x44, 0x33, 0]);
  });

  it.each([0xffd, 0xffe, 0xfff])("lw/lh/lhu across a page boundary (page offset %#x)", (off) => {
    const { h, mm } = makeHart([enc.lw(5, 0, 10), enc.lh(6, 0, 10), enc.lhu(7, 0, 10), enc.ecall()], {
      regs: { 10: DATA_BASE + off },
    });
    const bytes = Uint8Array.from([0x81, 0x92, 0xa3, 0xb4]);
    writeKernel(mm, DATA_BASE + off, bytes);
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(xu(h, 5)).toBe(0xb4a39281);
    expect(xu(h, 6)).toBe(0xffff9281);
    expect(xu(h, 7)).toBe(0x9281);
  });

  it.each([0xffd, 0xffe, 0xfff])("sw/sh across a page boundary (page offset %#x)", (off) => {
    const { mm } = runOk([enc.sw(6, 0, 10), enc.sh(6, 8, 11)], {
      regs: { 10: DATA_BASE + off, 11: DATA_BASE + 0x1000 + off, 6: 0xb4a39281 },
    });
    expect(Array.from(peek(mm, DATA_BASE + off, 4))).toEqual([0x81, 0x92, 0xa3, 0xb4]);
    expect(Array.from(peek(mm, DATA_BASE + 0x1000 + off + 8, 2))).toEqual([0x81, 0x92]);
  });

  it("a load crossing into an unmapped page faults and leaves rd unchanged", () => {
    const r = runProgram([enc.lw(5, 0, 10)], { regs: { 10: DATA_END - 2, 5: 55 } });
    expect(r.cause).toBe(TRAP_LOAD_FAULT);
    expect(r.h.pc).toBe(r.entry);
    expect(r.h.x[5]).toBe(55);
    expect(r.h.lastFault?.code).toBe(SEGV_MAPERR);
    expect(r.h.lastFault?.addr).toBeGreaterThanOrEqual(DATA_END - 2);
    expect(r.h.lastFault?.addr).toBeLessThanOrEqual(DATA_END);
  });

  it("a store crossing into an unmapped page faults and writes no byte of the first page", () => {
    const r = runProgram([enc.sw(6, 0, 10)], { regs: { 10: DATA_END - 2, 6: -1 } });
    expect(r.cause).toBe(TRAP_STORE_FAULT);
    expect(Array.from(peek(r.mm, DATA_END - 2, 2))).toEqual([0, 0]);
  });

  it("a store crossing into a read-only page faults with SEGV_ACCERR and writes nothing", () => {
    // RO_BASE (read-only) sits right below NX_BASE (read-write): a word at NX_BASE - 2 has its
    // low half in the read-only page.
    const r = runProgram([enc.sw(6, 0, 10)], { regs: { 10: NX_BASE - 2, 6: -1 } });
    expect(r.cause).toBe(TRAP_STORE_FAULT);
    expect(r.h.lastFault?.code).toBe(SEGV_ACCERR);
    expect(Array.from(peek(r.mm, NX_BASE - 2, 4))).toEqual([RO_FILL, RO_FILL, 0, 0]);
  });

  it("a store crossing from a writable page into a read-only one writes nothing", () => {
    // Map a read-only page right after the data area for this one.
    const { h, mm } = makeHart([enc.sw(6, 0, 10), enc.ecall()], { regs: { 10: DATA_END - 1, 6: -1 } });
    mm.mapRegion(DATA_END, PAGE_SIZE, 1, 0, "anon");
    expect(h.run(10)).toBe(TRAP_STORE_FAULT);
    expect(h.lastFault?.code).toBe(SEGV_ACCERR);
    expect(peek(mm, DATA_END - 1, 1)[0]).toBe(0);
  });
});

describe("instruction fetch across pages", () => {
  it("a 32-bit instruction straddling a page boundary executes", () => {
    // The program starts 2 bytes before the second code page: the first addi straddles.
    const { h, entry } = makeHart([enc.addi(5, 0, 42), enc.addi(6, 5, 1), enc.ecall()], {
      codeOffset: PAGE_SIZE - 2, codePages: 2,
    });
    expect(entry).toBe(CODE_BASE + 0xffe);
    expect(h.run(100)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(42);
    expect(h.x[6]).toBe(43);
    expect(h.pc).toBe(entry + 8);
  });

  it("a straddling instruction whose second half is not mapped is a fetch fault at pc, addr pc+2", () => {
    // Only the low half (opcode bits 11) of an addi exists, in the last 2 bytes of the only code page.
    const low = enc.addi(5, 0, 42) & 0xffff;
    const { h, entry } = makeHart(Uint8Array.from([low & 0xff, low >>> 8]), { codeOffset: PAGE_SIZE - 2 });
    expect(h.run(100)).toBe(TRAP_FETCH_FAULT);
    expect(h.pc).toBe(entry);
    expect(h.lastFault?.addr).toBe(CODE_BASE + PAGE_SIZE);
    expect(h.x[5]).toBe(0);
    expect(h.instret).toBe(0);
  });

  it("code spanning several pages, with a loop back across the boundary", () => {
    // Start 8 bytes before the page end: loop body crosses into page 2 and branches back.
    const prog = [enc.addi(5, 0, 5), enc.addi(6, 6, 2), enc.addi(5, 5, -1), enc.bne(5, 0, -8)];
    const { h } = runOk(prog, { codeOffset: PAGE_SIZE - 8, codePages: 2 });
    expect(h.x[6]).toBe(10);
  });
});

describe("stack growth", () => {
  const stackLow = STACK_TOP - STACK_PAGES * PAGE_SIZE;

  it("a store below a GROWSDOWN VMA grows it", () => {
    const { h, mm } = runOk([enc.sw(6, 0, 10), enc.lw(7, 0, 10)], { regs: { 10: stackLow - 100, 6: 0x600d } });
    expect(h.x[7]).toBe(0x600d);
    expect(peekU32(mm, stackLow - 100)).toBe(0x600d);
    expect(mm.findVma(stackLow - 100)?.start).toBe(stackLow - PAGE_SIZE);
  });

  it("sp-relative pushes far down the stack", () => {
    // addi sp, sp, -0x7f0 forty times (~80 KiB), then store.
    const prog: number[] = [];
    for (let i = 0; i < 40; i++) prog.push(enc.addi(2, 2, -0x7f0));
    prog.push(enc.sw(6, 0, 2), enc.lw(7, 0, 2));
    const { h, mm } = runOk(prog, { regs: { 6: 77 } });
    expect(h.x[7]).toBe(77);
    expect(mm.findVma(h.x[2] >>> 0)?.kind).toBe("stack");
  });

  it("beyond RLIMIT_STACK the access faults", () => {
    const r = runProgram([...li(10, STACK_TOP - STACK_LIMIT - PAGE_SIZE), enc.sw(6, 0, 10)]);
    expect(r.cause).toBe(TRAP_STORE_FAULT);
    expect(r.h.lastFault?.code).toBe(SEGV_MAPERR);
  });
});

describe("TLB coherence with the kernel", () => {
  it("a kernel write (copyOut) between runs is seen by loads, even after the page was read as zeros", () => {
    const { h, mm, entry } = makeHart([enc.lw(5, 0, 10), enc.ecall()], { regs: { 10: DATA_BASE + 0x2000 } });
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[5]).toBe(0);
    expect(mm.copyOut(DATA_BASE + 0x2000, Uint8Array.from([1, 2, 3, 4]))).toBe(true);
    h.pc = entry;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(xu(h, 5)).toBe(0x04030201);
  });

  it("an unmap between runs makes the next access fault", () => {
    const { h, mm, entry } = makeHart([enc.lw(5, 0, 10), enc.sw(5, 4, 10), enc.ecall()], { regs: { 10: DATA_BASE } });
    expect(h.run(10)).toBe(TRAP_ECALL);
    mm.unmapRange(DATA_BASE, DATA_BASE + PAGE_SIZE);
    h.pc = entry;
    expect(h.run(10)).toBe(TRAP_LOAD_FAULT);
    expect(h.lastFault?.code).toBe(SEGV_MAPERR);
  });

  it("a read through the zero page then a write then a read sees the write", () => {
    const { h } = runOk([enc.lw(5, 0, 10), enc.sb(6, 1, 10), enc.lw(7, 0, 10)], {
      regs: { 10: DATA_BASE + 0x3000, 6: 0xab },
    });
    expect(h.x[5]).toBe(0);
    expect(xu(h, 7)).toBe(0xab00);
  });

  it("many pages that collide in the TLB keep their own contents", () => {
    // 0x100 pages apart -> same TLB slot. Write distinct values into DATA_BASE and a far page, read both.
    const far = DATA_BASE + 0x100 * PAGE_SIZE;
    const { h, mm } = makeHart([enc.sw(6, 0, 10), enc.sw(7, 0, 11), enc.lw(8, 0, 10), enc.lw(9, 0, 11), enc.ecall()], {
      regs: { 10: DATA_BASE, 11: far, 6: 111, 7: 222 },
    });
    mm.mapRegion(far, PAGE_SIZE, 3, 0, "anon");
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(h.x[8]).toBe(111);
    expect(h.x[9]).toBe(222);
  });
});

describe("FP loads and stores", () => {
  it("flw NaN-boxes: high word all ones, low word the bits", () => {
    const { h } = runOk([enc.flw(1, 0, 10), enc.flw(31, 4, 10), enc.flw(0, 8, 10)], {
      data: assemble([0x3f800000, 0x7fa00001, 0xffffffff]), regs: { 10: DATA_BASE },
    });
    expect([h.f[2], h.f[3]]).toEqual([0x3f800000, 0xffffffff]);
    expect([h.f[62], h.f[63]]).toEqual([0x7fa00001, 0xffffffff]);
    expect([h.f[0], h.f[1]]).toEqual([0xffffffff, 0xffffffff]); // f0 is a real register
  });

  it("fsw stores the low word whatever the high word holds", () => {
    const { h, mm } = makeHart([enc.fsw(3, 0, 10), enc.fsw(4, 4, 10), enc.ecall()], { regs: { 10: DATA_BASE } });
    h.f[6] = 0xc0490fdb; // -pi as binary32, properly boxed
    h.f[7] = 0xffffffff;
    h.f[8] = 0x12345678; // an unboxed double's low word
    h.f[9] = 0x40091eb8;
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect(peekU32(mm, DATA_BASE)).toBe(0xc0490fdb);
    expect(peekU32(mm, DATA_BASE + 4)).toBe(0x12345678);
    expect(peekU32(mm, DATA_BASE + 8)).toBe(0);
  });

  it("fld / fsd round trip bit-exact, including a signaling NaN payload", () => {
    const patterns = [
      [0x00000001, 0x7ff00000], // sNaN, payload 1
      [0xdeadbeef, 0x7ff7ffff], // sNaN, big payload
      [0x00000000, 0xfff80000], // negative qNaN
      [0x00000000, 0x80000000], // -0
      [0x00000001, 0x00000000], // smallest subnormal
      [0x54442d18, 0x400921fb], // pi
    ];
    const data = assemble(patterns.flat());
    const prog: number[] = [];
    patterns.forEach((_, i) => prog.push(enc.fld(i + 1, i * 8, 10), enc.fsd(i + 1, 0x100 + i * 8, 10)));
    const { h, mm } = runOk(prog, { data, regs: { 10: DATA_BASE } });
    patterns.forEach(([lo, hi], i) => {
      expect([h.f[2 * (i + 1)], h.f[2 * (i + 1) + 1]]).toEqual([lo, hi]);
      expect([peekU32(mm, DATA_BASE + 0x100 + i * 8), peekU32(mm, DATA_BASE + 0x104 + i * 8)]).toEqual([lo, hi]);
    });
  });

  it("fld / fsd with negative offsets and misaligned inside a page", () => {
    const { h, mm } = makeHart([enc.fld(1, -13, 10), enc.fsd(1, -3, 10), enc.ecall()], { regs: { 10: DATA_BASE + 0x20 } });
    writeKernel(mm, DATA_BASE + 0x20 - 13, assemble([0x01234567, 0x89abcdef]));
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect([h.f[2], h.f[3]]).toEqual([0x01234567, 0x89abcdef]);
    expect([peekU32(mm, DATA_BASE + 0x1d), peekU32(mm, DATA_BASE + 0x21)]).toEqual([0x01234567, 0x89abcdef]);
  });

  it.each([0xff9, 0xffc, 0xffd, 0xfff])("fld / fsd across a page boundary (page offset %#x)", (off) => {
    const src = DATA_BASE + off;
    const dst = DATA_BASE + 0x1000 + off;
    const { h, mm } = makeHart([enc.fld(7, 0, 10), enc.fsd(7, 0, 11), enc.flw(8, 0, 10), enc.fsw(8, 0x10, 11),
      enc.ecall()], { regs: { 10: src, 11: dst } });
    writeKernel(mm, src, assemble([0x00000001, 0x7ff00000]));
    expect(h.run(10)).toBe(TRAP_ECALL);
    expect([h.f[14], h.f[15]]).toEqual([0x00000001, 0x7ff00000]);
    expect([peekU32(mm, dst), peekU32(mm, dst + 4)]).toEqual([0x00000001, 0x7ff00000]);
    expect([h.f[16], h.f[17]]).toEqual([0x00000001, 0xffffffff]);
    expect(peekU32(mm, dst + 0x10)).toBe(1);
  });

  it("fld faulting on its second half leaves the register unchanged", () => {
    const { h, entry } = makeHart([enc.fld(1, 0, 10), enc.ecall()], { regs: { 10: DATA_END - 4 } });
    h.f[2] = 0x11111111;
    h.f[3] = 0x22222222;
    expect(h.run(10)).toBe(TRAP_LOAD_FAULT);
    expect(h.pc).toBe(entry);
    expect([h.f[2], h.f[3]]).toEqual([0x11111111, 0x22222222]);
  });

  it("flw from an unmapped address leaves the register unchanged", () => {
    const { h } = makeHart([enc.flw(1, 0, 10), enc.ecall()], { regs: { 10: UNMAPPED } });
    h.f[2] = 5;
    h.f[3] = 6;
    expect(h.run(10)).toBe(TRAP_LOAD_FAULT);
    expect([h.f[2], h.f[3]]).toEqual([5, 6]);
  });

  it("fsd crossing into an unmapped page writes nothing", () => {
    const { h, mm } = makeHart([enc.fsd(1, 0, 10), enc.ecall()], { regs: { 10: DATA_END - 4 } });
    h.f[2] = 0xffffffff;
    h.f[3] = 0xffffffff;
    expect(h.run(10)).toBe(TRAP_STORE_FAULT);
    expect(peekU32(mm, DATA_END - 4)).toBe(0);
  });
});
