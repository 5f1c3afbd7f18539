// Decoding of one RV32GC instruction into the hart's decoded-slot form.
//
// A decoded code page is an Int32Array of 4096 entries: two per 2-byte instruction slot, indexed
// by (pc & 0xffe). Word 0 packs the operation and registers, word 1 is the immediate:
//   bits 0-7 op (opcodes.ts) · bits 8-13 rd · bit 14 compressed · bits 16-21 rs1 · bits 24-28 rs2
// Integer destinations x0 are rewritten to 32, a sink register, so the execute loop never has to
// test for rd == 0. Word 0 == 0 means "not decoded yet".
import { OP } from "./opcodes.ts";

export const SLOT_COMPRESSED = 1 << 14;
export const X_SINK = 32;

const rdOf = (i: number): number => (i >>> 7) & 31;
const rs1Of = (i: number): number => (i >>> 15) & 31;
const rs2Of = (i: number): number => (i >>> 20) & 31;
const f3Of = (i: number): number => (i >>> 12) & 7;
const f7Of = (i: number): number => i >>> 25;

const immI = (i: number): number => i >> 20;
const immS = (i: number): number => ((i >> 25) << 5) | ((i >>> 7) & 31);
const immB = (i: number): number =>
  ((i >> 31) << 12) | (((i >>> 7) & 1) << 11) | (((i >>> 25) & 63) << 5) | (((i >>> 8) & 15) << 1);
const immU = (i: number): number => i & 0xfffff000;
const immJ = (i: number): number =>
  ((i >> 31) << 20) | (((i >>> 12) & 255) << 12) | (((i >>> 20) & 1) << 11) | (((i >>> 21) & 1023) << 1);

/** rd as an integer destination: x0 goes to the sink. */
const xd = (r: number): number => (r === 0 ? X_SINK : r);

const pack = (op: number, rd: number, rs1: number, rs2: number): number =>
  op | (rd << 8) | (rs1 << 16) | (rs2 << 24);

// Result of the last decode (avoids allocating a pair per call).
let outImm = 0;

function illegal(inst: number): number {
  outImm = inst;
  return OP.ILLEGAL;
}

