// Decoder tests: the test encoder against GNU as, every operation number against the OP table,
// field extraction, and the encodings the decoder must reject.
import { describe, expect, it } from "vitest";
import { decodeInto, SLOT_COMPRESSED, X_SINK } from "../../../src/machine/cpu/decode.ts";
import { OP, opName } from "../../../src/machine/cpu/opcodes.ts";
import { CSR, enc, li, RM, rType } from "../../helpers/encode.ts";

const hex = (v: number): string => "0x" + (v >>> 0).toString(16).padStart(8, "0");

interface Decoded {
  op: number;
  name: string;
  rd: number;
  rs1: number;
  rs2: number;
  compressed: boolean;
  imm: number;
}

function decode(word: number, compressed = false): Decoded {
  const code = new Int32Array(4096);
  const w = decodeInto(code, 6, word, compressed);
  expect(code[6]).toBe(w);
  return {
    op: w & 0xff,
    name: opName(w & 0xff),
    rd: (w >>> 8) & 63,
    rs1: (w >>> 16) & 63,
    rs2: w >>> 24,
    compressed: (w & SLOT_COMPRESSED) !== 0,
    imm: code[7],
  };
}

// [GNU as source, our encoder, the word GNU as 2.40 produced for the source
// (riscv64-unknown-elf-as -march=rv32gc_zicsr_zifencei, objdump -M no-aliases,numeric)].
// Branch and jump targets are written relative to the instruction (".+8").
const GOLDEN: [string, number, number][] = [
  ["lui x5, 0xfffff", enc.lui(5, 0xfffff), 0xfffff2b7],
  ["lui x31, 0x80000", enc.lui(31, 0x80000), 0x80000fb7],
  ["auipc x1, 0x12345", enc.auipc(1, 0x12345), 0x12345097],
  ["jal x1, .-1048576", enc.jal(1, -1048576), 0x800000ef],
  ["jal x0, .+1048574", enc.jal(0, 1048574), 0x7ffff06f],
  ["jalr x5, -2048(x6)", enc.jalr(5, 6, -2048), 0x800302e7],
  ["jalr x0, 2047(x31)", enc.jalr(0, 31, 2047), 0x7fff8067],
  ["beq x1, x2, .-4096", enc.beq(1, 2, -4096), 0x80208063],
  ["bne x3, x4, .+4094", enc.bne(3, 4, 4094), 0x7e419fe3],
  ["blt x5, x6, .+8", enc.blt(5, 6, 8), 0x0062c463],
  ["bge x7, x8, .-8", enc.bge(7, 8, -8), 0xfe83dce3],
  ["bltu x9, x10, .+2048", enc.bltu(9, 10, 2048), 0x00a4e0e3],
  ["bgeu x11, x12, .-2050", enc.bgeu(11, 12, -2050), 0xfec5ff63],
  ["lb x1, -2048(x2)", enc.lb(1, -2048, 2), 0x80010083],
  ["lh x3, 2047(x4)", enc.lh(3, 2047, 4), 0x7ff21183],
  ["lw x5, -1(x6)", enc.lw(5, -1, 6), 0xfff32283],
  ["lbu x7, 0(x8)", enc.lbu(7, 0, 8), 0x00044383],
  ["lhu x9, 100(x10)", enc.lhu(9, 100, 10), 0x06455483],
  ["sb x1, -2048(x2)", enc.sb(1, -2048, 2), 0x80110023],
  ["sh x3, 2047(x4)", enc.sh(3, 2047, 4), 0x7e321fa3],
  ["sw x5, -1(x6)", enc.sw(5, -1, 6), 0xfe532fa3],
  ["addi x1, x2, -2048", enc.addi(1, 2, -2048), 0x80010093],
  ["slti x3, x4, 2047", enc.slti(3, 4, 2047), 0x7ff22193],
  ["sltiu x5, x6, -1", enc.sltiu(5, 6, -1), 0xfff33293],
  ["xori x7, x8, -1", enc.xori(7, 8, -1), 0xfff44393],
  ["ori x9, x10, 0x555", enc.ori(9, 10, 0x555), 0x55556493],
  ["andi x11, x12, 0x7f0", enc.andi(11, 12, 0x7f0), 0x7f067593],
  ["slli x13, x14, 31", enc.slli(13, 14, 31), 0x01f71693],
  ["srli x15, x16, 1", enc.srli(15, 16, 1), 0x00185793],
  ["srai x17, x18, 31", enc.srai(17, 18, 31), 0x41f95893],
  ["add x1, x2, x3", enc.add(1, 2, 3), 0x003100b3],
  ["sub x4, x5, x6", enc.sub(4, 5, 6), 0x40628233],
  ["sll x7, x8, x9", enc.sll(7, 8, 9), 0x009413b3],
  ["slt x10, x11, x12", enc.slt(10, 11, 12), 0x00c5a533],
  ["sltu x13, x14, x15", enc.sltu(13, 14, 15), 0x00f736b3],
  ["xor x16, x17, x18", enc.xor(16, 17, 18), 0x0128c833],
  ["srl x19, x20, x21", enc.srl(19, 20, 21), 0x015a59b3],
  ["sra x22, x23, x24", enc.sra(22, 23, 24), 0x418bdb33],
  ["or x25, x26, x27", enc.or(25, 26, 27), 0x01bd6cb3],
  ["and x28, x29, x30", enc.and(28, 29, 30), 0x01eefe33],
  ["fence iorw, iorw", enc.fence(), 0x0ff0000f],
  ["fence r, w", enc.fence(2, 1), 0x0210000f],
  ["fence.i", enc.fence_i(), 0x0000100f],
  ["ecall", enc.ecall(), 0x00000073],
  ["ebreak", enc.ebreak(), 0x00100073],
  ["csrrw x1, fcsr, x2", enc.csrrw(1, CSR.fcsr, 2), 0x003110f3],
  ["csrrs x3, cycle, x0", enc.csrrs(3, CSR.cycle, 0), 0xc00021f3],
  ["csrrc x4, fflags, x5", enc.csrrc(4, CSR.fflags, 5), 0x0012b273],
  ["csrrwi x6, frm, 31", enc.csrrwi(6, CSR.frm, 31), 0x002fd373],
  ["csrrsi x7, instreth, 1", enc.csrrsi(7, CSR.instreth, 1), 0xc820e3f3],
  ["csrrci x8, 0xfff, 17", enc.csrrci(8, 0xfff, 17), 0xfff8f473],
  ["mul x1, x2, x3", enc.mul(1, 2, 3), 0x023100b3],
  ["mulh x4, x5, x6", enc.mulh(4, 5, 6), 0x02629233],
  ["mulhsu x7, x8, x9", enc.mulhsu(7, 8, 9), 0x029423b3],
  ["mulhu x10, x11, x12", enc.mulhu(10, 11, 12), 0x02c5b533],
  ["div x13, x14, x15", enc.div(13, 14, 15), 0x02f746b3],
  ["divu x16, x17, x18", enc.divu(16, 17, 18), 0x0328d833],
  ["rem x19, x20, x21", enc.rem(19, 20, 21), 0x035a69b3],
  ["remu x22, x23, x24", enc.remu(22, 23, 24), 0x038bfb33],
  ["lr.w x1, (x2)", enc.lr_w(1, 2), 0x100120af],
  ["lr.w.aqrl x3, (x4)", enc.lr_w(3, 4, 1, 1), 0x160221af],
  ["sc.w x5, x6, (x7)", enc.sc_w(5, 6, 7), 0x1863a2af],
  ["sc.w.rl x5, x6, (x7)", enc.sc_w(5, 6, 7, 0, 1), 0x1a63a2af],
  ["amoswap.w x8, x9, (x10)", enc.amoswap_w(8, 9, 10), 0x0895242f],
  ["amoadd.w x11, x12, (x13)", enc.amoadd_w(11, 12, 13), 0x00c6a5af],
  ["amoxor.w x14, x15, (x16)", enc.amoxor_w(14, 15, 16), 0x20f8272f],
  ["amoand.w x17, x18, (x19)", enc.amoand_w(17, 18, 19), 0x6129a8af],
  ["amoor.w.aq x20, x21, (x22)", enc.amoor_w(20, 21, 22, 1, 0), 0x455b2a2f],
  ["amomin.w x23, x24, (x25)", enc.amomin_w(23, 24, 25), 0x818cabaf],
  ["amomax.w x26, x27, (x28)", enc.amomax_w(26, 27, 28), 0xa1be2d2f],
  ["amominu.w x29, x30, (x31)", enc.amominu_w(29, 30, 31), 0xc1efaeaf],
  ["amomaxu.w x1, x2, (x3)", enc.amomaxu_w(1, 2, 3), 0xe021a0af],
  ["flw f1, -2048(x2)", enc.flw(1, -2048, 2), 0x80012087],
  ["fsw f3, 2047(x4)", enc.fsw(3, 2047, 4), 0x7e322fa7],
  ["fld f5, 8(x6)", enc.fld(5, 8, 6), 0x00833287],
  ["fsd f7, -8(x8)", enc.fsd(7, -8, 8), 0xfe743c27],
  ["fmadd.s f1, f2, f3, f4", enc.fmadd_s(1, 2, 3, 4), 0x203170c3],
  ["fmsub.s f5, f6, f7, f8, rne", enc.fmsub_s(5, 6, 7, 8, RM.RNE), 0x407302c7],
  ["fnmsub.s f9, f10, f11, f12, rtz", enc.fnmsub_s(9, 10, 11, 12, RM.RTZ), 0x60b514cb],
  ["fnmadd.s f13, f14, f15, f16, rdn", enc.fnmadd_s(13, 14, 15, 16, RM.RDN), 0x80f726cf],
  ["fadd.s f1, f2, f3", enc.fadd_s(1, 2, 3), 0x003170d3],
  ["fsub.s f4, f5, f6, rup", enc.fsub_s(4, 5, 6, RM.RUP), 0x0862b253],
  ["fmul.s f7, f8, f9, rmm", enc.fmul_s(7, 8, 9, RM.RMM), 0x109443d3],
  ["fdiv.s f10, f11, f12", enc.fdiv_s(10, 11, 12), 0x18c5f553],
  ["fsqrt.s f13, f14", enc.fsqrt_s(13, 14), 0x580776d3],
  ["fsgnj.s f1, f2, f3", enc.fsgnj_s(1, 2, 3), 0x203100d3],
  ["fsgnjn.s f4, f5, f6", enc.fsgnjn_s(4, 5, 6), 0x20629253],
  ["fsgnjx.s f7, f8, f9", enc.fsgnjx_s(7, 8, 9), 0x209423d3],
  ["fmin.s f10, f11, f12", enc.fmin_s(10, 11, 12), 0x28c58553],
  ["fmax.s f13, f14, f15", enc.fmax_s(13, 14, 15), 0x28f716d3],
  ["fcvt.w.s x1, f2", enc.fcvt_w_s(1, 2), 0xc00170d3],
  ["fcvt.w.s x1, f2, rtz", enc.fcvt_w_s(1, 2, RM.RTZ), 0xc00110d3],
  ["fcvt.wu.s x3, f4", enc.fcvt_wu_s(3, 4), 0xc01271d3],
  ["fmv.x.w x5, f6", enc.fmv_x_w(5, 6), 0xe00302d3],
  ["feq.s x7, f8, f9", enc.feq_s(7, 8, 9), 0xa09423d3],
  ["flt.s x10, f11, f12", enc.flt_s(10, 11, 12), 0xa0c59553],
  ["fle.s x13, f14, f15", enc.fle_s(13, 14, 15), 0xa0f706d3],
  ["fclass.s x16, f17", enc.fclass_s(16, 17), 0xe0089853],
  ["fcvt.s.w f18, x19", enc.fcvt_s_w(18, 19), 0xd009f953],
  ["fcvt.s.wu f20, x21", enc.fcvt_s_wu(20, 21), 0xd01afa53],
  ["fmv.w.x f22, x23", enc.fmv_w_x(22, 23), 0xf00b8b53],
  ["fmadd.d f1, f2, f3, f4", enc.fmadd_d(1, 2, 3, 4), 0x223170c3],
  ["fmsub.d f5, f6, f7, f8", enc.fmsub_d(5, 6, 7, 8), 0x427372c7],
  ["fnmsub.d f9, f10, f11, f12", enc.fnmsub_d(9, 10, 11, 12), 0x62b574cb],
  ["fnmadd.d f13, f14, f15, f31", enc.fnmadd_d(13, 14, 15, 31), 0xfaf776cf],
  ["fadd.d f1, f2, f3", enc.fadd_d(1, 2, 3), 0x023170d3],
  ["fsub.d f4, f5, f6", enc.fsub_d(4, 5, 6), 0x0a62f253],
  ["fmul.d f7, f8, f9", enc.fmul_d(7, 8, 9), 0x129473d3],
  ["fdiv.d f10, f11, f12", enc.fdiv_d(10, 11, 12), 0x1ac5f553],
  ["fsqrt.d f13, f14", enc.fsqrt_d(13, 14), 0x5a0776d3],
  ["fsgnj.d f1, f2, f3", enc.fsgnj_d(1, 2, 3), 0x223100d3],
  ["fsgnjn.d f4, f5, f6", enc.fsgnjn_d(4, 5, 6), 0x22629253],
  ["fsgnjx.d f7, f8, f9", enc.fsgnjx_d(7, 8, 9), 0x229423d3],
  ["fmin.d f10, f11, f12", enc.fmin_d(10, 11, 12), 0x2ac58553],
  ["fmax.d f13, f14, f15", enc.fmax_d(13, 14, 15), 0x2af716d3],
  ["fcvt.s.d f16, f17", enc.fcvt_s_d(16, 17), 0x4018f853],
  ["fcvt.d.s f18, f19", enc.fcvt_d_s(18, 19), 0x42098953],
  ["feq.d x1, f2, f3", enc.feq_d(1, 2, 3), 0xa23120d3],
  ["flt.d x4, f5, f6", enc.flt_d(4, 5, 6), 0xa2629253],
  ["fle.d x7, f8, f9", enc.fle_d(7, 8, 9), 0xa29403d3],
  ["fclass.d x10, f11", enc.fclass_d(10, 11), 0xe2059553],
  ["fcvt.w.d x12, f13", enc.fcvt_w_d(12, 13), 0xc206f653],
  ["fcvt.wu.d x14, f15", enc.fcvt_wu_d(14, 15), 0xc217f753],
  ["fcvt.d.w f16, x17", enc.fcvt_d_w(16, 17), 0xd2088853],
  ["fcvt.d.wu f18, x19", enc.fcvt_d_wu(18, 19), 0xd2198953],
];

