// RVC (the "C" extension): expand a 16-bit compressed parcel to its 32-bit RV32 equivalent.
//
// The decoder calls expandCompressed() once per 16-bit instruction slot when it decodes a code
// page, then decodes the result with its ordinary 32-bit decoder and executes it with an
// instruction length of 2. So the expansion has to be exactly the one the unprivileged spec
// gives in its RVC chapter ("expands into addi rd, rd, nzimm" and so on): the 32-bit decoder
// sees nothing else.
//
// Illegal and reserved parcels expand to 0, which is itself an illegal 32-bit instruction (its
// low two bits are 00), so the decoder needs no special case for them. That covers, on RV32:
//   - the all-zero parcel (defined illegal),
//   - C.ADDI4SPN with nzuimm = 0, C.ADDI16SP with nzimm = 0, C.LUI with nzimm = 0,
//     C.LWSP with rd = x0, C.JR with rs1 = x0 (reserved),
//   - C.SLLI / C.SRLI / C.SRAI with shamt[5] = 1 (reserved for custom extensions on RV32C),
//   - quadrant 0 funct3 = 100 (reserved; Zcb lives there, we do not implement it),
//   - quadrant 1 funct3 = 100, funct2 = 11, bit 12 = 1 (C.SUBW / C.ADDW on RV64, reserved on RV32).
//
// HINT code points are legal and expand to the base instruction, which then writes x0 or does
// nothing: C.NOP with a nonzero immediate, C.ADDI with rd != x0 and imm = 0, C.LI / C.LUI /
// C.MV / C.ADD / C.SLLI with rd = x0, and C.SLLI / C.SRLI / C.SRAI with shamt = 0 (a HINT on
// RV32C and RV64C; only retired RV128C read it as a shift by 64).
//
// The return value is the 32-bit encoding as an *unsigned* number (0 .. 2^32-1), so it compares
// equal to a word read with DataView.getUint32; `| 0` it if you want the signed view.
//
// Everything is plain integer arithmetic on locals: no allocation.

// 32-bit major opcodes (inst[6:0]) the expansions use.
const LOAD = 0x03;
const LOAD_FP = 0x07;
const OP_IMM = 0x13;
const STORE = 0x23;
const STORE_FP = 0x27;
const OP = 0x33;
const LUI = 0x37;
const BRANCH = 0x63;
const JALR = 0x67;
const JAL = 0x6f;
const EBREAK = 0x00100073; // SYSTEM, imm = 1

const SP = 2;
const RA = 1;

// --- 32-bit instruction builders. Immediates are passed as plain (possibly negative) integers.