/** Decode a 32-bit instruction. Returns word 0 (without the compressed bit); the immediate is in outImm. */
function decode32(i: number): number {
  const opcode = i & 0x7f;
  const rd = rdOf(i);
  const rs1 = rs1Of(i);
  const rs2 = rs2Of(i);
  const f3 = f3Of(i);
  const f7 = f7Of(i);
  outImm = 0;
  switch (opcode) {
    case 0x37: outImm = immU(i); return pack(OP.LUI, xd(rd), 0, 0);
    case 0x17: outImm = immU(i); return pack(OP.AUIPC, xd(rd), 0, 0);
    case 0x6f: outImm = immJ(i); return pack(OP.JAL, xd(rd), 0, 0);
    case 0x67:
      if (f3 !== 0) return illegal(i);
      outImm = immI(i);
      return pack(OP.JALR, xd(rd), rs1, 0);
    case 0x63: {
      const ops = [OP.BEQ, OP.BNE, -1, -1, OP.BLT, OP.BGE, OP.BLTU, OP.BGEU];
      if (ops[f3] < 0) return illegal(i);
      outImm = immB(i);
      return pack(ops[f3], 0, rs1, rs2);
    }
    case 0x03: {
      const ops = [OP.LB, OP.LH, OP.LW, -1, OP.LBU, OP.LHU, -1, -1];
      if (ops[f3] < 0) return illegal(i);
      outImm = immI(i);
      return pack(ops[f3], xd(rd), rs1, 0);
    }
    case 0x23: {
      const ops = [OP.SB, OP.SH, OP.SW];
      if (f3 > 2) return illegal(i);
      outImm = immS(i);
      return pack(ops[f3], 0, rs1, rs2);
    }
    case 0x13: {
      outImm = immI(i);
      switch (f3) {
        case 0: return pack(OP.ADDI, xd(rd), rs1, 0);
        case 2: return pack(OP.SLTI, xd(rd), rs1, 0);
        case 3: return pack(OP.SLTIU, xd(rd), rs1, 0);
        case 4: return pack(OP.XORI, xd(rd), rs1, 0);
        case 6: return pack(OP.ORI, xd(rd), rs1, 0);
        case 7: return pack(OP.ANDI, xd(rd), rs1, 0);
        case 1:
          if (f7 !== 0) return illegal(i);
          outImm = rs2;
          return pack(OP.SLLI, xd(rd), rs1, 0);
        default:
          if (f7 !== 0 && f7 !== 0x20) return illegal(i);
          outImm = rs2;
          return pack(f7 === 0 ? OP.SRLI : OP.SRAI, xd(rd), rs1, 0);
      }
    }
    case 0x33: {
      let op = -1;
      if (f7 === 0) op = [OP.ADD, OP.SLL, OP.SLT, OP.SLTU, OP.XOR, OP.SRL, OP.OR, OP.AND][f3];
      else if (f7 === 0x20) op = f3 === 0 ? OP.SUB : f3 === 5 ? OP.SRA : -1;
      else if (f7 === 1) op = [OP.MUL, OP.MULH, OP.MULHSU, OP.MULHU, OP.DIV, OP.DIVU, OP.REM, OP.REMU][f3];
      if (op < 0) return illegal(i);
      return pack(op, xd(rd), rs1, rs2);
    }
    case 0x0f:
      // FENCE (any pred/succ, including FENCE.TSO and PAUSE) and FENCE.I.
      if (f3 === 0) return pack(OP.FENCE, 0, 0, 0);
      if (f3 === 1) return pack(OP.FENCE_I, 0, 0, 0);
      return illegal(i);
    case 0x73:
      return decodeSystem(i, rd, rs1, f3);
    case 0x2f:
      return decodeAmo(i, rd, rs1, rs2, f3);
    case 0x07:
      outImm = immI(i);
      if (f3 === 2) return pack(OP.FLW, rd, rs1, 0);
      if (f3 === 3) return pack(OP.FLD, rd, rs1, 0);
      return illegal(i);
    case 0x27:
      outImm = immS(i);
      if (f3 === 2) return pack(OP.FSW, 0, rs1, rs2);
      if (f3 === 3) return pack(OP.FSD, 0, rs1, rs2);
      return illegal(i);
    case 0x43: case 0x47: case 0x4b: case 0x4f:
      return decodeFma(i, opcode, rd, rs1, rs2, f3);
    case 0x53:
      return decodeFp(i, rd, rs1, rs2, f3, f7);
    default:
      return illegal(i);
  }
}

function decodeSystem(i: number, rd: number, rs1: number, f3: number): number {
  if (f3 === 0) {
    if (i === 0x00000073) return pack(OP.ECALL, 0, 0, 0);
    if (i === 0x00100073) return pack(OP.EBREAK, 0, 0, 0);
    return illegal(i); // mret, wfi, sfence.vma...: privileged, illegal in user mode
  }
  if (f3 === 4) return illegal(i);
  outImm = (i >>> 20) & 0xfff;
  const ops = [0, OP.CSRRW, OP.CSRRS, OP.CSRRC, 0, OP.CSRRWI, OP.CSRRSI, OP.CSRRCI];
  return pack(ops[f3], xd(rd), rs1, 0);
}

function decodeAmo(i: number, rd: number, rs1: number, rs2: number, f3: number): number {
  if (f3 !== 2) return illegal(i);
  const f5 = i >>> 27;
  outImm = (i >>> 25) & 3; // aq, rl
  let op: number;
  switch (f5) {
    case 0x02: if (rs2 !== 0) return illegal(i); op = OP.LR_W; break;
    case 0x03: op = OP.SC_W; break;
    case 0x01: op = OP.AMOSWAP_W; break;
    case 0x00: op = OP.AMOADD_W; break;
    case 0x04: op = OP.AMOXOR_W; break;
    case 0x0c: op = OP.AMOAND_W; break;
    case 0x08: op = OP.AMOOR_W; break;
    case 0x10: op = OP.AMOMIN_W; break;
    case 0x14: op = OP.AMOMAX_W; break;
    case 0x18: op = OP.AMOMINU_W; break;
    case 0x1c: op = OP.AMOMAXU_W; break;
    default: return illegal(i);
  }
  return pack(op, xd(rd), rs1, rs2);
}