describe("encoder vs GNU as", () => {
  it.each(GOLDEN)("%s", (_asm, ours, gnu) => {
    expect(hex(ours)).toBe(hex(gnu));
  });

  it("li builds any 32-bit value in two words", () => {
    for (const v of [0, 1, -1, 2047, 2048, -2048, -2049, 0x7fffffff, 0x80000000, 0x12345fff, 0xfffff800]) {
      const [lui, addi] = li(5, v);
      const d1 = decode(lui);
      const d2 = decode(addi);
      expect((d1.imm + d2.imm) | 0).toBe(v | 0);
    }
  });
});

// One instruction per operation. The decoder must map each to the operation of that name.
const SAMPLES: Record<string, number> = {
  LUI: enc.lui(1, 0x12345), AUIPC: enc.auipc(1, 1), JAL: enc.jal(1, 8), JALR: enc.jalr(1, 2, 4),
  BEQ: enc.beq(1, 2, 8), BNE: enc.bne(1, 2, 8), BLT: enc.blt(1, 2, 8), BGE: enc.bge(1, 2, 8),
  BLTU: enc.bltu(1, 2, 8), BGEU: enc.bgeu(1, 2, 8),
  LB: enc.lb(1, 0, 2), LH: enc.lh(1, 0, 2), LW: enc.lw(1, 0, 2), LBU: enc.lbu(1, 0, 2), LHU: enc.lhu(1, 0, 2),
  SB: enc.sb(1, 0, 2), SH: enc.sh(1, 0, 2), SW: enc.sw(1, 0, 2),
  ADDI: enc.addi(1, 2, 3), SLTI: enc.slti(1, 2, 3), SLTIU: enc.sltiu(1, 2, 3), XORI: enc.xori(1, 2, 3),
  ORI: enc.ori(1, 2, 3), ANDI: enc.andi(1, 2, 3), SLLI: enc.slli(1, 2, 3), SRLI: enc.srli(1, 2, 3),
  SRAI: enc.srai(1, 2, 3),
  ADD: enc.add(1, 2, 3), SUB: enc.sub(1, 2, 3), SLL: enc.sll(1, 2, 3), SLT: enc.slt(1, 2, 3),
  SLTU: enc.sltu(1, 2, 3), XOR: enc.xor(1, 2, 3), SRL: enc.srl(1, 2, 3), SRA: enc.sra(1, 2, 3),
  OR: enc.or(1, 2, 3), AND: enc.and(1, 2, 3),
  FENCE: enc.fence(), FENCE_I: enc.fence_i(), ECALL: enc.ecall(), EBREAK: enc.ebreak(),
  CSRRW: enc.csrrw(1, CSR.fcsr, 2), CSRRS: enc.csrrs(1, CSR.fcsr, 2), CSRRC: enc.csrrc(1, CSR.fcsr, 2),
  CSRRWI: enc.csrrwi(1, CSR.fcsr, 2), CSRRSI: enc.csrrsi(1, CSR.fcsr, 2), CSRRCI: enc.csrrci(1, CSR.fcsr, 2),
  MUL: enc.mul(1, 2, 3), MULH: enc.mulh(1, 2, 3), MULHSU: enc.mulhsu(1, 2, 3), MULHU: enc.mulhu(1, 2, 3),
  DIV: enc.div(1, 2, 3), DIVU: enc.divu(1, 2, 3), REM: enc.rem(1, 2, 3), REMU: enc.remu(1, 2, 3),
  LR_W: enc.lr_w(1, 2), SC_W: enc.sc_w(1, 3, 2), AMOSWAP_W: enc.amoswap_w(1, 3, 2),
  AMOADD_W: enc.amoadd_w(1, 3, 2), AMOXOR_W: enc.amoxor_w(1, 3, 2), AMOAND_W: enc.amoand_w(1, 3, 2),
  AMOOR_W: enc.amoor_w(1, 3, 2), AMOMIN_W: enc.amomin_w(1, 3, 2), AMOMAX_W: enc.amomax_w(1, 3, 2),
  AMOMINU_W: enc.amominu_w(1, 3, 2), AMOMAXU_W: enc.amomaxu_w(1, 3, 2),
  FLW: enc.flw(1, 0, 2), FSW: enc.fsw(1, 0, 2), FLD: enc.fld(1, 0, 2), FSD: enc.fsd(1, 0, 2),
  FMADD_S: enc.fmadd_s(1, 2, 3, 4), FMSUB_S: enc.fmsub_s(1, 2, 3, 4), FNMSUB_S: enc.fnmsub_s(1, 2, 3, 4),
  FNMADD_S: enc.fnmadd_s(1, 2, 3, 4),
  FADD_S: enc.fadd_s(1, 2, 3), FSUB_S: enc.fsub_s(1, 2, 3), FMUL_S: enc.fmul_s(1, 2, 3),
  FDIV_S: enc.fdiv_s(1, 2, 3), FSQRT_S: enc.fsqrt_s(1, 2),
  FSGNJ_S: enc.fsgnj_s(1, 2, 3), FSGNJN_S: enc.fsgnjn_s(1, 2, 3), FSGNJX_S: enc.fsgnjx_s(1, 2, 3),
  FMIN_S: enc.fmin_s(1, 2, 3), FMAX_S: enc.fmax_s(1, 2, 3),
  FCVT_W_S: enc.fcvt_w_s(1, 2), FCVT_WU_S: enc.fcvt_wu_s(1, 2), FMV_X_W: enc.fmv_x_w(1, 2),
  FEQ_S: enc.feq_s(1, 2, 3), FLT_S: enc.flt_s(1, 2, 3), FLE_S: enc.fle_s(1, 2, 3), FCLASS_S: enc.fclass_s(1, 2),
  FCVT_S_W: enc.fcvt_s_w(1, 2), FCVT_S_WU: enc.fcvt_s_wu(1, 2), FMV_W_X: enc.fmv_w_x(1, 2),
  FMADD_D: enc.fmadd_d(1, 2, 3, 4), FMSUB_D: enc.fmsub_d(1, 2, 3, 4), FNMSUB_D: enc.fnmsub_d(1, 2, 3, 4),
  FNMADD_D: enc.fnmadd_d(1, 2, 3, 4),
  FADD_D: enc.fadd_d(1, 2, 3), FSUB_D: enc.fsub_d(1, 2, 3), FMUL_D: enc.fmul_d(1, 2, 3),
  FDIV_D: enc.fdiv_d(1, 2, 3), FSQRT_D: enc.fsqrt_d(1, 2),
  FSGNJ_D: enc.fsgnj_d(1, 2, 3), FSGNJN_D: enc.fsgnjn_d(1, 2, 3), FSGNJX_D: enc.fsgnjx_d(1, 2, 3),
  FMIN_D: enc.fmin_d(1, 2, 3), FMAX_D: enc.fmax_d(1, 2, 3),
  FCVT_S_D: enc.fcvt_s_d(1, 2), FCVT_D_S: enc.fcvt_d_s(1, 2),
  FEQ_D: enc.feq_d(1, 2, 3), FLT_D: enc.flt_d(1, 2, 3), FLE_D: enc.fle_d(1, 2, 3), FCLASS_D: enc.fclass_d(1, 2),
  FCVT_W_D: enc.fcvt_w_d(1, 2), FCVT_WU_D: enc.fcvt_wu_d(1, 2),
  FCVT_D_W: enc.fcvt_d_w(1, 2), FCVT_D_WU: enc.fcvt_d_wu(1, 2),
};

