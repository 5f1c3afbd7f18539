// The translating hart (translate.ts) instruction by instruction: each program runs twice, with
// the interpreter alone and with every block translated on first sight (hot = 1), through the
// same sequence of run(budget) calls; after every call the cause, pc, instret, registers and
// data memory must agree, and the checks below pin the exact values where they matter.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  TRAP_BUDGET, TRAP_ECALL, TRAP_LOAD_FAULT, TRAP_STORE_FAULT,
} from "../../../src/machine/cpu/hart-mem.ts";
import { blocksOf, translator } from "../../../src/machine/cpu/translate.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { enc, li, RM } from "../../helpers/encode.ts";
import {
  CODE_BASE, DATA_BASE, makeHart, peek, RO_BASE, UNMAPPED, type MakeHartOptions,
} from "../../helpers/hart.ts";

const saved = { ...translator };
beforeEach(() => { translator.hot = 1; translator.minLen = 1; translator.work = 0; });
afterEach(() => { Object.assign(translator, saved); });

interface Step { cause: number; pc: number; instret: number; x: number[]; data: number[] }

/**
 * Run `program` through `budgets` (one run() each) and record every step, until a trap other
 * than TRAP_BUDGET; with `resume`, an ecall continues after it instead.
 */
function trace(jit: boolean, program: number[], budgets: number[], opts: MakeHartOptions = {}, resume = false): Step[] {
  translator.enabled = jit;
  const { h, mm } = makeHart(program, opts);
  const steps: Step[] = [];
  for (const b of budgets) {
    const cause = h.run(b);
    steps.push({ cause, pc: h.pc, instret: h.instret, x: [...h.x.subarray(0, 32)], data: [...peek(mm, DATA_BASE, 64)] });
    if (cause === TRAP_ECALL && resume) h.pc += 4;
    else if (cause !== TRAP_BUDGET) break;
  }
  return steps;
}

function same(program: number[], budgets: number[], opts: MakeHartOptions = {}, resume = false): Step[] {
  const interp = trace(false, program, budgets, opts, resume);
  const jit = trace(true, program, budgets, opts, resume);
  expect(jit).toEqual(interp);
  return jit;
}

// A loop of 12 instructions, 40 passes, with loads, stores and M operations; then an ecall.
const LOOP = [
  ...li(9, DATA_BASE), enc.addi(5, 0, 40), enc.addi(6, 0, 0), // 0..12
  enc.addi(6, 6, 3), enc.mul(7, 6, 6), enc.sw(7, 0, 9), enc.lw(8, 0, 9), enc.add(10, 10, 8), // loop: 16
  enc.xor(11, 11, 10), enc.slli(12, 11, 3), enc.srai(12, 12, 1), enc.div(13, 12, 6),
  enc.sb(13, 5, 9), enc.addi(5, 5, -1), enc.bne(5, 0, -44),
  enc.ecall(),
];

describe("translated blocks keep exact instruction counts", () => {
  it("runs a hot loop to the same state", () => {
    const steps = same(LOOP, [100_000]);
    expect(steps[0].cause).toBe(TRAP_ECALL);
    expect(steps[0].instret).toBe(5 + 40 * 12);
  });

  it.each([1, 2, 3, 5, 7, 11, 12, 13, 25, 100])("stops on the same instruction with a budget of %i per run", (b) => {
    const steps = same(LOOP, new Array<number>(600).fill(b));
    let prev = 0;
    for (const s of steps) {
      if (s.cause === TRAP_BUDGET) expect(s.instret - prev).toBe(b); // a budget ending mid-block
      prev = s.instret;
    }
    expect(steps.at(-1)!.cause).toBe(TRAP_ECALL);
  });
});

