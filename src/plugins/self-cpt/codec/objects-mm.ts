// Memory: CKPT_HDR_MM (mm_struct: layout numbers and copy-on-write references) with its
// CKPT_HDR_VMA and CKPT_HDR_PGARR children, CKPT_HDR_SHMEM (shared anonymous memory) with its
// page arrays, and CKPT_HDR_COW_PAGE (a page shared copy-on-write between mms, written once, at
// the first mm that maps it). Page data is bulk: written as the model's own views, read as views
// into a chunk the decoder may keep, else copied into the memory the restored frames adopt.
import { MM_EXT, readExt, writeExt, type MmRecord, type PageRecord, type ShmemRecord, type VmaBackingRecord, type VmaRecord } from "../../../core/cr/index.ts";
import type { ModelBuilder } from "./build.ts";
import {
  CKPT_HDR_COW_PAGE, CKPT_HDR_MM, CKPT_HDR_PGARR, CKPT_HDR_SHMEM, CKPT_HDR_VMA, CKPT_PAGE_SIZE, CKPT_PGARR_MAX,
} from "./layout.ts";
import type { ObjRefs } from "./objhash.ts";
import { u32le, type FieldReader } from "./reader.ts";
import { EncodeError, type RecordWriter } from "./writer.ts";

function checkPage(p: PageRecord, what: string): void {
  if (p.data.length !== CKPT_PAGE_SIZE) throw new EncodeError(`${what} page ${p.index}: ${p.data.length} bytes, not ${CKPT_PAGE_SIZE}`);
}

/**
 * The pages as CKPT_HDR_PGARR records: an array ends at CKPT_PGARR_MAX pages, or where the
 * indices stop increasing (a collected model's never do; any other model is written as it is).
 */
export function writePages(w: RecordWriter, pages: readonly PageRecord[], what: string): void {
  for (let from = 0; from < pages.length;) {
    checkPage(pages[from]!, what);
    let to = from + 1;
    while (to < pages.length && to - from < CKPT_PGARR_MAX && pages[to]!.index > pages[to - 1]!.index) checkPage(pages[to++]!, what);
    w.pageArray(pages, from, to, what);
    from = to;
  }
}

/**
 * A CKPT_HDR_PGARR's fields, read into `pages` with the bytes of each page in `data` (as many as
 * h.len makes room for, which the decoder checked nr_pages against before it took any memory):
 * no more pages than the `left` its parent still announces, indices strictly increasing.
 */
function readPageArray(r: FieldReader, data: readonly Uint8Array[], left: number, pages: PageRecord[], what: string): number {
  const at = r.here();
  const n = r.u32("nr_pages");
  r.pad();
  if (n !== data.length) r.fail(`nr_pages at byte ${at} is ${n}, but h.len makes room for ${data.length} pages`, at);
  if (n > left) r.fail(`nr_pages at byte ${at} is ${n}, but only ${left} more ${what} were announced`, at);
  // The indices as one view, decoded here rather than by a FieldReader call each (65,536 of them in 256 MiB).
  const base = r.here();
  const b = r.bytes(4 * n, "page indices");
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const index = u32le(b, 4 * i);
    if (index <= prev) {
      r.fail(`page index ${i} at byte ${base + 4 * i} is ${index}, not above the one before it (${prev}): a page array's indices are strictly increasing`, base + 4 * i);
    }
    prev = index;
    pages.push({ index, data: data[i]! });
  }
  if (n % 2 === 1) r.pad();
  r.done();
  return n;
}

/** The CKPT_HDR_PGARR children that carry `n` pages into `pages`. */
export function pageChildren(b: ModelBuilder, pages: PageRecord[], n: number, what: string): void {
  b.children([{
    type: CKPT_HDR_PGARR, left: n, what,
    takePages: (r, data, left) => readPageArray(r, data, left, pages, what),
  }]);
}

export function writeCowPage(w: RecordWriter, refs: ObjRefs, p: PageRecord, slot: number): void {
  checkPage(p, "copy-on-write");
  w.record(CKPT_HDR_COW_PAGE, `cow page ${p.index}`, () => {
    w.u32(refs.assign("cow page", p.index), "objref"); w.u32(slot, "slot"); w.u32(p.index, "page id"); w.pad();
    w.view(p.data);
  });
}

export function readCowPage(b: ModelBuilder, r: FieldReader, data: Uint8Array): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), index = r.u32("page id");
  b.objs.define(r, "cow page", objref, index, at);
  r.pad();
  r.done();
  b.place("cowPages", slot, { index, data }, r, at);
}

export function writeShmem(w: RecordWriter, refs: ObjRefs, s: ShmemRecord, slot: number): void {
  const what = `shmem ${s.id}`;
  w.record(CKPT_HDR_SHMEM, what, () => {
    w.u32(refs.assign("shmem", s.id), "objref"); w.u32(slot, "slot"); w.u32(s.id, "shmem id");
    w.u32(s.pages.length, "page count");
    w.num(s.size, "size");
  });
  writePages(w, s.pages, what);
}

export function readShmem(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("shmem id");
  b.objs.define(r, "shmem", objref, id, at);
  const n = r.u32("page count");
  const s: ShmemRecord = { id, size: r.num("size"), pages: [] };
  r.done();
  b.place("shmem", slot, s, r, at);
  pageChildren(b, s.pages, n, `pages of shmem ${id}`);
}