const OPERATIONS = Object.entries(OP).filter(([, n]) => n >= OP.LUI && n <= OP.FCVT_D_WU);

describe("decoder: every operation", () => {
  it("the OP table has unique numbers and opName inverts it", () => {
    const nums = Object.values(OP);
    expect(new Set(nums).size).toBe(nums.length);
    for (const [name, num] of Object.entries(OP)) expect(opName(num)).toBe(name);
    expect(opName(255)).toBe("op255");
  });

  it("has a sample for every operation from LUI through FCVT_D_WU", () => {
    expect(OPERATIONS.length).toBe(OP.FCVT_D_WU - OP.FLW + 1 + OP.AMOMAXU_W - OP.LUI + 1);
    expect(Object.keys(SAMPLES).sort()).toEqual(OPERATIONS.map(([n]) => n).sort());
  });

  it.each(OPERATIONS)("%s decodes to op %i", (name, num) => {
    const d = decode(SAMPLES[name]);
    expect(d.name).toBe(name);
    expect(d.op).toBe(num);
    expect(d.compressed).toBe(false);
  });
});

describe("decoder: fields", () => {
  it("integer rd x0 goes to the sink register; FP rd f0 stays 0", () => {
    expect(X_SINK).toBe(32);
    for (const w of [enc.addi(0, 1, 5), enc.lw(0, 0, 1), enc.jal(0, 8), enc.jalr(0, 1, 0), enc.lui(0, 1),
      enc.auipc(0, 1), enc.add(0, 1, 2), enc.mul(0, 1, 2), enc.csrrs(0, CSR.fcsr, 0), enc.lr_w(0, 1),
      enc.amoadd_w(0, 2, 1), enc.sc_w(0, 2, 1), enc.fcvt_w_d(0, 1), enc.fmv_x_w(0, 1), enc.feq_s(0, 1, 2),
      enc.fclass_d(0, 1)]) {
      expect(decode(w).rd, hex(w)).toBe(X_SINK);
    }
    for (const w of [enc.flw(0, 0, 1), enc.fld(0, 0, 1), enc.fadd_d(0, 1, 2), enc.fcvt_d_w(0, 1),
      enc.fmv_w_x(0, 1), enc.fmadd_s(0, 1, 2, 3)]) {
      expect(decode(w).rd, hex(w)).toBe(0);
    }
    expect(decode(enc.addi(31, 30, 0)).rd).toBe(31);
  });

  it("register fields", () => {
    const d = decode(enc.sub(5, 17, 31));
    expect([d.rd, d.rs1, d.rs2]).toEqual([5, 17, 31]);
    const s = decode(enc.sw(9, 0, 3));
    expect([s.rs1, s.rs2]).toEqual([3, 9]);
  });

  it("I-type immediates sign-extend from 12 bits", () => {
    expect(decode(enc.addi(1, 2, -2048)).imm).toBe(-2048);
    expect(decode(enc.addi(1, 2, 2047)).imm).toBe(2047);
    expect(decode(enc.addi(1, 2, -1)).imm).toBe(-1);
    expect(decode(enc.lw(1, -2048, 2)).imm).toBe(-2048);
    expect(decode(enc.jalr(1, 2, 2047)).imm).toBe(2047);
    expect(decode(enc.sltiu(1, 2, -1)).imm).toBe(-1);
  });

  it("S-type immediates", () => {
    expect(decode(enc.sw(1, -2048, 2)).imm).toBe(-2048);
    expect(decode(enc.sb(1, 2047, 2)).imm).toBe(2047);
    expect(decode(enc.sh(1, -1, 2)).imm).toBe(-1);
    expect(decode(enc.fsd(1, 40, 2)).imm).toBe(40);
  });

  it("B-type immediates: +-4 KiB, even", () => {
    expect(decode(enc.beq(1, 2, -4096)).imm).toBe(-4096);
    expect(decode(enc.bne(1, 2, 4094)).imm).toBe(4094);
    expect(decode(enc.blt(1, 2, 2048)).imm).toBe(2048);
    expect(decode(enc.bgeu(1, 2, -2)).imm).toBe(-2);
  });

  it("J-type immediates: +-1 MiB", () => {
    expect(decode(enc.jal(1, -1048576)).imm).toBe(-1048576);
    expect(decode(enc.jal(1, 1048574)).imm).toBe(1048574);
    expect(decode(enc.jal(1, 2048)).imm).toBe(2048);
    expect(decode(enc.jal(1, -2)).imm).toBe(-2);
  });

  it("U-type immediates are the upper 20 bits in place", () => {
    expect(decode(enc.lui(1, 0xfffff)).imm).toBe(0xfffff000 | 0);
    expect(decode(enc.lui(1, 0x80000)).imm).toBe(0x80000000 | 0);
    expect(decode(enc.auipc(1, 0x00001)).imm).toBe(0x1000);
  });

  it("shift amounts", () => {
    expect(decode(enc.slli(1, 2, 31)).imm).toBe(31);
    expect(decode(enc.srai(1, 2, 0)).imm).toBe(0);
    expect(decode(enc.srai(1, 2, 31)).name).toBe("SRAI");
  });

  it("CSR number and zimm", () => {
    const d = decode(enc.csrrsi(7, 0xc82, 31));
    expect(d.imm).toBe(0xc82);
    expect(d.rs1).toBe(31);
    expect(decode(enc.csrrw(1, 0xfff, 2)).imm).toBe(0xfff);
  });

  it("FP rounding mode and rs3", () => {
    expect(decode(enc.fadd_s(1, 2, 3, RM.RTZ)).imm).toBe(RM.RTZ);
    expect(decode(enc.fadd_s(1, 2, 3)).imm).toBe(7);
    const f = decode(enc.fnmadd_d(1, 2, 3, 31, RM.RUP));
    expect(f.imm).toBe(RM.RUP | (31 << 8));
    expect([f.rd, f.rs1, f.rs2]).toEqual([1, 2, 3]);
  });

  it("the compressed flag", () => {
    const d = decode(enc.addi(1, 1, 1), true);
    expect(d.compressed).toBe(true);
    expect(d.name).toBe("ADDI");
  });

  it("FENCE variants (fence.tso, pause) are all FENCE", () => {
    expect(decode(0x8330000f).name).toBe("FENCE"); // fence.tso
    expect(decode(0x0100000f).name).toBe("FENCE"); // pause
  });
});

