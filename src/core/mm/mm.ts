// An address space (Linux's mm_struct): the sorted VMA list, the page table, brk, and the
// decoded-instruction cache of its code pages.
//
// Harts never walk the page table on every access: they keep small software TLBs filled
// through translate(), which is also where demand-zero and (after fork) copy-on-write faults
// are resolved. Anything that takes a permission away or removes a mapping bumps `epoch`, and a
// hart flushes its TLBs when it sees a new epoch on entry to user mode; adding permissions needs
// no flush, because a missing TLB entry just takes the slow path.
import { Frame, FrameAllocator, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "./frame.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE, VM_GROWSDOWN, Vma, type VmaKind } from "./vma.ts";

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;
export type Access = typeof ACCESS_READ | typeof ACCESS_WRITE | typeof ACCESS_EXEC;

// Why translate() failed; the first two are the si_code values of the SIGSEGV that follows.
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const FAULT_OOM = 100;

/** Linux's default RLIMIT_STACK: how far a grows-down stack may extend. */
export const STACK_LIMIT = 8 << 20;
/** Linux's stack_guard_gap: a grows-down stack never comes closer than this to the VMA below. */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;

export interface Pte {
  frame: Frame;
  /** The frame is private to this mapping and may be written (false: zero page or COW-shared). */
  writable: boolean;
}

export const pageAlignUp = (a: number): number => (a + PAGE_MASK) & ~PAGE_MASK;

const PROT_FOR_ACCESS = [PROT_READ, PROT_WRITE, PROT_EXEC];

export class Mm {
  /** Sorted by start, never overlapping. */
  readonly vmas: Vma[] = [];
  readonly pt = new Map<number, Pte>();
  /** Decoded instructions of code pages, owned by the hart's decoder; keyed by virtual page number. */
  readonly icache = new Map<number, Int32Array>();
  /** Bumped whenever a translation a hart may have cached becomes invalid. */
  epoch = 0;
  startBrk = 0;
  brk = 0;
  /** Why the last translate() returned null: SEGV_MAPERR, SEGV_ACCERR or FAULT_OOM. */
  lastFault = 0;

  constructor(readonly frames: FrameAllocator) {}

  /** The VMA containing addr, or undefined. */
  findVma(addr: number): Vma | undefined {
    const v = this.vmas;
    let lo = 0;
    let hi = v.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = v[mid];
      if (addr < m.start) hi = mid - 1;
      else if (addr >= m.end) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  /** Index of the first VMA whose end is above addr (where a VMA at addr would be inserted). */
  private indexAbove(addr: number): number {
    const v = this.vmas;
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v[mid].end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True if [start, end) touches no VMA. */
  isFree(start: number, end: number): boolean {
    const i = this.indexAbove(start);
    return i >= this.vmas.length || this.vmas[i].start >= end;
  }

  /**
   * Create a VMA over [start, start+len). Precondition: page aligned and free (callers check with
   * isFree, or unmap first for MAP_FIXED semantics).
   */
  mapRegion(start: number, len: number, prot: number, flags: number, kind: VmaKind): Vma {
    const vma = new Vma(start, start + len, prot, flags, kind);
    this.vmas.splice(this.indexAbove(start), 0, vma);
    return vma;
  }

  /** Remove every mapping in [start, end), splitting VMAs at the edges and freeing frames. */
  unmapRange(start: number, end: number): void {
    const kept: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) {
        kept.push(v);
        continue;
      }
      if (v.start < start) kept.push(new Vma(v.start, start, v.prot, v.flags, v.kind));
      if (v.end > end) kept.push(new Vma(end, v.end, v.prot, v.flags, v.kind));
    }
    this.vmas.length = 0;
    this.vmas.push(...kept);
    for (let a = start; a < end; a += PAGE_SIZE) this.dropPage(a >>> PAGE_SHIFT);
    this.epoch++;
  }

  private dropPage(vpn: number): void {
    const pte = this.pt.get(vpn);
    if (pte) {
      this.frames.put(pte.frame);
      this.pt.delete(vpn);
    }
    this.icache.delete(vpn);
  }

  /**
   * Resolve a user access to a page: the frame's DataView, installing the mapping on demand
   * (demand-zero, zero page for reads, private copy for writes to a shared frame). null means
   * the access faults; lastFault says why.
   */
  translate(vpn: number, access: Access): DataView | null {
    const addr = vpn * PAGE_SIZE;
    let vma = this.findVma(addr);
    if (vma === undefined) {
      vma = this.growStack(addr);
      if (vma === undefined) {
        this.lastFault = SEGV_MAPERR;
        return null;
      }
    }
    if ((vma.prot & PROT_FOR_ACCESS[access]) === 0) {
      this.lastFault = SEGV_ACCERR;
      return null;
    }
    let pte = this.pt.get(vpn);
    if (pte === undefined) {
      if (access !== ACCESS_WRITE) {
        pte = { frame: this.frames.zeroPage, writable: false };
      } else {
        const f = this.frames.alloc();
        if (f === null) {
          this.lastFault = FAULT_OOM;
          return null;
        }
        pte = { frame: f, writable: true };
      }
      this.pt.set(vpn, pte);
    }
    if (access === ACCESS_WRITE) {
      if (!pte.writable && !this.breakCow(pte)) {
        this.lastFault = FAULT_OOM;
        return null;
      }
      // Writing a page invalidates whatever was decoded from it, including an instruction that
      // starts in the last slot of the page before and ends in this one.
      this.icache.delete(vpn);
      const prev = this.icache.get(vpn - 1);
      if (prev !== undefined) prev[0xffe] = 0;
    }
    return pte.frame.view;
  }

  /** Give the pte a private writable frame (copy unless it is the only user). */
  private breakCow(pte: Pte): boolean {
    const old = pte.frame;
    if (old !== this.frames.zeroPage && old.refs === 1) {
      pte.writable = true;
      return true;
    }
    const f = this.frames.alloc();
    if (f === null) return false;
    if (old !== this.frames.zeroPage) f.data.set(old.data);
    this.frames.put(old);
    pte.frame = f;
    pte.writable = true;
    // Other harts (threads of this mm) may still have the old frame in their read TLBs.
    this.epoch++;
    return true;
  }

  /** Extend a grows-down VMA above addr down to addr's page, within STACK_LIMIT and the guard gap. */
  private growStack(addr: number): Vma | undefined {
    const i = this.indexAbove(addr);
    const v = this.vmas[i];
    if (v === undefined || (v.flags & VM_GROWSDOWN) === 0 || addr >= v.start) return undefined;
    const newStart = addr & ~PAGE_MASK;
    if (v.end - newStart > STACK_LIMIT) return undefined;
    const below = this.vmas[i - 1];
    if (below !== undefined && newStart - below.end < STACK_GUARD_GAP) return undefined;
    v.start = newStart;
    return v;
  }

  /**
   * brk(2): move the program break. Returns the new break, or the old one when the request is
   * refused (below start_brk, or colliding with another mapping), as Linux does.
   */
  setBrk(newBrk: number): number {
    const oldBrk = this.brk;
    if (newBrk < this.startBrk) return oldBrk;
    const oldEnd = pageAlignUp(oldBrk);
    const newEnd = pageAlignUp(newBrk);
    if (newEnd > oldEnd) {
      // Linux keeps a page (plus the guard gap below a grows-down stack) between brk and the next VMA.
      const next = this.vmas[this.indexAbove(oldEnd)];
      if (next !== undefined) {
        const limit = next.start - ((next.flags & VM_GROWSDOWN) !== 0 ? STACK_GUARD_GAP : 0);
        if (newEnd + PAGE_SIZE > limit) return oldBrk;
      }
      const heap = this.findVma(oldEnd - 1);
      if (heap !== undefined && heap.kind === "heap" && heap.end === oldEnd) heap.end = newEnd;
      else this.mapRegion(oldEnd, newEnd - oldEnd, PROT_READ | PROT_WRITE, 0, "heap");
    } else if (newEnd < oldEnd) {
      this.unmapRange(newEnd, oldEnd);
    }
    this.brk = newBrk;
    return newBrk;
  }

  // --- Kernel access to user memory (copy_from_user / copy_to_user). -------------------------
  // These fault pages in exactly as a user access would; a failure is -EFAULT for the caller.

  /** Copy len bytes from user memory, or null if any byte is inaccessible. */
  copyIn(addr: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = (addr + done) >>> 0;
      const view = this.translate(a >>> PAGE_SHIFT, ACCESS_READ);
      if (view === null) return null;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, len - done);
      out.set(new Uint8Array(view.buffer, off, n), done);
      done += n;
      if (a + n > 0xffffffff && done < len) return null;
    }
    return out;
  }

  /** Copy bytes into user memory; false if any byte is not writable. */
  copyOut(addr: number, bytes: Uint8Array): boolean {
    let done = 0;
    while (done < bytes.length) {
      const a = (addr + done) >>> 0;
      const view = this.translate(a >>> PAGE_SHIFT, ACCESS_WRITE);
      if (view === null) return false;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, bytes.length - done);
      new Uint8Array(view.buffer, off, n).set(bytes.subarray(done, done + n));
      done += n;
      if (a + n > 0xffffffff && done < bytes.length) return false;
    }
    return true;
  }

  readU32(addr: number): number | null {
    const b = this.copyIn(addr, 4);
    return b === null ? null : (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  writeU32(addr: number, v: number): boolean {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.copyOut(addr, b);
  }

  /** A NUL-terminated string of at most max bytes (without the NUL); null on a fault or no NUL. */
  readCString(addr: number, max: number): Uint8Array | null {
    const parts: number[] = [];
    for (let i = 0; i < max; i++) {
      const a = (addr + i) >>> 0;
      const view = this.translate(a >>> PAGE_SHIFT, ACCESS_READ);
      if (view === null) return null;
      const c = view.getUint8(a & PAGE_MASK);
      if (c === 0) return Uint8Array.from(parts);
      parts.push(c);
    }
    return null;
  }

  /** Free every frame and mapping (exit or execve). */
  destroy(): void {
    for (const pte of this.pt.values()) this.frames.put(pte.frame);
    this.pt.clear();
    this.vmas.length = 0;
    this.icache.clear();
    this.epoch++;
  }

  /** Pages currently backed by a frame of their own (not the zero page). */
  residentPages(): number {
    let n = 0;
    for (const pte of this.pt.values()) if (pte.frame !== this.frames.zeroPage) n++;
    return n;
  }
}
