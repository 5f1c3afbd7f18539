// A bare hart over a hand-built address space, for per-instruction tests.
//
// Layout (all page aligned):
//   CODE_BASE  0x00010000  code, PROT_READ|PROT_EXEC (or opts.codeProt), codePages long
//   DATA_BASE  0x00020000  data, PROT_READ|PROT_WRITE, DATA_PAGES long
//   RO_BASE    0x00030000  one read-only page (PROT_READ), filled with RO_FILL bytes
//   NX_BASE    0x00031000  one RW page that is not executable
//   STACK      [STACK_TOP - STACK_PAGES pages, STACK_TOP), RW, VM_GROWSDOWN; sp = STACK_TOP - 16
// Everything else is unmapped (0x40000 is a handy unmapped address).
import { FrameAllocator, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../../src/machine/mm/frame.ts";
import { ACCESS_WRITE, Mm } from "../../src/machine/mm/mm.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE, VM_GROWSDOWN } from "../../src/machine/mm/vma.ts";
import { Hart } from "../../src/machine/cpu/hart.ts";
import {
  TRAP_BUDGET, TRAP_EBREAK, TRAP_ECALL, TRAP_FETCH_FAULT, TRAP_ILLEGAL, TRAP_LOAD_FAULT, TRAP_MISALIGNED,
  TRAP_STORE_FAULT,
} from "../../src/machine/cpu/hart-mem.ts";
import { assemble } from "./encode.ts";

export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x20000;
export const DATA_PAGES = 4;
export const RO_BASE = 0x30000;
export const RO_FILL = 0x5a;
export const NX_BASE = 0x31000;
export const UNMAPPED = 0x40000;
export const STACK_TOP = 0x7fff0000;
export const STACK_PAGES = 2;

export interface MakeHartOptions {
  /** Protection of the code VMA (default PROT_READ|PROT_EXEC). */
  codeProt?: number;
  /** Size of the code VMA in pages (default: enough for the program at codeOffset). */
  codePages?: number;
  /** Where in the code VMA the program starts (default 0); pc starts there. */
  codeOffset?: number;
  /** Initial integer registers (index -> value). */
  regs?: Record<number, number>;
  /** Bytes copied to DATA_BASE. */
  data?: Uint8Array;
  /** Frame limit of the allocator (default 256). */
  memoryPages?: number;
}

export interface TestHart {
  h: Hart;
  mm: Mm;
  frames: FrameAllocator;
  /** Address of the first program byte (the initial pc). */
  entry: number;
}

/** Write bytes into user memory ignoring VMA protections, as the ELF loader does. */
export function writeKernel(mm: Mm, addr: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) {
    const a = (addr + done) >>> 0;
    const vma = mm.findVma(a);
    if (vma === undefined) throw new Error(`writeKernel: no mapping at 0x${a.toString(16)}`);
    const saved = vma.prot;
    vma.prot |= PROT_WRITE;
    const view = mm.translate(a >>> PAGE_SHIFT, ACCESS_WRITE);
    vma.prot = saved;
    if (view === null) throw new Error("writeKernel: out of memory");
    const off = a & PAGE_MASK;
    const n = Math.min(PAGE_SIZE - off, data.length - done);
    new Uint8Array(view.buffer, view.byteOffset + off, n).set(data.subarray(done, done + n));
    done += n;
  }
}

/** Read len bytes of user memory ignoring protections (test-side inspection). */
export function peek(mm: Mm, addr: number, len: number): Uint8Array {
  const out = mm.copyIn(addr, len);
  if (out === null) throw new Error(`peek: 0x${addr.toString(16)} not readable`);
  return out;
}

export function peekU32(mm: Mm, addr: number): number {
  const b = peek(mm, addr, 4);
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}

export function pokeU32(mm: Mm, addr: number, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  writeKernel(mm, addr, b);
}

