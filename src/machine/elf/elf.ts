// ELF32 parser for RISC-V Linux executables: validates and describes, never loads. The
// kernel's exec code maps the segments from the ElfImage this returns.
//
// Every failure is an ElfError with a stable `code` and a message naming the offending value
// in hex and what to do about it. Every DataView read comes after a length check, so a
// truncated or mutated file can only ever produce an ElfError (never a RangeError).
//
// What is (and deliberately is not) checked, mirroring what Linux's binfmt_elf needs:
//  - e_ident (magic, ELFCLASS32, little endian, EV_CURRENT), e_version, e_machine = EM_RISCV,
//    e_type ET_EXEC or ET_DYN, e_ehsize = 52, e_phentsize = 32, 1 <= e_phnum, the table no
//    larger than 64 KiB (Linux's limit), the table inside the file.
//  - PT_INTERP anywhere: rejected (dynamically linked); ET_DYN without it is a static-pie.
//  - each PT_LOAD: filesz <= memsz, [vaddr, vaddr+memsz) within 4 GiB, p_align 0 or a power
//    of two, vaddr = offset (mod 4096), file bytes [offset, offset+filesz) inside the file;
//    no two PT_LOADs share a byte of memory (sharing a page is fine and common).
//  - e_entry inside a PT_LOAD with PF_X, and 2-byte aligned (IALIGN=16 with the C extension).
//  - PT_PHDR, when present, must describe the table as actually mapped by some PT_LOAD.
// Not checked: section headers (exec never reads them), non-PT_LOAD file ranges (ignored by
// Linux too), e_flags (returned as is; describeElf decodes it), EI_OSABI.
import { CptbenchError } from "../errors.ts";
import {
  BUILD_HINT,
  ELF32_EHDR_SIZE,
  ELF32_PHDR_SIZE,
  ELF_PAGE_SIZE,
  EM_RISCV,
  ET_CORE,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  FOUR_GIB,
  MAX_PHDR_TABLE,
  PF_R,
  PF_W,
  PF_X,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_PHDR,
  hex,
  machineName,
} from "./constants.ts";

export {
  EF_RISCV_FLOAT_ABI,
  EF_RISCV_RVC,
  EF_RISCV_RVE,
  EF_RISCV_TSO,
  ELF32_EHDR_SIZE,
  ELF32_PHDR_SIZE,
  ELF_PAGE_SIZE,
  EM_RISCV,
  ET_CORE,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  PF_R,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  PT_NULL,
  PT_PHDR,
  PT_TLS,
} from "./constants.ts";
export { describeElf } from "./describe.ts";

/** Every code an ElfError can carry; stable, so programs and tests can match on them. */
export const ELF_ERROR_CODES = [
  "ELF_NOT_ELF",
  "ELF_CLASS64",
  "ELF_BIG_ENDIAN",
  "ELF_BAD_IDENT", // EI_CLASS / EI_DATA hold a value that is neither 32/64-bit nor LE/BE
  "ELF_BAD_VERSION",
  "ELF_WRONG_MACHINE",
  "ELF_NOT_EXECUTABLE",
  "ELF_DYNAMIC",
  "ELF_TRUNCATED",
  "ELF_BAD_HEADER", // e_ehsize is not 52
  "ELF_BAD_PHDR",
  "ELF_SEGMENT_OUTSIDE_FILE",
  "ELF_SEGMENT_OVERLAP",
  "ELF_BAD_SEGMENT",
  "ELF_NO_LOAD",
  "ELF_ENTRY_NOT_EXECUTABLE",
] as const;
export type ElfErrorCode = (typeof ELF_ERROR_CODES)[number];

export class ElfError extends CptbenchError {
  declare readonly code: ElfErrorCode;
  constructor(code: ElfErrorCode, message: string) {
    super(code, message);
  }
}

export interface ElfSegmentFlags {
  readonly r: boolean;
  readonly w: boolean;
  readonly x: boolean;
}

