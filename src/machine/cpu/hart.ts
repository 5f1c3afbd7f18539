// The RV32GC user-mode hart: registers and the execute loop.
//
// This is the one hot file. interp() executes pre-decoded slots (decode.ts) from per-page
// caches, with loads and stores inlined as a TLB hit plus a call to the slow path (hart-mem.ts)
// on a miss. The switch cases are literal numbers so V8 builds a jump table; the names are in
// the comments and in opcodes.ts. Nothing in the loop allocates. With the translator on, run()
// goes through dispatch(), which runs translated blocks (translate.ts) and calls interp() for
// the rest.
//
// Control leaves run() on ecall, ebreak, an illegal instruction, a fault, or when the
// instruction budget is spent. pc then points at the instruction concerned (ecall included:
// the kernel advances it, or leaves it there to restart the call).
import type { Mm } from "../mm/mm.ts";
import type { FpContext } from "./fp-state.ts";
import { newRegisterFiles } from "./fp-state.ts";
import { fpExec } from "./fpu-exec.ts";
import {
  HartMemory, MemFault, TLB_MASK, TRAP_BUDGET, TRAP_EBREAK, TRAP_ECALL, TRAP_FETCH_FAULT, TRAP_ILLEGAL,
} from "./hart-mem.ts";
import { csrAccess } from "./csr.ts";
import { primeHart } from "./warmup.ts";
import { blocksOf, MAX_BLOCK, traceLength, translateBlock, translator, type Block, type PageBlocks } from "./translate.ts";
import { mulhu } from "./mulhu.ts";

const EMPTY_CODE = new Int32Array(4096);
const EMPTY_BLOCKS: (Block | null | undefined)[] = [];
/** interp()'s answer to dispatch(): stopped at the start of a translated block. */
const TRAP_AT_BLOCK = -1;

export class Hart extends HartMemory implements FpContext {
  /** x0..x31; x[32] is the sink decoded rd=0 writes land in, so x[0] stays 0. */
  readonly x: Int32Array;
  readonly f: Uint32Array;
  readonly fd: Float64Array;
  /** Unsigned program counter. */
  pc = 0;
  fflags = 0;
  frm = 0;
  /** Instructions retired. */
  instret = 0;
  /** Virtual cycles: instructions plus whatever the kernel charges this hart for its own work. */
  cycles = 0;
  /** Address reserved by the last LR.W, or -1. */
  reservation = -1;
  /** After TRAP_ILLEGAL: the instruction bits. After a fault: see lastFault. */
  trapInst = 0;
  lastFault: MemFault | null = null;
  /** Set by a translated block (translate.ts): instructions it retired. */
  blockN = 0;

  constructor(mm: Mm) {
    super(mm);
    const regs = newRegisterFiles();
    this.x = regs.x;
    this.f = regs.f;
    this.fd = regs.fd;
    primeHart((m) => new Hart(m));
  }

  get fcsr(): number {
    return (this.frm << 5) | this.fflags;
  }

  set fcsr(v: number) {
    this.fflags = v & 31;
    this.frm = (v >>> 5) & 7;
  }

  /**
   * Execute at most `budget` instructions. Returns a TRAP_* cause. `resume`: this goes on with a
   * stretch the previous call cut at its budget, with no trip through the kernel in between, so
   * the LR reservation stays.
   */
  run(budget: number, resume = false): number {
    this.syncTlb();
    // Linux clears the LR reservation on every return to user mode (an SC after a trap fails).
    if (!resume) this.reservation = -1;
    return translator.enabled ? this.dispatch(budget) : this.interp(budget, false, false);
  }

