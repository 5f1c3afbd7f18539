// The translating hart's code generator: a guest basic block, read from a decoded code page
// (decode.ts), becomes one JavaScript function (`new Function`), which V8 then compiles to
// machine code like any other hot function.
//
// Why it is faster than the interpreter's switch: inside a block every pc is a constant, each
// operation is specialised to its registers and immediate, guest registers live in JS locals
// (loaded on entry, written back on exit), and the budget is checked once per block. A block
// whose last instruction branches back to its own start loops inside the function, as long as
// the budget allows another whole pass.
//
// What stays exact: a block ends before any instruction it does not translate (F/D, atomics,
// CSRs, ecall, ebreak, FENCE.I, illegal) and at the page end, so the interpreter executes those,
// and it runs only when the budget left covers it entirely (the caller checks), so slices,
// timers and signals land on the same instruction as with the interpreter. A load or store that
// misses the TLB ends the block before it, and the interpreter executes it: a fault, a filled
// TLB entry or a store that dirties decoded code then happen exactly as without blocks. (Pages
// with decoded code are never in the write TLB, so a store to code always leaves the block.)
//
// Blocks are cached per decoded page (the Int32Array in mm.icache), in a WeakMap: whatever
// drops a decoded page (a store to it, FENCE.I, munmap, mprotect, execve) drops its blocks too.
// No block contains the slot at 0xffe, the one slot the mm invalidates alone.
import { TLB_MASK } from "./hart-mem.ts";
import { mulhu } from "./mulhu.ts";

/**
 * A block function. Returns the next pc (as a signed 32-bit value, like the interpreter's), and
 * sets h.blockN to the number of instructions it retired (0 when its first load or store missed
 * the TLB). `left` is the caller's budget left
 * (at least one pass): a self-looping block makes only as many passes as fit in it.
 */
export type BlockFn = (
  h: object, x: Int32Array, rTag: Int32Array, rView: DataView[], wTag: Int32Array, wView: DataView[], left: number,
) => number;

export interface Block {
  /** Instructions in one pass. */
  readonly len: number;
  readonly fn: BlockFn;
}

/** The blocks of one decoded page, by slot/2: undefined = not translated yet, null = untranslatable start. */
export class PageBlocks {
  readonly fns: (Block | null | undefined)[] = new Array<Block | null | undefined>(2048).fill(undefined);
  /** Executions of each start slot by the interpreter, until it is translated. */
  readonly heat = new Uint8Array(2048);
}

export const MAX_BLOCK = 128;

/**
 * The switch: CPTBENCH_JIT=0 keeps the interpreter alone (tests flip `enabled` directly).
 * `hot`: interpreted executions of a block start before it is translated (1..255), since
 * compiling cold code costs more than it saves; CPTBENCH_JIT_HOT=1 translates everything, which
 * is how the hart's unit tests exercise the translator. `minLen`: a block that does not loop
 * and holds fewer instructions is left to the interpreter, which runs it as fast without a call
 * (FP code, whose F/D operations end blocks, would otherwise pay a call per two instructions).
 */
export const translator = {
  enabled: process.env.CPTBENCH_JIT !== "0",
  hot: Math.min(255, Math.max(1, Number(process.env.CPTBENCH_JIT_HOT ?? "16") || 16)),
  minLen: process.env.CPTBENCH_JIT_HOT === "1" ? 1 : 8,
};

const pages = new WeakMap<Int32Array, PageBlocks>();

export function blocksOf(code: Int32Array): PageBlocks {
  let pb = pages.get(code);
  if (pb === undefined) {
    pb = new PageBlocks();
    pages.set(code, pb);
  }
  return pb;
}

