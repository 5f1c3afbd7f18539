// The executable an mm runs (Linux's mm->exe_file), as /proc/<pid>/exe and the maps lines of the
// program's segments show it. The loader copies the ELF into anonymous pages (exec.ts), so the
// areas themselves have no file behind them: this record remembers which file offsets each
// segment came from, and which file it was, so procfs can print what Linux prints.
import type { Inode, Path } from "../fs/inode.ts";
import { PAGE_MASK } from "./frame.ts";

/** One PT_LOAD segment, page aligned: [start, end) in memory came from the file at offset. */
export interface ExeSegment {
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

export interface ExeFile {
  /**
   * The file execve opened, or null for a program started from bytes outside the VFS (the
   * machine's first program, a built-in): then `name` is all there is.
   */
  readonly path: Path | null;
  /** The name the program was started with (its execfn), for a program without a path. */
  readonly name: string;
  readonly segments: readonly ExeSegment[];
  /** The ELF itself, for a program without a path: /proc/<pid>/exe opens and execs it. */
  readonly bytes?: Uint8Array;
  /** The pseudo file made for `bytes` when the link was first followed (fs/exe-image.ts). */
  image?: Path;
}

/** The segments of an ELF, page aligned as binfmt_elf maps them (elf_map: vaddr and offset rounded down). */
export function exeSegments(segs: readonly { vaddr: number; offset: number; memsz: number }[], bias: number): ExeSegment[] {
  return segs.map((s) => {
    const va = (s.vaddr + bias) >>> 0;
    const start = va - (va & PAGE_MASK);
    return { start, end: va + s.memsz, offset: s.offset - (s.offset & PAGE_MASK) };
  });
}

/** The inode an ExeFile pins (so an unlinked executable stays, as the file reference does in Linux). */
export const exeInode = (e: ExeFile | null): Inode | null => e?.path?.dentry.inode ?? null;

/** The file offset of the page at addr, if a segment maps it. */
export function exeOffset(e: ExeFile, addr: number): number | null {
  const s = e.segments.find((x) => addr >= x.start && addr < x.end);
  return s === undefined ? null : s.offset + (addr - s.start);
}
