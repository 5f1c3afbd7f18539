// The `cpt` ImageCodec: OpenVZ's cpt_image.h layout (major header, sections of objects, a major
// tail indexing the sections). The layout, with its table of sections and objects, is in
// layout.ts; objects-*.ts encode and decode one kind of object each.
//
// The tail at the end indexes the sections by offset, which is what makes OpenVZ's reader seek:
// so the codec does not stream (streams = false) and a restart from a pipe is refused upstream.
// Here decode reads the sections in order and then checks that the tail agrees with where each
// one was found, so a damaged tail is caught as surely as a damaged section.
//
// Images are written with section CRCs (CPT_IMG_SECTION_CRC, layout.ts), and read with or
// without them. A section's CRC is checked once its objects have parsed: a length or type that
// does not add up gets its own, more precise message first, and nothing acts on the decoded
// objects before decode returns (the codec does not stream), so checking at the section's end
// still refuses the image before any of it is used.
import {
  crc32Combine, imageCrc32, imageCrc32Job, ImageError, type CrcJob, type ImageBytes, type ImageCodec, type ImageRecord, type LateImage,
} from "../../../core/cr/index.ts";
import {
  MODEL_ARCH, MODEL_PAGE_SIZE, MODEL_VERSION, type CheckpointModel,
} from "../../../core/cr/index.ts";
import {
  CPT_CONTENT_VOID, CPT_CURRENT_VERSION, CPT_FLAGS_AT, CPT_IMG_FLAGS_KNOWN, CPT_IMG_SECTION_CRC, CPT_NULL, SECTION_CRC_AT, SECTION_HDR_CRC_SIZE, CPT_OBJ_TRAILER, CPT_OS_ARCH_RISCV32, CPT_PAGE_SIZE,
  CPT_SECT_MAX_INDEX, CPT_SECT_SOCKET, CPT_SIGNATURE, KNOWN_ARCHES, MAJOR_HDR_SIZE, MAJOR_TAIL_SIZE, SECTION_HDR_SIZE,
  SECTION_ORDER, OPTIONAL_SECTIONS, CPT_SECT_TTY, cptVersionMajor, cptVersionMinor,
} from "./layout.ts";
import type { VeInfo } from "./objects-ns.ts";
import { ImageReader, TRUNCATED } from "./reader.ts";
import { cptRecords } from "./records.ts";
import { checkReferences, ObjectOffsets } from "./refs.ts";
import { readObjectInto, writeSection } from "./sections.ts";
import { EncodeError, ImageWriter } from "./writer.ts";

const hex = (v: number): string => `0x${v.toString(16).padStart(4, "0")}`;

function writeMajorHdr(w: ImageWriter, clock: number): void {
  for (const b of CPT_SIGNATURE) w.u8(b);
  w.u16(MAJOR_HDR_SIZE);
  w.u16(CPT_CURRENT_VERSION);
  w.u16(CPT_OS_ARCH_RISCV32);
  w.u16(CPT_IMG_SECTION_CRC);  // cpt_cptbench_flags (ours; OpenVZ's __cpt_pad1)
  w.u32(0); w.u32(0);          // cpt_ve_features, cpt_ve_features2
  w.u16(CPT_PAGE_SIZE);
  w.u16(0);                    // cpt_hz: virtual time has no tick
  w.num(clock, "meta.clock");  // cpt_start_jiffies64
  for (let i = 0; i < 10; i++) w.u32(0); // start_sec, start_nsec, cpu_caps[4], kernel_config[4]
  w.u64(0n);                   // cpt_iptables_mask
}

