// The source of a translated block (translate.ts): a region of traces becomes the body of a
// factory that returns the block function.
//
// Shape of the function:
//
//   function block(h, x, ..., left, pc)     called at the start pc of any of its traces
//   let r5 = x[5], ...;                    guest registers the region uses, in locals
//   exit: for (;;) {
//     n += e; e = 0;                        instructions retired by the traces run so far
//     if (left - n < LEN) break exit;       start a trace only if the longest one fits
//     switch (pc) {
//       case START_0: ...                   one trace: falls through its not-taken branches
//       case START_1: ...
//       default: break exit;                a jalr to a pc outside the region
//     }
//   }
//   x[5] = r5; ...                          every register the region writes
//   h.blockN = n + e; return pc;
//
// A jump to a trace of the region sets pc and e (the count in this trace) and continues the
// loop; an exit sets them and breaks it. Every exit leaves through the one epilogue: V8 learns
// the write-backs' types on the first exit, and an exit taken for the first time after V8
// optimised the function costs no deoptimisation (constants stored to locals need no type
// feedback; `n += e` runs on every pass). A load or store that misses the TLB, or crosses a
// page, exits before it: the interpreter executes it through the slow path (which may fault,
// fill the TLB or invalidate decoded code), so a block never calls out and never throws.
import { TLB_MASK } from "./hart-mem.ts";

export interface Inst { pc: number; w: number; imm: number; next: number }

/** A trace from `start`; `fallPc` is where it falls off (null when it ends in a jump). */
export interface Trace { start: number; insts: Inst[]; fallPc: number | null }

/**
 * Operations a block may contain (opcodes.ts numbers): RV32I and M without the system ones, and
 * every F and D operation (80..131).
 */
export const TRANSLATED = new Set<number>([
  2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
  29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 49, 50, 51, 52, 53, 54, 55, 56,
  ...Array.from({ length: 52 }, (_, i) => 80 + i),
]);

/** F/D operations whose rd is an integer register (FCVT.W*, FMV.X.W, compares, FCLASS). */
const FP_INT_DEST = new Set([98, 99, 100, 101, 102, 103, 104, 124, 125, 126, 127, 128, 129]);
/** F/D operations whose rs1 is an integer register (loads and stores: the base; FCVT.*.W*, FMV.W.X). */
const FP_INT_SRC = new Set([80, 81, 82, 83, 105, 106, 107, 130, 131]);

/** The integer registers an operation reads and writes (rd = 32 is the sink). */
function intRegs(w: number): { reads: number[]; write: number | null } {
  const op = w & 0xff;
  const rd = (w >>> 8) & 63;
  const rs1 = (w >>> 16) & 63;
  const rs2 = w >>> 24;
  if (op >= 80) return { reads: FP_INT_SRC.has(op) ? [rs1] : [], write: FP_INT_DEST.has(op) ? rd : null };
  const write = (op < 6 || op > 11) && op !== 17 && op !== 18 && op !== 19 && op !== 39 ? rd : null;
  return { reads: [rs1, rs2], write };
}

/** The smallest normal double: a finite result at least this large raised no UF, OF, NV nor DZ. */
const MIN_NORMAL = 2.2250738585072014e-308;

const BRANCH_COND: Record<number, (a: string, b: string) => string> = {
  6: (a, b) => `${a} === ${b}`,
  7: (a, b) => `${a} !== ${b}`,
  8: (a, b) => `${a} < ${b}`,
  9: (a, b) => `${a} >= ${b}`,
  10: (a, b) => `(${a} >>> 0) < (${b} >>> 0)`,
  11: (a, b) => `(${a} >>> 0) >= (${b} >>> 0)`,
};

const reg = (r: number): string => (r === 0 ? "0" : `r${r}`);