const VMA_KINDS = ["anon", "stack", "heap", "elf", "vdso"] as const;
const BACKINGS = ["anon", "shmem", "file"] as const;

function writeVma(w: RecordWriter, refs: ObjRefs, v: VmaRecord, what: string): void {
  w.record(CKPT_HDR_VMA, what, () => {
    w.u32(VMA_KINDS.indexOf(v.kind), "vma kind");
    const b = v.backing;
    w.u32(BACKINGS.indexOf(b.kind), "backing kind");
    w.u32(b.kind === "shmem" ? refs.ref("shmem", b.shmemId, what) : b.kind === "file" ? refs.ref("inode", b.inodeId, what) : 0, "backing");
    w.pad();
    w.num(v.start, "start"); w.num(v.end, "end"); w.num(v.prot, "prot"); w.num(v.flags, "flags"); w.num(v.pgoff, "pgoff");
    w.str(b.kind === "file" ? b.path : "", "path");
  });
}

function readVma(b: ModelBuilder, r: FieldReader): VmaRecord {
  const kind = r.oneOf("vma kind", VMA_KINDS);
  const bk = r.oneOf("backing kind", BACKINGS);
  const refAt = r.here();
  const ref = r.u32("backing");
  r.pad();
  const v = { start: r.num("start"), end: r.num("end"), prot: r.num("prot"), flags: r.num("flags"), kind, pgoff: 0 };
  v.pgoff = r.num("pgoff");
  const pathAt = r.here();
  const path = r.str("path");
  r.done();
  let backing: VmaBackingRecord;
  if (bk === "anon") {
    if (ref !== 0) r.fail(`backing at byte ${refAt} is objref ${ref} for an anonymous vma`, refAt);
    backing = { kind: "anon" };
  } else if (bk === "shmem") {
    backing = { kind: "shmem", shmemId: b.objs.resolve(r, "shmem", "backing", ref, refAt) };
  } else {
    backing = { kind: "file", inodeId: b.objs.resolve(r, "inode", "backing", ref, refAt), path };
  }
  if (bk !== "file" && path !== "") r.fail(`path at byte ${pathAt} is set for a vma that is not file-backed`, pathAt);
  return { start: v.start, end: v.end, prot: v.prot, flags: v.flags, kind, backing, pgoff: v.pgoff };
}

/** The mm, its vmas and pages; its shmem, inodes and cow pages must have been written before. */
export function writeMm(w: RecordWriter, refs: ObjRefs, mm: MmRecord, slot: number): void {
  const what = `mm ${mm.id}`;
  w.record(CKPT_HDR_MM, what, () => {
    w.u32(refs.assign("mm", mm.id), "objref"); w.u32(slot, "slot"); w.u32(mm.id, "mm id");
    w.u32(mm.vmas.length, "vma count"); w.u32(mm.pages.length, "page count"); w.u32(mm.cowRefs.length, "cow ref count");
    w.num(mm.startBrk, "startBrk"); w.num(mm.brk, "brk"); w.num(mm.startStack, "startStack"); w.num(mm.mmapBase, "mmapBase");
    for (const c of mm.cowRefs) {
      w.u32(c.index, "cow ref page");
      w.u32(refs.ref("cow page", c.pageId, what), "cow page");
    }
    // After the cow refs, only when there is one: the executable's inode (by objref), membarrier registrations.
    writeExt(w, { exeInodeId: mm.exeInodeId === undefined ? undefined : refs.ref("inode", mm.exeInodeId, `${what} exe`), membarrierState: mm.membarrierState }, MM_EXT);
  });
  mm.vmas.forEach((v, i) => writeVma(w, refs, v, `${what} vma ${i}`));
  writePages(w, mm.pages, what);
}

export function readMm(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot"), id = r.u32("mm id");
  b.objs.define(r, "mm", objref, id, at);
  const nv = r.u32("vma count"), np = r.u32("page count");
  const mm: MmRecord = { id, vmas: [], pages: [], cowRefs: [], startBrk: 0, brk: 0, startStack: 0, mmapBase: 0 };
  const nc = r.u32("cow ref count");
  mm.startBrk = r.num("startBrk"); mm.brk = r.num("brk"); mm.startStack = r.num("startStack"); mm.mmapBase = r.num("mmapBase");
  // The cow refs fill the record, or are followed by the extension (at least its 8-byte mask).
  const rest = r.left() - nc * 8;
  if (rest !== 0 && rest < 8) r.fail(`cow ref count ${nc} at byte ${at + 20} does not match the ${r.left()} bytes of cow refs after it`, at + 20);
  for (let i = 0; i < nc; i++) mm.cowRefs.push({ index: r.u32("cow ref page"), pageId: b.objs.ref(r, "cow page", "cow page") });
  const ext: Pick<MmRecord, (typeof MM_EXT)[number]> = {};
  const extAt = r.here();
  readExt(r, r.left(), ext, MM_EXT);
  if (ext.exeInodeId !== undefined) mm.exeInodeId = b.objs.resolve(r, "inode", "exe", ext.exeInodeId, extAt);
  if (ext.membarrierState !== undefined) mm.membarrierState = ext.membarrierState;
  r.done();
  b.place("mms", slot, mm, r, at);
  b.children([{ type: CKPT_HDR_VMA, left: nv, what: `vmas of mm ${id}`, take: (c) => { mm.vmas.push(readVma(b, c)); } }]);
  pageChildren(b, mm.pages, np, `pages of mm ${id}`);
}
