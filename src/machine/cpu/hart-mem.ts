// The hart's view of memory: software TLBs in front of the mm, the slow paths of loads and
// stores, and the decoded-page cache lookups. The execute loop (hart.ts) inlines only the TLB
// hit; everything here runs on a miss, a page-crossing access, or a fault.
//
// Faults are thrown as MemFault and caught once, at the edge of Hart.run(): a fault is rare, and
// throwing keeps a "did it fault?" test out of every load and store.
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, Mm } from "../mm/mm.ts";
import { decodeInto, SLOT_COMPRESSED } from "./decode.ts";
import { OP } from "./opcodes.ts";
import { expandCompressed } from "./rvc.ts";

export const TRAP_BUDGET = 0;
export const TRAP_ECALL = 1;
export const TRAP_ILLEGAL = 2;
export const TRAP_FETCH_FAULT = 3;
export const TRAP_LOAD_FAULT = 4;
export const TRAP_STORE_FAULT = 5;
export const TRAP_EBREAK = 6;
/** A misaligned atomic: Linux does not emulate those and sends SIGBUS (BUS_ADRALN). */
export const TRAP_MISALIGNED = 7;

export const TLB_SIZE = 256;
export const TLB_MASK = TLB_SIZE - 1;

export class MemFault {
  constructor(
    readonly cause: number,
    readonly addr: number,
    /** mm.lastFault: SEGV_MAPERR, SEGV_ACCERR or FAULT_OOM; 0 for misalignment. */
    readonly code: number,
  ) {}
}

const DUMMY_VIEW = new DataView(new ArrayBuffer(8));

/**
 * The software TLBs (reads and writes) one hart uses while it runs. They live in a small pool
 * shared by every hart of the thread, as a real CPU's TLB is shared by the tasks that run on it
 * (and flushed on a switch of address space): a hart takes one on entry to run() if it does not
 * hold one still, evicting the least recently taken. Per hart they were 6 KiB, a fork bomb's
 * largest allocation (issue 17: the garbage collector's pauses made its slowest slices).
 */
class Tlb {
  readonly rTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly rView: DataView[] = new Array<DataView>(TLB_SIZE).fill(DUMMY_VIEW);
  readonly wTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly wView: DataView[] = new Array<DataView>(TLB_SIZE).fill(DUMMY_VIEW);
  /**
   * HartMemory.tlbId of the hart whose translations these are; only it uses them, and only inside
   * run(). A number, not the hart: the pool must not keep ended tasks' harts (and mms) alive.
   */
  owner = 0;
}

/**
 * More TLBs than harts interleave in any workload but a crowd (a pipeline, a server and its
 * workers), so those keep their translations across switches as when every hart had its own.
 * Which hart misses when changes no guest-visible state: a miss only translates again.
 */
const TLB_POOL_SIZE = 32;
const tlbPool: Tlb[] = [];
let tlbNext = 0;

/** Never filled: every tag -1 (a hart holds it until it first runs). */
const NO_TLB = new Tlb();
let lastTlbId = 0;

export class HartMemory {
  private readonly tlbId = ++lastTlbId;
  private tlb = NO_TLB;
  protected rTag = NO_TLB.rTag;
  protected rView = NO_TLB.rView;
  protected wTag = NO_TLB.wTag;
  protected wView = NO_TLB.wView;
  /** mm.epoch when the TLBs were last valid. */
  private tlbEpoch = -1;
  /** Set when a store invalidated decoded code, so the loop drops its cached code page. */
  protected codeDirty = false;

  constructor(public mm: Mm) {}

  /** Switch address space (execve, or the scheduler moving this hart to another task). */
  setMm(mm: Mm): void {
    this.mm = mm;
    this.flushTlb();
  }

  flushTlb(): void {
    // The TLBs it held may be another hart's now (it takes them again at its next run()).
    if (this.tlb.owner === this.tlbId) {
      this.rTag.fill(-1);
      this.wTag.fill(-1);
    }
    this.tlbEpoch = this.mm.epoch;
  }

  /** Called on entry to user mode: take TLBs if another hart has them, and drop translations the kernel has invalidated since. */
  protected syncTlb(): void {
    if (this.tlb.owner !== this.tlbId) this.takeTlb();
    else if (this.tlbEpoch !== this.mm.epoch) this.flushTlb();
  }

  /** Take the pool's next TLBs (the oldest taken), emptied: their last hart finds them gone at its next run(). */
  private takeTlb(): void {
    if (tlbPool.length < TLB_POOL_SIZE) tlbPool.push(new Tlb());
    const tlb = tlbPool[tlbNext];
    tlbNext = (tlbNext + 1) % TLB_POOL_SIZE;
    tlb.owner = this.tlbId;
    this.tlb = tlb;
    this.rTag = tlb.rTag;
    this.rView = tlb.rView;
    this.wTag = tlb.wTag;
    this.wView = tlb.wView;
    this.flushTlb();
  }

  protected fillRead(a: number): DataView {
    const vpn = a >>> 12;
    const view = this.mm.translate(vpn, ACCESS_READ);
    if (view === null) throw new MemFault(TRAP_LOAD_FAULT, a >>> 0, this.mm.lastFault);
    const t = vpn & TLB_MASK;
    this.rTag[t] = vpn;
    this.rView[t] = view;
    return view;
  }

