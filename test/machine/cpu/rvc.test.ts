// RVC expander tests. The oracle is GNU as/objdump 2.40, recorded by test/fixtures/rvc/gen.mjs
// (see its header) so these tests need no toolchain:
//   golden.json  — hand-written (c.xxx, expanded) pairs, each side assembled by `as`;
//   sweep.bin.gz — the 32-bit expansion binutils implies for every one of the 49152 parcels.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { expandCompressed } from "../../../src/machine/cpu/rvc.ts";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/rvc");

interface GoldenPair {
  c: string; // 16-bit parcel, hex
  w: string; // 32-bit word, hex
  asm: string;
  expanded: string;
}
const golden = JSON.parse(readFileSync(join(FIXTURES, "golden.json"), "utf8")) as { pairs: GoldenPair[] };

const sweep = gunzipSync(readFileSync(join(FIXTURES, "sweep.bin.gz")));
/** Word 1 in the sweep: objdump decodes the parcel, but no RV32 instruction corresponds. */
const NO_RV32_FORM = 1;

const hex = (v: number, digits: number) => "0x" + (v >>> 0).toString(16).padStart(digits, "0");

/** All 49152 compressed parcels. */
function* parcels(): Generator<number> {
  for (let h = 0; h < 0x10000; h++) if ((h & 3) !== 3) yield h;
}

// --- little encoders for hand-written cases (32-bit side only; parcels are written in hex)
const iType = (imm: number, rs1: number, f3: number, rd: number, op: number) =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const rType = (f7: number, rs2: number, rs1: number, f3: number, rd: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33) >>> 0;

describe("expandCompressed: golden pairs from the assembler", () => {
  it("has a useful number of pairs", () => {
    expect(golden.pairs.length).toBeGreaterThan(600);
  });

  it("expands every pair exactly", () => {
    const wrong: string[] = [];
    for (const p of golden.pairs) {
      const got = expandCompressed(parseInt(p.c, 16));
      if (got !== parseInt(p.w, 16)) wrong.push(`${p.asm} (${p.c}): got ${hex(got, 8)}, want ${p.w} (${p.expanded})`);
    }
    expect(wrong).toEqual([]);
  });

  it("covers every RV32C mnemonic", () => {
    const seen = new Set(golden.pairs.map((p) => p.asm.split(" ")[0]));
    const all = [
      "c.addi4spn", "c.fld", "c.lw", "c.flw", "c.fsd", "c.sw", "c.fsw",
      "c.nop", "c.addi", "c.jal", "c.li", "c.addi16sp", "c.lui", "c.srli", "c.srai", "c.andi",
      "c.sub", "c.xor", "c.or", "c.and", "c.j", "c.beqz", "c.bnez",
      "c.slli", "c.fldsp", "c.lwsp", "c.flwsp", "c.jr", "c.mv", "c.ebreak", "c.jalr", "c.add",
      "c.fsdsp", "c.swsp", "c.fswsp",
    ];
    expect(all.filter((m) => !seen.has(m))).toEqual([]);
  });
});

describe("expandCompressed: illegal and reserved parcels", () => {
  const cases: [string, number[]][] = [
    ["all-zero parcel", [0x0000]],
    // funct3=000 quadrant 0 with nzuimm = 0, any rd'
    ["C.ADDI4SPN nzuimm=0", [0x0004, 0x0008, 0x0010, 0x001c]],
    ["C.ADDI16SP nzimm=0", [0x6101]],
    ["C.LUI nzimm=0", [0x6001, 0x6081, 0x6181, 0x6f81]],
    ["C.LWSP rd=0", [0x4002, 0x407e, 0x5002, 0x507e]],
    ["C.JR rs1=0", [0x8002]],
    // shamt[5] = 1 (bit 12) is reserved for custom extensions on RV32
    ["C.SLLI shamt[5]=1", [0x1002, 0x1006, 0x107e, 0x1082, 0x1ffe]],
    ["C.SRLI shamt[5]=1", [0x9001, 0x9005, 0x907d, 0x9381]],
    ["C.SRAI shamt[5]=1", [0x9401, 0x9405, 0x947d, 0x9781]],
    // funct6 = 100111: C.SUBW, C.ADDW (RV64) and the two reserved funct2 values
    ["C.SUBW/C.ADDW/reserved (100111)", [0x9c01, 0x9c21, 0x9c41, 0x9c61, 0x9ffd]],
    // quadrant 0, funct3 = 100 is reserved (Zcb lives there)
    ["quadrant 0 funct3=100", [0x8000, 0x8004, 0x9ffc, 0x9c00]],
  ];
  for (const [name, hs] of cases) {
    it(`${name} expands to 0`, () => {
      for (const h of hs) expect([hex(h, 4), expandCompressed(h)]).toEqual([hex(h, 4), 0]);
    });
  }

  it("every parcel of the reserved ranges expands to 0", () => {
    for (const h of parcels()) {
      const q = h & 3;
      const f3 = h >>> 13;
      const bit12 = (h >>> 12) & 1;
      const rd = (h >>> 7) & 31;
      const low = (h >>> 2) & 31; // h[6:2]
      const reserved =
        h === 0 ||
        (q === 0 && f3 === 0 && ((h >>> 5) & 0xff) === 0) ||
        (q === 0 && f3 === 4) ||
        (q === 1 && f3 === 3 && bit12 === 0 && low === 0) ||
        (q === 1 && f3 === 4 && bit12 === 1 && ((h >>> 10) & 3) !== 2) ||
        (q === 2 && f3 === 0 && bit12 === 1) ||
        (q === 2 && f3 === 2 && rd === 0) ||
        (q === 2 && f3 === 4 && bit12 === 0 && rd === 0 && low === 0);
      if (reserved && expandCompressed(h) !== 0) expect.fail(`${hex(h, 4)} should be illegal`);
    }
  });
});

