// Memory objects: CPT_OBJ_PAGES (shared by mm, shm and inode), CPT_OBJ_VMA, CPT_OBJ_MM and
// CPT_OBJ_SYSV_SHM. Page bytes are passed through as views both ways (see layout.ts).
import { copyImageBytes, MM_EXT, pageMemoryRun, readExt, runView, writeExt, type MmRecord, type PageRecord, type ShmemRecord, type VmaBackingRecord, type VmaRecord } from "../../../core/cr/index.ts";
import {
  CPT_CONTENT_ARRAY, CPT_CONTENT_DATA, CPT_CONTENT_VOID, CPT_OBJ_COW_REFS, CPT_OBJ_MM, CPT_OBJ_PAGES, CPT_OBJ_SYSV_SHM,
  CPT_OBJ_VMA, CPT_PAGE_SIZE, OBJECT_HDR_SIZE, align8,
} from "./layout.ts";
import type { ImageReader } from "./reader.ts";
import { EncodeError, type ImageWriter } from "./writer.ts";

export function writePages(w: ImageWriter, pages: readonly PageRecord[], what: string): void {
  w.data(CPT_OBJ_PAGES, `${what} pages`, () => {
    w.u32(pages.length);
    w.u32(0);
  }, () => {
    for (const p of pages) w.u32(p.index, `${what} page index`);
    w.pad8();
    for (const p of pages) {
      if (p.data.length !== CPT_PAGE_SIZE) {
        throw new EncodeError(`${what} page ${p.index} has ${p.data.length} bytes, not ${CPT_PAGE_SIZE}`);
      }
      w.view(p.data);
    }
  });
}

/** Pages copied out of a lent image with one copy at most (a slab's worth, frame-pool.ts). */
const RUN_PAGES = 256;

/** CPT_OBJ_PAGES: each page's data is a view into the image, or a copy in pageMemory if it is lent. */
export function readPages(r: ImageReader, where: string): PageRecord[] {
  return r.object(CPT_OBJ_PAGES, CPT_CONTENT_DATA, where, (o) => {
    const n = r.count("cpt_count (pages)", CPT_PAGE_SIZE + 4, o.end);
    r.u32("padding");
    r.content(o);
    const table = r.pos;
    r.need(n * 4, `the index table of ${n} pages`);
    r.pos = align8(table + n * 4);
    const data = r.pos;
    r.need(n * CPT_PAGE_SIZE, `${n} pages of data`);
    const pages: PageRecord[] = new Array<PageRecord>(n);
    const image = r.image;
    const index = (i: number): number => r.dv.getUint32(table + i * 4, true);
    if (!r.lent) {
      for (let i = 0; i < n; i++) {
        const at = data + i * CPT_PAGE_SIZE;
        pages[i] = { index: index(i), data: (image as Uint8Array).subarray(at, at + CPT_PAGE_SIZE) };
      }
    } else {
      // Into page memory a run at a time: one copy per run of pages side by side (runs.ts).
      for (let i = 0; i < n;) {
        const run = pageMemoryRun(Math.min(n - i, RUN_PAGES));
        copyImageBytes(image, data + i * CPT_PAGE_SIZE, runView(run[0]!, run.length * CPT_PAGE_SIZE));
        for (const page of run) pages[i] = { index: index(i++), data: page };
      }
    }
    r.pos = data + n * CPT_PAGE_SIZE;
    return pages;
  });
}

const VMA_KINDS = ["anon", "stack", "heap", "elf", "vdso"] as const;
const BACKING_KINDS = ["anon", "shmem", "file"] as const;

function writeVma(w: ImageWriter, v: VmaRecord, what: string): void {
  w.leaf(CPT_OBJ_VMA, what, () => {
    w.num(v.start, "vma start"); w.num(v.end, "vma end");
    w.num(v.prot, "vma prot"); w.num(v.flags, "vma flags"); w.num(v.pgoff, "vma pgoff");
    w.u32(VMA_KINDS.indexOf(v.kind), "vma kind");
    const b = v.backing;
    w.u32(BACKING_KINDS.indexOf(b.kind), "vma backing kind");
    w.ref(b.kind === "shmem" ? b.shmemId : b.kind === "file" ? b.inodeId : null, "vma backing id");
    w.str(b.kind === "file" ? b.path : "", "vma path");
  });
}

