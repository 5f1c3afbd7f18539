// describeElf: a one-paragraph human summary of a parsed ElfImage, for verbose output.
import type { ElfImage } from "./elf.ts";
import { EF_RISCV_FLOAT_ABI, EF_RISCV_RVC, EF_RISCV_RVE, EF_RISCV_TSO, hex } from "./constants.ts";

function describeFlags(flags: number): string {
  const parts: string[] = [];
  if (flags & EF_RISCV_RVC) parts.push("RVC");
  parts.push(["soft-float ABI", "single-float ABI", "double-float ABI", "quad-float ABI"][(flags & EF_RISCV_FLOAT_ABI) >>> 1]);
  if (flags & EF_RISCV_RVE) parts.push("RVE");
  if (flags & EF_RISCV_TSO) parts.push("TSO");
  return parts.join(", ");
}

/** A one-paragraph human summary of an image, for verbose (--strace-style) output. */
export function describeElf(img: ElfImage): string {
  const rel = img.type === "pie" ? " (relative to the load bias)" : "";
  const segs = img.segments
    .map((s, i) => {
      const perm = `${s.flags.r ? "r" : "-"}${s.flags.w ? "w" : "-"}${s.flags.x ? "x" : "-"}`;
      const bss = s.memsz > s.filesz ? `, ${hex(s.memsz - s.filesz)} zero-filled` : "";
      return `[${i}] ${hex(s.vaddr)}-${hex(s.vaddr + s.memsz)} ${perm} from file offset ${hex(s.offset)} (${hex(s.filesz)} bytes${bss})`;
    })
    .join("; ");
  const phdr =
    img.phdrAddr === undefined
      ? `program headers (${img.phnum} at file offset ${hex(img.phoff)}) not mapped by any segment`
      : `program headers (${img.phnum}) at ${hex(img.phdrAddr)}`;
  return (
    `RISC-V ELF32 ${img.type === "pie" ? "static-pie" : "static executable"}, entry ${hex(img.entry)}${rel}, ` +
    `flags ${hex(img.flags)} (${describeFlags(img.flags)}); ${img.segments.length} PT_LOAD segment${img.segments.length === 1 ? "" : "s"}: ${segs}; ` +
    `${phdr}; ${img.hasGnuStackExec ? "executable" : "non-executable"} stack.`
  );
}