  /**
   * The translating hart's loop: run translated blocks (translate.ts) while the budget covers
   * them entirely, so a slice ends on the same instruction as with the interpreter alone, and
   * hand everything else to interp(), which comes back at the next pc a block starts at. Kept
   * apart from interp's big switch so V8 optimises this small loop in a few milliseconds.
   */
  private dispatch(budget: number): number {
    const x = this.x;
    const rTag = this.rTag;
    const rView = this.rView;
    const wTag = this.wTag;
    const wView = this.wView;
    const icache = this.mm.icache;
    let pc = this.pc | 0;
    let left = budget;
    let pageVpn = -1;
    let fns: (Block | null | undefined)[] = EMPTY_BLOCKS;
    for (;;) {
      let n = 0;
      for (;;) {
        const vpn = pc >>> 12;
        if (vpn !== pageVpn) {
          const code = icache.get(vpn);
          if (code === undefined) break; // interp() creates it, or faults
          // As codePage(): stores to a page with decoded code must take the slow path.
          const t = vpn & TLB_MASK;
          if (wTag[t] === vpn) wTag[t] = -1;
          fns = blocksOf(code).fns;
          pageVpn = vpn;
        }
        const b = fns[(pc & 0xffe) >> 1];
        if (b == null || left - n < b.len) break;
        // A block never throws nor calls out (translate.ts): what it cannot do, it leaves to interp().
        pc = b.fn(this, x, rTag, rView, wTag, wView, left - n, pc);
        if (this.blockN === 0) break; // its first load or store missed the TLB
        n += this.blockN;
      }
      this.instret += n;
      this.cycles += n;
      left -= n;
      this.pc = pc >>> 0;
      if (left <= 0) return TRAP_BUDGET;
      const before = this.instret;
      // A pc a block left to is a block entry, unless no block ran (the slice resumed there).
      const cause = this.interp(left, true, n > 0);
      left -= this.instret - before;
      if (cause !== TRAP_AT_BLOCK) return cause;
      pc = this.pc | 0;
      pageVpn = -1; // interp() may have changed the page's code or the mm
    }
  }

