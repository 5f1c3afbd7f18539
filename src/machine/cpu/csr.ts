// Zicsr in user mode: the FP control and status registers, and the read-only counters.
// Everything else is an illegal instruction, as a U-mode access to a privileged or
// unimplemented CSR is on real hardware.
import type { Hart } from "./hart.ts";

/** Virtual cycles per tick of the `time` CSR: a 1 GHz nominal clock and Linux's 10 MHz riscv timebase. */
export const CYCLES_PER_TIME_TICK = 100;

export const CSR_FFLAGS = 0x001;
export const CSR_FRM = 0x002;
export const CSR_FCSR = 0x003;
export const CSR_CYCLE = 0xc00;
export const CSR_TIME = 0xc01;
export const CSR_INSTRET = 0xc02;
export const CSR_CYCLEH = 0xc80;
export const CSR_TIMEH = 0xc81;
export const CSR_INSTRETH = 0xc82;

// Opcode numbers from opcodes.ts (CSRRW 43 .. CSRRCI 48).
const CSRRW = 43;
const CSRRWI = 46;

/** 64-bit counter value split: low word and high word. */
function lo32(v: number): number {
  return v % 0x100000000 | 0;
}
function hi32(v: number): number {
  return Math.floor(v / 0x100000000) | 0;
}

function readCsr(h: Hart, csr: number, n: number): number | undefined {
  switch (csr) {
    case CSR_FFLAGS: return h.fflags;
    case CSR_FRM: return h.frm;
    case CSR_FCSR: return h.fcsr;
    case CSR_CYCLE: return lo32(h.cycles + n);
    case CSR_CYCLEH: return hi32(h.cycles + n);
    case CSR_TIME: return lo32(Math.floor((h.cycles + n) / CYCLES_PER_TIME_TICK));
    case CSR_TIMEH: return hi32(Math.floor((h.cycles + n) / CYCLES_PER_TIME_TICK));
    case CSR_INSTRET: return lo32(h.instret + n);
    case CSR_INSTRETH: return hi32(h.instret + n);
    default: return undefined;
  }
}

/**
 * Execute a CSR instruction. `src` is the rs1 register number (or the 5-bit zimm for the *I
 * forms); n is the count of instructions the current run() has retired, which the counters
 * include. Returns false for an illegal access (unknown CSR, or a write to a read-only one).
 */
export function csrAccess(h: Hart, op: number, rd: number, src: number, csr: number, n: number): boolean {
  const old = readCsr(h, csr, n);
  if (old === undefined) return false;
  const imm = op >= CSRRWI;
  const value = imm ? src : h.x[src];
  const kind = (op - CSRRW) % 3; // 0 write, 1 set, 2 clear
  // CSRRS/CSRRC with x0 (or zimm 0) do not write, so they may read the read-only counters.
  const writes = kind === 0 || src !== 0;
  if (writes) {
    if (csr >= CSR_CYCLE) return false;
    const nv = kind === 0 ? value : kind === 1 ? old | value : old & ~value;
    if (csr === CSR_FFLAGS) h.fflags = nv & 31;
    else if (csr === CSR_FRM) h.frm = nv & 7;
    else h.fcsr = nv & 0xff;
  }
  h.x[rd] = old;
  return true;
}