/** The factory's body for a region of traces; `len` is the longest trace's length. */
export function generate(traces: Trace[], len: number): string {
  const used = new Set<number>();
  const written = new Set<number>();
  let sink = false;
  let fp = false;
  for (const t of traces) {
    for (const { w } of t.insts) {
      const { reads, write } = intRegs(w);
      if (write !== null) written.add(write);
      for (const r of reads) used.add(r);
      if ((w & 0xff) >= 80) fp = true;
    }
  }
  if (written.delete(32)) sink = true;
  for (const r of written) used.add(r);
  used.delete(0);
  used.delete(32);
  const inRegion = new Set(traces.map((t) => t.start));
  // Go to `pc` having retired `e` instructions of the current trace.
  const go = (pc: number | string, e: number): string =>
    typeof pc === "number" && inRegion.has(pc) ? `pc = ${pc}; e = ${e}; continue exit;`
    : typeof pc === "number" ? `pc = ${pc}; e = ${e}; break exit;`
    : `pc = ${pc}; e = ${e}; continue exit;`; // a computed target: the switch decides
  const out: string[] = [];
  // The first two calls run one trace each, so the epilogue has run (and V8 has its type
  // feedback) before V8 compiles a loop of the region while it runs (on-stack replacement): an
  // epilogue without feedback would deoptimise that code at every exit.
  out.push("let warm = 0;");
  out.push("return function block(h, x, rTag, rView, wTag, wView, left, pc) {");
  for (const r of used) out.push(`let r${r} = x[${r}];`);
  if (sink) out.push("let r32 = 0;");
  out.push("let a = 0, v = 0, t = 0, e = 0, n = 0;");
  if (fp) out.push("const f = h.f, fd = h.fd; let d = 0;");
  out.push(`if (warm < 2) { warm++; left = ${len}; }`);
  out.push("exit: for (;;) {");
  out.push("n += e; e = 0;");
  out.push(`if (left - n < ${len}) break exit;`);
  out.push("switch (pc) {");
  for (const t of traces) {
    out.push(`case ${t.start}: {`);
    traceBody(t, go, out);
    out.push("}");
  }
  out.push("default: break exit;");
  out.push("}");
  out.push("}");
  out.push([...written].map((r) => `x[${r}] = r${r};`).join(" "));
  out.push("h.blockN = n + e;");
  out.push("return pc;");
  out.push("};");
  return out.join("\n");
}