/** One PT_LOAD. For a "pie" image every address is relative to the kernel-chosen load bias. */
export interface ElfSegment {
  readonly vaddr: number;
  readonly memsz: number;
  readonly offset: number;
  readonly filesz: number;
  readonly flags: ElfSegmentFlags;
  /** p_align as written (0 and 1 both mean "no constraint"). */
  readonly align: number;
}

export interface ElfImage {
  /** "exec": ET_EXEC at fixed addresses. "pie": ET_DYN without PT_INTERP (static-pie). */
  readonly type: "exec" | "pie";
  readonly entry: number;
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  /**
   * Where the program header table is visible in the loaded image (for AT_PHDR): PT_PHDR's
   * p_vaddr if present, else the address at which the PT_LOAD whose file bytes cover
   * [phoff, phoff + phnum*phentsize) maps it. undefined when no PT_LOAD maps the table: the
   * loader must then copy the table (the bytes at phoff) somewhere in guest memory itself
   * (e.g. onto the initial stack) and point AT_PHDR there.
   */
  readonly phdrAddr: number | undefined;
  /** PT_LOAD segments only, in program-header-table order. */
  readonly segments: readonly ElfSegment[];
  /** e_flags (EF_RISCV_*). */
  readonly flags: number;
  /** true iff a PT_GNU_STACK asks for an executable stack; false when absent (RISC-V default). */
  readonly hasGnuStackExec: boolean;
}

// ---- parser ----