// Encodings RV32GC user mode does not have. Each must decode to ILLEGAL carrying its bits.
const ILLEGAL: [string, number][] = [
  ["all zeros", 0x00000000],
  ["all ones", 0xffffffff],
  ["mret", 0x30200073],
  ["sret", 0x10200073],
  ["wfi", 0x10500073],
  ["sfence.vma", 0x12000073],
  ["ecall with rd", 0x000000f3],
  ["ebreak with rs1", 0x00108073],
  ["jalr funct3 1", rType(0, 0, 2, 1, 1, 0x67)],
  ["branch funct3 2", rType(0, 2, 1, 2, 0, 0x63)],
  ["branch funct3 3", rType(0, 2, 1, 3, 0, 0x63)],
  ["ld (RV64)", 0x00013083],
  ["lwu (RV64)", 0x00016083],
  ["load funct3 7", rType(0, 0, 2, 7, 1, 0x03)],
  ["sd (RV64)", 0x00113023],
  ["store funct3 4", rType(0, 1, 2, 4, 0, 0x23)],
  ["slli shamt 32", 0x02009093],
  ["slli funct7 0x20", rType(0x20, 1, 1, 1, 1, 0x13)],
  ["srli funct7 0x01", rType(0x01, 1, 1, 5, 1, 0x13)],
  ["srai shamt 32", rType(0x21, 0, 1, 5, 1, 0x13)],
  ["R-type funct7 0x20 funct3 1", rType(0x20, 3, 2, 1, 1, 0x33)],
  ["R-type funct7 0x02", rType(0x02, 3, 2, 0, 1, 0x33)],
  ["addw (RV64)", rType(0, 3, 2, 0, 1, 0x3b)],
  ["addiw (RV64)", 0x0000009b],
  ["fence funct3 2", 0x0000200f],
  ["csr funct3 4", 0x00004073],
  ["amoadd.d", rType(0, 2, 1, 3, 1, 0x2f)],
  ["amo funct3 0", rType(0, 2, 1, 0, 1, 0x2f)],
  ["lr.w with rs2", rType(0x02 << 2, 5, 1, 2, 1, 0x2f)],
  ["amo funct5 0x1f", rType(0x1f << 2, 2, 1, 2, 1, 0x2f)],
  ["amocas.w funct5 0x05", rType(0x05 << 2, 2, 1, 2, 1, 0x2f)],
  ["flh", rType(0, 0, 2, 1, 1, 0x07)],
  ["flq", rType(0, 0, 2, 4, 1, 0x07)],
  ["fsq", rType(0, 1, 2, 4, 0, 0x27)],
  ["fmadd.h (fmt 2)", rType((4 << 2) | 2, 3, 2, 7, 1, 0x43)],
  ["fmadd.q (fmt 3)", rType((4 << 2) | 3, 3, 2, 7, 1, 0x43)],
  ["fadd.h", rType(0x02, 3, 2, 7, 1, 0x53)],
  ["fadd.q", rType(0x03, 3, 2, 7, 1, 0x53)],
  ["fsqrt.s with rs2", rType(0x2c, 1, 2, 7, 1, 0x53)],
  ["fsgnj.s funct3 3", rType(0x10, 3, 2, 3, 1, 0x53)],
  ["fmin.d funct3 2", rType(0x15, 3, 2, 2, 1, 0x53)],
  ["fcvt.s.d with rs2 0", rType(0x20, 0, 2, 7, 1, 0x53)],
  ["fcvt.d.s with rs2 1", rType(0x21, 1, 2, 7, 1, 0x53)],
  ["fcvt.s.q", rType(0x20, 3, 2, 7, 1, 0x53)],
  ["feq.s funct3 3", rType(0x50, 3, 2, 3, 1, 0x53)],
  ["fcvt.l.s (RV64)", rType(0x60, 2, 2, 7, 1, 0x53)],
  ["fcvt.s.l (RV64)", rType(0x68, 2, 2, 7, 1, 0x53)],
  ["fmv.x.d (RV64)", rType(0x71, 0, 2, 0, 1, 0x53)],
  ["fclass.s funct3 2", rType(0x70, 0, 2, 2, 1, 0x53)],
  ["fclass.s with rs2", rType(0x70, 1, 2, 1, 1, 0x53)],
  ["fmv.w.x funct3 1", rType(0x78, 0, 2, 1, 1, 0x53)],
  ["fmv.d.x (RV64)", rType(0x79, 0, 2, 0, 1, 0x53)],
  ["FP funct5 0x06", rType(0x18, 3, 2, 7, 1, 0x53)],
  ["custom-0", 0x0000000b],
  ["custom-1", 0x0000002b],
  ["custom-2", 0x0000005b],
  ["48-bit prefix", 0x0000001f],
];

describe("decoder: illegal encodings", () => {
  it.each(ILLEGAL)("%s", (_name, word) => {
    const d = decode(word);
    expect(d.name).toBe("ILLEGAL");
    expect(d.imm >>> 0).toBe(word >>> 0);
  });

  it("legal neighbours of the illegal encodings decode", () => {
    expect(decode(rType(0x20, 1, 2, 7, 1, 0x53)).name).toBe("FCVT_S_D");
    expect(decode(rType(0x15, 3, 2, 1, 1, 0x53)).name).toBe("FMAX_D");
    expect(decode(rType(0x70, 0, 2, 1, 1, 0x53)).name).toBe("FCLASS_S");
    expect(decode(rType(0x71, 0, 2, 1, 1, 0x53)).name).toBe("FCLASS_D");
  });
});
