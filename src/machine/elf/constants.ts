// ELF32 / RISC-V constants shared by the parser (elf.ts) and the summary (describe.ts).
export const EM_RISCV = 243;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;
export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_STACK = 0x6474e551;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const EF_RISCV_RVC = 0x1;
export const EF_RISCV_FLOAT_ABI = 0x6;
export const EF_RISCV_RVE = 0x8;
export const EF_RISCV_TSO = 0x10;

export const ELF32_EHDR_SIZE = 52;
export const ELF32_PHDR_SIZE = 32;
/** Linux's page size; PT_LOAD vaddr and offset must agree modulo it so the file can be mmapped. */
export const ELF_PAGE_SIZE = 4096;
/** Linux refuses program header tables larger than this (binfmt_elf's elf_read_phdrs). */
export const MAX_PHDR_TABLE = 65536;
export const FOUR_GIB = 0x1_0000_0000;

export const MACHINE_NAMES: Readonly<Record<number, string>> = {
  0: "no machine (EM_NONE)",
  2: "SPARC",
  3: "x86 (i386)",
  8: "MIPS",
  20: "PowerPC",
  21: "PowerPC64",
  22: "s390",
  40: "ARM (32-bit)",
  43: "SPARC v9",
  62: "x86-64",
  183: "AArch64",
  243: "RISC-V",
  258: "LoongArch",
};

export const BUILD_HINT = "build with a RISC-V toolchain for rv32, e.g. riscv64-unknown-elf-gcc -march=rv32imafdc -mabi=ilp32d -static";

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function machineName(m: number): string {
  const name = MACHINE_NAMES[m];
  return name === undefined ? `an unknown machine (e_machine ${hex(m)})` : `${name} (e_machine ${hex(m)})`;
}