export function parseElf(bytes: Uint8Array): ElfImage {
  const size = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (off: number): number => view.getUint16(off, true);
  const u32 = (off: number): number => view.getUint32(off, true);

  checkIdent(bytes, view);
  if (size < ELF32_EHDR_SIZE) {
    throw new ElfError(
      "ELF_TRUNCATED",
      `the file is ${hex(size)} bytes, shorter than the ${hex(ELF32_EHDR_SIZE)}-byte ELF32 header: the file is truncated or corrupt`,
    );
  }

  const eType = u16(16);
  const eMachine = u16(18);
  const eVersion = u32(20);
  const entry = u32(24);
  const phoff = u32(28);
  const flags = u32(36);
  const ehsize = u16(40);
  const phentsize = u16(42);
  const phnum = u16(44);

  if (eVersion !== 1) {
    throw new ElfError("ELF_BAD_VERSION", `e_version is ${hex(eVersion)}, expected 0x1 (EV_CURRENT): the file is corrupt or not a standard ELF`);
  }
  if (eMachine !== EM_RISCV) {
    throw new ElfError(
      "ELF_WRONG_MACHINE",
      `the program is built for ${machineName(eMachine)}, not RISC-V (${hex(EM_RISCV)}): ${BUILD_HINT}`,
    );
  }
  checkType(eType);
  if (ehsize !== ELF32_EHDR_SIZE) {
    throw new ElfError("ELF_BAD_HEADER", `e_ehsize is ${hex(ehsize)}, expected ${hex(ELF32_EHDR_SIZE)} for ELF32: the file is corrupt`);
  }

  // ---- program header table ----
  if (phnum === 0) {
    throw new ElfError("ELF_NO_LOAD", "the file has no program headers (e_phnum 0), so nothing to load: link it into an executable (a .o or a stripped-of-headers file cannot run)");
  }
  if (phentsize !== ELF32_PHDR_SIZE) {
    throw new ElfError("ELF_BAD_PHDR", `e_phentsize is ${hex(phentsize)}, expected ${hex(ELF32_PHDR_SIZE)} for ELF32: the file is corrupt`);
  }
  const tableSize = phnum * phentsize;
  if (tableSize > MAX_PHDR_TABLE) {
    throw new ElfError(
      "ELF_BAD_PHDR",
      `e_phnum ${hex(phnum)} makes a ${hex(tableSize)}-byte program header table, larger than Linux's limit ${hex(MAX_PHDR_TABLE)}: the file is corrupt`,
    );
  }
  if (phoff < ELF32_EHDR_SIZE) {
    throw new ElfError("ELF_BAD_PHDR", `e_phoff ${hex(phoff)} places the program header table inside the ELF header: the file is corrupt`);
  }
  if (phoff + tableSize > size) {
    throw new ElfError(
      "ELF_TRUNCATED",
      `the program header table (e_phoff ${hex(phoff)}, ${hex(phnum)} entries of ${hex(phentsize)} bytes) extends past the end of the file (size ${hex(size)}): the file is truncated or corrupt`,
    );
  }

  interface RawPhdr {
    type: number;
    offset: number;
    vaddr: number;
    filesz: number;
    memsz: number;
    flags: number;
    align: number;
  }
  const phdrs: RawPhdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    phdrs.push({
      type: u32(p),
      offset: u32(p + 4),
      vaddr: u32(p + 8),
      filesz: u32(p + 16),
      memsz: u32(p + 20),
      flags: u32(p + 24),
      align: u32(p + 28),
    });
  }

  // PT_INTERP first: "dynamically linked" is the actionable diagnosis even if more is wrong.
  const interp = phdrs.find((p) => p.type === PT_INTERP);
  if (interp !== undefined) {
    const path = readInterpPath(bytes, interp.offset, interp.filesz);
    throw new ElfError(
      "ELF_DYNAMIC",
      `the program is dynamically linked (PT_INTERP${path === undefined ? "" : ` "${path}"`}), and cptbench has no dynamic loader: link it with -static (or -static-pie)`,
    );
  }

  // ---- PT_LOAD segments ----
  const segments: ElfSegment[] = [];
  const loadIndex: number[] = []; // program header index of each segment, for messages
  for (let i = 0; i < phnum; i++) {
    const p = phdrs[i];
    if (p.type !== PT_LOAD) continue;
    const where = `segment ${i} (vaddr ${hex(p.vaddr)}, offset ${hex(p.offset)}, filesz ${hex(p.filesz)}, memsz ${hex(p.memsz)})`;
    if (p.filesz > p.memsz) {
      throw new ElfError("ELF_BAD_SEGMENT", `${where} has filesz larger than memsz: the file is corrupt`);
    }
    if (p.vaddr + p.memsz > FOUR_GIB) {
      throw new ElfError("ELF_BAD_SEGMENT", `${where} ends at ${hex(p.vaddr + p.memsz)}, past the 4 GiB 32-bit address space: the file is corrupt`);
    }
    if (p.align > 1 && (p.align & (p.align - 1)) !== 0) {
      throw new ElfError("ELF_BAD_SEGMENT", `${where} has p_align ${hex(p.align)}, which is not a power of two: the file is corrupt`);
    }
    if (p.vaddr % ELF_PAGE_SIZE !== p.offset % ELF_PAGE_SIZE) {
      throw new ElfError(
        "ELF_BAD_SEGMENT",
        `${where} cannot be mapped: vaddr and offset differ modulo the page size ${hex(ELF_PAGE_SIZE)} (${hex(p.vaddr % ELF_PAGE_SIZE)} vs ${hex(p.offset % ELF_PAGE_SIZE)}), which Linux requires to match; relink with the default linker script or -z max-page-size=4096`,
      );
    }
    if (p.offset + p.filesz > size) {
      throw new ElfError(
        "ELF_SEGMENT_OUTSIDE_FILE",
        `${where} extends past the end of the file (size ${hex(size)}): the file is truncated or corrupt`,
      );
    }
    segments.push({
      vaddr: p.vaddr,
      memsz: p.memsz,
      offset: p.offset,
      filesz: p.filesz,
      flags: { r: (p.flags & PF_R) !== 0, w: (p.flags & PF_W) !== 0, x: (p.flags & PF_X) !== 0 },
      align: p.align,
    });
    loadIndex.push(i);
  }
  if (segments.length === 0) {
    throw new ElfError("ELF_NO_LOAD", `none of the ${phnum} program headers is a PT_LOAD, so there is nothing to load: the file is not a linked executable or is corrupt`);
  }
  checkOverlap(segments, loadIndex);

  // ---- entry point ----
  const entrySeg = segments.find((s) => entry >= s.vaddr && entry - s.vaddr < s.memsz);
  if (entrySeg === undefined) {
    throw new ElfError(
      "ELF_ENTRY_NOT_EXECUTABLE",
      `the entry point ${hex(entry)} lies outside every PT_LOAD segment: the file is corrupt or was linked without its code (check the _start symbol and the linker script)`,
    );
  }
  if (!entrySeg.flags.x) {
    throw new ElfError(
      "ELF_ENTRY_NOT_EXECUTABLE",
      `the entry point ${hex(entry)} lies in segment ${loadIndex[segments.indexOf(entrySeg)]} (vaddr ${hex(entrySeg.vaddr)}), which is not executable (no PF_X): the file is corrupt or the linker script is wrong`,
    );
  }
  if ((entry & 1) !== 0) {
    throw new ElfError("ELF_ENTRY_NOT_EXECUTABLE", `the entry point ${hex(entry)} is odd; RISC-V instructions are at least 2-byte aligned: the file is corrupt`);
  }

  // ---- program headers in memory, stack ----
  let phdrAddr: number | undefined;
  const ptPhdr = phdrs.find((p) => p.type === PT_PHDR);
  const mapping = segments.find((s) => phoff >= s.offset && phoff + tableSize <= s.offset + s.filesz);
  if (ptPhdr !== undefined) {
    const mapped = segments.some(
      (s) => ptPhdr.vaddr >= s.vaddr && ptPhdr.vaddr - s.vaddr === phoff - s.offset && phoff >= s.offset && phoff + tableSize <= s.offset + s.filesz,
    );
    if (!mapped) {
      throw new ElfError(
        "ELF_BAD_PHDR",
        `PT_PHDR says the program headers are at vaddr ${hex(ptPhdr.vaddr)}, but no PT_LOAD maps file offset ${hex(phoff)} (${hex(tableSize)} bytes) there: the file is corrupt`,
      );
    }
    phdrAddr = ptPhdr.vaddr;
  } else if (mapping !== undefined) {
    phdrAddr = mapping.vaddr + (phoff - mapping.offset);
  }
  const gnuStack = phdrs.find((p) => p.type === PT_GNU_STACK);

  return {
    type: eType === ET_DYN ? "pie" : "exec",
    entry,
    phoff,
    phentsize,
    phnum,
    phdrAddr,
    segments,
    flags,
    hasGnuStackExec: gnuStack !== undefined && (gnuStack.flags & PF_X) !== 0,
  };
}