/** Checks the major header and returns the checkpoint clock and cpt_cptbench_flags. */
function readMajorHdr(r: ImageReader): { clock: number; flags: number } {
  const image = r.image;
  const sig = image.subarray(0, 4);
  if (sig.length < 4 || sig.some((b, i) => b !== CPT_SIGNATURE[i])) {
    const got = [...sig].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new ImageError(`not a cpt image: the signature at byte 0 is "${got}", expected "79 1c 01 63" (CPT_SIGNATURE0..3)`, 0);
  }
  r.need(MAJOR_HDR_SIZE, `the ${MAJOR_HDR_SIZE}-byte cpt_major_hdr`);
  const hdrlen = r.dv.getUint16(4, true);
  if (hdrlen !== MAJOR_HDR_SIZE) r.fail(`cpt_hdrlen at byte 4 is ${hdrlen}, expected ${MAJOR_HDR_SIZE}`, 4);
  const version = r.dv.getUint16(6, true);
  const ours = CPT_CURRENT_VERSION;
  if (cptVersionMajor(version) > cptVersionMajor(ours) ||
      (cptVersionMajor(version) === cptVersionMajor(ours) && cptVersionMinor(version) > cptVersionMinor(ours))) {
    throw new ImageError(`image version ${hex(version)} (byte 6) is newer than this cptbench reads (${hex(ours)}): restart it with the cptbench that wrote it`, 6);
  }
  if (cptVersionMajor(version) < cptVersionMajor(ours) || (version & 0x00f0) !== 0) {
    throw new ImageError(`image version ${hex(version)} (byte 6) is not one this cptbench reads (${hex(ours)}): take the checkpoint again with this version`, 6);
  }
  const arch = r.dv.getUint16(8, true);
  if (arch !== CPT_OS_ARCH_RISCV32) {
    const name = KNOWN_ARCHES[arch];
    const what = name === undefined ? `an unknown architecture (cpt_os_arch ${arch})` : `${name} (cpt_os_arch ${arch})`;
    throw new ImageError(`the image is for ${what} at byte 8; this cptbench restores ${MODEL_ARCH} images only (cpt_os_arch ${CPT_OS_ARCH_RISCV32})`, 8);
  }
  const flags = r.dv.getUint16(CPT_FLAGS_AT, true);
  if ((flags & ~CPT_IMG_FLAGS_KNOWN) !== 0) {
    r.fail(`cpt_cptbench_flags at byte ${CPT_FLAGS_AT} is ${hex(flags)}: flags ${hex(flags & ~CPT_IMG_FLAGS_KNOWN)} are not ones this cptbench knows (${hex(CPT_IMG_FLAGS_KNOWN)})`, CPT_FLAGS_AT);
  }
  const pageSize = r.dv.getUint16(20, true);
  if (pageSize !== CPT_PAGE_SIZE) {
    throw new ImageError(`the image's page size (cpt_pagesize, byte 20) is ${pageSize}, this cptbench uses ${CPT_PAGE_SIZE}-byte pages only`, 20);
  }
  r.pos = 24;
  const clock = r.num("cpt_start_jiffies64 (checkpoint clock)");
  r.pos = MAJOR_HDR_SIZE;
  return { clock, flags };
}

/**
 * The sum of a section's bytes after its cpt_crc32 field, started when its header is read: a big
 * section's (a guest's pages) is summed by the CRC worker while its objects are read and its pages
 * copied out, and checkSectionCrc takes it where it always checked, after them.
 */
function startSectionCrc(r: ImageReader, start: number, end: number): CrcJob {
  return imageCrc32Job(r.image, start + SECTION_CRC_AT + 4, end);
}

/** Checks a section's cpt_crc32: the bytes from `from` to its end, the field itself left out. */
function checkSectionCrc(r: ImageReader, from: number, start: number, end: number, where: string, rest: CrcJob): void {
  const image = r.image;
  const field = start + SECTION_CRC_AT;
  const stored = r.dv.getUint32(field, true);
  const got = crc32Combine(imageCrc32(image, from, field), rest.result(), end - field - 4);
  if (got !== stored) {
    const h = (v: number): string => `0x${v.toString(16).padStart(8, "0")}`;
    r.fail(`the ${where} fails its checksum: bytes ${from} to ${end} have CRC-32 ${h(got)}, its cpt_crc32 at byte ${field} says ${h(stored)}: the image was altered or damaged`, field);
  }
}

function writeTail(w: ImageWriter, starts: ReadonlyMap<number, number>): void {
  const o = w.begin(CPT_OBJ_TRAILER, CPT_CONTENT_VOID, "major tail");
  w.u32(0); w.u32(0);          // cpt_lazypages, cpt_64bit
  for (let id = 0; id < CPT_SECT_MAX_INDEX; id++) {
    const at = starts.get(id);
    if (at === undefined) w.u64(CPT_NULL);
    else w.num(at, "section offset");
  }
  w.u32(starts.size);
  for (const b of CPT_SIGNATURE) w.u8(b);
  w.endFields(o);
  w.end(o);
}