function rType(funct7: number, rs2: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return ((funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}

function iType(imm: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return (((imm & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}

function sType(imm: number, rs2: number, rs1: number, funct3: number, opcode: number): number {
  return (
    ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 0x1f) << 7) | opcode) >>> 0
  );
}

function bType(imm: number, rs2: number, rs1: number, funct3: number): number {
  return (
    ((((imm >> 12) & 1) << 31) |
      (((imm >> 5) & 0x3f) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (funct3 << 12) |
      (((imm >> 1) & 0xf) << 8) |
      (((imm >> 11) & 1) << 7) |
      BRANCH) >>>
    0
  );
}

function jType(imm: number, rd: number): number {
  return (
    ((((imm >> 20) & 1) << 31) |
      (((imm >> 1) & 0x3ff) << 21) |
      (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) |
      (rd << 7) |
      JAL) >>>
    0
  );
}

// --- Parcel field helpers.

/** Bits [hi:lo] of h, shifted down. */
function bits(h: number, hi: number, lo: number): number {
  return (h >>> lo) & ((1 << (hi - lo + 1)) - 1);
}

/** Bit n of h. */
function bit(h: number, n: number): number {
  return (h >>> n) & 1;
}

/** Sign-extend the low `width` bits of v. */
function sext(v: number, width: number): number {
  const shift = 32 - width;
  return (v << shift) >> shift;
}

/** 3-bit "popular register" field (x8..x15 / f8..f15) starting at bit lo. */
function creg(h: number, lo: number): number {
  return 8 + bits(h, lo + 2, lo);
}

/** CI-format 6-bit immediate imm[5] = h[12], imm[4:0] = h[6:2], sign-extended. */
function ciImm(h: number): number {
  return sext((bit(h, 12) << 5) | bits(h, 6, 2), 6);
}

/** CI-format 6-bit shift amount (unsigned); shamt[5] = h[12]. */
function ciShamt(h: number): number {
  return (bit(h, 12) << 5) | bits(h, 6, 2);
}

/** C.ADDI4SPN: nzuimm[5:4|9:6|2|3] = h[12:5]. */
function ciwImm(h: number): number {
  return (bits(h, 12, 11) << 4) | (bits(h, 10, 7) << 6) | (bit(h, 6) << 2) | (bit(h, 5) << 3);
}

/** C.LW / C.SW / C.FLW / C.FSW: uimm[5:3] = h[12:10], uimm[2] = h[6], uimm[6] = h[5]. */
function clwImm(h: number): number {
  return (bits(h, 12, 10) << 3) | (bit(h, 6) << 2) | (bit(h, 5) << 6);
}

/** C.FLD / C.FSD: uimm[5:3] = h[12:10], uimm[7:6] = h[6:5]. */
function cldImm(h: number): number {
  return (bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6);
}

/** C.ADDI16SP: nzimm[9] = h[12], nzimm[4|6|8:7|5] = h[6:2], sign-extended. */
function addi16spImm(h: number): number {
  const v = (bit(h, 12) << 9) | (bit(h, 6) << 4) | (bit(h, 5) << 6) | (bits(h, 4, 3) << 7) | (bit(h, 2) << 5);
  return sext(v, 10);
}

/** C.J / C.JAL: offset[11|4|9:8|10|6|7|3:1|5] = h[12:2], sign-extended. */
function cjImm(h: number): number {
  const v =
    (bit(h, 12) << 11) |
    (bit(h, 11) << 4) |
    (bits(h, 10, 9) << 8) |
    (bit(h, 8) << 10) |
    (bit(h, 7) << 6) |
    (bit(h, 6) << 7) |
    (bits(h, 5, 3) << 1) |
    (bit(h, 2) << 5);
  return sext(v, 12);
}

/** C.BEQZ / C.BNEZ: offset[8|4:3] = h[12:10], offset[7:6|2:1|5] = h[6:2], sign-extended. */
function cbImm(h: number): number {
  const v =
    (bit(h, 12) << 8) | (bits(h, 11, 10) << 3) | (bits(h, 6, 5) << 6) | (bits(h, 4, 3) << 1) | (bit(h, 2) << 5);
  return sext(v, 9);
}

/** C.LWSP / C.FLWSP: uimm[5] = h[12], uimm[4:2|7:6] = h[6:2]. */
function lwspImm(h: number): number {
  return (bit(h, 12) << 5) | (bits(h, 6, 4) << 2) | (bits(h, 3, 2) << 6);
}

/** C.FLDSP: uimm[5] = h[12], uimm[4:3|8:6] = h[6:2]. */
function ldspImm(h: number): number {
  return (bit(h, 12) << 5) | (bits(h, 6, 5) << 3) | (bits(h, 4, 2) << 6);
}

/** C.SWSP / C.FSWSP: uimm[5:2|7:6] = h[12:7]. */
function swspImm(h: number): number {
  return (bits(h, 12, 9) << 2) | (bits(h, 8, 7) << 6);
}

/** C.FSDSP: uimm[5:3|8:6] = h[12:7]. */
function sdspImm(h: number): number {
  return (bits(h, 12, 10) << 3) | (bits(h, 9, 7) << 6);
}

/**
 * Expand a 16-bit RVC parcel (h & 3 !== 3; only the low 16 bits of h are looked at) to the
 * equivalent RV32 instruction. Returns the 32-bit encoding as an unsigned number, or 0 if the
 * parcel is illegal or reserved on RV32 (see the header comment for the list).
 */
export function expandCompressed(h: number): number {
  h &= 0xffff;
  const funct3 = h >>> 13;
  switch (h & 3) {
    case 0:
      return quadrant0(h, funct3);
    case 1:
      return quadrant1(h, funct3);
    case 2:
      return quadrant2(h, funct3);
    default:
      return 0; // not a compressed parcel
  }
}

function quadrant0(h: number, funct3: number): number {
  const rdRs2 = creg(h, 2); // rd' (loads) or rs2' (stores)
  const rs1 = creg(h, 7);
  switch (funct3) {
    case 0: {
      // C.ADDI4SPN -> addi rd', x2, nzuimm. nzuimm = 0 is reserved (this includes h = 0).
      const imm = ciwImm(h);
      return imm === 0 ? 0 : iType(imm, SP, 0, rdRs2, OP_IMM);
    }
    case 1: // C.FLD -> fld rd', uimm(rs1')
      return iType(cldImm(h), rs1, 3, rdRs2, LOAD_FP);
    case 2: // C.LW -> lw rd', uimm(rs1')
      return iType(clwImm(h), rs1, 2, rdRs2, LOAD);
    case 3: // C.FLW (RV32) -> flw rd', uimm(rs1')
      return iType(clwImm(h), rs1, 2, rdRs2, LOAD_FP);
    case 4: // reserved (Zcb byte/half loads and stores live here; not implemented)
      return 0;
    case 5: // C.FSD -> fsd rs2', uimm(rs1')
      return sType(cldImm(h), rdRs2, rs1, 3, STORE_FP);
    case 6: // C.SW -> sw rs2', uimm(rs1')
      return sType(clwImm(h), rdRs2, rs1, 2, STORE);
    default: // 7: C.FSW (RV32) -> fsw rs2', uimm(rs1')
      return sType(clwImm(h), rdRs2, rs1, 2, STORE_FP);
  }
}

function quadrant1(h: number, funct3: number): number {
  const rd = bits(h, 11, 7);
  switch (funct3) {
    case 0: // C.NOP (rd = 0) / C.ADDI -> addi rd, rd, imm. rd = 0 or imm = 0: HINT, still legal.
      return iType(ciImm(h), rd, 0, rd, OP_IMM);
    case 1: // C.JAL (RV32 only) -> jal x1, offset
      return jType(cjImm(h), RA);
    case 2: // C.LI -> addi rd, x0, imm (rd = 0: HINT)
      return iType(ciImm(h), 0, 0, rd, OP_IMM);
    case 3: {
      const imm = ciImm(h);
      if (imm === 0) return 0; // C.ADDI16SP / C.LUI with a zero immediate: reserved
      if (rd === SP) {
        // C.ADDI16SP -> addi x2, x2, nzimm
        return iType(addi16spImm(h), SP, 0, SP, OP_IMM);
      }
      // C.LUI -> lui rd, nzimm (imm is nzimm[17:12], sign-extended; rd = 0: HINT)
      return ((imm << 12) | (rd << 7) | LUI) >>> 0;
    }
    case 4:
      return quadrant1Alu(h);
    case 5: // C.J -> jal x0, offset
      return jType(cjImm(h), 0);
    case 6: // C.BEQZ -> beq rs1', x0, offset
      return bType(cbImm(h), 0, creg(h, 7), 0);
    default: // 7: C.BNEZ -> bne rs1', x0, offset
      return bType(cbImm(h), 0, creg(h, 7), 1);
  }
}

/** Quadrant 1, funct3 = 100: C.SRLI, C.SRAI, C.ANDI, C.SUB, C.XOR, C.OR, C.AND. */
function quadrant1Alu(h: number): number {
  const rd = creg(h, 7);
  switch (bits(h, 11, 10)) {
    case 0: // C.SRLI -> srli rd', rd', shamt
      if (bit(h, 12)) return 0; // shamt[5] = 1: reserved on RV32
      return iType(ciShamt(h), rd, 5, rd, OP_IMM);
    case 1: // C.SRAI -> srai rd', rd', shamt
      if (bit(h, 12)) return 0;
      return iType(0x400 | ciShamt(h), rd, 5, rd, OP_IMM);
    case 2: // C.ANDI -> andi rd', rd', imm
      return iType(ciImm(h), rd, 7, rd, OP_IMM);
    default: {
      if (bit(h, 12)) return 0; // C.SUBW / C.ADDW (RV64) and reserved: illegal on RV32
      const rs2 = creg(h, 2);
      switch (bits(h, 6, 5)) {
        case 0: // C.SUB -> sub rd', rd', rs2'
          return rType(0x20, rs2, rd, 0, rd, OP);
        case 1: // C.XOR
          return rType(0, rs2, rd, 4, rd, OP);
        case 2: // C.OR
          return rType(0, rs2, rd, 6, rd, OP);
        default: // C.AND
          return rType(0, rs2, rd, 7, rd, OP);
      }
    }
  }
}

function quadrant2(h: number, funct3: number): number {
  const rd = bits(h, 11, 7); // rd or rs1
  const rs2 = bits(h, 6, 2);
  switch (funct3) {
    case 0: // C.SLLI -> slli rd, rd, shamt (rd = 0 or shamt = 0: HINT)
      if (bit(h, 12)) return 0; // shamt[5] = 1: reserved on RV32
      return iType(ciShamt(h), rd, 1, rd, OP_IMM);
    case 1: // C.FLDSP -> fld rd, uimm(x2)
      return iType(ldspImm(h), SP, 3, rd, LOAD_FP);
    case 2: // C.LWSP -> lw rd, uimm(x2); rd = 0 reserved
      return rd === 0 ? 0 : iType(lwspImm(h), SP, 2, rd, LOAD);
    case 3: // C.FLWSP (RV32) -> flw rd, uimm(x2)
      return iType(lwspImm(h), SP, 2, rd, LOAD_FP);
    case 4:
      if (bit(h, 12) === 0) {
        if (rs2 !== 0) return rType(0, rs2, 0, 0, rd, OP); // C.MV -> add rd, x0, rs2 (rd = 0: HINT)
        if (rd === 0) return 0; // C.JR with rs1 = 0: reserved
        return iType(0, rd, 0, 0, JALR); // C.JR -> jalr x0, 0(rs1)
      }
      if (rs2 !== 0) return rType(0, rs2, rd, 0, rd, OP); // C.ADD -> add rd, rd, rs2 (rd = 0: HINT)
      if (rd === 0) return EBREAK; // C.EBREAK
      return iType(0, rd, 0, RA, JALR); // C.JALR -> jalr x1, 0(rs1)
    case 5: // C.FSDSP -> fsd rs2, uimm(x2)
      return sType(sdspImm(h), rs2, SP, 3, STORE_FP);
    case 6: // C.SWSP -> sw rs2, uimm(x2)
      return sType(swspImm(h), rs2, SP, 2, STORE);
    default: // 7: C.FSWSP (RV32) -> fsw rs2, uimm(x2)
      return sType(swspImm(h), rs2, SP, 2, STORE_FP);
  }
}
