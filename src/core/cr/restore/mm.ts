// Address spaces and shared memory from the model (model → kernel). Each mm is built once and
// shared by every task that named it; shared-memory objects are built once and mapped by every
// VMA that named them, so writes stay visible across processes after the restart.
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { addMapper } from "../../../machine/mm/filemap.ts";
import { PAGE_SIZE, type Frame } from "../../../machine/mm/frame.ts";
import { Mm } from "../../../machine/mm/mm.ts";
import { shareCode } from "../../../machine/mm/share-code.ts";
import { ShmemObject } from "../../../machine/mm/shmem.ts";
import { ANON, type VmaBacking } from "../../../machine/mm/vma.ts";
import type { Path } from "../../../machine/fs/inode.ts";
import type { TmpfsFile } from "../../../machine/fs/tmpfs/tmpfs.ts";
import { CrError, EINVAL, ENOMEM } from "../errors.ts";
import type { MmRecord, PageRecord, ShmemRecord } from "../model.ts";

/**
 * Frames for the pages of a model. With `adopt`, the page bytes are views into an image buffer
 * that nothing else uses (a decoder's, during a restart): the frames take them over instead of
 * copying them, one copy of the guest's memory less in time and in peak memory. Without it (a
 * model collected from live frames), every page is copied.
 */
function fill(k: Kernel, pages: PageRecord[], put: (index: number, f: Frame) => void, what: string, adopt: boolean): void {
  // Indexed, and no subarray for a page that is exactly one: for-of and the view made an
  // iterator result and a view per page (a 256 MiB guest has 65,536).
  for (let i = 0; i < pages.length; i++) {
    const p = pages[i]!;
    const whole = p.data.length === PAGE_SIZE;
    // A whole page copied in needs no zeroing first; a shorter one is zero-filled past its end.
    const adopted = adopt && whole;
    const f = adopted ? k.frames.adopt(p.data) : k.frames.alloc(!whole);
    if (f === null) throw new CrError(ENOMEM, `out of memory restoring ${what} (page ${p.index})`);
    if (!adopted) f.data.set(p.data.length <= PAGE_SIZE ? p.data : p.data.subarray(0, PAGE_SIZE));
    put(p.index, f);
  }
}

/** A shared-memory object with its pages; the caller owns its one reference. */
export function restoreShmem(k: Kernel, rec: ShmemRecord, adopt = false): ShmemObject {
  const obj = new ShmemObject(k.frames, k.frames.nextIno++, rec.size);
  try {
    fill(k, rec.pages, (i, f) => obj.cache.pages.set(i, f), `shared memory object ${rec.id}`, adopt);
  } catch (e) {
    obj.put();
    throw e;
  }
  return obj;
}

/** The copy-on-write shared pages, one frame each; the caller owns one reference on each. */
export function restoreCowPages(k: Kernel, pages: PageRecord[], adopt = false): Map<number, Frame> {
  const out = new Map<number, Frame>();
  try {
    fill(k, pages, (id, f) => out.set(id, f), "copy-on-write pages", adopt);
  } catch (e) {
    for (const f of out.values()) k.frames.put(f);
    throw e;
  }
  return out;
}

export interface MmRefs {
  /** A copy-on-write page by id. */
  cow(id: number): Frame;
  shmem(id: number): ShmemObject;
  file(id: number): { inode: TmpfsFile; path: Path };
}

/** The lookups of the objects mappings name, over what the restart has made; an id the image lacks is EINVAL. */
export function mmRefs(shmem: ReadonlyMap<number, ShmemObject>, paths: ReadonlyMap<number, Path>, cow: ReadonlyMap<number, Frame>): MmRefs {
  return {
    shmem(id) {
      const o = shmem.get(id);
      if (o === undefined) throw new CrError(EINVAL, `a mapping names shared memory ${id}, which the image does not have`);
      return o;
    },
    file(id) {
      const path = paths.get(id);
      if (path === undefined) throw new CrError(EINVAL, `a mapping names inode ${id}, which the image does not have`);
      return { inode: path.dentry.inode as TmpfsFile, path };
    },
    cow(id) {
      const f = cow.get(id);
      if (f === undefined) throw new CrError(EINVAL, `a mapping names copy-on-write page ${id}, which the image does not have`);
      return f;
    },
  };
}

