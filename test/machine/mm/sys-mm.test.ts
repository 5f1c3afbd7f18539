// The memory syscalls through their handlers (registers in, result or -errno out) and from a
// real guest program, compared with qemu-riscv32 except where qemu 7.2 departs from Linux.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EACCES, EBADF, EEXIST, EINVAL, ENODEV, ENOMEM, EOVERFLOW } from "../../../src/machine/kernel/errno.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { MM_SYSCALLS } from "../../../src/machine/kernel/syscalls/sys-mm.ts";
import { PROC_SYSCALLS } from "../../../src/machine/kernel/syscalls/sys-proc.ts";
import { SYSCALLS } from "../../../src/machine/kernel/syscalls/table.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { Machine } from "../../../src/machine/machine.ts";
import { MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_HUGETLB, MAP_PRIVATE, MAP_SHARED } from "../../../src/machine/mm/mmap.ts";
import { MADV_DONTNEED } from "../../../src/machine/mm/madvise.ts";
import type { Mm } from "../../../src/machine/mm/mm.ts";
import { MREMAP_MAYMOVE } from "../../../src/machine/mm/mremap.ts";
import { PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { BASE, newMm, P, peek, poke, PRIV, RW } from "./mm-helpers.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "mm");

/** Call syscall nr as the kernel would, with register values (signed int32) for a task on mm. */
function call(mm: Mm, nr: number, ...args: number[]): number {
  const e = SYSCALLS[nr];
  if (e === undefined) throw new Error(`syscall ${nr} not registered`);
  const r = args.map((a) => a | 0);
  while (r.length < 6) r.push(0);
  // A process with the machine's initial limits (mmap checks RLIMIT_AS against them).
  const k = { frames: { limit: 65536 } } as unknown as Kernel;
  return e.fn(k, { mm, group: { rlimits: null } } as unknown as Task, r[0], r[1], r[2], r[3], r[4], r[5]);
}

describe("the mm syscall table", () => {
  it("registers brk, munmap, mremap, mmap2, mprotect and madvise under their riscv32 numbers", () => {
    expect(MM_SYSCALLS.map((e) => [e.nr, e.name])).toEqual([
      [214, "brk"], [215, "munmap"], [216, "mremap"], [222, "mmap2"], [226, "mprotect"], [233, "madvise"],
    ]);
    for (const e of MM_SYSCALLS) expect(SYSCALLS[e.nr]).toBe(e);
    expect(PROC_SYSCALLS.some((e) => e.nr === 214)).toBe(false);
  });
});

describe("syscall handlers", () => {
  it("mmap2 takes unsigned registers and its offset in pages", () => {
    const mm = newMm();
    // 0xfffff000 as a length arrives as a negative int32: it is a huge size_t, not -4096.
    expect(call(mm, 222, 0, 0xfffff000, RW, PRIV, -1, 0)).toBe(-ENOMEM);
    // The offset is ignored by anonymous mappings, but must not wrap past 2^32 pages.
    expect(call(mm, 222, BASE, 2 * P, RW, PRIV | MAP_FIXED, -1, 0x12345)).toBe(BASE);
    expect(call(mm, 222, BASE, 2 * P, RW, PRIV | MAP_FIXED, -1, 0xffffffff)).toBe(-EOVERFLOW);
    const a = call(mm, 222, 0, P, RW, PRIV, -1, 0);
    expect(a).toBe(mm.mmapBase - P);
    expect(call(mm, 222, BASE, P, RW, PRIV | MAP_FIXED_NOREPLACE, -1, 0)).toBe(-EEXIST);
  });

  it("mmap2: write-only is EINVAL on riscv (Linux 6.1); files are EBADF (not open) or ENODEV (the console); huge pages ENOMEM", () => {
    const mm = newMm();
    expect(call(mm, 222, 0, P, PROT_WRITE, PRIV, -1, 0)).toBe(-EINVAL);
    expect(call(mm, 222, 0, P, PROT_READ, MAP_PRIVATE, 7, 0)).toBe(-EBADF);
    expect(call(mm, 222, 0, P, PROT_READ, MAP_PRIVATE, -1, 0)).toBe(-EBADF);
    expect(call(mm, 222, 0, P, RW, PRIV | MAP_HUGETLB, -1, 0)).toBe(-ENOMEM);
    expect(mm.vmas).toEqual([]);
    // The console's fds (open in a spawned task) have no mmap.
    const m = new Machine({ memoryMiB: 64 });
    const task = m.kernel.spawn(readFileSync(join(FIXTURES, "..", "guest", "hello.elf")), ["hello"], []);
    const tcall = (nr: number, ...args: number[]): number => {
      const r = args.map((a) => a | 0);
      while (r.length < 6) r.push(0);
      return SYSCALLS[nr]!.fn(m.kernel, task, r[0], r[1], r[2], r[3], r[4], r[5]);
    };
    const before = task.mm.vmas.length;
    expect(tcall(222, 0, P, PROT_READ, MAP_SHARED, 0, 0)).toBe(-ENODEV);
    expect(tcall(222, 0, P, PROT_READ, MAP_PRIVATE, 0, 0)).toBe(-ENODEV);
    // fd 1 is the console opened O_WRONLY: do_mmap wants FMODE_READ before it asks for ->mmap.
    expect(tcall(222, 0, P, PROT_READ, MAP_SHARED, 1, 0)).toBe(-EACCES);
    expect(tcall(222, 0, P, PROT_READ, 0, 1, 0)).toBe(-EINVAL);
    expect(tcall(222, 0, 0, PROT_READ, MAP_PRIVATE, 0, 0)).toBe(-EINVAL);
    expect(tcall(222, 0, P, PROT_READ, MAP_PRIVATE | MAP_HUGETLB, 0, 0)).toBe(-EINVAL);
    expect(task.mm.vmas.length).toBe(before);
    m.kernel.shutdown();
  });

  it("munmap, mprotect, mremap, madvise and brk reach the mm", () => {
    const mm = newMm();
    expect(call(mm, 222, BASE, 4 * P, RW, PRIV | MAP_FIXED, -1, 0)).toBe(BASE);
    poke(mm, BASE, 1);
    poke(mm, BASE + 3 * P, 4);
    expect(call(mm, 226, BASE, P, PROT_READ)).toBe(0);
    expect(poke(mm, BASE, 2)).toBe(false);
    expect(call(mm, 233, BASE + 3 * P, P, MADV_DONTNEED)).toBe(0);
    expect(peek(mm, BASE + 3 * P)).toBe(0);
    expect(call(mm, 215, BASE + P, P)).toBe(0);
    expect(peek(mm, BASE + P)).toBeNull();
    const to = call(mm, 216, BASE, P, 3 * P, MREMAP_MAYMOVE, 0);
    expect(to).toBe(mm.mmapBase - 3 * P);
    expect(peek(mm, to)).toBe(1);
    mm.startBrk = mm.brk = 0x20000;
    expect(call(mm, 214, 0x22000)).toBe(0x22000);
    expect(call(mm, 214, 0)).toBe(0x22000);
  });
});

/**
 * Where qemu-riscv32 7.2 (the recording) and Linux differ: qemu emulates mmap in user space and
 * skips checks. Each entry is the line as qemu printed it and as Linux (and cptbench) prints it.
 */
const QEMU_VS_LINUX: [string, string, string][] = [
  ["noreplace: 0", "noreplace: -17", "qemu ignores MAP_FIXED_NOREPLACE's overlap check; Linux: EEXIST"],
  ["mremap unmapped: 0", "mremap unmapped: -14", "qemu does not look up the old mapping; Linux: EFAULT"],
  ["mremap no len: -12", "mremap no len: -22", "Linux checks new_len == 0 first: EINVAL"],
  ["madvise bad advice: 0", "madvise bad advice: -22", "qemu ignores madvise; Linux: EINVAL for unknown advice"],
  ["huge private: 0", "huge private: -12", "1.75 GiB of private writable memory exceeds this 1 GiB machine (overcommit heuristic); qemu's host has more"],
  ["grow in place: 0, kept r", "grow in place: 1, kept r", "qemu keeps unmapped guest ranges reserved on the host, so mremap cannot grow into them"],
  ["read past brk: exit 0", "read past brk: signal 11", "qemu does not unmap pages when brk shrinks; Linux does"],
  ["mprotect over hole: 0", "mprotect over hole: -12", "qemu checks nothing; Linux: ENOMEM for a hole (after changing the part before it)"],
];

describe("a guest program using the mm syscalls", () => {
  it("prints what Linux would (qemu's recording, corrected where qemu 7.2 is wrong) and leaks no frame", () => {
    const elf = readFileSync(join(FIXTURES, "mm-syscalls.elf"));
    let want = readFileSync(join(FIXTURES, "mm-syscalls.qemu"), "latin1");
    for (const [qemu, linux] of QEMU_VS_LINUX) {
      expect(want).toContain(`${qemu}\n`);
      want = want.replace(`${qemu}\n`, `${linux}\n`);
    }
    const m = new Machine({ memoryMiB: 1024 });
    const task = m.kernel.spawn(elf, ["mm-syscalls"], []);
    m.kernel.run(1e8);
    const got = Buffer.from(m.console.stdout).toString("latin1") + `exit ${task.exit?.code ?? `signal ${task.exit?.signal}`}\n`;
    expect(got).toBe(want);
    // Every task has exited: copy-on-write and shared frames are all back.
    expect(m.kernel.frames.inUse).toBe(0);
  });
});