function traceBody(t: Trace, go: (pc: number | string, e: number) => string, out: string[]): void {
  const len = t.insts.length;
  t.insts.forEach((inst, k) => {
    const { w, imm, pc, next } = inst;
    const op = w & 0xff;
    const d = `r${(w >>> 8) & 63}`;
    const s1 = reg((w >>> 16) & 63);
    const s2 = reg(w >>> 24);
    // A miss exits before the instruction: break, even when pc starts a trace of the region.
    const miss = `pc = ${pc}; e = ${k}; break exit;`;
    const load = (fast: string, max: number): string =>
      `a = (${s1} + ${imm}) | 0; v = a >>> 12; t = v & ${TLB_MASK};` +
      ` if (rTag[t] === v${max < 0xfff ? ` && (a & 0xfff) <= ${max}` : ""}) ${d} = rView[t].${fast}; else { ${miss} }`;
    const store = (fast: string, max: number): string =>
      `a = (${s1} + ${imm}) | 0; v = a >>> 12; t = v & ${TLB_MASK};` +
      ` if (wTag[t] === v${max < 0xfff ? ` && (a & 0xfff) <= ${max}` : ""}) wView[t].${fast}; else { ${miss} }`;
    if (op >= 80) {
      out.push(fpOp(inst, k));
      return;
    }
    switch (op) {
      case 20: out.push(`${d} = (${s1} + ${imm}) | 0;`); break; // ADDI
      case 29: out.push(`${d} = (${s1} + ${s2}) | 0;`); break; // ADD
      case 30: out.push(`${d} = (${s1} - ${s2}) | 0;`); break; // SUB
      case 2: out.push(`${d} = ${imm};`); break; // LUI
      case 3: out.push(`${d} = ${(pc + imm) | 0};`); break; // AUIPC
      case 21: out.push(`${d} = ${s1} < ${imm} ? 1 : 0;`); break; // SLTI
      case 22: out.push(`${d} = (${s1} >>> 0) < ${imm >>> 0} ? 1 : 0;`); break; // SLTIU
      case 23: out.push(`${d} = ${s1} ^ ${imm};`); break; // XORI
      case 24: out.push(`${d} = ${s1} | ${imm};`); break; // ORI
      case 25: out.push(`${d} = ${s1} & ${imm};`); break; // ANDI
      case 26: out.push(`${d} = ${s1} << ${imm};`); break; // SLLI
      case 27: out.push(`${d} = (${s1} >>> ${imm}) | 0;`); break; // SRLI
      case 28: out.push(`${d} = ${s1} >> ${imm};`); break; // SRAI
      case 31: out.push(`${d} = ${s1} << ${s2};`); break; // SLL
      case 32: out.push(`${d} = ${s1} < ${s2} ? 1 : 0;`); break; // SLT
      case 33: out.push(`${d} = (${s1} >>> 0) < (${s2} >>> 0) ? 1 : 0;`); break; // SLTU
      case 34: out.push(`${d} = ${s1} ^ ${s2};`); break; // XOR
      case 35: out.push(`${d} = (${s1} >>> ${s2}) | 0;`); break; // SRL
      case 36: out.push(`${d} = ${s1} >> ${s2};`); break; // SRA
      case 37: out.push(`${d} = ${s1} | ${s2};`); break; // OR
      case 38: out.push(`${d} = ${s1} & ${s2};`); break; // AND
      case 39: break; // FENCE
      case 49: out.push(`${d} = Math.imul(${s1}, ${s2});`); break; // MUL
      case 50: out.push(`${d} = (mulhu(${s1} >>> 0, ${s2} >>> 0) - (${s1} < 0 ? ${s2} : 0) - (${s2} < 0 ? ${s1} : 0)) | 0;`); break;
      case 51: out.push(`${d} = (mulhu(${s1} >>> 0, ${s2} >>> 0) - (${s1} < 0 ? ${s2} : 0)) | 0;`); break; // MULHSU
      case 52: out.push(`${d} = mulhu(${s1} >>> 0, ${s2} >>> 0);`); break; // MULHU
      case 53: // DIV
        out.push(`${d} = ${s2} === 0 ? -1 : ${s1} === -0x80000000 && ${s2} === -1 ? ${s1} : (${s1} / ${s2}) | 0;`);
        break;
      case 54: out.push(`${d} = ${s2} === 0 ? -1 : (((${s1} >>> 0) / (${s2} >>> 0)) >>> 0) | 0;`); break; // DIVU
      case 55: out.push(`${d} = ${s2} === 0 ? ${s1} : ${s2} === -1 ? 0 : (${s1} % ${s2}) | 0;`); break; // REM
      case 56: out.push(`${d} = ${s2} === 0 ? ${s1} : ((${s1} >>> 0) % (${s2} >>> 0)) | 0;`); break; // REMU
      case 12: out.push(load("getInt8(a & 0xfff)", 0xfff)); break; // LB
      case 13: out.push(load("getInt16(a & 0xfff, true)", 0xffe)); break; // LH
      case 14: out.push(load("getInt32(a & 0xfff, true)", 0xffc)); break; // LW
      case 15: out.push(load("getUint8(a & 0xfff)", 0xfff)); break; // LBU
      case 16: out.push(load("getUint16(a & 0xfff, true)", 0xffe)); break; // LHU
      case 17: out.push(store(`setInt8(a & 0xfff, ${s2})`, 0xfff)); break; // SB
      case 18: out.push(store(`setInt16(a & 0xfff, ${s2}, true)`, 0xffe)); break; // SH
      case 19: out.push(store(`setInt32(a & 0xfff, ${s2}, true)`, 0xffc)); break; // SW
      case 4: // JAL: the trace goes on at the target, or, as its last instruction, jumps back to its start
        out.push(`${d} = ${next};`);
        if (k === len - 1 && t.fallPc === null) out.push(go(t.start, len));
        break;
      case 5: // JALR: the target is computed before rd is written (rd may be rs1)
        out.push(`a = (${s1} + ${imm}) & ~1; ${d} = ${next}; ${go("a", len)}`);
        break;
      default: { // a conditional branch (6..11)
        const cond = BRANCH_COND[op](s1, s2);
        out.push(`if (${cond}) { ${go((pc + imm) | 0, k + 1)} }`);
        if (k === len - 1 && t.fallPc === null) out.push(go(next, len)); // a loop's exit
      }
    }
  });
  if (t.fallPc !== null) out.push(go(t.fallPc, len));
}