function decodeFma(i: number, opcode: number, rd: number, rs1: number, rs2: number, rm: number): number {
  const fmt = (i >>> 25) & 3;
  if (fmt > 1) return illegal(i);
  const base = fmt === 0 ? OP.FMADD_S : OP.FMADD_D;
  outImm = rm | ((i >>> 27) << 8);
  return pack(base + ((opcode - 0x43) >>> 2), rd, rs1, rs2);
}

function decodeFp(i: number, rd: number, rs1: number, rs2: number, rm: number, f7: number): number {
  outImm = rm;
  if ((f7 & 3) > 1) return illegal(i); // fmt H or Q: no Zfh, no Q
  const d = (f7 & 1) === 1;
  const S = (s: number, dd: number): number => (d ? dd : s);
  switch (f7 >>> 2) {
    case 0x00: return pack(S(OP.FADD_S, OP.FADD_D), rd, rs1, rs2);
    case 0x01: return pack(S(OP.FSUB_S, OP.FSUB_D), rd, rs1, rs2);
    case 0x02: return pack(S(OP.FMUL_S, OP.FMUL_D), rd, rs1, rs2);
    case 0x03: return pack(S(OP.FDIV_S, OP.FDIV_D), rd, rs1, rs2);
    case 0x0b:
      if (rs2 !== 0) return illegal(i);
      return pack(S(OP.FSQRT_S, OP.FSQRT_D), rd, rs1, 0);
    case 0x04:
      if (rm > 2) return illegal(i);
      return pack(S(OP.FSGNJ_S, OP.FSGNJ_D) + rm, rd, rs1, rs2);
    case 0x05:
      if (rm > 1) return illegal(i);
      return pack(S(OP.FMIN_S, OP.FMIN_D) + rm, rd, rs1, rs2);
    case 0x08: // FCVT.S.D (f7 0x20, rs2 1) / FCVT.D.S (f7 0x21, rs2 0)
      if (f7 === 0x20 && rs2 === 1) return pack(OP.FCVT_S_D, rd, rs1, 0);
      if (f7 === 0x21 && rs2 === 0) return pack(OP.FCVT_D_S, rd, rs1, 0);
      return illegal(i);
    case 0x14: {
      const ops = d ? [OP.FLE_D, OP.FLT_D, OP.FEQ_D] : [OP.FLE_S, OP.FLT_S, OP.FEQ_S];
      if (rm > 2) return illegal(i);
      return pack(ops[rm], xd(rd), rs1, rs2);
    }
    case 0x18: // FCVT.W[U].{S,D}: float -> int
      if (rs2 > 1) return illegal(i);
      return pack(d ? (rs2 ? OP.FCVT_WU_D : OP.FCVT_W_D) : rs2 ? OP.FCVT_WU_S : OP.FCVT_W_S, xd(rd), rs1, 0);
    case 0x1a: // FCVT.{S,D}.W[U]: int -> float
      if (rs2 > 1) return illegal(i);
      return pack(d ? (rs2 ? OP.FCVT_D_WU : OP.FCVT_D_W) : rs2 ? OP.FCVT_S_WU : OP.FCVT_S_W, rd, rs1, 0);
    case 0x1c: // FMV.X.W (rm 0, single only) / FCLASS (rm 1)
      if (rs2 !== 0) return illegal(i);
      if (rm === 0 && !d) return pack(OP.FMV_X_W, xd(rd), rs1, 0);
      if (rm === 1) return pack(d ? OP.FCLASS_D : OP.FCLASS_S, xd(rd), rs1, 0);
      return illegal(i);
    case 0x1e: // FMV.W.X
      if (rs2 !== 0 || rm !== 0 || f7 !== 0x78) return illegal(i);
      return pack(OP.FMV_W_X, rd, rs1, 0);
    default:
      return illegal(i);
  }
}

/**
 * Decode `inst` (a 32-bit instruction, or the 32-bit expansion of a compressed one) into slot s of
 * a decoded page. Returns word 0. An illegal instruction decodes to OP.ILLEGAL with the raw bits
 * as the immediate, so the trap can report them.
 */
export function decodeInto(code: Int32Array, s: number, inst: number, compressed: boolean): number {
  const w = decode32(inst | 0) | (compressed ? SLOT_COMPRESSED : 0);
  code[s] = w;
  code[s + 1] = outImm;
  return w;
}
