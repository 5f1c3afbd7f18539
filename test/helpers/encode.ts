// A small RV32GC instruction encoder for hart tests.
//
// Every function returns the 32-bit instruction word as an unsigned number. Operand order follows
// the assembler: `addi rd, rs1, imm` is enc.addi(rd, rs1, imm); loads are `lw rd, off(rs1)` ->
// enc.lw(rd, off, rs1); stores `sw rs2, off(rs1)` -> enc.sw(rs2, off, rs1); AMOs
// `amoadd.w rd, rs2, (rs1)` -> enc.amoadd_w(rd, rs2, rs1). Branch and jump offsets are byte
// offsets relative to the instruction itself. Registers are plain numbers (x0..x31, f0..f31).
//
// The encodings are checked against GNU as in test/machine/cpu/decode.test.ts ("encoder vs GNU as").

const u32 = (v: number): number => v >>> 0;

function checkReg(r: number): void {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new Error(`bad register ${r}`);
}

function checkImm(v: number, bits: number, what: string, signed = true): void {
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what} immediate ${v} out of range`);
}

// --- formats -------------------------------------------------------------------------------

export function rType(f7: number, rs2: number, rs1: number, f3: number, rd: number, opcode: number): number {
  checkReg(rd); checkReg(rs1); checkReg(rs2);
  return u32((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode);
}

export function r4Type(rs3: number, fmt: number, rs2: number, rs1: number, rm: number, rd: number, opcode: number): number {
  checkReg(rs3);
  return rType((rs3 << 2) | fmt, rs2, rs1, rm, rd, opcode);
}

/** I-type; imm is a signed 12-bit value (or, for CSR instructions, the unsigned 12-bit CSR number). */
export function iType(imm: number, rs1: number, f3: number, rd: number, opcode: number): number {
  checkReg(rd); checkReg(rs1);
  return u32(((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode);
}

export function sType(imm: number, rs2: number, rs1: number, f3: number, opcode: number): number {
  checkReg(rs1); checkReg(rs2);
  checkImm(imm, 12, "S");
  return u32((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | opcode);
}

export function bType(imm: number, rs2: number, rs1: number, f3: number): number {
  checkReg(rs1); checkReg(rs2);
  checkImm(imm, 13, "B");
  if (imm & 1) throw new Error(`odd branch offset ${imm}`);
  return u32(
    (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
      (((imm >> 1) & 15) << 8) | (((imm >> 11) & 1) << 7) | 0x63,
  );
}

/** U-type; imm20 is the 20-bit upper immediate (0..0xfffff, or a negative value -0x80000..-1). */
export function uType(imm20: number, rd: number, opcode: number): number {
  checkReg(rd);
  if (!Number.isInteger(imm20) || imm20 < -0x80000 || imm20 > 0xfffff) throw new Error(`U immediate ${imm20}`);
  return u32(((imm20 & 0xfffff) << 12) | (rd << 7) | opcode);
}

export function jType(imm: number, rd: number): number {
  checkReg(rd);
  checkImm(imm, 21, "J");
  if (imm & 1) throw new Error(`odd jump offset ${imm}`);
  return u32(
    (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f,
  );
}

const iArith = (f3: number) => (rd: number, rs1: number, imm: number): number => {
  checkImm(imm, 12, "I");
  return iType(imm, rs1, f3, rd, 0x13);
};
const shiftI = (f7: number, f3: number) => (rd: number, rs1: number, shamt: number): number => {
  checkImm(shamt, 5, "shamt", false);
  return rType(f7, shamt, rs1, f3, rd, 0x13);
};
const load = (f3: number, opcode = 0x03) => (rd: number, off: number, rs1: number): number => {
  checkImm(off, 12, "load");
  return iType(off, rs1, f3, rd, opcode);
};
const store = (f3: number, opcode = 0x23) => (rs2: number, off: number, rs1: number): number =>
  sType(off, rs2, rs1, f3, opcode);
const branch = (f3: number) => (rs1: number, rs2: number, off: number): number => bType(off, rs2, rs1, f3);
const alu = (f7: number, f3: number) => (rd: number, rs1: number, rs2: number): number =>
  rType(f7, rs2, rs1, f3, rd, 0x33);
const csr = (f3: number) => (rd: number, csrNum: number, rs1: number): number => {
  checkImm(csrNum, 12, "csr", false);
  return iType(csrNum, rs1, f3, rd, 0x73);
};
const amo = (f5: number) => (rd: number, rs2: number, rs1: number, aq = 0, rl = 0): number =>
  rType((f5 << 2) | (aq << 1) | rl, rs2, rs1, 2, rd, 0x2f);

/** Rounding modes. DYN (7) is the assembler's default. */
export const RM = { RNE: 0, RTZ: 1, RDN: 2, RUP: 3, RMM: 4, DYN: 7 } as const;

// FP R-type: funct7 = funct5 << 2 | fmt.
const fpR = (f5: number, fmt: number) => (rd: number, rs1: number, rs2: number, rm: number = RM.DYN): number =>
  rType((f5 << 2) | fmt, rs2, rs1, rm, rd, 0x53);
// FP ops with a fixed funct3 (sign injection, min/max, compares, moves, class).
const fpF3 = (f5: number, fmt: number, f3: number) => (rd: number, rs1: number, rs2: number): number =>
  rType((f5 << 2) | fmt, rs2, rs1, f3, rd, 0x53);
// FP unary ops with a fixed rs2 selector and a rounding mode.
// defRm is the assembler's default: DYN, except RNE for the exact conversions to double (binutils 2.40).
const fpU = (f5: number, fmt: number, sel: number, defRm: number = RM.DYN) =>
  (rd: number, rs1: number, rm: number = defRm): number => rType((f5 << 2) | fmt, sel, rs1, rm, rd, 0x53);
// FP unary ops with a fixed rs2 selector and funct3.
const fpUF3 = (f5: number, fmt: number, sel: number, f3: number) => (rd: number, rs1: number): number =>
  rType((f5 << 2) | fmt, sel, rs1, f3, rd, 0x53);
const fma = (opcode: number, fmt: number) =>
  (rd: number, rs1: number, rs2: number, rs3: number, rm: number = RM.DYN): number =>
    r4Type(rs3, fmt, rs2, rs1, rm, rd, opcode);

export const CSR = {
  fflags: 0x001, frm: 0x002, fcsr: 0x003,
  cycle: 0xc00, time: 0xc01, instret: 0xc02, cycleh: 0xc80, timeh: 0xc81, instreth: 0xc82,
  mstatus: 0x300,
} as const;

export const enc = {
  // RV32I
  lui: (rd: number, imm20: number): number => uType(imm20, rd, 0x37),
  auipc: (rd: number, imm20: number): number => uType(imm20, rd, 0x17),
  jal: (rd: number, off: number): number => jType(off, rd),
  jalr: (rd: number, rs1: number, off: number): number => {
    checkImm(off, 12, "jalr");
    return iType(off, rs1, 0, rd, 0x67);
  },
  beq: branch(0), bne: branch(1), blt: branch(4), bge: branch(5), bltu: branch(6), bgeu: branch(7),
  lb: load(0), lh: load(1), lw: load(2), lbu: load(4), lhu: load(5),
  sb: store(0), sh: store(1), sw: store(2),
  addi: iArith(0), slti: iArith(2), sltiu: iArith(3), xori: iArith(4), ori: iArith(6), andi: iArith(7),
  slli: shiftI(0, 1), srli: shiftI(0, 5), srai: shiftI(0x20, 5),
  add: alu(0, 0), sub: alu(0x20, 0), sll: alu(0, 1), slt: alu(0, 2), sltu: alu(0, 3),
  xor: alu(0, 4), srl: alu(0, 5), sra: alu(0x20, 5), or: alu(0, 6), and: alu(0, 7),
  /** fence pred, succ (4-bit sets iorw); fence() is `fence iorw, iorw`. */
  fence: (pred = 15, succ = 15): number => u32((pred << 24) | (succ << 20) | 0x0f),
  fence_i: (): number => 0x0000100f,
  ecall: (): number => 0x00000073,
  ebreak: (): number => 0x00100073,
  // Zicsr
  csrrw: csr(1), csrrs: csr(2), csrrc: csr(3),
  csrrwi: csr(5), csrrsi: csr(6), csrrci: csr(7),
  csrr: (rd: number, csrNum: number): number => csr(2)(rd, csrNum, 0),
  csrw: (csrNum: number, rs1: number): number => csr(1)(0, csrNum, rs1),
  // RV32M
  mul: alu(1, 0), mulh: alu(1, 1), mulhsu: alu(1, 2), mulhu: alu(1, 3),
  div: alu(1, 4), divu: alu(1, 5), rem: alu(1, 6), remu: alu(1, 7),
  // RV32A
  lr_w: (rd: number, rs1: number, aq = 0, rl = 0): number => amo(0x02)(rd, 0, rs1, aq, rl),
  sc_w: amo(0x03), amoswap_w: amo(0x01), amoadd_w: amo(0x00), amoxor_w: amo(0x04),
  amoand_w: amo(0x0c), amoor_w: amo(0x08), amomin_w: amo(0x10), amomax_w: amo(0x14),
  amominu_w: amo(0x18), amomaxu_w: amo(0x1c),
  // F and D loads/stores
  flw: load(2, 0x07), fld: load(3, 0x07), fsw: store(2, 0x27), fsd: store(3, 0x27),
  // F
  fmadd_s: fma(0x43, 0), fmsub_s: fma(0x47, 0), fnmsub_s: fma(0x4b, 0), fnmadd_s: fma(0x4f, 0),
  fadd_s: fpR(0x00, 0), fsub_s: fpR(0x01, 0), fmul_s: fpR(0x02, 0), fdiv_s: fpR(0x03, 0),
  fsqrt_s: fpU(0x0b, 0, 0),
  fsgnj_s: fpF3(0x04, 0, 0), fsgnjn_s: fpF3(0x04, 0, 1), fsgnjx_s: fpF3(0x04, 0, 2),
  fmin_s: fpF3(0x05, 0, 0), fmax_s: fpF3(0x05, 0, 1),
  fcvt_w_s: fpU(0x18, 0, 0), fcvt_wu_s: fpU(0x18, 0, 1),
  fmv_x_w: fpUF3(0x1c, 0, 0, 0),
  feq_s: fpF3(0x14, 0, 2), flt_s: fpF3(0x14, 0, 1), fle_s: fpF3(0x14, 0, 0),
  fclass_s: fpUF3(0x1c, 0, 0, 1),
  fcvt_s_w: fpU(0x1a, 0, 0), fcvt_s_wu: fpU(0x1a, 0, 1),
  fmv_w_x: fpUF3(0x1e, 0, 0, 0),
  // D
  fmadd_d: fma(0x43, 1), fmsub_d: fma(0x47, 1), fnmsub_d: fma(0x4b, 1), fnmadd_d: fma(0x4f, 1),
  fadd_d: fpR(0x00, 1), fsub_d: fpR(0x01, 1), fmul_d: fpR(0x02, 1), fdiv_d: fpR(0x03, 1),
  fsqrt_d: fpU(0x0b, 1, 0),
  fsgnj_d: fpF3(0x04, 1, 0), fsgnjn_d: fpF3(0x04, 1, 1), fsgnjx_d: fpF3(0x04, 1, 2),
  fmin_d: fpF3(0x05, 1, 0), fmax_d: fpF3(0x05, 1, 1),
  fcvt_s_d: fpU(0x08, 0, 1), fcvt_d_s: fpU(0x08, 1, 0, RM.RNE),
  feq_d: fpF3(0x14, 1, 2), flt_d: fpF3(0x14, 1, 1), fle_d: fpF3(0x14, 1, 0),
  fclass_d: fpUF3(0x1c, 1, 0, 1),
  fcvt_w_d: fpU(0x18, 1, 0), fcvt_wu_d: fpU(0x18, 1, 1),
  fcvt_d_w: fpU(0x1a, 1, 0, RM.RNE), fcvt_d_wu: fpU(0x1a, 1, 1, RM.RNE),
  // Pseudo-instructions that are one word.
  nop: (): number => 0x00000013,
  mv: (rd: number, rs1: number): number => iType(0, rs1, 0, rd, 0x13),
  j: (off: number): number => jType(off, 0),
  ret: (): number => 0x00008067,
} as const;

/**
 * `li rd, value` as the two words lui+addi (always two, so code layout does not depend on the
 * value). value is any 32-bit integer, signed or unsigned.
 */
export function li(rd: number, value: number): number[] {
  const v = value | 0;
  const lo = (v << 20) >> 20; // sign-extended low 12 bits
  const hi = ((v - lo) >>> 12) & 0xfffff;
  return [enc.lui(rd, hi), enc.addi(rd, rd, lo)];
}

// --- program assembly with compressed parcels -------------------------------------------------

/** A 16-bit compressed parcel in a program built with assemble(). */
export interface Parcel {
  readonly c: number;
}

/** Mark a 16-bit compressed parcel (e.g. taken from objdump or test/fixtures/rvc/golden.json). */
export const c16 = (parcel: number): Parcel => ({ c: parcel & 0xffff });

export type ProgramItem = number | Parcel | readonly (number | Parcel)[];

/** Lay out 32-bit words and 16-bit parcels little-endian, in order. Nested arrays are flattened. */
export function assemble(...items: ProgramItem[]): Uint8Array {
  const out: number[] = [];
  const put = (it: number | Parcel): void => {
    if (typeof it === "number") {
      const w = it >>> 0;
      out.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
    } else {
      out.push(it.c & 0xff, it.c >>> 8);
    }
  };
  for (const it of items) {
    if (Array.isArray(it)) for (const x of it as (number | Parcel)[]) put(x);
    else put(it as number | Parcel);
  }
  return Uint8Array.from(out);
}