const MAGIC = [0x7f, 0x45, 0x4c, 0x46]; // "\x7fELF"

function checkIdent(bytes: Uint8Array, view: DataView): void {
  const size = bytes.length;
  if (size === 0) {
    throw new ElfError("ELF_NOT_ELF", "the file is empty, not an ELF executable: check that the build produced it");
  }
  const n = Math.min(size, 4);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new ElfError("ELF_NOT_ELF", `not an ELF file: ${describeMagic(bytes)}; give cptbench a statically linked RISC-V ELF executable`);
    }
  }
  if (size < 16) {
    throw new ElfError("ELF_TRUNCATED", `the file is ${hex(size)} bytes, too short for an ELF identification (0x10 bytes): the file is truncated`);
  }
  const cls = bytes[4];
  const data = bytes[5];
  if (cls === 2) {
    let what = "a 64-bit ELF (ELFCLASS64)";
    if (size >= 20 && (data === 1 || data === 2)) {
      const m = view.getUint16(18, data === 1);
      what = m === EM_RISCV ? "a 64-bit RISC-V ELF (rv64)" : `a 64-bit ELF for ${machineName(m)}`;
    }
    throw new ElfError(
      "ELF_CLASS64",
      `the program is ${what}; cptbench runs 32-bit RISC-V (RV32GC): build with -march=rv32imafdc -mabi=ilp32d (e.g. riscv64-unknown-elf-gcc -march=rv32imafdc -mabi=ilp32d -static)`,
    );
  }
  if (cls !== 1) {
    throw new ElfError("ELF_BAD_IDENT", `EI_CLASS is ${hex(cls)}, neither ELFCLASS32 (0x1) nor ELFCLASS64 (0x2): the file is corrupt`);
  }
  if (data === 2) {
    throw new ElfError("ELF_BIG_ENDIAN", "the program is big-endian (ELFDATA2MSB); RISC-V Linux is little-endian: rebuild for riscv32 little endian (the default -march=rv32... target)");
  }
  if (data !== 1) {
    throw new ElfError("ELF_BAD_IDENT", `EI_DATA is ${hex(data)}, neither little (0x1) nor big endian (0x2): the file is corrupt`);
  }
  if (bytes[6] !== 1) {
    throw new ElfError("ELF_BAD_VERSION", `EI_VERSION is ${hex(bytes[6])}, expected 0x1 (EV_CURRENT): the file is corrupt or not a standard ELF`);
  }
}