describe("translated blocks: traps in the middle", () => {
  it("stops at an ecall in the middle of straight-line code, and resumes after it", () => {
    const prog = [enc.addi(5, 0, 1), enc.addi(6, 0, 2), enc.ecall(), enc.addi(7, 0, 3), enc.ecall()];
    const steps = same(prog, [100, 100], {}, true);
    // The ecall counts as retired; pc stays on it for the kernel to advance.
    expect(steps[0]).toMatchObject({ cause: TRAP_ECALL, pc: CODE_BASE + 8, instret: 3 });
    expect(steps[0].x.slice(5, 8)).toEqual([1, 2, 0]);
    expect(steps[1]).toMatchObject({ cause: TRAP_ECALL, pc: CODE_BASE + 16, instret: 5 });
    expect(steps[1].x[7]).toBe(3);
  });

  it.each([
    ["a load from an unmapped page", enc.lw(7, 0, 8), UNMAPPED, TRAP_LOAD_FAULT],
    ["a store to a read-only page", enc.sw(6, 0, 8), RO_BASE, TRAP_STORE_FAULT],
  ])("reports %s at the faulting instruction, with the registers before it", (_n, bad, addr, cause) => {
    // A warm-up pass over the block with x8 pointing at data, then a pass with x8 = addr.
    const prog = [
      ...li(8, DATA_BASE), enc.addi(9, 0, 2), // 0..8
      enc.addi(5, 5, 1), enc.addi(6, 6, 2), bad, enc.addi(10, 10, 1), // 12: block
      ...li(8, addr), enc.addi(9, 9, -1), enc.bne(9, 0, -28), enc.ecall(),
    ];
    const steps = same(prog, [1000]);
    expect(steps[0]).toMatchObject({ cause, pc: CODE_BASE + 20, instret: 3 + 8 + 2 });
    expect(steps[0].x.slice(5, 7)).toEqual([2, 4]);
    expect(steps[0].x[10]).toBe(1);
  });
});

describe("translated blocks: self-modifying code", () => {
  const RWX = PROT_READ | PROT_WRITE | PROT_EXEC;
  const OLD = enc.addi(5, 5, 1);
  const NEW = enc.addi(5, 5, 100);

  it("sees a store to the next instruction of the same block", () => {
    // 20 passes; on pass 10 the sw rewrites T, the instruction right after it.
    const prog = [
      ...li(6, NEW), enc.addi(7, 0, 20), ...li(9, CODE_BASE + 36), // 0..16
      enc.addi(7, 7, -1), enc.addi(8, 0, 10), enc.bne(7, 8, 8), // 20: loop
      enc.sw(6, 0, 9), // 32
      OLD, // 36: T
      enc.bne(7, 0, -20), enc.ecall(),
    ];
    const steps = same(prog, [10_000], { codeProt: RWX });
    expect(steps[0].cause).toBe(TRAP_ECALL);
    // Passes with x7 = 19..11 run OLD; the pass with x7 = 10 stores, then runs NEW, as do x7 = 9..0.
    expect(steps[0].x[5]).toBe(9 + 100 * 11);
  });

  it.each([false, true])("sees a store to another block's code, then a jump there (fence.i: %s)", (fenceI) => {
    const prog = [
      ...li(6, NEW), enc.addi(7, 0, 20), ...li(9, CODE_BASE + 52), // 0..16
      enc.addi(7, 7, -1), enc.addi(8, 0, 10), enc.bne(7, 8, 12), // 20: loop
      enc.sw(6, 0, 9), fenceI ? enc.fence_i() : enc.nop(), // 32
      enc.jal(1, 12), enc.bne(7, 0, -24), enc.ecall(), // 40: call T
      OLD, enc.jalr(0, 1, 0), // 52: T; ret
    ];
    const steps = same(prog, [10_000], { codeProt: RWX });
    expect(steps[0].cause).toBe(TRAP_ECALL);
    expect(steps[0].x[5]).toBe(9 + 100 * 11);
  });
});

