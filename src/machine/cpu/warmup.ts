// Type-feedback priming for the execute loop.
//
// V8 optimises Hart.run() once it is hot, using the type feedback gathered so far. Every switch
// case that had not yet executed then has none, and the first time a program reaches one the
// optimised code is thrown away ("insufficient type feedback") and rebuilt — and run() is big,
// so each rebuild costs tens of milliseconds. A short program pays this many times over (we
// measured 30 MIPS on a first run against 95 on a warm one).
//
// So, once per process, before the first real program, every operation of the loop runs a few
// times on a scratch address space, through both the TLB-hit and the slow path. The program is
// written directly as decoded slots (decode.ts format), so no encoder is needed. It changes no
// shared state: the scratch mm and hart are dropped afterwards.
import { FrameAllocator } from "../mm/frame.ts";
import { Mm } from "../mm/mm.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../mm/vma.ts";
import { SLOT_COMPRESSED } from "./decode.ts";
import type { Hart } from "./hart.ts";
import { OP } from "./opcodes.ts";
import { translator } from "./translate.ts";

const CODE = 0x10000;
const DATA = 0x20000;

const slot = (op: number, rd: number, rs1: number, rs2: number): number => op | (rd << 8) | (rs1 << 16) | (rs2 << 24);

let primed = false;

/** Run every operation a few times on a scratch hart. Idempotent; cheap (about a millisecond). */
export function primeHart(makeHart: (mm: Mm) => Hart): void {
  if (primed) return;
  primed = true;
  const mm = new Mm(new FrameAllocator(16));
  mm.mapRegion(CODE, 4096, PROT_READ | PROT_EXEC, 0, "elf");
  mm.mapRegion(DATA, 4096, PROT_READ | PROT_WRITE, 0, "anon");
  const code = new Int32Array(4096);
  mm.icache.set(CODE >>> 12, code);
  let s = 0;
  const emit = (op: number, rd: number, rs1: number, rs2: number, imm: number, compressed = false): void => {
    code[s] = slot(op, rd, rs1, rs2) | (compressed ? SLOT_COMPRESSED : 0);
    code[s + 1] = imm;
    s += compressed ? 2 : 4;
  };
  // x5 = DATA (the base for memory operations), x6, x7 = operands, x8 = scratch result.
  emit(OP.LUI, 5, 0, 0, DATA);
  emit(OP.ADDI, 6, 0, 0, 7);
  emit(OP.ADDI, 7, 0, 0, -3);
  const alu = [
    OP.ADD, OP.SUB, OP.SLL, OP.SLT, OP.SLTU, OP.XOR, OP.SRL, OP.SRA, OP.OR, OP.AND,
    OP.MUL, OP.MULH, OP.MULHSU, OP.MULHU, OP.DIV, OP.DIVU, OP.REM, OP.REMU,
  ];
  for (const op of alu) emit(op, 8, 6, 7, 0);
  const aluImm = [OP.SLTI, OP.SLTIU, OP.XORI, OP.ORI, OP.ANDI, OP.SLLI, OP.SRLI, OP.SRAI];
  for (const op of aluImm) emit(op, 8, 6, 0, 3, op === OP.ORI);
  emit(OP.AUIPC, 8, 0, 0, 0);
  for (const op of [OP.SB, OP.SH, OP.SW]) emit(op, 0, 5, 6, 16);
  for (const op of [OP.LB, OP.LH, OP.LW, OP.LBU, OP.LHU]) emit(op, 8, 5, 0, 16);
  // Atomics on DATA+32 (aligned): LR then SC succeeds, then every AMO.
  emit(OP.ADDI, 9, 5, 0, 32);
  emit(OP.LR_W, 8, 9, 0, 0);
  emit(OP.SC_W, 8, 9, 6, 0);
  for (let op: number = OP.AMOSWAP_W; op <= OP.AMOMAXU_W; op++) emit(op, 8, 9, 6, 0);
  for (const op of [OP.FLW, OP.FLD]) emit(op, 1, 5, 0, 64);
  for (const op of [OP.FSW, OP.FSD]) emit(op, 0, 5, 1, 64);
  emit(OP.FENCE, 0, 0, 0, 0);
  emit(OP.CSRRS, 8, 0, 0, 0x003); // frcsr
  emit(OP.CSRRS, 8, 0, 0, 0xc00); // rdcycle
  emit(OP.FADD_D, 2, 1, 1, 0);
  // Branches, each both taken (to the next instruction) and not taken.
  for (const op of [OP.BEQ, OP.BNE, OP.BLT, OP.BGE, OP.BLTU, OP.BGEU]) {
    emit(op, 0, 6, 7, 4);
    emit(op, 0, 7, 6, 4);
    emit(op, 0, 6, 6, 4);
  }
  // A loop long enough to be translated (translate.ts), so the translating hart's paths to and
  // from blocks have their feedback too: 40 passes of 9 instructions.
  emit(OP.ADDI, 11, 0, 0, 40);
  for (let i = 0; i < 8; i++) emit(OP.ADDI, 12, 12, 0, i);
  emit(OP.ADDI, 11, 11, 0, -1);
  emit(OP.BNE, 0, 11, 0, -36);
  emit(OP.JAL, 8, 0, 0, 4);
  // jalr to the next instruction: x8 = address of this auipc + 12.
  emit(OP.AUIPC, 8, 0, 0, 12);
  emit(OP.ADDI, 8, 8, 0, 0);
  emit(OP.JALR, 10, 8, 0, 0);
  emit(OP.ECALL, 0, 0, 0, 0);
  emit(OP.ILLEGAL, 0, 0, 0, 0);

  const h = makeHart(mm);
  // The loop must be translated here whatever the threshold of work (translate.ts).
  const work = translator.work;
  translator.work = 0;
  for (let round = 0; round < 50; round++) {
    h.pc = CODE;
    h.x.fill(0);
    if (round % 10 === 0) h.flushTlb(); // keep the TLB-miss paths in the feedback too
    h.run(1 << 20); // stops at the ecall
    h.pc += 4;
    h.run(1 << 20); // stops at the illegal slot
  }
  translator.work = work;
  h.pc = DATA; // a fetch fault: the catch path
  h.run(1);
  generalizeFields(h, mm);
}

/**
 * Give the hart's fields now the most general representation they will take later, so that V8
 * changes the hart's map once, here, instead of in the middle of a run. Each such change
 * deprecates the map and throws away every optimised function that depends on it (every
 * translated block, interp, the kernel's run loop); in the matrix it happened twice a run
 * (measured with node --log-maps): instret and cycles became doubles (a restored hart's
 * counters, read from an image as doubles), and mm a field of any map (an Mm whose own map
 * changed). The values are put back: only the map changes.
 */
function generalizeFields(h: Hart, mm: Mm): void {
  const saved = { pc: h.pc, instret: h.instret, cycles: h.cycles, reservation: h.reservation, trapInst: h.trapInst };
  h.pc = 2 ** 31 + 0.5;
  h.instret = 0.5;
  h.cycles = 0.5;
  h.reservation = 2 ** 31 + 0.5;
  h.trapInst = 2 ** 31 + 0.5;
  h.setMm(Object.create(mm) as Mm);
  Object.assign(h, saved);
  h.setMm(mm);
}