  /**
   * The interpreter: execute at most `budget` instructions from this.pc. With `jit`, it also
   * returns TRAP_AT_BLOCK at a pc reached by a jump (or after an instruction blocks do not hold,
   * or this.pc when `atEntry`) where a translated block starts, after counting the execution of
   * that pc toward translation.
   */
  private interp(budget: number, jit: boolean, atEntry: boolean): number {
    const x = this.x;
    const rTag = this.rTag;
    const rView = this.rView;
    const wTag = this.wTag;
    const wView = this.wView;
    let pc = this.pc | 0;
    let n = 0;
    let pageVpn = -1;
    let code: Int32Array = EMPTY_CODE;
    let cause = TRAP_BUDGET;
    let blocks: PageBlocks | null = null;
    // True when pc was reached by a jump or follows an instruction blocks leave to the
    // interpreter: only such a pc may start a block. (Heating every pc the interpreter steps
    // through would translate a block at each pc a slice happened to resume at.)
    let entry = atEntry;
    try {
      loop: while (n < budget) {
        const vpn = pc >>> 12;
        if (vpn !== pageVpn) {
          code = this.codePage(pc);
          pageVpn = vpn;
          if (jit) blocks = blocksOf(code);
        }
        const s = pc & 0xffe;
        if (entry) {
          entry = false;
          if (blocks !== null) {
            let b = blocks.fns[s >> 1];
            // Not in a slice's last instructions, where no block would fit anyway.
            if (b === undefined && budget - n >= MAX_BLOCK && ++blocks.heat[s >> 1] >= blocks.need[s >> 1]) b = this.heat(blocks, code, s, pc);
            if (b != null && budget - n >= b.len) {
              cause = TRAP_AT_BLOCK;
              break;
            }
          }
        }
        let w = code[s];
        if (w === 0) w = this.decodeSlot(code, s, pc);
        const imm = code[s + 1];
        const rd = (w >>> 8) & 63;
        const rs1 = (w >>> 16) & 63;
        const rs2 = w >>> 24;
        const next = (pc + 4 - ((w >>> 13) & 2)) | 0;
        n++;
        switch (w & 0xff) {
          case 20: x[rd] = x[rs1] + imm; break; // ADDI
          case 29: x[rd] = x[rs1] + x[rs2]; break; // ADD
          case 14: { // LW
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (rTag[t] === v && (a & 0xfff) <= 0xffc) x[rd] = rView[t].getInt32(a & 0xfff, true);
            else x[rd] = this.loadSlow(a, 4);
            break;
          }
          case 19: { // SW
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (wTag[t] === v && (a & 0xfff) <= 0xffc) wView[t].setInt32(a & 0xfff, x[rs2], true);
            else {
              this.storeSlow(a, x[rs2], 4);
              if (this.codeDirty) { this.codeDirty = false; pageVpn = -1; }
            }
            break;
          }
          case 6: if (x[rs1] === x[rs2]) { pc = (pc + imm) | 0; entry = true; continue; } break; // BEQ
          case 7: if (x[rs1] !== x[rs2]) { pc = (pc + imm) | 0; entry = true; continue; } break; // BNE
          case 8: if (x[rs1] < x[rs2]) { pc = (pc + imm) | 0; entry = true; continue; } break; // BLT
          case 9: if (x[rs1] >= x[rs2]) { pc = (pc + imm) | 0; entry = true; continue; } break; // BGE
          case 10: if (x[rs1] >>> 0 < x[rs2] >>> 0) { pc = (pc + imm) | 0; entry = true; continue; } break; // BLTU
          case 11: if (x[rs1] >>> 0 >= x[rs2] >>> 0) { pc = (pc + imm) | 0; entry = true; continue; } break; // BGEU
          case 4: x[rd] = next; pc = (pc + imm) | 0; entry = true; continue; // JAL
          case 5: { // JALR
            const t = (x[rs1] + imm) & ~1;
            x[rd] = next;
            pc = t;
            entry = true;
            continue;
          }
          case 2: x[rd] = imm; break; // LUI
          case 3: x[rd] = pc + imm; break; // AUIPC
          case 12: { // LB
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            x[rd] = rTag[t] === v ? rView[t].getInt8(a & 0xfff) : (this.loadSlow(a, 1) << 24) >> 24;
            break;
          }
          case 13: { // LH
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (rTag[t] === v && (a & 0xfff) <= 0xffe) x[rd] = rView[t].getInt16(a & 0xfff, true);
            else x[rd] = (this.loadSlow(a, 2) << 16) >> 16;
            break;
          }
          case 15: { // LBU
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            x[rd] = rTag[t] === v ? rView[t].getUint8(a & 0xfff) : this.loadSlow(a, 1);
            break;
          }
          case 16: { // LHU
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (rTag[t] === v && (a & 0xfff) <= 0xffe) x[rd] = rView[t].getUint16(a & 0xfff, true);
            else x[rd] = this.loadSlow(a, 2);
            break;
          }
          case 17: { // SB
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (wTag[t] === v) wView[t].setInt8(a & 0xfff, x[rs2]);
            else {
              this.storeSlow(a, x[rs2] & 0xff, 1);
              if (this.codeDirty) { this.codeDirty = false; pageVpn = -1; }
            }
            break;
          }
          case 18: { // SH
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (wTag[t] === v && (a & 0xfff) <= 0xffe) wView[t].setInt16(a & 0xfff, x[rs2], true);
            else {
              this.storeSlow(a, x[rs2] & 0xffff, 2);
              if (this.codeDirty) { this.codeDirty = false; pageVpn = -1; }
            }
            break;
          }
          case 21: x[rd] = x[rs1] < imm ? 1 : 0; break; // SLTI
          case 22: x[rd] = x[rs1] >>> 0 < imm >>> 0 ? 1 : 0; break; // SLTIU
          case 23: x[rd] = x[rs1] ^ imm; break; // XORI
          case 24: x[rd] = x[rs1] | imm; break; // ORI
          case 25: x[rd] = x[rs1] & imm; break; // ANDI
          case 26: x[rd] = x[rs1] << imm; break; // SLLI
          case 27: x[rd] = x[rs1] >>> imm; break; // SRLI
          case 28: x[rd] = x[rs1] >> imm; break; // SRAI
          case 30: x[rd] = x[rs1] - x[rs2]; break; // SUB
          // JS masks shift counts to 5 bits, exactly as RV32 does.
          case 31: x[rd] = x[rs1] << x[rs2]; break; // SLL
          case 32: x[rd] = x[rs1] < x[rs2] ? 1 : 0; break; // SLT
          case 33: x[rd] = x[rs1] >>> 0 < x[rs2] >>> 0 ? 1 : 0; break; // SLTU
          case 34: x[rd] = x[rs1] ^ x[rs2]; break; // XOR
          case 35: x[rd] = x[rs1] >>> x[rs2]; break; // SRL
          case 36: x[rd] = x[rs1] >> x[rs2]; break; // SRA
          case 37: x[rd] = x[rs1] | x[rs2]; break; // OR
          case 38: x[rd] = x[rs1] & x[rs2]; break; // AND
          case 39: break; // FENCE: one hart runs at a time; memory is sequentially consistent
          case 40: // FENCE.I: forget every decoded instruction of this address space
            this.mm.icache.clear();
            pageVpn = -1;
            break;
          case 41: cause = TRAP_ECALL; break loop; // ECALL
          case 42: cause = TRAP_EBREAK; break loop; // EBREAK
          case 43: case 44: case 45: case 46: case 47: case 48: // CSRRW..CSRRCI
            // The counters read the value before this instruction retires (n counts it already).
            if (!csrAccess(this, w & 0xff, rd, rs1, imm, n - 1)) {
              this.trapInst = this.instBits(pc, w);
              n--;
              cause = TRAP_ILLEGAL;
              break loop;
            }
            break;
          case 49: x[rd] = Math.imul(x[rs1], x[rs2]); break; // MUL
          case 50: { // MULH
            const a = x[rs1];
            const b = x[rs2];
            x[rd] = mulhu(a >>> 0, b >>> 0) - (a < 0 ? b : 0) - (b < 0 ? a : 0);
            break;
          }
          case 51: { // MULHSU
            const a = x[rs1];
            const b = x[rs2];
            x[rd] = mulhu(a >>> 0, b >>> 0) - (a < 0 ? b : 0);
            break;
          }
          case 52: x[rd] = mulhu(x[rs1] >>> 0, x[rs2] >>> 0); break; // MULHU
          case 53: { // DIV
            const a = x[rs1];
            const b = x[rs2];
            x[rd] = b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : (a / b) | 0;
            break;
          }
          case 54: { // DIVU
            const b = x[rs2] >>> 0;
            x[rd] = b === 0 ? -1 : ((x[rs1] >>> 0) / b) >>> 0;
            break;
          }
          case 55: { // REM
            const a = x[rs1];
            const b = x[rs2];
            x[rd] = b === 0 ? a : b === -1 ? 0 : a % b;
            break;
          }
          case 56: { // REMU
            const b = x[rs2] >>> 0;
            x[rd] = b === 0 ? x[rs1] : (x[rs1] >>> 0) % b;
            break;
          }
          case 57: case 58: case 59: case 60: case 61: case 62: case 63: case 64: case 65: case 66: case 67:
            this.atomic(w & 0xff, rd, x[rs1], x[rs2]);
            if (this.codeDirty) { this.codeDirty = false; pageVpn = -1; }
            break;
          case 80: { // FLW
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            const bits = rTag[t] === v && (a & 0xfff) <= 0xffc ? rView[t].getUint32(a & 0xfff, true) : this.loadSlow(a, 4);
            this.f[2 * rd] = bits;
            this.f[2 * rd + 1] = 0xffffffff;
            break;
          }
          case 81: { // FSW
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (wTag[t] === v && (a & 0xfff) <= 0xffc) wView[t].setUint32(a & 0xfff, this.f[2 * rs2], true);
            else {
              this.storeSlow(a, this.f[2 * rs2], 4);
              if (this.codeDirty) { this.codeDirty = false; pageVpn = -1; }
            }
            break;
          }
          case 82: { // FLD
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (rTag[t] === v && (a & 0xfff) <= 0xff8) {
              this.f[2 * rd] = rView[t].getUint32(a & 0xfff, true);
              this.f[2 * rd + 1] = rView[t].getUint32((a & 0xfff) + 4, true);
            } else {
              // Load both halves before writing the register, so a fault leaves it unchanged.
              const lo = this.loadSlow(a, 4);
              const hi = this.loadSlow((a + 4) | 0, 4);
              this.f[2 * rd] = lo;
              this.f[2 * rd + 1] = hi;
            }
            break;
          }
          case 83: { // FSD
            const a = (x[rs1] + imm) | 0;
            const v = a >>> 12;
            const t = v & TLB_MASK;
            if (wTag[t] === v && (a & 0xfff) <= 0xff8) {
              wView[t].setUint32(a & 0xfff, this.f[2 * rs2], true);
              wView[t].setUint32((a & 0xfff) + 4, this.f[2 * rs2 + 1], true);
            } else {
              this.fillWrite(a);
              this.fillWrite((a + 7) | 0);
              this.storeSlow(a, this.f[2 * rs2], 4);
              this.storeSlow((a + 4) | 0, this.f[2 * rs2 + 1], 4);
              if (this.codeDirty) { this.codeDirty = false; pageVpn = -1; }
            }
            break;
          }
          case 1: // ILLEGAL
            this.trapInst = imm;
            n--;
            cause = TRAP_ILLEGAL;
            break loop;
          default: // F and D arithmetic
            if (!fpExec(this, w & 0xff, rd, rs1, rs2, imm)) {
              this.trapInst = this.instBits(pc, w);
              n--;
              cause = TRAP_ILLEGAL;
              break loop;
            }
            break;
        }
        pc = next;
      }
    } catch (e) {
      if (!(e instanceof MemFault)) throw e;
      this.lastFault = e;
      cause = e.cause;
      // A fetch fault happens before the instruction counts as executed; others after n++.
      if (cause !== TRAP_FETCH_FAULT) n--;
    }
    this.pc = pc >>> 0;
    this.instret += n;
    this.cycles += n;
    return cause;
  }