function readTail(r: ImageReader, starts: ReadonlyMap<number, number>): void {
  const left = r.image.length - r.pos;
  r.ctx = "major tail";
  r.need(MAJOR_TAIL_SIZE, `the ${MAJOR_TAIL_SIZE}-byte cpt_major_tail after the last section`);
  if (left > MAJOR_TAIL_SIZE) {
    r.fail(`${left - MAJOR_TAIL_SIZE} unexpected bytes after the last section and its tail: the image ends at byte ${r.image.length}, expected ${r.pos + MAJOR_TAIL_SIZE}`);
  }
  r.object(CPT_OBJ_TRAILER, CPT_CONTENT_VOID, "major tail", () => {
    for (const f of ["cpt_lazypages", "cpt_64bit"]) {
      const fAt = r.pos;
      if (r.u32(f) !== 0) r.fail(`${f} at byte ${fAt} is not 0: this cptbench writes neither lazy pages nor 64-bit images`, fAt);
    }
    for (let id = 0; id < CPT_SECT_MAX_INDEX; id++) {
      const at = r.pos;
      const v = r.u64(`cpt_sections[${id}]`);
      const want = starts.get(id);
      if (want === undefined ? v !== CPT_NULL : v !== BigInt(want)) {
        r.fail(`cpt_sections[${id}] at byte ${at} is ${v === CPT_NULL ? "CPT_NULL" : v}, but section ${id} ${want === undefined ? "is not in the image" : `is at byte ${want}`}`, at);
      }
    }
    const nsectAt = r.pos;
    const nsect = r.u32("cpt_nsect");
    if (nsect !== starts.size) r.fail(`cpt_nsect at byte ${nsectAt} is ${nsect}, the image has ${starts.size} sections`, nsectAt);
    const sigAt = r.pos;
    for (const b of CPT_SIGNATURE) if (r.u8("tail signature") !== b) r.fail(`the tail's cpt_signature at byte ${sigAt} is wrong`, sigAt);
  });
}

/** SECTION_ORDER with each optional section after its predecessor, if `present` says so (asked in order). */
function* withOptional(present: (id: number) => boolean): Generator<(typeof SECTION_ORDER)[number]> {
  for (const s of SECTION_ORDER) {
    yield s;
    for (const o of OPTIONAL_SECTIONS) if (o.after === s.id && present(o.id)) yield o;
  }
}

export class CptCodec implements ImageCodec {
  readonly name = "cpt";
  /** The major tail indexes sections by offset: reading it means seeking. */
  readonly streams = false;
  readonly formatVersion = CPT_CURRENT_VERSION;

  sniff(head: Uint8Array): boolean {
    return head.length >= 4 && CPT_SIGNATURE.every((b, i) => head[i] === b);
  }

  records(image: Uint8Array): ImageRecord[] {
    return cptRecords(image);
  }

  *encode(model: CheckpointModel): Generator<Uint8Array> {
    const w = this.layOut(model);
    w.seal();
    yield* w.chunks();
  }

  /**
   * For an image file (it can be patched): the chunks with the biggest section's cpt_crc32 left
   * zero while the CRC worker sums its pages beside the write, and the patch that fills it in.
   * The same bytes as encode once patched.
   */
  encodeLate(model: CheckpointModel): LateImage {
    const w = this.layOut(model);
    const patches = w.sealLate();
    return { write: (sink) => sink([...w.chunks()]), patches };
  }

  /** The whole image laid out in the writer, its section CRCs not yet filled in. */
  private layOut(model: CheckpointModel): ImageWriter {
    if (model.pageSize !== CPT_PAGE_SIZE) throw new EncodeError(`model page size ${model.pageSize}, the cpt format has ${CPT_PAGE_SIZE}`);
    const w = new ImageWriter();
    writeMajorHdr(w, model.meta.clock);
    const starts = new Map<number, number>();
    const present = (id: number): boolean =>
      id === CPT_SECT_TTY ? (model.ttys?.length ?? 0) > 0 : id === CPT_SECT_SOCKET ? (model.unixSocks?.length ?? 0) > 0 : true;
    for (const s of withOptional((id) => present(id))) {
      const sec = w.section(s.id, true);
      starts.set(s.id, sec.start);
      writeSection(w, s.id, model);
      sec.close();
    }
    writeTail(w, starts);
    return w;
  }

