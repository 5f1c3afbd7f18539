// Loading an ELF into a fresh address space and building the initial stack, as Linux's
// binfmt_elf (load_elf_binary + create_elf_tables) does for riscv32.
import { parseElf, type ElfImage } from "../elf/elf.ts";
import { FrameAllocator, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../mm/frame.ts";
import { ACCESS_WRITE, Mm, pageAlignUp } from "../mm/mm.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE, VM_GROWSDOWN } from "../mm/vma.ts";
import { CptbenchError } from "../errors.ts";
import type { KObjectRegistry } from "./kref.ts";
import type { Prng } from "./prng.ts";

import { STACK_TOP } from "../mm/layout.ts";
import { exeSegments } from "../mm/exe-file.ts";
import type { Path } from "../fs/inode.ts";

export { STACK_TOP };
/**
 * The [vdso] page: only the signal return trampoline (`li a7, 139; ecall`), which a handler's
 * ra points at, as riscv Linux's vDSO rt_sigreturn.
 */
export const VDSO_BASE = 0x7ffff000;
export const VDSO_SIGRETURN = VDSO_BASE;
const VDSO_CODE = [0x08b00893, 0x00000073];
/** Linux maps 128 KiB of stack at exec (stack_expand); it grows down from there on demand. */
export const INITIAL_STACK = 128 * 1024;
/** Where a static-pie is loaded (Linux: ELF_ET_DYN_BASE = 2/3 of TASK_SIZE, page aligned). */
export const ET_DYN_BASE = 0x55555000;

// Auxiliary vector tags (include/uapi/linux/auxvec.h).
const AT_NULL = 0;
const AT_PHDR = 3;
const AT_PHENT = 4;
const AT_PHNUM = 5;
const AT_PAGESZ = 6;
const AT_BASE = 7;
const AT_FLAGS = 8;
const AT_ENTRY = 9;
const AT_UID = 11;
const AT_EUID = 12;
const AT_GID = 13;
const AT_EGID = 14;
const AT_HWCAP = 16;
const AT_CLKTCK = 17;
const AT_SECURE = 23;
const AT_RANDOM = 25;
const AT_EXECFN = 31;

/** AT_HWCAP on riscv: one bit per single-letter extension, bit (letter - 'A'). */
const HWCAP_RV32GC = [..."IMAFDC"].reduce((m, c) => m | (1 << (c.charCodeAt(0) - 65)), 0);

export class ExecError extends CptbenchError {}

export interface LoadedProgram {
  mm: Mm;
  entry: number;
  sp: number;
  image: ElfImage;
}

/** Map the PT_LOAD segments: a page gets the union of the permissions of the segments in it. */
function mapSegments(mm: Mm, bytes: Uint8Array, img: ElfImage, bias: number): number {
  const prot = new Map<number, number>();
  let end = 0;
  for (const seg of img.segments) {
    const start = (seg.vaddr + bias) >>> 0;
    const p = (seg.flags.r ? PROT_READ : 0) | (seg.flags.w ? PROT_WRITE : 0) | (seg.flags.x ? PROT_EXEC : 0);
    for (let a = start & ~PAGE_MASK; a < start + seg.memsz; a += PAGE_SIZE) {
      prot.set(a >>> PAGE_SHIFT, (prot.get(a >>> PAGE_SHIFT) ?? 0) | p);
    }
    end = Math.max(end, start + seg.memsz);
  }
  // One VMA per run of contiguous pages with the same protection.
  const vpns = [...prot.keys()].sort((a, b) => a - b);
  for (let i = 0; i < vpns.length; ) {
    let j = i + 1;
    while (j < vpns.length && vpns[j] === vpns[j - 1] + 1 && prot.get(vpns[j]) === prot.get(vpns[i])) j++;
    mm.mapRegion(vpns[i] * PAGE_SIZE, (j - i) * PAGE_SIZE, prot.get(vpns[i])!, 0, "elf");
    i = j;
  }
  // Copy file contents in through the page tables; the rest of memsz (bss) stays zero.
  for (const seg of img.segments) {
    if (seg.filesz === 0) continue;
    writeKernel(mm, (seg.vaddr + bias) >>> 0, bytes.subarray(seg.offset, seg.offset + seg.filesz));
  }
  return end;
}

/** Write into user memory ignoring VMA protections (the loader fills read-only text too). */
function writeKernel(mm: Mm, addr: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) {
    const a = addr + done;
    const vma = mm.findVma(a);
    if (vma === undefined) throw new ExecError("EXEC_INTERNAL", `loader: no mapping at 0x${a.toString(16)}`);
    const saved = vma.prot;
    vma.prot |= PROT_WRITE;
    const view = mm.translate(a >>> PAGE_SHIFT, ACCESS_WRITE);
    vma.prot = saved;
    if (view === null) throw new ExecError("EXEC_NOMEM", "out of memory while loading the program: raise --memory");
    const off = a & PAGE_MASK;
    const n = Math.min(PAGE_SIZE - off, data.length - done);
    new Uint8Array(view.buffer, view.byteOffset + off, n).set(data.subarray(done, done + n));
    done += n;
  }
}