  protected fillWrite(a: number, cause = TRAP_STORE_FAULT): DataView {
    const vpn = a >>> 12;
    // The page, or the one below it (whose straddling slot reads this one), has decoded code.
    const hadCode = this.mm.icache.has(vpn) || this.mm.icache.has((vpn - 1) & 0xfffff);
    const view = this.mm.translate(vpn, ACCESS_WRITE);
    if (view === null) throw new MemFault(cause, a >>> 0, this.mm.lastFault);
    if (hadCode) this.codeDirty = true;
    const t = vpn & TLB_MASK;
    this.wTag[t] = vpn;
    this.wView[t] = view;
    // A write may have replaced the frame (copy-on-write): the read TLB must see the new one.
    this.rTag[t] = vpn;
    this.rView[t] = view;
    return view;
  }

  private readByte(a: number): number {
    const vpn = a >>> 12;
    const t = vpn & TLB_MASK;
    const view = this.rTag[t] === vpn ? this.rView[t] : this.fillRead(a);
    return view.getUint8(a & 0xfff);
  }

  /** A load of 1, 2 or 4 bytes that missed the TLB or crosses a page: the value zero-extended. */
  protected loadSlow(a: number, size: number): number {
    const off = a & 0xfff;
    if (off + size <= 4096) {
      const view = this.fillRead(a);
      return size === 1 ? view.getUint8(off) : size === 2 ? view.getUint16(off, true) : view.getUint32(off, true);
    }
    // Misaligned across a page boundary: Linux emulates misaligned accesses, so this works.
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readByte((a + i) | 0) << (8 * i);
    return size === 4 ? v >>> 0 : v;
  }

  protected storeSlow(a: number, v: number, size: number): void {
    const off = a & 0xfff;
    if (off + size <= 4096) {
      const view = this.fillWrite(a);
      if (size === 1) view.setUint8(off, v);
      else if (size === 2) view.setUint16(off, v, true);
      else view.setUint32(off, v, true);
      return;
    }
    // Crossing a page: check both pages are writable before writing anything.
    this.fillWrite(a);
    this.fillWrite((a + size - 1) | 0);
    for (let i = 0; i < size; i++) {
      const b = (a + i) | 0;
      this.wView[(b >>> 12) & TLB_MASK].setUint8(b & 0xfff, (v >>> (8 * i)) & 0xff);
    }
  }

  /** The view an atomic operates on: writable, and aligned (else SIGBUS). */
  protected amoView(a: number): DataView {
    if ((a & 3) !== 0) throw new MemFault(TRAP_MISALIGNED, a >>> 0, 0);
    const vpn = a >>> 12;
    const t = vpn & TLB_MASK;
    return this.wTag[t] === vpn ? this.wView[t] : this.fillWrite(a);
  }

  /** The decoded page for the code at pc, creating an empty one (and checking X permission). */
  protected codePage(pc: number): Int32Array {
    const vpn = pc >>> 12;
    let code = this.mm.icache.get(vpn);
    if (code === undefined) {
      if (this.mm.translate(vpn, ACCESS_EXEC) === null) {
        throw new MemFault(TRAP_FETCH_FAULT, pc >>> 0, this.mm.lastFault);
      }
      code = new Int32Array(4096);
      this.mm.icache.set(vpn, code);
    }
    // Stores to this page must take the slow path, which invalidates the decoded copy. (Done on
    // every lookup, not only at creation: another hart of the mm may have decoded the page.)
    const t = vpn & TLB_MASK;
    if (this.wTag[t] === vpn) this.wTag[t] = -1;
    return code;
  }

  /** The raw bits of the instruction at pc (for trap reports; cold path). */
  protected instBits(pc: number, w: number): number {
    const view = this.mm.translate(pc >>> 12, ACCESS_EXEC);
    if (view === null) return 0;
    const lo = view.getUint16(pc & 0xfff, true);
    if ((w & SLOT_COMPRESSED) !== 0) return lo;
    const a = (pc + 2) | 0;
    const hiView = (pc & 0xfff) === 0xffe ? this.mm.translate(a >>> 12, ACCESS_EXEC) : view;
    return hiView === null ? lo : (lo | (hiView.getUint16(a & 0xfff, true) << 16)) >>> 0;
  }

  /** Decode the instruction at pc into its slot. Returns the slot's word 0. */
  protected decodeSlot(code: Int32Array, s: number, pc: number): number {
    const vpn = pc >>> 12;
    const view = this.mm.translate(vpn, ACCESS_EXEC);
    if (view === null) throw new MemFault(TRAP_FETCH_FAULT, pc >>> 0, this.mm.lastFault);
    const off = pc & 0xfff;
    const lo = view.getUint16(off, true);
    if ((lo & 3) !== 3) {
      const inst = expandCompressed(lo);
      if (inst === 0) {
        code[s] = OP.ILLEGAL | SLOT_COMPRESSED;
        code[s + 1] = lo;
        return code[s];
      }
      return decodeInto(code, s, inst, true);
    }
    let hi: number;
    if (off === 0xffe) {
      const next = this.mm.translate((vpn + 1) & 0xfffff, ACCESS_EXEC);
      if (next === null) throw new MemFault(TRAP_FETCH_FAULT, (pc + 2) >>> 0, this.mm.lastFault);
      hi = next.getUint16(0, true);
      // The slot now depends on the next page too: stores there must take the slow path, where
      // Mm.translate drops this straddling slot.
      const t = (vpn + 1) & TLB_MASK;
      if (this.wTag[t] === ((vpn + 1) & 0xfffff)) this.wTag[t] = -1;
    } else {
      hi = view.getUint16(off + 2, true);
    }
    return decodeInto(code, s, lo | (hi << 16), false);
  }
}
