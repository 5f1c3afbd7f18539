import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CptbenchError } from "../../../src/machine/errors.ts";
import { ELF_ERROR_CODES, ElfError, describeElf, parseElf, type ElfErrorCode, type ElfImage } from "../../../src/machine/elf/elf.ts";
import {
  DATA,
  DEFAULT_ENTRY,
  GNU_STACK,
  PF_R,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_PHDR,
  TEXT,
  buildElf,
  patched,
  type PhdrSpec,
} from "../../fixtures/elf/build-elf.ts";

// Built by test/fixtures/elf/build-tiny.sh from tiny.c (riscv64-unknown-elf-gcc 12.2,
// -march=rv32imafdc -mabi=ilp32d -nostdlib -static -O1 -Wl,-z,noexecstack). Layout:
//   [0] RISCV_ATTRIBUTES  [1] PT_LOAD r-x 0x10000 (0xc2)  [2] PT_LOAD rw- 0x110c4 (4)  [3] GNU_STACK rw-
const TINY = new Uint8Array(readFileSync(new URL("../../fixtures/elf/tiny.elf", import.meta.url)));

function elfError(bytes: Uint8Array): ElfError {
  try {
    parseElf(bytes);
  } catch (e) {
    if (e instanceof ElfError) return e;
    throw e;
  }
  throw new Error("parseElf accepted the input");
}

function expectCode(bytes: Uint8Array, code: ElfErrorCode, message?: RegExp): ElfError {
  const e = elfError(bytes);
  expect(e.code).toBe(code);
  if (message !== undefined) expect(e.message).toMatch(message);
  return e;
}

/** Checks that an accepted image really has the properties the parser promises. */
function checkInvariants(img: ElfImage, size: number): void {
  const segs = img.segments;
  expect(segs.length).toBeGreaterThan(0);
  for (const s of segs) {
    expect(s.filesz).toBeLessThanOrEqual(s.memsz);
    expect(s.offset + s.filesz).toBeLessThanOrEqual(size);
    expect(s.vaddr + s.memsz).toBeLessThanOrEqual(2 ** 32);
    expect(s.vaddr % 4096).toBe(s.offset % 4096);
    if (s.align > 1) expect(s.align & (s.align - 1)).toBe(0);
  }
  for (let i = 0; i < segs.length; i++) {
    for (let j = i + 1; j < segs.length; j++) {
      const a = segs[i];
      const b = segs[j];
      const disjoint = a.memsz === 0 || b.memsz === 0 || a.vaddr + a.memsz <= b.vaddr || b.vaddr + b.memsz <= a.vaddr;
      expect(disjoint).toBe(true);
    }
  }
  expect(segs.some((s) => s.flags.x && img.entry >= s.vaddr && img.entry < s.vaddr + s.memsz)).toBe(true);
  expect(img.phoff + img.phnum * img.phentsize).toBeLessThanOrEqual(size);
}