/** An mm with its VMAs and private pages; the caller owns its one reference. */
export function restoreMm(k: Kernel, rec: MmRecord, refs: MmRefs, why: string, adopt = false): Mm {
  const mm = new Mm(k.frames, k.kobj, why);
  try {
    fillMm(k, mm, rec, rec.pages, refs, adopt);
  } catch (e) {
    k.kobj.put(mm, "restore failed");
    throw e;
  }
  return mm;
}

/**
 * Every mm of the image into `mms`: filled now, or, for the ids in `deferred`, made empty and
 * kept in `waiting` for fillMm on the filling task's CPU. Then one decoded copy of a forked
 * tree's shared text for all of them, as fork leaves it (share-code.ts).
 */
export function restoreMms(
  k: Kernel, recs: MmRecord[], refs: MmRefs, why: string, adopt: boolean, deferred: ReadonlySet<number> | undefined,
  mms: Map<number, Mm>, waiting: Map<number, MmRecord>,
): void {
  for (const rec of recs) {
    const what = `${why}: mm ${rec.id}`;
    if (deferred?.has(rec.id) !== true) mms.set(rec.id, restoreMm(k, rec, refs, what, adopt));
    else {
      mms.set(rec.id, new Mm(k.frames, k.kobj, what));
      waiting.set(rec.id, rec);
    }
  }
  shareCode(mms.values());
}

/**
 * An empty mm given record `rec`'s VMAs, layout, copy-on-write pages and the private pages
 * `pages`. Apart from restoreMm so that, in a parallel restore, the coordinator makes the mm (the
 * tasks that share it need it to exist) and the task that uses it first fills it on its own CPU,
 * as OpenVZ's per-task restore hook runs rst_mm in the new task's context. On a throw the mm is
 * partly filled: the caller drops it.
 */
export function fillMm(k: Kernel, mm: Mm, rec: MmRecord, pages: PageRecord[], refs: MmRefs, adopt: boolean): void {
  for (const v of rec.vmas) {
    let backing: VmaBacking = ANON;
    const b = v.backing;
    if (b.kind === "shmem") {
      const obj = refs.shmem(b.shmemId);
      obj.get(); // the VMA's reference
      backing = { kind: "shmem", obj };
    } else if (b.kind === "file") {
      const { inode, path } = refs.file(b.inodeId);
      inode.get(); // the VMA's user reference on the inode
      addMapper(inode, mm);
      backing = { kind: "file", inode, path };
    }
    mm.mapRegion(v.start, v.end - v.start, v.prot, v.flags, v.kind, backing, v.pgoff);
  }
  mm.startBrk = rec.startBrk;
  mm.brk = rec.brk;
  mm.startStack = rec.startStack;
  mm.mmapBase = rec.mmapBase;
  if (rec.exeInodeId !== undefined) {
    // exe_file again (set_mm_exe_file takes its reference). The segments that name the file
    // in /proc/PID/maps are not in the image: those lines stay as a restored mm had them.
    const { path } = refs.file(rec.exeInodeId);
    mm.setExeFile({ path, name: path.dentry.name, segments: [] });
  }
  mm.membarrierState = rec.membarrierState ?? 0;
  // Private pages belong to this mm alone: writable ptes, no copy-on-write pending.
  fill(k, pages, (vpn, f) => mm.pt.set(vpn, { frame: f, writable: true }), `mm ${rec.id}`, adopt);
  // Shared pages: read-only, so the first write copies (breakCow), as after the fork.
  for (const r of rec.cowRefs) mm.pt.set(r.index, { frame: k.frames.get(refs.cow(r.pageId)), writable: false });
  mm.epoch++;
}