/**
 * Build the initial stack: strings at the top, then AT_RANDOM bytes, then (16-byte aligned)
 * argc, argv[], NULL, envp[], NULL, auxv pairs. Returns sp, which points at argc.
 */
function buildStack(
  mm: Mm, top: number, argv: string[], envp: string[], execfn: string, auxBase: [number, number][], prng: Prng,
): number {
  const enc = new TextEncoder();
  let sp = top;
  const push = (data: Uint8Array): number => {
    sp -= data.length;
    writeKernel(mm, sp, data);
    return sp;
  };
  const pushString = (s: string): number => push(new Uint8Array([...enc.encode(s), 0]));
  const execfnAddr = pushString(execfn);
  // Linux copies the envp strings, then the argv strings, each from the last one down, so
  // argv[0] ends up lowest and envp[n-1] highest.
  mm.envEnd = sp;
  const envAddrs = [...envp].reverse().map(pushString).reverse();
  mm.envStart = mm.argEnd = sp;
  const argAddrs = [...argv].reverse().map(pushString).reverse();
  mm.argStart = sp;
  const random = new Uint8Array(16);
  prng.fill(random);
  sp &= ~15;
  const randomAddr = push(random);

  const aux: [number, number][] = [...auxBase, [AT_RANDOM, randomAddr], [AT_EXECFN, execfnAddr], [AT_NULL, 0]];
  const words = [argv.length, ...argAddrs, 0, ...envAddrs, 0, ...aux.flat()];
  sp = (sp - words.length * 4) & ~15;
  const table = new Uint8Array(words.length * 4);
  const dv = new DataView(table.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  writeKernel(mm, sp, table);
  return sp;
}

/**
 * The name /proc/<pid>/exe shows for a program started from bytes outside the VFS: its execfn as
 * if it lay at the root ("./prog.elf" → "/prog.elf"), since Linux's link is always absolute.
 */
function rootedName(execfn: string): string {
  const rest = execfn.replace(/^(\.?\/)+/, "");
  return execfn.startsWith("/") ? execfn : "/" + rest;
}

const MAX_ARG_STRLEN = 32 * PAGE_SIZE;

/** Parse and load an ELF into a new mm. Throws ElfError / ExecError on bad input. */
export function loadProgram(
  frames: FrameAllocator, registry: KObjectRegistry, bytes: Uint8Array, argv: string[], envp: string[], execfn: string, prng: Prng,
  exe?: Path,
): LoadedProgram {
  const img = parseElf(bytes);
  for (const s of [...argv, ...envp]) {
    if (s.length > MAX_ARG_STRLEN) throw new ExecError("EXEC_E2BIG", "an argument or environment string is longer than 128 KiB (E2BIG)");
  }
  const bias = img.type === "pie" ? ET_DYN_BASE : 0;
  const mm = new Mm(frames, registry, `exec of ${execfn}`);
  try {
    const end = mapSegments(mm, bytes, img, bias);
    mm.startBrk = mm.brk = pageAlignUp(end);
    mm.mapRegion(STACK_TOP - INITIAL_STACK, INITIAL_STACK, PROT_READ | PROT_WRITE, VM_GROWSDOWN, "stack");
    mm.mapRegion(VDSO_BASE, PAGE_SIZE, PROT_READ | PROT_EXEC, 0, "vdso");
    const vdso = new Uint8Array(VDSO_CODE.length * 4);
    VDSO_CODE.forEach((w, i) => new DataView(vdso.buffer).setUint32(i * 4, w, true));
    writeKernel(mm, VDSO_BASE, vdso);

    let top = STACK_TOP;
    let phdr = img.phdrAddr === undefined ? undefined : (img.phdrAddr + bias) >>> 0;
    if (phdr === undefined) {
      // No PT_LOAD maps the program headers: put a copy at the top of the stack.
      const table = bytes.subarray(img.phoff, img.phoff + img.phnum * img.phentsize);
      top = phdr = (STACK_TOP - table.length) & ~15;
      writeKernel(mm, phdr, table);
    }
    const entry = (img.entry + bias) >>> 0;
    const aux: [number, number][] = [
      [AT_HWCAP, HWCAP_RV32GC], [AT_PAGESZ, PAGE_SIZE], [AT_CLKTCK, 100],
      [AT_PHDR, phdr], [AT_PHENT, img.phentsize], [AT_PHNUM, img.phnum],
      [AT_BASE, 0], [AT_FLAGS, 0], [AT_ENTRY, entry],
      [AT_UID, 0], [AT_EUID, 0], [AT_GID, 0], [AT_EGID, 0], [AT_SECURE, 0],
    ];
    const sp = buildStack(mm, top, argv, envp, execfn, aux, prng);
    mm.startStack = sp;
    const segments = exeSegments(img.segments, bias);
    mm.setExeFile(exe !== undefined ? { path: exe, name: execfn, segments } : { path: null, name: rootedName(execfn), segments, bytes });
    return { mm, entry, sp, image: img };
  } catch (e) {
    registry.put(mm);
    throw e;
  }
}
