// Decoded operation numbers. The decoder turns each instruction (32-bit, or a compressed one
// expanded to its 32-bit equivalent) into one of these plus register numbers and an immediate.
//
// The execute loop in hart.ts switches on these numbers written as *literals* (with the name in
// a comment): V8 compiles a switch over literal small integers to a jump table, but a switch
// over `OP.X` property loads to a chain of compares. Keep the numbers here and the literals in
// hart.ts in step; test/machine/cpu tests every operation, so a mismatch fails there.
//
// 0 is reserved: "slot not decoded yet".
export const OP = {
  UNDECODED: 0,
  ILLEGAL: 1,
  // RV32I
  LUI: 2, AUIPC: 3, JAL: 4, JALR: 5,
  BEQ: 6, BNE: 7, BLT: 8, BGE: 9, BLTU: 10, BGEU: 11,
  LB: 12, LH: 13, LW: 14, LBU: 15, LHU: 16,
  SB: 17, SH: 18, SW: 19,
  ADDI: 20, SLTI: 21, SLTIU: 22, XORI: 23, ORI: 24, ANDI: 25, SLLI: 26, SRLI: 27, SRAI: 28,
  ADD: 29, SUB: 30, SLL: 31, SLT: 32, SLTU: 33, XOR: 34, SRL: 35, SRA: 36, OR: 37, AND: 38,
  FENCE: 39, FENCE_I: 40, ECALL: 41, EBREAK: 42,
  // Zicsr. imm holds the CSR number; for the *I forms rs1 holds the 5-bit zimm.
  CSRRW: 43, CSRRS: 44, CSRRC: 45, CSRRWI: 46, CSRRSI: 47, CSRRCI: 48,
  // RV32M
  MUL: 49, MULH: 50, MULHSU: 51, MULHU: 52, DIV: 53, DIVU: 54, REM: 55, REMU: 56,
  // RV32A. imm holds aq/rl bits (ignored: one hart runs at a time, memory is sequentially consistent).
  LR_W: 57, SC_W: 58, AMOSWAP_W: 59, AMOADD_W: 60, AMOXOR_W: 61, AMOAND_W: 62, AMOOR_W: 63,
  AMOMIN_W: 64, AMOMAX_W: 65, AMOMINU_W: 66, AMOMAXU_W: 67,
  // A fused "addi rd, x0, imm" (li) and "mv" are common enough to deserve no special case; the
  // range 68..79 is kept free for such fast paths.

  // F and D. Everything from FLW up is executed by fpu-exec.ts (fpExec), so the hot integer
  // switch stays small. Field use:
  //   loads/stores: rd/rs2 = FP register, rs1 = integer base, imm = offset
  //   R-type:       rd, rs1, rs2; imm = rm (rounding-mode field, 7 = dynamic)
  //   R4-type (FMA): rd, rs1, rs2; imm = rm | (rs3 << 8)
  //   Integer-destination ops (FCVT.W.*, FMV.X.W, FEQ/FLT/FLE, FCLASS) write x[rd] (rd = 32 for x0).
  //   Integer-source ops (FCVT.*.W[U], FMV.W.X) read x[rs1].
  FLW: 80, FSW: 81, FLD: 82, FSD: 83,
  FMADD_S: 84, FMSUB_S: 85, FNMSUB_S: 86, FNMADD_S: 87,
  FADD_S: 88, FSUB_S: 89, FMUL_S: 90, FDIV_S: 91, FSQRT_S: 92,
  FSGNJ_S: 93, FSGNJN_S: 94, FSGNJX_S: 95, FMIN_S: 96, FMAX_S: 97,
  FCVT_W_S: 98, FCVT_WU_S: 99, FMV_X_W: 100, FEQ_S: 101, FLT_S: 102, FLE_S: 103, FCLASS_S: 104,
  FCVT_S_W: 105, FCVT_S_WU: 106, FMV_W_X: 107,
  FMADD_D: 108, FMSUB_D: 109, FNMSUB_D: 110, FNMADD_D: 111,
  FADD_D: 112, FSUB_D: 113, FMUL_D: 114, FDIV_D: 115, FSQRT_D: 116,
  FSGNJ_D: 117, FSGNJN_D: 118, FSGNJX_D: 119, FMIN_D: 120, FMAX_D: 121,
  FCVT_S_D: 122, FCVT_D_S: 123,
  FEQ_D: 124, FLT_D: 125, FLE_D: 126, FCLASS_D: 127,
  FCVT_W_D: 128, FCVT_WU_D: 129, FCVT_D_W: 130, FCVT_D_WU: 131,
} as const;

export type OpName = keyof typeof OP;
export type OpCode = (typeof OP)[OpName];

/** First operation handled by fpExec rather than the integer switch. */
export const FIRST_FP_OP = OP.FLW;

const NAMES: string[] = [];
for (const [name, num] of Object.entries(OP)) NAMES[num] = name;

/** The assembler-ish name of an operation number ("FADD_D"), for traces and messages. */
export function opName(op: number): string {
  return NAMES[op] ?? `op${op}`;
}