export function makeHart(program: number[] | Uint8Array, opts: MakeHartOptions = {}): TestHart {
  const bytes = program instanceof Uint8Array ? program : assemble(program);
  const codeOffset = opts.codeOffset ?? 0;
  const codePages = opts.codePages ?? Math.max(1, Math.ceil((codeOffset + bytes.length) / PAGE_SIZE));
  const frames = new FrameAllocator(opts.memoryPages ?? 256);
  const mm = new Mm(frames);
  mm.mapRegion(CODE_BASE, codePages * PAGE_SIZE, opts.codeProt ?? (PROT_READ | PROT_EXEC), 0, "elf");
  mm.mapRegion(DATA_BASE, DATA_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, 0, "anon");
  mm.mapRegion(RO_BASE, PAGE_SIZE, PROT_READ, 0, "anon");
  mm.mapRegion(NX_BASE, PAGE_SIZE, PROT_READ | PROT_WRITE, 0, "anon");
  mm.mapRegion(STACK_TOP - STACK_PAGES * PAGE_SIZE, STACK_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, VM_GROWSDOWN, "stack");
  const entry = CODE_BASE + codeOffset;
  writeKernel(mm, entry, bytes);
  writeKernel(mm, RO_BASE, new Uint8Array(PAGE_SIZE).fill(RO_FILL));
  if (opts.data) writeKernel(mm, DATA_BASE, opts.data);
  const h = new Hart(mm);
  h.pc = entry;
  h.x[2] = STACK_TOP - 16;
  for (const [r, v] of Object.entries(opts.regs ?? {})) h.x[Number(r)] = v;
  return { h, mm, frames, entry };
}

/** Run with an instruction budget; returns the TRAP_* cause (TRAP_BUDGET if the budget ran out first). */
export function runUntilTrap(h: Hart, budget = 100_000): number {
  return h.run(budget);
}

/** x[r] as an unsigned number. */
export const xu = (h: Hart, r: number): number => h.x[r] >>> 0;

export interface RunResult extends TestHart {
  cause: number;
  /** Address of the ecall appended to the program. */
  endPc: number;
}

/**
 * Build a hart for `program` followed by one ecall, run it, and return the hart and the cause.
 * The caller checks `cause` (normally TRAP_ECALL, with pc at endPc).
 */
export function runProgram(program: number[] | Uint8Array, opts: MakeHartOptions = {}, budget = 100_000): RunResult {
  const body = program instanceof Uint8Array ? program : assemble(program);
  const bytes = new Uint8Array(body.length + 4);
  bytes.set(body);
  bytes.set(assemble([0x00000073]), body.length); // ecall
  const t = makeHart(bytes, opts);
  const cause = runUntilTrap(t.h, budget);
  return { ...t, cause, endPc: t.entry + body.length };
}

const TRAP_NAMES: Record<number, string> = {
  [TRAP_BUDGET]: "TRAP_BUDGET", [TRAP_ECALL]: "TRAP_ECALL", [TRAP_ILLEGAL]: "TRAP_ILLEGAL",
  [TRAP_FETCH_FAULT]: "TRAP_FETCH_FAULT", [TRAP_LOAD_FAULT]: "TRAP_LOAD_FAULT",
  [TRAP_STORE_FAULT]: "TRAP_STORE_FAULT", [TRAP_EBREAK]: "TRAP_EBREAK", [TRAP_MISALIGNED]: "TRAP_MISALIGNED",
};

export const trapName = (cause: number): string => TRAP_NAMES[cause] ?? `trap ${cause}`;

/**
 * runProgram, and insist that it reached the appended ecall. On anything else, throw with the
 * cause, pc and (for an illegal instruction) the bits, which makes a failing test readable.
 */
export function runOk(program: number[] | Uint8Array, opts: MakeHartOptions = {}, budget = 100_000): RunResult {
  const r = runProgram(program, opts, budget);
  if (r.cause !== TRAP_ECALL || r.h.pc !== r.endPc) {
    const extra = r.cause === TRAP_ILLEGAL ? ` inst 0x${(r.h.trapInst >>> 0).toString(16)}` : "";
    throw new Error(
      `expected TRAP_ECALL at 0x${r.endPc.toString(16)}, got ${trapName(r.cause)} at 0x${r.h.pc.toString(16)}${extra}`,
    );
  }
  return r;
}