/** Operations a block may contain (opcodes.ts numbers): RV32I and M, without system ones. */
const TRANSLATED = new Set<number>([
  2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
  29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 49, 50, 51, 52, 53, 54, 55, 56,
]);
const BRANCH_COND: Record<number, (a: string, b: string) => string> = {
  6: (a, b) => `${a} === ${b}`,
  7: (a, b) => `${a} !== ${b}`,
  8: (a, b) => `${a} < ${b}`,
  9: (a, b) => `${a} >= ${b}`,
  10: (a, b) => `(${a} >>> 0) < (${b} >>> 0)`,
  11: (a, b) => `(${a} >>> 0) >= (${b} >>> 0)`,
};

interface Inst { pc: number; w: number; imm: number; next: number }

/**
 * Translate the block starting at address pc of a decoded page. `decode` fills a slot not
 * decoded yet. Returns null when the first instruction is not one a block may hold.
 *
 * A block is a trace through one page: a conditional branch in it is a side exit (taken: leave
 * the block; not taken: go on), a jal continues at its target, and the trace ends at a jalr, at
 * a branch or jal back to its start (then it loops), at an instruction it does not translate, at
 * the page's end, at a pc it already holds, or at MAX_BLOCK instructions.
 */
export function translateBlock(code: Int32Array, pc: number, decode: (s: number, pc: number) => number): Block | null {
  const insts: Inst[] = [];
  const start = pc | 0;
  const seen = new Set<number>();
  let p = start;
  let fallPc: number | null = null;
  for (;;) {
    if (insts.length >= MAX_BLOCK || (p & 0xfff) === 0xffe || p >>> 12 !== start >>> 12 || seen.has(p)) {
      fallPc = p;
      break;
    }
    const s = p & 0xffe;
    let w = code[s];
    if (w === 0) {
      try {
        w = decode(s, p);
      } catch {
        fallPc = p; // leave the fault to the interpreter
        break;
      }
    }
    const op = w & 0xff;
    if (!TRANSLATED.has(op)) {
      fallPc = p;
      break;
    }
    seen.add(p);
    const imm = code[s + 1];
    const next = (p + 4 - ((w >>> 13) & 2)) | 0;
    insts.push({ pc: p, w, imm, next });
    if (op === 5) break; // JALR
    if (op >= 4 && op <= 11) {
      const target = (p + imm) | 0;
      if (target === start) break; // a loop
      p = op === 4 ? target : next;
    } else {
      p = next;
    }
  }
  if (insts.length === 0 || (fallPc !== null || (insts[insts.length - 1].w & 0xff) === 5) && insts.length < translator.minLen) {
    return null;
  }
  return { len: insts.length, fn: compile(generate(insts, fallPc, start)) };
}

/**
 * Block functions by source. A block's function holds no state of its own (the page, the hart
 * and the registers are arguments), so the same code anywhere (a page decoded again after a
 * store, another process running the same program, the next test) reuses one function, already
 * compiled, with V8's type feedback: `new Function` costs about as much as the block's first
 * thousand passes in V8's interpreter.
 */
const compiled = new Map<string, BlockFn>();
const MAX_COMPILED = 4096;

function compile(body: string): BlockFn {
  let fn = compiled.get(body);
  if (fn === undefined) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    fn = new Function("mulhu", body)(mulhu) as BlockFn;
    compiled.set(body, fn);
  }
  return fn;
}

const reg = (r: number): string => (r === 0 ? "0" : `r${r}`);

/**
 * The function body (a factory returning the block function) for a list of instructions.
 *
 * Every exit leaves through one epilogue (`break exit`, with the next pc and the count retired in
 * the current pass in locals), which writes back all the registers the block writes: V8 then
 * learns the write-backs' types on the first exit, and an exit taken for the first time after
 * V8 optimised the block costs no deoptimisation. A load or store that misses the TLB, or
 * crosses a page, exits before it: the interpreter executes it through the slow path (which may
 * fault, fill the TLB or invalidate decoded code), so a block never calls out and never throws.
 */
