// The translating hart's translator: the hot code around a guest pc, read from a decoded code
// page (decode.ts), becomes one JavaScript function (`new Function`, source in translate-gen.ts),
// which V8 then compiles to machine code like any other hot function.
//
// A translation ("block") is a region of up to MAX_SEGMENTS traces of one page. A trace follows
// the code from a start pc: a conditional branch in it is a side exit, a jal continues at its
// target. A jump from one trace to the start of a trace of the same region stays inside the
// function (direct chaining: no return to the dispatcher, registers stay in JS locals), as long
// as the budget left covers the longest trace; any other exit returns the next pc to the
// dispatcher. The region holds the trace at the start pc and the traces at the in-page targets
// of its exits the interpreter has already jumped to (their heat), so a loop with an if/else,
// or a loop nest, runs as one function.
//
// Why it is faster than the interpreter's switch: inside a trace every pc is a constant, each
// operation is specialised to its registers and immediate, guest registers live in JS locals
// (loaded on entry, written back on exit), and the budget is checked once per trace.
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
import { fpExec } from "./fpu-exec.ts";
import { mulhu } from "./mulhu.ts";
import { generate, TRANSLATED, type Trace } from "./translate-gen.ts";

/**
 * A block function, called with the pc to start at (one of the block's starts). Returns the next pc (as a signed 32-bit value, like the interpreter's), and
 * sets h.blockN to the number of instructions it retired (0 when its first load or store missed
 * the TLB). `left` is the caller's budget left, at least `len`: the function starts a trace only
 * while at least `len` instructions are left, so every trace it starts runs to its end or exit.
 */
export type BlockFn = (
  h: object, x: Int32Array, rTag: Int32Array, rView: DataView[], wTag: Int32Array, wView: DataView[], left: number,
  pc: number,
) => number;

export interface Block {
  /** Instructions in the longest trace. */
  readonly len: number;
  /** The start pcs of its traces: the function may be called at any of them. */
  readonly starts: readonly number[];
  readonly fn: BlockFn;
}

/** The blocks of one decoded page, by slot/2: undefined = not translated yet, null = untranslatable start. */
export class PageBlocks {
  readonly fns: (Block | null | undefined)[] = new Array<Block | null | undefined>(2048).fill(undefined);
  /** Executions of each start slot by the interpreter, until it is translated. */
  readonly heat = new Uint16Array(2048);
  /**
   * Executions each start slot needs before Hart.heat() looks at it: translator.hot at first,
   * then, once its trace's length is known (`sized`), enough for translator.work instructions.
   */
  readonly need = new Uint16Array(2048).fill(translator.hot);
  readonly sized = new Uint8Array(2048);
}

/** Instructions in one trace at most. */
export const MAX_BLOCK = 128;
/**
 * Traces in one translation, and their instructions, at most. V8 compiles a big function late
 * and runs it slowly until then: with 8 traces and 384 instructions a cold 20 M-instruction run
 * was slower than with single traces; with 4 and 128 it is not, and warm runs gain 40-60%.
 */
const MAX_SEGMENTS = 4;
const MAX_REGION = 128;

/**
 * The switch: CPTBENCH_JIT=0 keeps the interpreter alone (tests flip `enabled` directly).
 * `hot`: interpreted executions of a block start before it is looked at (1..65535).
 * `work`: instructions its trace must have run in the interpreter before it is translated
 * (executions × the trace's length), since a translation is dear: V8 spends 5-20 ms of CPU
 * compiling one region. A short program with a flat profile (awk-report: 926 regions for 19 M
 * instructions) ran 4× slower translated at the first 16 executions than interpreted, and the
 * matrix 1.45× slower; with 100,000 instructions of work it translates only code hot enough to
 * repay that, and a program made of a few hot loops (intbench) loses under 5% of its gain.
 * CPTBENCH_JIT_HOT=1 translates everything at once, which is how the hart's unit tests exercise
 * the translator. `minLen`: a block that does not loop and holds fewer instructions is left to
 * the interpreter, which runs it as fast without a call (FP code, whose F/D operations end
 * blocks, would otherwise pay a call per two instructions).
 */