/** JS expressions of the double operations JS rounds exactly as IEEE 754 RNE does. */
const FP_FAST: Record<number, (a: string, b: string) => string> = {
  112: (a, b) => `${a} + ${b}`, // FADD.D
  113: (a, b) => `${a} - ${b}`, // FSUB.D
  114: (a, b) => `${a} * ${b}`, // FMUL.D
  115: (a, b) => `${a} / ${b}`, // FDIV.D
  116: (a) => `Math.sqrt(${a})`, // FSQRT.D
};

/**
 * One F or D operation. FP registers stay in h.f / h.fd (bits, so NaN payloads survive).
 *
 * Loads and stores of 64 and 32 bits move the two words as the interpreter does (a miss exits).
 * FADD/FSUB/FMUL/FDIV/FSQRT.D in round-to-nearest-even take JS's result when fflags.NX is set
 * already and the result is finite and normal: JS rounds these exactly as IEEE 754 RNE does,
 * and such a result can raise no flag but NX, which is sticky. Everything else (the first
 * inexact result, zeros, subnormals, overflow, NaNs, other rounding modes, fused and single
 * operations, conversions, compares) calls the exact helper fpExec, writing back and reloading
 * the integer register it reads or writes; if fpExec finds the instruction illegal (a reserved
 * rounding mode), it changed nothing and the block exits before it for the interpreter to trap.
 */
function fpOp(inst: Inst, k: number): string {
  const { w, imm, pc } = inst;
  const op = w & 0xff;
  const rd = (w >>> 8) & 63;
  const rs1 = (w >>> 16) & 63;
  const rs2 = w >>> 24;
  const base = reg(rs1);
  const miss = `pc = ${pc}; e = ${k}; break exit;`;
  const addr = (tag: string, max: number): string =>
    `a = (${base} + ${imm}) | 0; v = a >>> 12; t = v & ${TLB_MASK}; if (${tag}[t] === v && (a & 0xfff) <= ${max})`;
  switch (op) {
    case 80: // FLW: NaN-boxed
      return `${addr("rTag", 0xffc)} { f[${2 * rd}] = rView[t].getUint32(a & 0xfff, true); f[${2 * rd + 1}] = 0xffffffff; } else { ${miss} }`;
    case 81: // FSW
      return `${addr("wTag", 0xffc)} wView[t].setUint32(a & 0xfff, f[${2 * rs2}], true); else { ${miss} }`;
    case 82: // FLD
      return `${addr("rTag", 0xff8)} { f[${2 * rd}] = rView[t].getUint32(a & 0xfff, true); f[${2 * rd + 1}] = rView[t].getUint32((a & 0xfff) + 4, true); } else { ${miss} }`;
    case 83: // FSD
      return `${addr("wTag", 0xff8)} { wView[t].setUint32(a & 0xfff, f[${2 * rs2}], true); wView[t].setUint32((a & 0xfff) + 4, f[${2 * rs2 + 1}], true); } else { ${miss} }`;
    default:
  }
  const before = FP_INT_SRC.has(op) && rs1 !== 0 ? `x[${rs1}] = r${rs1}; ` : "";
  const after = FP_INT_DEST.has(op) ? ` r${rd} = x[${rd}];` : "";
  const exact = `${before}if (!fpExec(h, ${op}, ${rd}, ${rs1}, ${rs2}, ${imm})) { ${miss} }${after}`;
  const fast = FP_FAST[op];
  const rm = imm & 7;
  if (fast === undefined || (rm !== 0 && rm !== 7)) return exact;
  const mode = rm === 7 ? " && h.frm === 0" : "";
  return `d = ${fast(`fd[${rs1}]`, `fd[${rs2}]`)};` +
    ` if ((h.fflags & 1) !== 0${mode} && Math.abs(d) >= ${MIN_NORMAL} && d - d === 0) fd[${rd}] = d; else { ${exact} }`;
}