function generate(insts: Inst[], fallPc: number | null, startPc: number): string {
  const used = new Set<number>();
  const written = new Set<number>();
  for (const { w } of insts) {
    const op = w & 0xff;
    const rd = (w >>> 8) & 63;
    const rs1 = (w >>> 16) & 63;
    const rs2 = w >>> 24;
    if (op < 6 || op > 11) {
      if (op !== 17 && op !== 18 && op !== 19 && op !== 39) written.add(rd);
    }
    used.add(rs1).add(rs2);
  }
  written.delete(32);
  for (const r of written) used.add(r);
  used.delete(0);
  const len = insts.length;
  const lastOp = insts[len - 1].w & 0xff;
  // A branch or jal back to the start: loop inside the function while the budget allows.
  const selfLoop = fallPc === null && lastOp !== 5;
  const exit = (pc: number | string, e: number): string => `pc = ${pc}; e = ${e}; break exit;`;
  const out: string[] = [];
  // A self-loop's first calls make one pass each, so the epilogue has run (and V8 has its type
  // feedback) before V8 compiles the loop while it runs (on-stack replacement): an epilogue
  // without feedback would deoptimise that code at every exit.
  if (selfLoop) out.push("let warm = 0;");
  out.push("return function block(h, x, rTag, rView, wTag, wView, left) {");
  for (const r of used) out.push(`let r${r} = x[${r}];`);
  if (insts.some(({ w }) => ((w >>> 8) & 63) === 32)) out.push("let r32 = 0;");
  out.push("let a = 0, v = 0, t = 0, pc = 0, e = 0;");
  if (selfLoop) out.push(`const maxIter = warm < 2 ? (warm++, 1) : Math.floor(left / ${len}); let it = 1;`);
  out.push(selfLoop ? "exit: for (;; it++) {" : "exit: {");
  insts.forEach((inst, k) => {
    const { w, imm, pc, next } = inst;
    const op = w & 0xff;
    const d = `r${(w >>> 8) & 63}`;
    const s1 = reg((w >>> 16) & 63);
    const s2 = reg(w >>> 24);
    const miss = exit(pc, k);
    const load = (fast: string, max: number): string =>
      `a = (${s1} + ${imm}) | 0; v = a >>> 12; t = v & ${TLB_MASK};` +
      ` if (rTag[t] === v${max < 0xfff ? ` && (a & 0xfff) <= ${max}` : ""}) ${d} = rView[t].${fast}; else { ${miss} }`;
    const store = (fast: string, max: number): string =>
      `a = (${s1} + ${imm}) | 0; v = a >>> 12; t = v & ${TLB_MASK};` +
      ` if (wTag[t] === v${max < 0xfff ? ` && (a & 0xfff) <= ${max}` : ""}) wView[t].${fast}; else { ${miss} }`;
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
      case 4: // JAL: the trace goes on at the target, or loops
        out.push(`${d} = ${next};`);
        if (selfLoop && k === len - 1) out.push(`if (it < maxIter) continue; ${exit(startPc, len)}`);
        break;
      case 5: // JALR: the target is computed before rd is written (rd may be rs1)
        out.push(`a = (${s1} + ${imm}) & ~1; ${d} = ${next}; ${exit("a", len)}`);
        break;
      default: { // a conditional branch (6..11)
        const cond = BRANCH_COND[op](s1, s2);
        if (selfLoop && k === len - 1) {
          out.push(`if (${cond}) { if (it < maxIter) continue; ${exit(startPc, len)} }`);
          out.push(exit(next, len));
        } else { // a side exit
          out.push(`if (${cond}) { ${exit((pc + imm) | 0, k + 1)} }`);
        }
      }
    }
  });
  if (fallPc !== null) out.push(exit(fallPc, len));
  out.push("}");
  out.push([...written].map((r) => `x[${r}] = r${r};`).join(" "));
  out.push(`h.blockN = ${selfLoop ? `(it - 1) * ${len} + ` : ""}e;`);
  out.push("return pc;");
  out.push("};");
  return out.join("\n");
}