function readVma(r: ImageReader, where: string): VmaRecord {
  return r.object(CPT_OBJ_VMA, CPT_CONTENT_VOID, where, () => {
    const start = r.num("vma start"); const end = r.num("vma end");
    const prot = r.num("vma prot"); const flags = r.num("vma flags"); const pgoff = r.num("vma pgoff");
    const kind = r.oneOf("vma kind", VMA_KINDS);
    const bk = r.oneOf("vma backing kind", BACKING_KINDS);
    const refAt = r.pos;
    const ref = r.ref("vma backing id");
    const path = r.str("vma path");
    if ((bk === "anon") !== (ref === null)) r.fail(`vma backing id at byte ${refAt} does not fit backing kind ${bk}`, refAt);
    let backing: VmaBackingRecord;
    if (bk === "shmem") backing = { kind: "shmem", shmemId: ref ?? 0 };
    else if (bk === "file") backing = { kind: "file", inodeId: ref ?? 0, path };
    else backing = { kind: "anon" };
    return { start, end, prot, flags, kind, backing, pgoff };
  });
}

export function writeMm(w: ImageWriter, m: MmRecord): void {
  const what = `mm ${m.id}`;
  w.parent(CPT_OBJ_MM, what, () => {
    w.ref(m.id, "mm id");
    w.num(m.startBrk, "startBrk"); w.num(m.brk, "brk"); w.num(m.startStack, "startStack"); w.num(m.mmapBase, "mmapBase");
    w.u32(m.vmas.length);
    writeExt(w, m, MM_EXT);
  }, () => {
    for (const v of m.vmas) writeVma(w, v, `${what} vma`);
    writePages(w, m.pages, what);
    w.data(CPT_OBJ_COW_REFS, `${what} copy-on-write references`, () => {
      w.u32(m.cowRefs.length);
      w.u32(0);
    }, () => {
      for (const c of m.cowRefs) {
        w.u32(c.index, `${what} copy-on-write page`);
        w.u32(c.pageId, `${what} copy-on-write page id`);
      }
    });
  });
}

function readCowRefs(r: ImageReader, where: string): MmRecord["cowRefs"] {
  return r.object(CPT_OBJ_COW_REFS, CPT_CONTENT_DATA, where, (o) => {
    const n = r.count("copy-on-write reference count", 8, o.end);
    r.u32("padding");
    r.content(o);
    const out: MmRecord["cowRefs"] = [];
    for (let i = 0; i < n; i++) out.push({ index: r.u32("copy-on-write page"), pageId: r.u32("copy-on-write page id") });
    return out;
  });
}

export function readMm(r: ImageReader, where: string): MmRecord {
  return r.object(CPT_OBJ_MM, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("mm id");
    const startBrk = r.num("startBrk"); const brk = r.num("brk");
    const startStack = r.num("startStack"); const mmapBase = r.num("mmapBase");
    const n = r.count("vma count", OBJECT_HDR_SIZE, o.end);
    const ext: Pick<MmRecord, (typeof MM_EXT)[number]> = {};
    readExt(r, r.fieldsLeft(), ext, MM_EXT);
    r.content(o);
    const vmas: VmaRecord[] = [];
    for (let i = 0; i < n; i++) vmas.push(readVma(r, `vma ${i} of mm ${id}`));
    const pages = readPages(r, `pages of mm ${id}`);
    const cowRefs = readCowRefs(r, `copy-on-write references of mm ${id}`);
    return { id, vmas, pages, cowRefs, startBrk, brk, startStack, mmapBase, ...ext };
  });
}

export function writeShmem(w: ImageWriter, s: ShmemRecord): void {
  w.parent(CPT_OBJ_SYSV_SHM, `shmem ${s.id}`, () => {
    w.ref(s.id, "shmem id");
    w.num(s.size, "shmem size");
  }, () => writePages(w, s.pages, `shmem ${s.id}`));
}

export function readShmem(r: ImageReader, where: string): ShmemRecord {
  return r.object(CPT_OBJ_SYSV_SHM, CPT_CONTENT_ARRAY, where, (o) => {
    const id = r.id("shmem id");
    const size = r.num("shmem size");
    r.content(o);
    return { id, size, pages: readPages(r, `pages of shmem ${id}`) };
  });
}