  decode(image: Uint8Array): CheckpointModel {
    return this.decodeImage(image, false);
  }

  /** The restart's read: the image is a reused buffer, so the model copies what it keeps. */
  decodeLent(image: ImageBytes): CheckpointModel {
    return this.decodeImage(image, true);
  }

  private decodeImage(image: ImageBytes, lent: boolean): CheckpointModel {
    const r = new ImageReader(image, lent);
    const { clock, flags } = readMajorHdr(r);
    const withCrc = (flags & CPT_IMG_SECTION_CRC) !== 0;
    const hdrSize = withCrc ? SECTION_HDR_CRC_SIZE : SECTION_HDR_SIZE;
    /** Where the next section's CRC coverage starts: the end of the previous section. */
    let covered = 0;
    const at = new ObjectOffsets();
    const m: CheckpointModel = {
      version: MODEL_VERSION, arch: MODEL_ARCH, pageSize: MODEL_PAGE_SIZE,
      meta: { clock, producer: "" },
      container: { initTaskId: 0, pidNsId: 0, treeRoot: "", freezerGroup: "" },
      pidNamespaces: [], pids: [], tasks: [], threadGroups: [], sighands: [], creds: [], mms: [], cowPages: [], shmem: [],
      inodes: [], tree: [], pipes: [], files: [], fdTables: [], fsContexts: [],
    };
    const veinfo: VeInfo[] = [];
    const starts = new Map<number, number>();
    // An optional section is there when the next section header names it.
    const nextId = (): number => (r.pos + 12 <= image.length ? r.dv.getUint32(r.pos + 8, true) : -1);
    for (const s of withOptional((id) => nextId() === id)) {
      const start = r.pos;
      const where = `${s.name} section`;
      r.ctx = where;
      // An optional section is there only when the next section header names it.
      r.need(hdrSize, `a ${hdrSize}-byte section header for the ${where}`);
      const next = r.dv.getUint32(start + 4, true) * 0x1_0000_0000 + r.dv.getUint32(start, true);
      const id = r.dv.getUint32(start + 8, true);
      const hdrlen = r.dv.getUint16(start + 12, true);
      if (id !== s.id) r.fail(`expected the ${where} (id ${s.id}) at byte ${start}, found section id ${id}`, start + 8);
      if (hdrlen !== hdrSize) r.fail(`section cpt_hdrlen at byte ${start + 12} is ${hdrlen}, expected ${hdrSize}${withCrc ? " (the image has section CRCs)" : ""}`, start + 12);
      if (next > image.length - start) {
        r.fail(`the image is truncated at byte ${image.length}: the ${where} at byte ${start} says it is ${next} bytes long (cpt_next), only ${image.length - start} remain (or that length is false)`, image.length, TRUNCATED);
      }
      if (next < hdrSize || next % 8 !== 0) r.fail(`section cpt_next at byte ${start} is ${next}: not a multiple of 8 of at least ${hdrSize}`, start);
      if (withCrc && r.dv.getUint32(start + SECTION_CRC_AT + 4, true) !== 0) r.fail(`the pad after cpt_crc32 at byte ${start + SECTION_CRC_AT + 4} is not zero`, start + SECTION_CRC_AT + 4);
      starts.set(s.id, start);
      const crc = withCrc ? startSectionCrc(r, start, start + next) : null;
      r.limit = start + next;
      r.pos = start + hdrSize;
      while (r.pos < r.limit) {
        const objAt = r.pos;
        at.set(readObjectInto(r, s.id, where, m, veinfo), objAt);
      }
      r.limit = image.length;
      r.ctx = where;
      if (crc !== null) checkSectionCrc(r, covered, start, start + next, where, crc);
      covered = start + next;
    }
    if (veinfo.length !== 1) r.fail(`the veinfo section holds ${veinfo.length} CPT_OBJ_VEINFO objects, expected exactly 1`, starts.get(SECTION_ORDER[0]!.id));
    const v = veinfo[0]!;
    m.container = v.container;
    m.meta.producer = v.producer;
    at.alias(m.container, v);
    const sockAt = starts.get(CPT_SECT_SOCKET);
    if (sockAt !== undefined && m.unixSocks === undefined) r.fail("the socket section holds no CPT_OBJ_SOCKET: an image without sockets has no socket section", sockAt);
    readTail(r, starts);
    checkReferences(m, at);
    return m;
  }
}