describe("parseElf on the real toolchain-built tiny.elf", () => {
  it("describes the static executable", () => {
    const img = parseElf(TINY);
    expect(img).toEqual({
      type: "exec",
      entry: 0x100b4,
      phoff: 52,
      phentsize: 32,
      phnum: 4,
      phdrAddr: 0x10034, // no PT_PHDR: the text PT_LOAD maps file offset 0 at 0x10000
      segments: [
        { vaddr: 0x10000, memsz: 0xc2, offset: 0, filesz: 0xc2, flags: { r: true, w: false, x: true }, align: 0x1000 },
        { vaddr: 0x110c4, memsz: 4, offset: 0xc4, filesz: 4, flags: { r: true, w: true, x: false }, align: 0x1000 },
      ],
      flags: 0x5,
      hasGnuStackExec: false,
    });
    checkInvariants(img, TINY.length);
  });

  it("parses a Uint8Array view into a larger buffer", () => {
    const big = new Uint8Array(TINY.length + 64);
    big.set(TINY, 32);
    expect(parseElf(big.subarray(32, 32 + TINY.length))).toEqual(parseElf(TINY));
  });

  it("summarises it in one paragraph", () => {
    const text = describeElf(parseElf(TINY));
    expect(text).toContain("static executable");
    expect(text).toContain("entry 0x100b4");
    expect(text).toContain("RVC, double-float ABI");
    expect(text).toContain("0x10000-0x100c2 r-x");
    expect(text).toContain("0x110c4-0x110c8 rw-");
    expect(text).toContain("program headers (4) at 0x10034");
    expect(text).toContain("non-executable stack");
    expect(text).not.toContain("\n");
  });

  // The parser needs the ELF header, the program header table and every PT_LOAD's file
  // bytes; nothing after them (section headers, .riscv.attributes, symbols) is read by exec,
  // so a file cut after the last PT_LOAD byte is still a complete executable (Linux runs it).
  it("rejects every truncation that cuts into what exec needs, and accepts the rest unchanged", () => {
    const full = parseElf(TINY);
    const tableEnd = full.phoff + full.phnum * full.phentsize; // 180
    const needed = Math.max(tableEnd, ...full.segments.map((s) => s.offset + s.filesz)); // 200
    expect(tableEnd).toBe(180);
    expect(needed).toBe(0xc8);
    for (let len = 0; len <= TINY.length; len++) {
      const cut = TINY.slice(0, len);
      if (len >= needed) {
        expect(parseElf(cut), `length ${len}`).toEqual(full);
        continue;
      }
      const e = elfError(cut);
      const want: ElfErrorCode = len === 0 ? "ELF_NOT_ELF" : len < tableEnd ? "ELF_TRUNCATED" : "ELF_SEGMENT_OUTSIDE_FILE";
      expect(e.code, `length ${len}: ${e.message}`).toBe(want);
      expect(e).toBeInstanceOf(CptbenchError);
    }
  });

  it("names the truncation point in hex", () => {
    expectCode(TINY.slice(0, 40), "ELF_TRUNCATED", /0x28 bytes, shorter than the 0x34-byte ELF32 header/);
    expectCode(TINY.slice(0, 100), "ELF_TRUNCATED", /program header table \(e_phoff 0x34, 0x4 entries of 0x20 bytes\) extends past the end of the file \(size 0x64\)/);
    expectCode(TINY.slice(0, 10), "ELF_TRUNCATED", /0xa bytes, too short for an ELF identification/);
    expectCode(TINY.slice(0, 3), "ELF_TRUNCATED");
    expectCode(TINY.slice(0, 0xc6), "ELF_SEGMENT_OUTSIDE_FILE", /segment 2 \(vaddr 0x110c4, offset 0xc4, filesz 0x4, memsz 0x4\) extends past the end of the file \(size 0xc6\)/);
  });

  it("turns random byte mutations into ElfErrors or valid images, never other exceptions", () => {
    const hot = fc.integer({ min: 0, max: 0xc7 }); // headers, phdrs and segment bytes
    const anywhere = fc.integer({ min: 0, max: TINY.length - 1 });
    const word = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(0, 1, 2, 3, 0x1000, 0x7fffffff, 0x80000000, 0xfffff000, 0xffffffff, PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK),
    );
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("byte" as const), at: fc.oneof(hot, anywhere), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("word" as const), at: fc.integer({ min: 0, max: 0xc4 }), value: word }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.option(fc.integer({ min: 0, max: TINY.length })), (muts, cut) => {
        let bytes: Uint8Array = TINY.slice();
        for (const m of muts) bytes = m.kind === "byte" ? patched(bytes, m.at, 1, m.value) : patched(bytes, m.at, 4, m.value);
        if (cut !== null) bytes = bytes.slice(0, cut);
        let img: ElfImage;
        try {
          img = parseElf(bytes);
        } catch (e) {
          if (!(e instanceof ElfError)) throw e;
          expect(ELF_ERROR_CODES).toContain(e.code);
          expect(e.message.length).toBeGreaterThan(20);
          return;
        }
        checkInvariants(img, bytes.length);
      }),
      { numRuns: 3000 },
    );
  });

  it("survives arbitrary short byte strings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (raw, withMagic) => {
        const bytes = raw.slice();
        if (withMagic && bytes.length >= 7) bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
        try {
          checkInvariants(parseElf(bytes), bytes.length);
        } catch (e) {
          if (!(e instanceof ElfError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseElf on builder-made images", () => {
  it("accepts the builder's default static executable", () => {
    const img = parseElf(buildElf());
    expect(img.type).toBe("exec");
    expect(img.entry).toBe(DEFAULT_ENTRY);
    expect(img.phdrAddr).toBe(0x10034);
    expect(img.segments).toEqual([
      { vaddr: 0x10000, memsz: 0x200, offset: 0, filesz: 0x200, flags: { r: true, w: false, x: true }, align: 0x1000 },
      { vaddr: 0x11200, memsz: 0x300, offset: 0x1200, filesz: 0x100, flags: { r: true, w: true, x: false }, align: 0x1000 },
    ]);
    expect(img.hasGnuStackExec).toBe(false);
  });

  it("reports ET_DYN without PT_INTERP as a static-pie with relative addresses", () => {
    const pie = buildElf({
      type: 3,
      entry: 0x100,
      phdrs: [
        { type: PT_PHDR, offset: 52, vaddr: 52, filesz: 4 * 32, memsz: 4 * 32, flags: PF_R, align: 4 },
        { ...TEXT, vaddr: 0 },
        { ...DATA, vaddr: 0x1200 },
        { type: PT_DYNAMIC, offset: 0x1200, vaddr: 0x1200, filesz: 0x80, memsz: 0x80, flags: PF_R | PF_W, align: 4 },
      ],
    });
    const img = parseElf(pie);
    expect(img.type).toBe("pie");
    expect(img.entry).toBe(0x100);
    expect(img.phdrAddr).toBe(52);
    expect(img.segments.map((s) => s.vaddr)).toEqual([0, 0x1200]);
    expect(describeElf(img)).toMatch(/static-pie, entry 0x100 \(relative to the load bias\)/);
  });

  it("prefers PT_PHDR for phdrAddr and checks that a PT_LOAD really maps the table there", () => {
    const table = { type: PT_PHDR, offset: 52, vaddr: 0x10034, filesz: 0x80, memsz: 0x80, flags: PF_R, align: 4 };
    expect(parseElf(buildElf({ phdrs: [table, TEXT, DATA, GNU_STACK] })).phdrAddr).toBe(0x10034);
    expectCode(
      buildElf({ phdrs: [{ ...table, vaddr: 0x20000 }, TEXT, DATA, GNU_STACK] }),
      "ELF_BAD_PHDR",
      /PT_PHDR says the program headers are at vaddr 0x20000, but no PT_LOAD maps file offset 0x34/,
    );
  });

  it("leaves phdrAddr undefined when no PT_LOAD maps the program header table", () => {
    // Text starts at file offset 0x1000, so the headers at 0x34 are not in memory.
    const img = parseElf(buildElf({ entry: 0x11000, phdrs: [{ ...TEXT, offset: 0x1000, vaddr: 0x11000 }, { ...DATA, offset: 0x2200, vaddr: 0x12200 }] }));
    expect(img.phdrAddr).toBeUndefined();
    expect(describeElf(img)).toContain("not mapped by any segment");
  });

  it("reads PT_GNU_STACK's X flag", () => {
    expect(parseElf(buildElf({ phdrs: [TEXT, DATA, { ...GNU_STACK, flags: PF_R | PF_W | PF_X }] })).hasGnuStackExec).toBe(true);
    expect(parseElf(buildElf({ phdrs: [TEXT, DATA] })).hasGnuStackExec).toBe(false);
  });

  it("accepts segments that share a page but no byte, and zero-sized ones", () => {
    const img = parseElf(
      buildElf({
        phdrs: [TEXT, { ...DATA, offset: 0x200, vaddr: 0x10200 }, { type: PT_LOAD, offset: 0x100, vaddr: 0x10100, filesz: 0, memsz: 0, flags: PF_R }],
      }),
    );
    expect(img.segments.map((s) => [s.vaddr, s.memsz])).toEqual([
      [0x10000, 0x200],
      [0x10200, 0x300],
      [0x10100, 0],
    ]);
  });

  it("accepts p_align 0 and 1, a segment ending exactly at 4 GiB, and out-of-order PT_LOADs", () => {
    expect(() => parseElf(buildElf({ phdrs: [{ ...TEXT, align: 0 }, { ...DATA, align: 1 }] }))).not.toThrow();
    expect(() => parseElf(buildElf({ phdrs: [TEXT, { ...DATA, vaddr: 0xfffff200, memsz: 0xe00 }] }))).not.toThrow();
    expect(parseElf(buildElf({ phdrs: [DATA, TEXT] })).segments.map((s) => s.vaddr)).toEqual([0x11200, 0x10000]);
  });
});

interface BadCase {
  name: string;
  bytes: () => Uint8Array;
  code: ElfErrorCode;
  message?: RegExp;
}

const load = (p: PhdrSpec): PhdrSpec => ({ type: PT_LOAD, flags: PF_R, align: 0x1000, ...p });
const interpPath = Array.from("/lib/ld-linux-riscv32-ilp32d.so.1\0", (c) => c.charCodeAt(0));

const BAD: BadCase[] = [
  { name: "empty file", bytes: () => new Uint8Array(0), code: "ELF_NOT_ELF", message: /empty/ },
  { name: "text file", bytes: () => new TextEncoder().encode("hello, world\n"), code: "ELF_NOT_ELF", message: /starts with bytes 68 65 6c 6c/ },
  { name: "shell script", bytes: () => new TextEncoder().encode("#!/bin/sh\necho hi\n"), code: "ELF_NOT_ELF", message: /script/ },
  { name: "bad magic in a builder ELF", bytes: () => buildElf({ magic: [0x7f, 0x45, 0x4c, 0x47] }), code: "ELF_NOT_ELF" },
  { name: "64-bit RISC-V", bytes: () => patched(TINY, 4, 1, 2), code: "ELF_CLASS64", message: /64-bit RISC-V ELF \(rv64\).*-march=rv32imafdc -mabi=ilp32d/ },
  { name: "64-bit x86-64", bytes: () => buildElf({ eiClass: 2, machine: 62 }), code: "ELF_CLASS64", message: /64-bit ELF for x86-64 \(e_machine 0x3e\)/ },
  { name: "bad EI_CLASS", bytes: () => buildElf({ eiClass: 7 }), code: "ELF_BAD_IDENT", message: /EI_CLASS is 0x7/ },
  { name: "big endian", bytes: () => patched(TINY, 5, 1, 2), code: "ELF_BIG_ENDIAN", message: /big-endian/ },
  { name: "bad EI_DATA", bytes: () => buildElf({ eiData: 0 }), code: "ELF_BAD_IDENT", message: /EI_DATA is 0x0/ },
  { name: "bad EI_VERSION", bytes: () => buildElf({ eiVersion: 2 }), code: "ELF_BAD_VERSION", message: /EI_VERSION is 0x2/ },
  { name: "bad e_version", bytes: () => patched(TINY, 20, 4, 0), code: "ELF_BAD_VERSION", message: /e_version is 0x0/ },
  { name: "x86-64", bytes: () => buildElf({ machine: 62 }), code: "ELF_WRONG_MACHINE", message: /built for x86-64 \(e_machine 0x3e\), not RISC-V \(0xf3\)/ },
  { name: "aarch64", bytes: () => buildElf({ machine: 183 }), code: "ELF_WRONG_MACHINE", message: /AArch64/ },
  { name: "arm", bytes: () => patched(TINY, 18, 2, 40), code: "ELF_WRONG_MACHINE", message: /ARM \(32-bit\)/ },
  { name: "unknown machine", bytes: () => buildElf({ machine: 0x1234 }), code: "ELF_WRONG_MACHINE", message: /unknown machine \(e_machine 0x1234\)/ },
  { name: "ET_REL", bytes: () => patched(TINY, 16, 2, 1), code: "ELF_NOT_EXECUTABLE", message: /relocatable object.*link it/ },
  { name: "ET_CORE", bytes: () => buildElf({ type: 4 }), code: "ELF_NOT_EXECUTABLE", message: /core dump/ },
  { name: "unknown e_type", bytes: () => buildElf({ type: 0xfe00 }), code: "ELF_NOT_EXECUTABLE", message: /e_type is 0xfe00/ },
  {
    name: "PT_INTERP (dynamic exec)",
    bytes: () =>
      buildElf({
        phdrs: [{ type: PT_INTERP, offset: 0x1400, vaddr: 0x11400, filesz: interpPath.length, memsz: interpPath.length, flags: PF_R, align: 1 }, TEXT, DATA],
        patches: [{ offset: 0x1400, bytes: interpPath }],
      }),
    code: "ELF_DYNAMIC",
    message: /dynamically linked \(PT_INTERP "\/lib\/ld-linux-riscv32-ilp32d.so.1"\).*-static/,
  },
  {
    name: "PT_INTERP (dynamic PIE) with a path outside the file",
    bytes: () => buildElf({ type: 3, phdrs: [{ type: PT_INTERP, offset: 0x999999, filesz: 0x20, flags: PF_R }, TEXT, DATA], size: 0x1300 }),
    code: "ELF_DYNAMIC",
    message: /dynamically linked \(PT_INTERP\)/,
  },
  { name: "truncated inside e_ident", bytes: () => TINY.slice(0, 12), code: "ELF_TRUNCATED" },
  { name: "truncated inside the ELF header", bytes: () => buildElf({ size: 51 }), code: "ELF_TRUNCATED", message: /0x33 bytes/ },
  { name: "truncated inside the phdr table", bytes: () => buildElf({ size: 52 + 32 + 5 }), code: "ELF_TRUNCATED", message: /program header table/ },
  { name: "phdr table past the end of the file", bytes: () => buildElf({ phdrs: [TEXT, DATA], phnum: 0x200 }), code: "ELF_TRUNCATED" },
  { name: "e_ehsize wrong", bytes: () => buildElf({ ehsize: 64 }), code: "ELF_BAD_HEADER", message: /e_ehsize is 0x40, expected 0x34/ },
  { name: "e_phentsize 56 (ELF64 size)", bytes: () => patched(TINY, 42, 2, 56), code: "ELF_BAD_PHDR", message: /e_phentsize is 0x38, expected 0x20/ },
  { name: "e_phnum over Linux's limit", bytes: () => buildElf({ phnum: 0xffff }), code: "ELF_BAD_PHDR", message: /larger than Linux's limit 0x10000/ },
  { name: "e_phoff inside the ELF header", bytes: () => patched(TINY, 28, 4, 16), code: "ELF_BAD_PHDR", message: /e_phoff 0x10/ },
  {
    name: "segment file range past the end",
    bytes: () => buildElf({ phdrs: [TEXT, { ...DATA, filesz: 0x300 }], size: 0x1400 }),
    code: "ELF_SEGMENT_OUTSIDE_FILE",
    message: /segment 1 \(vaddr 0x11200, offset 0x1200, filesz 0x300, memsz 0x300\) extends past the end of the file \(size 0x1400\): the file is truncated or corrupt/,
  },
  {
    name: "segment offset far past the end",
    bytes: () => buildElf({ phdrs: [TEXT, { ...DATA, offset: 0xfffff200 }], size: 0x1300 }),
    code: "ELF_SEGMENT_OUTSIDE_FILE",
  },
  {
    name: "overlapping PT_LOADs by one byte",
    bytes: () => buildElf({ phdrs: [TEXT, { ...DATA, offset: 0x1ff, vaddr: 0x101ff }] }),
    code: "ELF_SEGMENT_OVERLAP",
    message: /segment 0 \[0x10000, 0x10200\) and segment 1 \[0x101ff, 0x104ff\) overlap/,
  },
  {
    name: "a PT_LOAD nested inside a larger one listed after it",
    bytes: () => buildElf({ phdrs: [load({ offset: 0x1200, vaddr: 0x15200, filesz: 0x10, memsz: 0x10 }), { ...TEXT, memsz: 0x10000 }] }),
    code: "ELF_SEGMENT_OVERLAP",
    message: /segment 0 \[0x15200, 0x15210\) and segment 1 \[0x10000, 0x20000\) overlap/,
  },
  { name: "filesz > memsz", bytes: () => buildElf({ phdrs: [TEXT, { ...DATA, memsz: 0x80 }] }), code: "ELF_BAD_SEGMENT", message: /filesz larger than memsz/ },
  {
    name: "vaddr + memsz wraps past 4 GiB",
    bytes: () => buildElf({ phdrs: [TEXT, { ...DATA, vaddr: 0xfffff200, memsz: 0x1000 }] }),
    code: "ELF_BAD_SEGMENT",
    message: /ends at 0x100000200, past the 4 GiB/,
  },
  { name: "p_align not a power of two", bytes: () => buildElf({ phdrs: [TEXT, { ...DATA, align: 0x1800 }] }), code: "ELF_BAD_SEGMENT", message: /p_align 0x1800/ },
  { name: "p_align 3", bytes: () => patched(TINY, 52 + 32 + 28, 4, 3), code: "ELF_BAD_SEGMENT", message: /segment 1 .*p_align 0x3/ },
  {
    name: "vaddr and offset not congruent modulo 4096",
    bytes: () => buildElf({ phdrs: [TEXT, { ...DATA, vaddr: 0x11280 }] }),
    code: "ELF_BAD_SEGMENT",
    message: /differ modulo the page size 0x1000 \(0x280 vs 0x200\)/,
  },
  { name: "no program headers", bytes: () => buildElf({ phdrs: [] }), code: "ELF_NO_LOAD", message: /e_phnum 0/ },
  { name: "no PT_LOAD", bytes: () => buildElf({ phdrs: [GNU_STACK] }), code: "ELF_NO_LOAD", message: /none of the 1 program headers is a PT_LOAD/ },
  { name: "entry outside every segment", bytes: () => buildElf({ entry: 0x40000 }), code: "ELF_ENTRY_NOT_EXECUTABLE", message: /entry point 0x40000 lies outside every PT_LOAD/ },
  { name: "entry just past the text segment", bytes: () => patched(TINY, 24, 4, 0x100c2), code: "ELF_ENTRY_NOT_EXECUTABLE", message: /outside every/ },
  { name: "entry in a data segment", bytes: () => buildElf({ entry: 0x11280 }), code: "ELF_ENTRY_NOT_EXECUTABLE", message: /lies in segment 1 \(vaddr 0x11200\), which is not executable/ },
  { name: "entry odd", bytes: () => buildElf({ entry: 0x10101 }), code: "ELF_ENTRY_NOT_EXECUTABLE", message: /0x10101 is odd/ },
];

describe("parseElf rejects malformed images", () => {
  it.each(BAD)("$name -> $code", ({ bytes, code, message }) => {
    const e = expectCode(bytes(), code, message);
    expect(e).toBeInstanceOf(CptbenchError);
    expect(e.name).toBe("ElfError");
  });

  it("has a malformed case for every error code", () => {
    expect(new Set(BAD.map((c) => c.code))).toEqual(new Set(ELF_ERROR_CODES));
  });
});
