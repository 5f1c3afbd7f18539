// One image per task, for parallel restart (REVIEW-CASES.md #14): the per-task layout a codec gains
// as a mode. The file is a small index, then the codec's own image of the container without the
// tasks' private pages (the "skeleton": namespaces, tree, shared objects, VMAs, copy-on-write and
// shared-memory pages), then one part per address space with its private pages. A creator that
// restores in parallel decodes the skeleton alone and lets each task's restore read its own part
// (kernel-fork does, on as many virtual CPUs as the machine has); any other reads it all. The
// layout needs seeking (the index points into the file), so it does not stream.
//
//   0   "CPTTASKS"                      8 bytes
//   8   u32 version (1), u32 parts      little-endian
//   16  u32 skeleton length
//   20  parts × { u32 mm id, u32 pages, u32 offset }   (offset from the start of the file)
//   ..  skeleton (the codec's image), then each part: pages × { u32 page index, 4096 bytes }
import { ImageError, type ImageCodec, type ImageRecord } from "./interfaces.ts";
import { MODEL_PAGE_SIZE, type CheckpointModel, type PageRecord } from "./model.ts";

const MAGIC = "CPTTASKS";
const VERSION = 1;
const HDR = 20;
const ENTRY = 12;
const PAGE_REC = 4 + MODEL_PAGE_SIZE;

export interface PerTaskParts {
  /** The model without private pages. */
  model: CheckpointModel;
  /** The private pages of mm `id`, read from its part of the image (views into it). */
  pages(id: number): PageRecord[];
  /** The page indices of mm `id`'s part, without the pages: what validation checks before any restore. */
  indices(id: number): number[];
}

/** The codec `inner` writing and reading one image per task. */
export class PerTaskCodec implements ImageCodec {
  readonly name: string;
  readonly streams = false;
  readonly perTask = true;

  readonly formatVersion?: number;

  constructor(readonly inner: ImageCodec) {
    this.name = inner.name;
    this.formatVersion = inner.formatVersion;
  }

  /** A per-task file whose skeleton is an image of the inner codec. */
  sniff(head: Uint8Array): boolean {
    if (!isPerTaskImage(head) || head.length < HDR) return false;
    const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(12, true);
    const skel = head.subarray(HDR + n * ENTRY);
    return skel.length > 0 && this.inner.sniff?.(skel) === true;
  }

  /** The index, the inner codec's records (shifted to file offsets, one level down) and the parts. */
  records(image: Uint8Array): ImageRecord[] {
    const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
    if (!isPerTaskImage(image) || image.length < HDR) throw new ImageError(`per-task image: no "${MAGIC}" header at byte 0`, 0);
    const n = dv.getUint32(12, true);
    const skelAt = HDR + n * ENTRY;
    const skelLen = dv.getUint32(16, true);
    if (skelAt + skelLen > image.length) throw new ImageError(`per-task image: the index and skeleton run past the end (${image.length} bytes)`, 12);
    const out: ImageRecord[] = [{ offset: 0, length: skelAt, type: -1, name: "per-task index", depth: 0 }];
    out.push({ offset: skelAt, length: skelLen, type: -1, name: `${this.inner.name} skeleton`, depth: 0 });
    for (const r of this.inner.records?.(image.subarray(skelAt, skelAt + skelLen)) ?? []) out.push({ ...r, offset: r.offset + skelAt, depth: r.depth + 1 });
    for (let i = 0; i < n; i++) {
      const at = HDR + i * ENTRY;
      out.push({ offset: dv.getUint32(at + 8, true), length: dv.getUint32(at + 4, true) * PAGE_REC, type: -1, name: `pages of mm ${dv.getUint32(at, true)}`, depth: 0 });
    }
    return out;
  }

  *encode(model: CheckpointModel): Generator<Uint8Array> {
    const skeleton = this.join(this.inner.encode({ ...model, mms: model.mms.map((m) => ({ ...m, pages: [] })) }));
    const head = new Uint8Array(HDR + ENTRY * model.mms.length);
    const dv = new DataView(head.buffer);
    for (let i = 0; i < 8; i++) head[i] = MAGIC.charCodeAt(i);
    dv.setUint32(8, VERSION, true);
    dv.setUint32(12, model.mms.length, true);
    dv.setUint32(16, skeleton.length, true);
    let off = head.length + skeleton.length;
    model.mms.forEach((m, i) => {
      // Parts hold pages at fixed strides: a page of another size would shift every later one.
      const odd = m.pages.find((p) => p.data.length !== MODEL_PAGE_SIZE);
      if (odd !== undefined) throw new ImageError(`page ${odd.index} of mm ${m.id} is ${odd.data.length} bytes, not ${MODEL_PAGE_SIZE}`);
      dv.setUint32(HDR + i * ENTRY, m.id, true);
      dv.setUint32(HDR + i * ENTRY + 4, m.pages.length, true);
      dv.setUint32(HDR + i * ENTRY + 8, off, true);
      off += m.pages.length * PAGE_REC;
    });
    if (off > 0xffffffff) throw new ImageError(`a per-task image of ${off} bytes does not fit its 32-bit offsets`);
    yield head;
    yield skeleton;
    const idx = new Uint8Array(4);
    for (const m of model.mms) {
      for (const p of m.pages) {
        new DataView(idx.buffer).setUint32(0, p.index, true);
        yield idx.slice();
        yield p.data;
      }
    }
  }

