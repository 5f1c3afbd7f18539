// An address space (Linux's mm_struct): the sorted VMA list, the page table, brk, and the
// decoded-instruction cache of its code pages.
//
// Harts never walk the page table on every access: they keep small software TLBs filled
// through translate(), which is also where demand-zero, shared-memory and copy-on-write faults
// are resolved. Anything that takes a permission away, removes a mapping or replaces a frame
// bumps `epoch`, and a hart flushes its TLBs when it sees a new epoch on entry to user mode;
// adding permissions needs no flush, because a missing TLB entry just takes the slow path.
//
// Frame ownership: every pte holds one reference on its frame (the zero page is not counted).
// A private page with refs > 1 is shared copy-on-write with another mm (after fork) and its ptes
// are read-only (writable = false). Shared-memory pages are also referenced by their object
// (shmem.ts), so their ptes are always writable and never copied. File pages belong to the
// file's page cache: a shared mapping maps them writable from its first write (a read fault
// maps them read-only, so that the first write updates the file's mtime), a private one
// read-only until it copies them on the first write (filemap.ts zaps them on truncate).
//
// The syscall-level operations live beside this file, one per file, as Linux's mm/ does:
// mmap.ts, mprotect.ts, mremap.ts, madvise.ts, brk.ts, fork.ts (dup), maps.ts.
import { doBrk } from "./brk.ts";
import { dupMmap } from "./fork.ts";
import { KObject, KObjectRegistry } from "../kernel/kref.ts";
import { Oopses } from "../kernel/oops.ts";
import { Frame, FrameAllocator, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "./frame.ts";
import { mmapBase as defaultMmapBase, STACK_GUARD_GAP, STACK_LIMIT } from "./layout.ts";
import { insertVma, splitVma, vmaIndex } from "./vma-list.ts";
import { ANON, backingPut, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, VM_GROWSDOWN, Vma, type VmaBacking, type VmaKind } from "./vma.ts";
import { ENOMEM } from "../kernel/errno.ts";
import type { TmpfsFile } from "../fs/tmpfs/tmpfs.ts";
import { removeMapper } from "./filemap.ts";
import { exeInode, type ExeFile } from "./exe-file.ts";
import { sharedCode } from "./shared-code.ts";
import { PageTable } from "./page-table.ts";

export { pageAlignUp, STACK_GUARD_GAP, STACK_LIMIT } from "./layout.ts";

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;
export type Access = typeof ACCESS_READ | typeof ACCESS_WRITE | typeof ACCESS_EXEC;

// Why translate() failed; the first two are the si_code values of the SIGSEGV that follows.
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
/** Out of frames: the kernel kills the task (Linux's OOM killer would pick someone). */
export const FAULT_OOM = 100;
/** A page beyond the end of a shared object or a mapped file: SIGBUS with BUS_ADRERR. */
export const FAULT_SIGBUS = 101;

export interface Pte {
  frame: Frame;
  /** The frame may be written through this pte (false: zero page or copy-on-write). */
  writable: boolean;
}

const PROT_FOR_ACCESS = [PROT_READ, PROT_WRITE, PROT_EXEC];

/**
 * What an access may do under a protection. RISC-V page tables cannot express write-only, and
 * Linux maps PROT_WRITE without PROT_READ as readable (riscv's protection_map).
 */
const EFFECTIVE_PROT = Array.from({ length: 8 }, (_, p) => ((p & PROT_WRITE) !== 0 ? p | PROT_READ : p));

/**
 * Mms made outside a machine (unit tests) are counted in a registry of their own, so an Mm is
 * always a KObject and the kernel needs no special case.
 */
let detached: KObjectRegistry | undefined;
function detachedRegistry(): KObjectRegistry {
  detached ??= new KObjectRegistry(new Oopses());
  return detached;
}

/** mm_struct. Its references (mm_users) are held by the tasks using it; the last put frees it. */
export class Mm extends KObject {
  /** Sorted by start, never overlapping, neighbours merged when compatible (vma-list.ts). */
  readonly vmas: Vma[] = [];
  /** Virtual page number → pte. Only pages inside a VMA have one. */
  readonly pt = new PageTable<Pte>();
  /**
   * Decoded instructions of code pages, owned by the hart's decoder; keyed by virtual page number.
   * A fork shares the parent's (sharedCode): a shared page is dropped, never changed in place.
   */
  readonly icache = new Map<number, Int32Array>();
  /** Bumped whenever a translation a hart may have cached becomes invalid. */
  epoch = 0;
  startBrk = 0;
  brk = 0;
  /** The initial stack pointer (Linux's start_stack): maps.ts names the VMA holding it [stack]. */
  startStack = 0;
  /** Top of the top-down mmap area (Linux's mmap_base). */
  mmapBase = defaultMmapBase();
  /**
   * RLIMIT_STACK's soft limit in bytes (Infinity: unlimited): how far a grows-down VMA may
   * extend. Linux reads current's limit in acct_stack_growth; a fault here has no task, so the
   * owners keep this copy in step: exec, setrlimit/prlimit64 (setRlimit), fork (dup) and restart.
   */
  stackLimit = STACK_LIMIT;
  /**
   * Where exec put the argument and environment strings (arg_start..arg_end, env_start..env_end):
   * /proc/<pid>/cmdline and environ read them. 0 when not recorded (a restored mm): readers fall
   * back to the initial stack.
   */
  argStart = 0;
  argEnd = 0;
  envStart = 0;
  envEnd = 0;
  /** The executable (exe_file), holding a user reference on its inode; set with setExeFile. */
  exe: ExeFile | null = null;
  /** mappedFiles' set, made by the first file mapping (a forked child of a program that maps no file never needs one). */
  private mappedFilesSet: Set<TmpfsFile> | null = null;
  /** Why the last translate() returned null: SEGV_MAPERR, SEGV_ACCERR, FAULT_OOM or FAULT_SIGBUS. */
  lastFault = 0;
  /**
   * membarrier registrations of this address space (MEMBARRIER_CMD_REGISTER_* bits, as
   * GET_REGISTRATIONS answers them): fork copies them, exec's new mm starts with none.
   */
  membarrierState = 0;

  constructor(
    readonly frames: FrameAllocator,
    registry: KObjectRegistry = detachedRegistry(),
    createdAt = "mm_alloc",
  ) {
    super(registry, "mm_struct", createdAt);
  }

  protected override release(): void {
    this.destroy();
  }

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

  /** True if [start, end) touches no VMA. */
  isFree(start: number, end: number): boolean {
    const i = vmaIndex(this.vmas, start);
    return i >= this.vmas.length || this.vmas[i].start >= end;
  }

  /**
   * Create a VMA over [start, start+len), merged with compatible neighbours; returns the VMA now
   * covering it. Precondition: page aligned and free (callers check with isFree, or unmap first
   * for MAP_FIXED semantics). The caller's reference on `backing` passes to the VMA.
   */
  mapRegion(start: number, len: number, prot: number, flags: number, kind: VmaKind, backing: VmaBacking = ANON, pgoff?: number): Vma {
    return insertVma(this.vmas, new Vma(start, start + len, prot, flags, kind, backing, pgoff ?? start >>> PAGE_SHIFT));
  }

  /**
   * Remove every mapping in [start, end) (page aligned), splitting VMAs at the edges and freeing
   * frames (do_munmap). 0, or -ENOMEM when splitting would exceed the map-count limit.
   */
  unmapRange(start: number, end: number): number {
    const v = this.vmas;
    let i = vmaIndex(v, start);
    if (i >= v.length || v[i].start >= end) return 0;
    if (v[i].start < start) {
      // Only a hole punched inside one VMA adds an area; Linux checks the limit for it up front.
      if (end < v[i].end && !splitVma(v, i, start)) return -ENOMEM;
      splitVma(v, i, start, true);
      i++;
    }
    let j = i;
    while (j < v.length && v[j].start < end) j++;
    splitVma(v, j - 1, end, true);
    for (const gone of v.splice(i, j - i)) {
      this.zapRange(gone.start, gone.end);
      backingPut(gone.backing);
    }
    this.epoch++;
    return 0;
  }

  /**
   * Drop the ptes (and decoded code) of [start, end), keeping the VMAs: zap_page_range. Private
   * pages go back to demand-zero; shared ones stay in their object. The caller bumps epoch.
   */
  zapRange(start: number, end: number): void {
    const first = start >>> PAGE_SHIFT;
    const last = (end - 1) >>> PAGE_SHIFT;
    // Walk whichever is smaller: the range, or the pages actually present.
    if (last - first >= this.pt.size) {
      // forEach (deleting the entry it is on is allowed): for-of allocates per entry.
      this.pt.forEach((pte, vpn) => {
        if (vpn < first || vpn > last) return;
        this.frames.put(pte.frame);
        this.pt.delete(vpn);
      });
    } else {
      for (let vpn = first; vpn <= last; vpn++) {
        const pte = this.pt.get(vpn);
        if (pte === undefined) continue;
        this.frames.put(pte.frame);
        this.pt.delete(vpn);
      }
    }
    this.dropCode(first, last);
  }

  /**
   * Forget decoded instructions of pages first..last (inclusive), and the one straddling in from
   * the page below, which was decoded with bytes of page `first`.
   */
  dropCode(first: number, last: number): void {
    if (last - first >= this.icache.size) {
      for (const vpn of this.icache.keys()) if (vpn >= first && vpn <= last) this.icache.delete(vpn);
    } else {
      for (let vpn = first; vpn <= last; vpn++) this.icache.delete(vpn);
    }
    this.dropStraddle(first);
  }

  /**
   * Page vpn changed: forget the instruction straddling in from the page below, decoded with
   * bytes of vpn. Only that slot, unless another mm shares the decoded page (then the whole page,
   * here only: its slot is right for the mms that did not change vpn).
   */
  private dropStraddle(vpn: number): void {
    const below = (vpn - 1) & 0xfffff;
    const code = this.icache.get(below);
    if (code === undefined) return;
    if (sharedCode.has(code)) this.icache.delete(below);
    else code[0xffe] = 0;
  }

  /**
   * Resolve a user access to a page: the frame's DataView, installing the mapping on demand
   * (demand-zero, zero page for reads, shared page, private copy for writes to a COW frame).
   * null means the access faults; lastFault says why.
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
    if ((EFFECTIVE_PROT[vma.prot & 7] & PROT_FOR_ACCESS[access]) === 0) {
      this.lastFault = SEGV_ACCERR;
      return null;
    }
    const pte = this.faultIn(vma, vpn, access === ACCESS_WRITE);
    if (pte === null) return null;
    if (access === ACCESS_WRITE) {
      // Writing a page invalidates whatever was decoded from it, including an instruction
      // straddling in from the page below (its slot at 0xffe holds bytes of this page).
      this.icache.delete(vpn);
      this.dropStraddle(vpn);
    }
    return pte.frame.view;
  }

  /**
   * handle_mm_fault without the permission check (callers have made it, or populate as Linux's
   * FOLL_FORCE does): the pte of page vpn of vma, created if missing, made writable if `write`.
   * null when out of frames or beyond a shared object (lastFault set).
   */
  faultIn(vma: Vma, vpn: number, write: boolean): Pte | null {
    let pte = this.pt.get(vpn);
    if (pte === undefined) {
      const b = vma.backing;
      if (b.kind === "shmem") {
        const pgoff = vma.pgoffAt(vpn * PAGE_SIZE);
        if (pgoff >= b.obj.size) {
          this.lastFault = FAULT_SIGBUS;
          return null;
        }
        const f = b.obj.findOrCreate(pgoff);
        if (f === null) {
          this.lastFault = FAULT_OOM;
          return null;
        }
        pte = { frame: this.frames.get(f), writable: true };
      } else if (b.kind === "file") {
        // filemap_fault / shmem_fault: the page cache's page. A shared mapping writes it in place;
        // a private one maps it read-only and copies on the first write (breakCow below: the
        // cache's own reference keeps the frame's count above one).
        const pgoff = vma.pgoffAt(vpn * PAGE_SIZE);
        if (pgoff * PAGE_SIZE >= b.inode.size) {
          this.lastFault = FAULT_SIGBUS;
          return null;
        }
        const f = b.inode.getPage(pgoff, write && vma.shared);
        if (f === null) {
          this.lastFault = FAULT_OOM;
          return null;
        }
        pte = { frame: this.frames.get(f), writable: vma.shared && write };
      } else if (!write) {
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
    if (write && !pte.writable && vma.shared && vma.backing.kind === "file") {
      // The first write through a clean shared file pte (do_shared_fault / wp_page_shared with
      // page_mkwrite): the file's data changes, so mtime and ctime move, as on a disk file
      // system. Read faults map such pages read-only so that this write is seen.
      pte.writable = true;
      vma.backing.inode.touchData();
    } else if (write && !pte.writable && !this.breakCow(pte)) {
      this.lastFault = FAULT_OOM;
      return null;
    }
    return pte;
  }

  /**
   * Give a private pte a frame it may write (do_wp_page): the frame itself when this pte is its
   * only user (the other mm already copied, or exited), else a copy.
   */
  private breakCow(pte: Pte): boolean {
    const old = pte.frame;
    if (old !== this.frames.zeroPage && old.refs === 1) {
      pte.writable = true;
      return true;
    }
    // A copy of a whole page overwrites it: only the zero page's copy needs zeroing.
    const f = this.frames.alloc(old === this.frames.zeroPage);
    if (f === null) return false;
    if (old !== this.frames.zeroPage) f.data.set(old.data);
    this.frames.put(old);
    pte.frame = f;
    pte.writable = true;
    // Other harts (threads of this mm) may still have the old frame in their read TLBs.
    this.epoch++;
    return true;
  }

  /** Extend a grows-down VMA above addr down to addr's page, within RLIMIT_STACK and the guard gap. */
  private growStack(addr: number): Vma | undefined {
    const i = vmaIndex(this.vmas, addr);
    const v = this.vmas[i];
    if (v === undefined || (v.flags & VM_GROWSDOWN) === 0 || addr >= v.start) return undefined;
    const newStart = addr & ~PAGE_MASK;
    if (v.end - newStart > this.stackLimit) return undefined;
    // expand_downwards: keep the guard gap above an accessible area that is not a stack itself.
    const below = this.vmas[i - 1];
    if (below !== undefined && (below.flags & VM_GROWSDOWN) === 0 && below.prot !== PROT_NONE
      && newStart - below.end < STACK_GUARD_GAP) return undefined;
    if (below !== undefined && newStart < below.end) return undefined;
    v.pgoff -= (v.start - newStart) >>> PAGE_SHIFT;
    v.start = newStart;
    return v;
  }

  /**
   * brk(2): move the program break. Returns the new break, or the old one when the request is
   * refused (below start_brk, colliding with another mapping, out of memory), as Linux does.
   */
  /** Files this mm has mapped (filemap.ts's reverse map), forgotten when it is destroyed. */
  get mappedFiles(): Set<TmpfsFile> {
    return (this.mappedFilesSet ??= new Set());
  }

  setBrk(newBrk: number): number {
    return doBrk(this, newBrk);
  }

  /** fork's copy of this address space (dup_mmap); see fork.ts. */
  dup(): Mm {
    return dupMmap(this, new Mm(this.frames, this.kobjRegistry, "dup_mm"));
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
      out.set(new Uint8Array(view.buffer, view.byteOffset + off, n), done);
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
      new Uint8Array(view.buffer, view.byteOffset + off, n).set(bytes.subarray(done, done + n));
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

  /** Free every frame and mapping (exit or execve: the last user of the mm is gone). */
  destroy(): void {
    // forEach: a for-of over values() made an iterator result per pte (65,536 for 256 MiB).
    this.pt.forEach((pte) => this.frames.put(pte.frame));
    this.pt.clear();
    for (const v of this.vmas) backingPut(v.backing);
    this.vmas.length = 0;
    if (this.mappedFilesSet !== null) {
      for (const inode of this.mappedFilesSet) removeMapper(inode, this);
      this.mappedFilesSet.clear();
    }
    this.icache.clear();
    this.setExeFile(null);
    this.epoch++;
  }

  /** Replace exe_file, moving the inode reference (set_mm_exe_file). */
  setExeFile(e: ExeFile | null): void {
    exeInode(e)?.get();
    exeInode(this.exe)?.put();
    this.exe = e;
  }

  /** Pages currently backed by a frame of their own (not the zero page). */
  residentPages(): number {
    let n = 0;
    const zero = this.frames.zeroPage;
    this.pt.forEach((pte) => {
      if (pte.frame !== zero) n++;
    });
    return n;
  }
}
