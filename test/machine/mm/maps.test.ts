// /proc/<pid>/maps text, in Linux's exact format (compared with a riscv32 kernel's
// show_map_vma: 8-digit addresses, names padded to column 49).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadProgram } from "../../../src/machine/kernel/exec.ts";
import { KObjectRegistry } from "../../../src/machine/kernel/kref.ts";
import { Oopses } from "../../../src/machine/kernel/oops.ts";
import { Prng } from "../../../src/machine/kernel/prng.ts";
import { FrameAllocator } from "../../../src/machine/mm/frame.ts";
import { showMaps } from "../../../src/machine/mm/maps.ts";
import { doMprotect } from "../../../src/machine/mm/mprotect.ts";
import { PROT_EXEC, PROT_READ, VM_GROWSDOWN } from "../../../src/machine/mm/vma.ts";
import { mmap, newMm, P, PRIV, RW, SHARED } from "./mm-helpers.ts";

const TINY = join(import.meta.dirname, "..", "..", "fixtures", "elf", "tiny.elf");

describe("showMaps", () => {
  it("prints each area like Linux: perms, offset, device, inode, and [heap]/[stack]/[vdso] names", () => {
    const mm = newMm();
    mm.mapRegion(0x10000, 2 * P, PROT_READ | PROT_EXEC, 0, "elf");
    mm.mapRegion(0x12000, P, RW, 0, "elf");
    mm.startBrk = mm.brk = 0x13000;
    mm.setBrk(0x15800);
    mm.mapRegion(0x7ffe0000, 0x10000, RW, VM_GROWSDOWN, "stack");
    mm.startStack = 0x7ffefe00;
    mm.mapRegion(0x7ffff000, P, PROT_READ | PROT_EXEC, 0, "vdso");
    const a = mmap(mm, 0, 2 * P, RW, PRIV);
    const s = mmap(mm, 0, 3 * P, RW, SHARED);
    doMprotect(mm, s + P, P, PROT_READ);
    expect(showMaps(mm)).toBe([
      "00010000-00012000 r-xp 00000000 00:00 0 \n",
      "00012000-00013000 rw-p 00000000 00:00 0 \n",
      "00013000-00016000 rw-p 00000000 00:00 0          [heap]\n",
      `${(s).toString(16)}-${(s + P).toString(16)} rw-s 00000000 00:01 1          /dev/zero (deleted)\n`,
      `${(s + P).toString(16)}-${(s + 2 * P).toString(16)} r--s 00001000 00:01 1          /dev/zero (deleted)\n`,
      `${(s + 2 * P).toString(16)}-${(a).toString(16)} rw-s 00002000 00:01 1          /dev/zero (deleted)\n`,
      `${(a).toString(16)}-${(a + 2 * P).toString(16)} rw-p 00000000 00:00 0 \n`,
      "7ffe0000-7fff0000 rw-p 00000000 00:00 0          [stack]\n",
      "7ffff000-80000000 r-xp 00000000 00:00 0          [vdso]\n",
    ].join(""));
  });

  it("names the area holding start_stack [stack], or the exec'd stack area before it is set", () => {
    const mm = newMm();
    mm.mapRegion(0x7ffe0000, 0x10000, RW, VM_GROWSDOWN, "stack");
    expect(showMaps(mm)).toContain("[stack]");
    mm.startStack = 0x40000000;
    expect(showMaps(mm)).not.toContain("[stack]");
  });

  it("gives the names a column of their own: after the header padded to 48 characters", () => {
    const mm = newMm();
    mm.startBrk = mm.brk = 0x20000;
    mm.setBrk(0x21000);
    const line = showMaps(mm);
    expect(line.indexOf("[heap]")).toBe(49);
  });

  it("describes an exec'd program: its ELF areas named after the program (no file: 00:00 0), then [stack] and [vdso]", () => {
    const prog = loadProgram(new FrameAllocator(1024), new KObjectRegistry(new Oopses()), readFileSync(TINY), ["tiny"], [], "tiny", new Prng(1));
    const lines = showMaps(prog.mm).split("\n").filter((l) => l !== "");
    for (const l of lines) expect(l).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8} [r-][w-][x-][ps] [0-9a-f]{8} \d\d:\d\d \d+ ( {9}.*)?$/);
    expect(lines[0]).toMatch(/^00010000-[0-9a-f]{8} r-xp 00000000 00:00 0 {10}\/tiny$/);
    expect(lines.at(-2)).toMatch(/ {10}\[stack\]$/);
    expect(lines.at(-1)).toMatch(/ {10}\[vdso\]$|00:00 0 $/);
    prog.mm.destroy();
  });
});