  decode(image: Uint8Array): CheckpointModel {
    const parts = this.split(image);
    return { ...parts.model, mms: parts.model.mms.map((m) => ({ ...m, pages: parts.pages(m.id) })) };
  }

  /** The skeleton decoded, and a reader of each mm's part: what a parallel restore needs. */
  split(image: Uint8Array): PerTaskParts {
    const fail = (msg: string, at: number): never => {
      throw new ImageError(`per-task image: ${msg}`, at);
    };
    if (image.length < HDR) fail(`${image.length} bytes is shorter than the ${HDR}-byte header`, 0);
    for (let i = 0; i < 8; i++) if (image[i] !== MAGIC.charCodeAt(i)) fail(`no "${MAGIC}" magic at byte 0: not a per-task image`, 0);
    const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
    const version = dv.getUint32(8, true);
    if (version !== VERSION) fail(`version ${version} at byte 8, this cptbench reads ${VERSION}`, 8);
    const n = dv.getUint32(12, true);
    const skelLen = dv.getUint32(16, true);
    const skelAt = HDR + n * ENTRY;
    if (skelAt + skelLen > image.length) fail(`the index of ${n} parts and a ${skelLen}-byte skeleton run past the end (${image.length} bytes)`, 12);
    const model = this.inner.decode(image.subarray(skelAt, skelAt + skelLen));
    const parts = new Map<number, { pages: number; offset: number }>();
    let expect = skelAt + skelLen;
    for (let i = 0; i < n; i++) {
      const at = HDR + i * ENTRY;
      const id = dv.getUint32(at, true);
      const pages = dv.getUint32(at + 4, true);
      const offset = dv.getUint32(at + 8, true);
      if (!model.mms.some((m) => m.id === id)) fail(`part ${i} (byte ${at}) names mm ${id}, which the skeleton does not have`, at);
      if (parts.has(id)) fail(`mm ${id} has two parts (byte ${at})`, at);
      if (offset !== expect) fail(`part ${i} (mm ${id}) starts at byte ${offset}, expected ${expect}`, at + 8);
      expect = offset + pages * PAGE_REC;
      if (expect > image.length) fail(`part ${i} (mm ${id}): ${pages} pages run past the end of the image`, at + 4);
      parts.set(id, { pages, offset });
    }
    if (expect !== image.length) fail(`${image.length - expect} bytes after the last part`, expect);
    if (parts.size !== model.mms.length) fail(`${model.mms.length - parts.size} of the skeleton's mms have no part`, 12);
    return {
      model,
      pages(id: number): PageRecord[] {
        const p = parts.get(id);
        if (p === undefined) throw new ImageError(`per-task image: no part for mm ${id}`);
        const out: PageRecord[] = [];
        for (let j = 0; j < p.pages; j++) {
          const at = p.offset + j * PAGE_REC;
          out.push({ index: dv.getUint32(at, true), data: image.subarray(at + 4, at + PAGE_REC) });
        }
        return out;
      },
      indices(id: number): number[] {
        const p = parts.get(id);
        if (p === undefined) throw new ImageError(`per-task image: no part for mm ${id}`);
        return Array.from({ length: p.pages }, (_, j) => dv.getUint32(p.offset + j * PAGE_REC, true));
      },
    };
  }

  private join(chunks: Iterable<Uint8Array>): Uint8Array {
    const list = [...chunks];
    const out = new Uint8Array(list.reduce((s, c) => s + c.length, 0));
    let off = 0;
    for (const c of list) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Whether `head` starts with the per-task layout's magic. */
export function isPerTaskImage(head: Uint8Array): boolean {
  if (head.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (head[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

/** The per-task form of a codec, if it is one. */
export function asPerTask(codec: ImageCodec): PerTaskCodec | null {
  return codec instanceof PerTaskCodec ? codec : null;
}