describe("translated blocks: LR/SC", () => {
  // lr; a translated stretch; sc. The reservation survives block exits inside one run() and is
  // dropped by the next run() (a return to user mode), exactly as with the interpreter.
  const prog = [
    ...li(9, DATA_BASE + 32), enc.addi(20, 0, 5), // 0..8
    enc.lr_w(10, 9), enc.addi(11, 10, 1), enc.add(11, 11, 20), enc.beq(0, 0, 4), // 12: lr; block
    enc.sc_w(12, 11, 9), enc.add(13, 13, 12), enc.addi(20, 20, -1), enc.bne(20, 0, -28), enc.ecall(),
  ];

  it("succeeds across a block exit within one run", () => {
    const steps = same(prog, [10_000]);
    expect(steps[0].x[13]).toBe(0); // every sc succeeded
    expect(steps[0].data[32]).toBe(6 + 5 + 4 + 3 + 2); // each pass adds 1 + x20 (5..1) to the word
  });

  it.each([1, 2, 3, 4, 5, 6])("fails exactly as the interpreter's when slices of %i split lr from sc", (b) => {
    const steps = same(prog, new Array<number>(200).fill(b));
    expect(steps.at(-1)!.cause).toBe(TRAP_ECALL);
  });
});

describe("translated blocks: chaining inside a region", () => {
  // A loop with an if/else: 60 passes, the if-path (x8 bit 1 set) on half of them, each path a
  // trace of its own. Both paths end up in one block function, which jumps between them.
  const IFELSE = [
    ...li(9, DATA_BASE), enc.addi(5, 0, 60), enc.addi(8, 0, 0), // 0..12
    enc.addi(8, 8, 1), enc.andi(10, 8, 2), enc.beq(10, 0, 16), // 16: loop head
    enc.addi(11, 11, 7), enc.sw(11, 0, 9), enc.jal(0, 12), // 28: if-path, then to the tail
    enc.addi(12, 12, 3), enc.sw(12, 4, 9), // 40: else-path
    enc.addi(5, 5, -1), enc.bne(5, 0, -36), // 48: tail
    enc.ecall(),
  ];

  it("puts both paths of a hot if/else in one block, entered at either start", () => {
    // The default threshold: with hot = 1 the else-path would get a block of its own before
    // the loop head's block is made.
    Object.assign(translator, { enabled: true, hot: 16, minLen: 8, work: 0 });
    const { h, mm } = makeHart(IFELSE);
    h.run(100_000);
    const blocks = blocksOf(mm.icache.get(CODE_BASE >>> 12)!);
    const head = blocks.fns[((CODE_BASE + 16) & 0xffe) >> 1];
    expect(head).toBeTruthy();
    expect(head!.starts.length).toBeGreaterThanOrEqual(2);
    for (const p of head!.starts) expect(blocks.fns[(p & 0xffe) >> 1]).toBe(head);
  });

  it.each([1, 3, 7, 9, 10, 100, 100_000])("runs to the same state with a budget of %i per run", (b) => {
    const steps = same(IFELSE, new Array<number>(2000).fill(b));
    expect(steps.at(-1)!.cause).toBe(TRAP_ECALL);
    // Set-up, 30 passes of 8 instructions (if-path) and 30 of 7 (else-path), the ecall.
    expect(steps.at(-1)!.instret).toBe(li(9, DATA_BASE).length + 2 + 30 * 8 + 30 * 7 + 1);
  });
});

describe("when a block start is translated", () => {
  // The loop of 12 instructions at CODE_BASE + 16, run for `passes` passes.
  const loop = (passes: number): number[] => [...li(9, DATA_BASE), enc.addi(5, 0, passes), ...LOOP.slice(li(9, DATA_BASE).length + 1)];
  const head = CODE_BASE + 16;
  const blockAtHead = (passes: number): unknown => {
    translator.enabled = true;
    const { h, mm } = makeHart(loop(passes));
    expect(h.run(1_000_000)).toBe(TRAP_ECALL);
    expect(h.instret).toBe(5 + passes * 12);
    return blocksOf(mm.icache.get(head >>> 12)!).fns[(head & 0xffe) >> 1];
  };

  it("waits for `hot` executions when no work is asked", () => {
    Object.assign(translator, { hot: 16, minLen: 8, work: 0 });
    expect(blockAtHead(10)).toBeUndefined();
    expect(blockAtHead(20)).toBeTruthy();
  });

  it("then waits until the trace has run `work` instructions in the interpreter", () => {
    // 12 instructions a pass: 1,200 instructions of work are 100 executions of the loop head.
    Object.assign(translator, { hot: 16, minLen: 8, work: 1200 });
    expect(blockAtHead(20)).toBeUndefined();
    expect(blockAtHead(99)).toBeUndefined();
    expect(blockAtHead(110)).toBeTruthy();
  });
});