function describeMagic(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0x23 && bytes[1] === 0x21) return "it is a script (starts with #!)";
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a) return "it is a Windows/DOS executable (starts with MZ)";
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return `it starts with bytes ${head}, not 7f 45 4c 46 ("\\x7fELF")`;
}

function checkType(eType: number): void {
  if (eType === ET_EXEC || eType === ET_DYN) return;
  if (eType === ET_REL) {
    throw new ElfError("ELF_NOT_EXECUTABLE", "the file is a relocatable object (ET_REL, a .o), not an executable: link it (e.g. gcc -static ... -o prog)");
  }
  if (eType === ET_CORE) {
    throw new ElfError("ELF_NOT_EXECUTABLE", "the file is a core dump (ET_CORE), not an executable: run the program that produced it instead");
  }
  throw new ElfError("ELF_NOT_EXECUTABLE", `e_type is ${hex(eType)}, neither ET_EXEC (0x2) nor ET_DYN (0x3): the file is not an executable or is corrupt`);
}

/** The interpreter path for the PT_INTERP message, if the bytes are there and printable. */
function readInterpPath(bytes: Uint8Array, offset: number, filesz: number): string | undefined {
  const end = Math.min(offset + Math.min(filesz, 256), bytes.length);
  let s = "";
  for (let i = offset; i < end; i++) {
    const c = bytes[i];
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return undefined;
    s += String.fromCharCode(c);
  }
  return s === "" ? undefined : s;
}

function checkOverlap(segments: readonly ElfSegment[], loadIndex: readonly number[]): void {
  const order = segments.map((_, i) => i).filter((i) => segments[i].memsz > 0);
  order.sort((a, b) => segments[a].vaddr - segments[b].vaddr);
  let prev = -1; // the segment with the highest end so far
  for (const i of order) {
    const s = segments[i];
    if (prev >= 0) {
      const p = segments[prev];
      if (s.vaddr < p.vaddr + p.memsz) {
        const [a, b] = loadIndex[prev] < loadIndex[i] ? [prev, i] : [i, prev];
        throw new ElfError(
          "ELF_SEGMENT_OVERLAP",
          `segment ${loadIndex[a]} [${hex(segments[a].vaddr)}, ${hex(segments[a].vaddr + segments[a].memsz)}) and segment ${loadIndex[b]} [${hex(segments[b].vaddr)}, ${hex(segments[b].vaddr + segments[b].memsz)}) overlap in memory: the file is corrupt or the linker script places sections on top of each other`,
        );
      }
    }
    if (prev < 0 || s.vaddr + s.memsz > segments[prev].vaddr + segments[prev].memsz) prev = i;
  }
}