describe("expandCompressed: HINTs are legal and expand to the base instruction", () => {
  const cases: [string, number, number][] = [
    ["c.nop 1 -> addi x0,x0,1", 0x0005, iType(1, 0, 0, 0, 0x13)],
    ["c.nop -> addi x0,x0,0", 0x0001, 0x00000013],
    ["c.addi x8,0 -> addi x8,x8,0", 0x0401, iType(0, 8, 0, 8, 0x13)],
    ["c.li x0,-1 -> addi x0,x0,-1", 0x507d, iType(-1, 0, 0, 0, 0x13)],
    ["c.lui x0,1 -> lui x0,1", 0x6005, 0x00001037],
    ["c.mv x0,x1 -> add x0,x0,x1", 0x8006, rType(0, 1, 0, 0, 0)],
    ["c.add x0,x1 -> add x0,x0,x1", 0x9006, rType(0, 1, 0, 0, 0)],
    ["c.slli x0,1 -> slli x0,x0,1", 0x0006, iType(1, 0, 1, 0, 0x13)],
    // shamt = 0 is a HINT on RV32C/RV64C (RV128C's "shift by 64" no longer applies)
    ["c.slli x0,0 -> slli x0,x0,0", 0x0002, iType(0, 0, 1, 0, 0x13)],
    ["c.slli x5,0 -> slli x5,x5,0", 0x0282, iType(0, 5, 1, 5, 0x13)],
    ["c.srli x8,0 -> srli x8,x8,0", 0x8001, iType(0, 8, 5, 8, 0x13)],
    ["c.srai x15,0 -> srai x15,x15,0", 0x8781, iType(0x400, 15, 5, 15, 0x13)],
  ];
  for (const [name, h, want] of cases) {
    it(name, () => expect(hex(expandCompressed(h), 8)).toBe(hex(want, 8)));
  }
});

describe("expandCompressed: all 49152 parcels", () => {
  // inst[6:0] of every expansion must be one of these.
  const ALLOWED = new Map([
    [0x03, "LOAD"], [0x07, "LOAD-FP"], [0x13, "OP-IMM"], [0x23, "STORE"], [0x27, "STORE-FP"],
    [0x33, "OP"], [0x37, "LUI"], [0x63, "BRANCH"], [0x67, "JALR"], [0x6f, "JAL"], [0x73, "SYSTEM"],
  ]);

  it("never throws; returns 0 or an unsigned 32-bit word with an allowed base opcode", () => {
    let legal = 0;
    for (const h of parcels()) {
      const w = expandCompressed(h);
      if (w === 0) continue;
      legal++;
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) expect.fail(`${hex(h, 4)} -> ${w}: not an unsigned word`);
      if ((w & 3) !== 3) expect.fail(`${hex(h, 4)} -> ${hex(w, 8)}: low bits not 11`);
      if (!ALLOWED.has(w & 0x7f)) expect.fail(`${hex(h, 4)} -> ${hex(w, 8)}: opcode ${hex(w & 0x7f, 2)}`);
      if ((w & 0x7f) === 0x73 && w !== 0x00100073) expect.fail(`${hex(h, 4)} -> ${hex(w, 8)}: SYSTEM but not ebreak`);
    }
    // 49152 minus the reserved/illegal code points (cross-checked with binutils below).
    expect(legal).toBe(45207);
  });

  it("looks only at the low 16 bits", () => {
    expect(expandCompressed(0xabcd0000 | 0x4501)).toBe(expandCompressed(0x4501));
  });

  it("agrees with binutils on every parcel, apart from the known binutils 2.40 divergences", () => {
    const mismatches: string[] = [];
    let shamt5 = 0;
    let addi16sp0 = 0;
    for (const h of parcels()) {
      const want = sweep.readUInt32LE(h * 4);
      const got = expandCompressed(h);
      if (want === got) continue;
      // binutils 2.40 decodes c.slli/c.srli/c.srai with shamt[5] = 1 on RV32; the spec reserves
      // those code points for custom extensions, so they are illegal here.
      const isShift = ((h & 3) === 2 && h >>> 13 === 0) || ((h & 3) === 1 && h >>> 13 === 4 && ((h >>> 10) & 3) < 2);
      if (want === NO_RV32_FORM && got === 0 && isShift && (h & 0x1000) !== 0) {
        shamt5++;
        continue;
      }
      // objdump shows 0x6101 as "c.addi16sp sp,0"; the spec says nzimm = 0 is reserved.
      if (h === 0x6101 && got === 0) {
        addi16sp0++;
        continue;
      }
      mismatches.push(`${hex(h, 4)}: got ${hex(got, 8)}, binutils ${hex(want, 8)}`);
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(mismatches.length).toBe(0);
    expect(shamt5).toBe(1024 + 512); // c.slli: 32 rd × 32 low shamt bits; c.srli/c.srai: 2 × 8 × 32
    expect(addi16sp0).toBe(1);
  });

  it("the golden pairs agree with the sweep (the two fixtures are consistent)", () => {
    for (const p of golden.pairs) {
      expect([p.asm, hex(sweep.readUInt32LE(parseInt(p.c, 16) * 4), 8)]).toEqual([p.asm, p.w]);
    }
  });
});