describe("translated blocks: F and D operations", () => {
  // 40 passes of D arithmetic (the first inexact result, zeros, a fused op, static and dynamic
  // rounding modes), loads and stores of doubles, and conversions and compares between the
  // integer and FP registers.
  const FP_LOOP = [
    ...li(9, DATA_BASE), enc.addi(5, 0, 40), enc.addi(6, 0, 3), enc.fcvt_d_w(1, 6), enc.addi(6, 0, 7), enc.fcvt_d_w(2, 6),
    enc.fdiv_d(4, 1, 2), enc.fadd_d(3, 3, 4), enc.fmul_d(5, 3, 3), enc.fsqrt_d(6, 5), // loop
    enc.fmadd_d(7, 1, 2, 3), enc.fsd(7, 0, 9), enc.fld(8, 0, 9), enc.fmul_d(9, 8, 10),
    enc.feq_d(11, 6, 3), enc.add(12, 12, 11), enc.fcvt_w_d(13, 3), enc.fcvt_d_w(11, 5),
    enc.fsub_d(12, 11, 11, RM.RTZ), enc.fadd_d(13, 3, 1, RM.RTZ), enc.fsw(4, 8, 9), enc.flw(14, 8, 9),
    enc.addi(5, 5, -1), enc.bne(5, 0, -68),
    enc.ecall(),
  ];

  function fpTrace(jit: boolean, frm: number, budgets: number[]): unknown[] {
    translator.enabled = jit;
    const { h, mm } = makeHart(FP_LOOP);
    h.frm = frm;
    const steps: unknown[] = [];
    for (const b of budgets) {
      const cause = h.run(b);
      steps.push({ cause, pc: h.pc, instret: h.instret, x: [...h.x.subarray(0, 32)], f: [...h.f], fcsr: h.fcsr, data: [...peek(mm, DATA_BASE, 16)] });
      if (cause !== TRAP_BUDGET) break;
    }
    return steps;
  }

  it.each([
    ["RNE", 0, [100_000]], ["RTZ", 1, [100_000]], ["RNE", 0, new Array<number>(400).fill(7)], ["RUP", 3, new Array<number>(300).fill(13)],
  ] as const)("gives the interpreter's registers, fflags and memory (frm %s, budgets %#)", (_name, frm, budgets) => {
    const interp = fpTrace(false, frm, [...budgets]);
    const jit = fpTrace(true, frm, [...budgets]);
    expect(jit).toEqual(interp);
    const last = jit.at(-1) as { cause: number; fcsr: number };
    expect(last.cause).toBe(TRAP_ECALL);
    expect(last.fcsr & 1).toBe(1); // NX: 3/7 is inexact
  });

  it("sets NX when the first inexact result comes from a block", () => {
    // sqrt(1) is exact (the interpreter's pass), sqrt(2) is not (the block's first pass).
    const prog = [enc.addi(5, 0, 0), enc.addi(6, 0, 30),
      enc.addi(5, 5, 1), enc.fcvt_d_w(11, 5), enc.fsqrt_d(6, 11), enc.bne(5, 6, -12), enc.ecall()];
    const run = (jit: boolean): number => {
      translator.enabled = jit;
      const { h } = makeHart(prog);
      expect(h.run(10_000)).toBe(TRAP_ECALL);
      return h.fcsr;
    };
    expect(run(true)).toBe(run(false));
    expect(run(true)).toBe(1);
  });

  it("runs FP code in blocks", () => {
    translator.enabled = true;
    const { h, mm } = makeHart(FP_LOOP);
    h.run(100_000);
    const loop = CODE_BASE + 4 * (li(9, DATA_BASE).length + 5);
    expect(blocksOf(mm.icache.get(CODE_BASE >>> 12)!).fns[(loop & 0xffe) >> 1]).toBeTruthy();
  });
});