  /**
   * A block start the interpreter has entered blocks.need times: translate it, unless its trace
   * is short enough that translator.work instructions need more entries (then wait for those).
   */
  private heat(blocks: PageBlocks, code: Int32Array, s: number, pc: number): Block | null | undefined {
    const i = s >> 1;
    const decode = (slot: number, at: number): number => this.decodeSlot(code, slot, at);
    if (translator.work > 0 && blocks.sized[i] === 0) {
      blocks.sized[i] = 1;
      const len = traceLength(code, pc, decode);
      const need = len === 0 ? 0 : Math.min(0xffff, Math.ceil(translator.work / len));
      if (blocks.heat[i] < need) {
        blocks.need[i] = need;
        return undefined;
      }
    }
    const b = translateBlock(code, pc, decode, blocks.heat);
    blocks.fns[s >> 1] = b;
    // The other traces' starts enter the same function, unless they have a block of their own.
    if (b !== null) for (const p of b.starts) if (blocks.fns[(p & 0xffe) >> 1] === undefined) blocks.fns[(p & 0xffe) >> 1] = b;
    return b;
  }

  /** LR/SC and the AMOs (opcodes 57..67). */
  private atomic(op: number, rd: number, a: number, b: number): void {
    const x = this.x;
    if (op === 57) { // LR.W
      if ((a & 3) !== 0) this.amoView(a); // throws the misalignment fault
      const v = a >>> 12;
      const t = v & TLB_MASK;
      x[rd] = this.rTag[t] === v ? this.rView[t].getInt32(a & 0xfff, true) : this.loadSlow(a, 4);
      this.reservation = a;
      return;
    }
    if (op === 58) { // SC.W: succeeds only on the reserved address, and always clears the reservation
      const ok = this.reservation === a;
      this.reservation = -1;
      if (ok) this.amoView(a).setInt32(a & 0xfff, b, true);
      else if ((a & 3) !== 0) this.amoView(a);
      x[rd] = ok ? 0 : 1;
      return;
    }
    const view = this.amoView(a);
    const off = a & 0xfff;
    const old = view.getInt32(off, true);
    let nv: number;
    switch (op) {
      case 59: nv = b; break; // AMOSWAP
      case 60: nv = old + b; break; // AMOADD
      case 61: nv = old ^ b; break; // AMOXOR
      case 62: nv = old & b; break; // AMOAND
      case 63: nv = old | b; break; // AMOOR
      case 64: nv = old < b ? old : b; break; // AMOMIN
      case 65: nv = old > b ? old : b; break; // AMOMAX
      case 66: nv = old >>> 0 < b >>> 0 ? old : b; break; // AMOMINU
      default: nv = old >>> 0 > b >>> 0 ? old : b; break; // AMOMAXU
    }
    view.setInt32(off, nv, true);
    x[rd] = old;
  }
}
