// Address spaces into the model: every VMA with its backing, and the pages only this mm holds.
// Pages that still map a shared object's or a file's page cache are left out (they re-fault from
// it after restart, which is what keeps them shared); the zero page is left out (demand zero).
// Page data are views of the live frames, not copies: the model is to be encoded while the tasks
// are stopped, since a frame freed later (its task exits) gives its memory back to the host pool
// (mm/frame-pool.ts) for other frames to reuse.
import { mmExt } from "./task-state.ts";
import type { Mm } from "../../../machine/mm/mm.ts";
import { PAGE_SHIFT, type Frame } from "../../../machine/mm/frame.ts";
import type { ShmemObject } from "../../../machine/mm/shmem.ts";
import { PROT_WRITE, VM_MAYWRITE, VM_SHARED, type Vma } from "../../../machine/mm/vma.ts";
import { TmpfsFile } from "../../../machine/fs/tmpfs/tmpfs.ts";
import type { Path } from "../../../machine/fs/inode.ts";
import type { MmRecord, PageRecord, ShmemRecord, VmaRecord } from "../model.ts";
import { IdMap } from "./ids.ts";
import { CrError, EFAULT, EOPNOTSUPP } from "../errors.ts";

export interface MmCollector {
  readonly mmIds: IdMap<Mm>;
  /** Frames mapped copy-on-write by more than one pte: recorded once, by id. */
  readonly cowIds: IdMap<Frame>;
  readonly cowPages: PageRecord[];
  readonly shmemIds: IdMap<ShmemObject>;
  readonly mms: MmRecord[];
  readonly shmem: ShmemRecord[];
  /**
   * The deliberate bug "zero-page-abort": a pte mapping the zero page (anonymous memory read,
   * never written) aborts the checkpoint, as the reviewed patch did, instead of being left out.
   */
  readonly zeroPageAbort?: boolean;
  /** Files mapped by a VMA: the files collector gives them an inode id. */
  inodeId(inode: TmpfsFile, path: string): number;
  /** Whether that inode is a linked host file outside the container's tree. */
  isExternal(inodeId: number): boolean;
}

function pagesOf(cache: { entries(): Iterable<[number, { data: Uint8Array }]> }): PageRecord[] {
  return [...cache.entries()].sort((a, b) => a[0] - b[0]).map(([index, f]) => ({ index, data: f.data }));
}

function vmaRecord(c: MmCollector, v: Vma, path: (v: Vma) => string): VmaRecord {
  const b = v.backing;
  let backing: VmaRecord["backing"];
  if (b.kind === "anon") backing = { kind: "anon" };
  else if (b.kind === "shmem") {
    const { id, fresh } = c.shmemIds.lookup(b.obj);
    if (fresh) c.shmem.push({ id, size: b.obj.size, pages: pagesOf(b.obj.cache.pages) });
    backing = { kind: "shmem", shmemId: id };
  } else {
    const p = path(v);
    const inodeId = c.inodeId(b.inode, p);
    // restore/confine.ts never maps a host file shared and writable: refused here instead, cleanly.
    const writable = (v.flags & VM_SHARED) !== 0 && ((v.prot & PROT_WRITE) !== 0 || (v.flags & VM_MAYWRITE) !== 0);
    if (writable && c.isExternal(inodeId)) throw new CrError(EOPNOTSUPP, `a shared writable mapping of ${p}, outside the container's tree: a restart never maps host files for writing, so it cannot be checkpointed`);
    backing = { kind: "file", inodeId, path: p };
  }
  return { start: v.start, end: v.end, prot: v.prot, flags: v.flags, kind: v.kind, backing, pgoff: v.pgoff };
}

/** The mm's id, recording it the first time it is met. */
export function collectMm(c: MmCollector, mm: Mm, path: (v: Vma) => string, name: (p: Path) => string): number {
  const { id, fresh } = c.mmIds.lookup(mm);
  if (!fresh) return id;
  // Reserve the slot first: ids are positions, and collecting may record other objects.
  const rec: MmRecord = {
    id, vmas: [], pages: [], cowRefs: [], startBrk: mm.startBrk, brk: mm.brk, startStack: mm.startStack, mmapBase: mm.mmapBase,
    ...mmExt(mm),
  };
  c.mms.push(rec);
  rec.vmas = mm.vmas.map((v) => vmaRecord(c, v, path));
  // The executable, so /proc/PID/exe names it again after a restart (selfexe00). Only a tmpfs
  // file can be an inode of the model; any other (a program started from bytes) stays without.
  const exe = mm.exe?.path ?? null;
  if (exe !== null && exe.dentry.inode instanceof TmpfsFile) rec.exeInodeId = c.inodeId(exe.dentry.inode, name(exe));
  const zero = mm.frames.zeroPage;
  const pages: PageRecord[] = [];
  // Ptes come mostly in address order, runs of them in one VMA: the last VMA found is tried
  // first, and the records are sorted only when they did not come in order. forEach, not for-of:
  // for-of over the Map made an entry array and an iterator result per pte (8.5 MiB of garbage
  // for a 256 MiB guest, a quarter of what its checkpoint allocated).
  let v: Vma | undefined;
  let sorted = true;
  let last = -1;
  mm.pt.forEach((pte, vpn) => {
    if (pte.frame === zero) {
      if (c.zeroPageAbort === true) throw new CrError(EFAULT, `page 0x${(vpn << PAGE_SHIFT >>> 0).toString(16)} maps the ZERO_PAGE (read, never written): cannot dump it`);
      return;
    }
    const addr = vpn << PAGE_SHIFT;
    if (v === undefined || addr < v.start || addr >= v.end) v = mm.findVma(addr);
    if (v === undefined) return;
    const b = v.backing;
    const pgoff = vpn - (v.start >>> PAGE_SHIFT) + v.pgoff;
    if (b.kind === "shmem" && b.obj.cache.find(pgoff) === pte.frame) return;
    if (b.kind === "file" && b.inode.cache.find(pgoff) === pte.frame) return;
    if (pte.frame.refs > 1) {
      // Shared copy-on-write (with a sibling after fork, or with a task outside): kept once.
      const { id: pageId, fresh } = c.cowIds.lookup(pte.frame);
      if (fresh) c.cowPages.push({ index: pageId, data: pte.frame.data });
      rec.cowRefs.push({ index: vpn, pageId });
    } else {
      if (vpn < last) sorted = false;
      last = vpn;
      pages.push({ index: vpn, data: pte.frame.data });
    }
  });
  if (!sorted) pages.sort((a, b) => a.index - b.index);
  rec.pages = pages;
  rec.cowRefs.sort((a, b) => a.index - b.index);
  return id;
}