export const translator = {
  enabled: process.env.CPTBENCH_JIT !== "0",
  hot: Math.min(0xffff, Math.max(1, Number(process.env.CPTBENCH_JIT_HOT ?? "16") || 16)),
  minLen: process.env.CPTBENCH_JIT_HOT === "1" ? 1 : 8,
  work: process.env.CPTBENCH_JIT_HOT === "1" ? 0 : Math.max(0, Number(process.env.CPTBENCH_JIT_WORK ?? "100000") || 0),
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

/** Instructions in the trace from pc (0 when its first instruction is not one a block may hold). */
export function traceLength(code: Int32Array, pc: number, decode: (s: number, pc: number) => number): number {
  return traceFrom(code, pc, decode, new Set())?.insts.length ?? 0;
}

/**
 * The trace from pc, or null when its first instruction is not one a block may hold. It stops
 * before a pc in `others` (the starts of the region's traces so far).
 */
function traceFrom(
  code: Int32Array, pc: number, decode: (s: number, pc: number) => number, others: Set<number>,
): Trace | null {
  const insts: Trace["insts"] = [];
  const start = pc | 0;
  const seen = new Set<number>();
  let p = start;
  let fallPc: number | null = null;
  for (;;) {
    // At the start of another trace of the region, jump there rather than copy it.
    if (insts.length >= MAX_BLOCK || (p & 0xfff) === 0xffe || p >>> 12 !== start >>> 12 || seen.has(p)
      || (p !== start && others.has(p))) {
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
  return insts.length === 0 ? null : { start, insts, fallPc };
}

/** The pcs a trace may leave to, known before it runs (side exits, loop exits, the fall-through). */
function exitsOf(t: Trace): number[] {
  const out: number[] = [];
  t.insts.forEach(({ w, pc, imm, next }, k) => {
    const op = w & 0xff;
    if (op >= 6 && op <= 11) {
      out.push((pc + imm) | 0);
      if (k === t.insts.length - 1) out.push(next);
    }
  });
  if (t.fallPc !== null) out.push(t.fallPc);
  return out;
}

/**
 * Translate the code at address pc of a decoded page into a block (see the top of the file).
 * `decode` fills a slot not decoded yet; `heat` (by slot/2) tells which other pcs of the page
 * the interpreter has jumped to. Returns null when the first instruction is not one a block may
 * hold, or when the code is a short straight run the interpreter does as fast without a call.
 */
export function translateBlock(
  code: Int32Array, pc: number, decode: (s: number, pc: number) => number, heat?: Uint16Array,
): Block | null {
  const starts = new Set<number>();
  const first = traceFrom(code, pc, decode, starts);
  if (first === null) return null;
  const lastOp = first.insts[first.insts.length - 1].w & 0xff;
  if ((first.fallPc !== null || lastOp === 5) && first.insts.length < translator.minLen) return null;
  const traces = [first];
  starts.add(first.start);
  let total = first.insts.length;
  for (let i = 0; i < traces.length && traces.length < MAX_SEGMENTS; i++) {
    for (const target of exitsOf(traces[i])) {
      if (starts.has(target) || target >>> 12 !== first.start >>> 12 || traces.length >= MAX_SEGMENTS) continue;
      if (heat === undefined || heat[(target & 0xffe) >> 1] === 0) continue;
      const t = traceFrom(code, target, decode, starts);
      if (t === null || total + t.insts.length > MAX_REGION) continue;
      traces.push(t);
      starts.add(target);
      total += t.insts.length;
    }
  }
  const len = Math.max(...traces.map((t) => t.insts.length));
  return { len, starts: [...starts], fn: compile(generate(traces, len)) };
}

/**
 * Block functions by source. A block's function holds no state of its own (the page, the hart
 * and the registers are arguments), so the same code anywhere (a page decoded again after a
 * store, another process running the same program, the next test) reuses one function, with
 * its compiled code and V8's type feedback, instead of compiling it again.
 */
const compiled = new Map<string, BlockFn>();
const MAX_COMPILED = 4096;

function compile(body: string): BlockFn {
  let fn = compiled.get(body);
  if (fn === undefined) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    fn = new Function("mulhu", "fpExec", body)(mulhu, fpExec) as BlockFn;
    compiled.set(body, fn);
  }
  return fn;
}
