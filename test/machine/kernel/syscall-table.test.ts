// The syscall table as data (rows.ts) against the kernel that runs guests: every handler has a
// row and every row with a handler is what a guest's ecall with that number reaches (through the
// kernel's dispatch, with the guest's registers as arguments); every enosys row really answers
// -ENOSYS. Plus the table's own consistency: riscv32's numbers, names, notes for what is missing.
import { afterEach, describe, expect, it, vi } from "vitest";
import { runProgram } from "../../../src/machine/machine.ts";
import { NR_CHECKPOINT, NR_CLONE_WITH_PID, NR_CPT_MARK, NR_RESTART } from "../../../src/machine/kernel/syscalls/cr-nr.ts";
import { LINUX_NAMES, STRACE_SPELLING, syscallRows, type SyscallRow } from "../../../src/machine/kernel/syscalls/rows.ts";
import { SYSCALL_FILES } from "../../../src/machine/kernel/syscalls/table.ts";
import type { SyscallEntry, SyscallFn } from "../../../src/machine/kernel/syscalls/types.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { MISSING } from "../../../src/machine/kernel/syscalls/unimplemented.ts";
import { buildElf, DEFAULT_ENTRY, GNU_STACK, TEXT } from "../../fixtures/elf/build-elf.ts";
import { assemble, enc, li } from "../../helpers/encode.ts";

const T0 = 5;
const S1 = 9;
const A0 = 10;
const A7 = 17;
const ENOSYS = 38;
const NR_EXIT_GROUP = 94;

const rows = syscallRows();
const entries: { file: string; e: SyscallEntry }[] = SYSCALL_FILES.flatMap(([file, list]) => list.map((e) => ({ file, e })));

/** A static ELF whose text, at the entry point, is `code` (the text segment grows to hold it). */
function elfWith(code: Uint8Array): Uint8Array {
  const size = DEFAULT_ENTRY - TEXT.vaddr + code.length;
  return buildElf({ phdrs: [{ ...TEXT, filesz: size, memsz: size }, GNU_STACK], patches: [{ offset: DEFAULT_ENTRY - TEXT.vaddr, bytes: code }] });
}

/**
 * `ecall` with a7 = nr and a0..a5 = args, then s1 |= (a0 != expected): the program's exit status
 * (exit_group(s1), appended by `guest`) is 0 only if every call returned what was expected.
 */
function callAndCheck(nr: number, args: number[], expected: number): number[] {
  return [
    ...args.flatMap((v, i) => li(A0 + i, v)),
    ...li(A7, nr),
    enc.ecall(),
    ...li(T0, expected),
    enc.sub(T0, A0, T0),
    enc.sltu(T0, 0, T0),
    enc.or(S1, S1, T0),
  ];
}

function guest(calls: number[][]): Uint8Array {
  return elfWith(assemble(enc.addi(S1, 0, 0), ...calls, enc.mv(A0, S1), ...li(A7, NR_EXIT_GROUP), enc.ecall()));
}

/** Arguments no two calls share, so a handler reached with another call's registers shows. */
const argsOf = (nr: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => 0x1000 * (i + 1) + nr);
/** What a stand-in handler returns: positive (never an -ERESTART* code) and unique per number. */
const markerOf = (nr: number): number => 0x10000 + nr;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("syscall table: rows and handlers", () => {
  it("has a row for every riscv32 Linux number and every cptbench call, once each, in order", () => {
    expect(rows.length).toBeGreaterThanOrEqual(300);
    const nrs = rows.map((r) => r.nr);
    expect(nrs).toEqual([...new Set(nrs)].sort((a, b) => a - b));
    for (const [nr, name] of LINUX_NAMES) expect(rows.find((r) => r.nr === nr)).toMatchObject({ name, abi: "linux" });
    const ext = rows.filter((r) => r.abi === "cptbench");
    expect(ext.map((r) => r.nr)).toEqual([NR_CHECKPOINT, NR_RESTART, NR_CPT_MARK, NR_CLONE_WITH_PID]);
    for (const r of ext) expect(LINUX_NAMES.has(r.nr)).toBe(false);
  });

  it("gives every handler a row naming its file, and every row with a handler an entry", () => {
    for (const { file, e } of entries) {
      const row = rows.find((r) => r.nr === e.nr);
      expect(row?.handler, `entry ${e.name} (${e.nr})`).toMatch(new RegExp(`^${file.replace(".", "\\.")}( |$)`));
      expect(row?.level).toBe(e.level);
    }
    expect(rows.filter((r) => r.handler !== null)).toHaveLength(entries.length);
    expect(rows.filter((r) => r.handler === null).every((r) => r.level === "enosys")).toBe(true);
  });

  it("names each implemented Linux call as Linux does (strace's _llseek aside)", () => {
    for (const { e } of entries) {
      const linux = LINUX_NAMES.get(e.nr);
      if (linux !== undefined) expect(e.name, `syscall ${e.nr}`).toBe(STRACE_SPELLING[linux] ?? linux);
    }
  });

  it("says what is missing from each partial call and what C/R makes of each implemented one", () => {
    // The CheckpointModel lists a C/R status may name (typed: a renamed list breaks the build here).
    const lists: readonly (keyof CheckpointModel)[] = [
      "tasks", "threadGroups", "sighands", "creds", "mms", "shmem", "inodes", "tree", "pipes", "files", "fdTables",
      "fsContexts", "pids", "pidNamespaces",
    ];
    for (const r of rows) {
      if (r.level === "partial") expect(r.note.length, r.name).toBeGreaterThan(10);
      if (r.handler === null || r.cr === "-" || /^(not checkpointed|creates what the image holds)/.test(r.cr)) continue;
      // "mms (vmas, pages); shmem (...)": each part outside the parentheses names a list.
      for (const part of r.cr.replace(/\([^)]*\)/g, "").split(/[,;]/)) expect(lists, `${r.name}: ${r.cr}`).toContain(part.trim());
    }
  });

  it("gives each enosys row exactly one reason, and lists no implemented or unknown call as missing", () => {
    const listed = MISSING.flatMap((g) => g.names);
    expect(listed.length).toBe(new Set(listed).size);
    const linuxNames = new Set(LINUX_NAMES.values());
    for (const name of listed) {
      expect(linuxNames.has(name), `${name} is not a riscv32 syscall`).toBe(true);
      expect(rows.find((r) => r.name === name)?.level, `${name} has a handler: drop it from unimplemented.ts`).toBe("enosys");
    }
    const enosys = rows.filter((r) => r.level === "enosys");
    expect(enosys.map((r) => r.name).sort()).toEqual([...listed].sort());
    for (const r of enosys) expect(r.note).toBe(MISSING.find((g) => g.names.includes(r.name))?.note);
  });

  it("has riscv32's numbers: 64-bit time only, riscv's own calls, no renameat or fstat64", () => {
    const byName = (name: string): number | undefined => rows.find((r) => r.name === name)?.nr;
    expect([byName("clock_gettime64"), byName("futex_time64"), byName("ppoll_time64"), byName("pselect6_time64")]).toEqual([403, 422, 414, 413]);
    expect([byName("riscv_hwprobe"), byName("riscv_flush_icache"), byName("clone3"), byName("llseek")]).toEqual([258, 259, 435, 62]);
    for (const gone of ["clock_gettime", "futex", "renameat", "fstat64", "fstatat64", "wait4", "getrlimit", "nanosleep"]) {
      expect(byName(gone), gone).toBeUndefined();
    }
    for (const nr of [38, 79, 80, 98, 101, 113, 163, 260]) expect(rows.find((r) => r.nr === nr), `nr ${nr}`).toBeUndefined();
  });
});

describe("syscall table: what a guest's ecall reaches", () => {
  it("reaches each row's handler through the kernel's dispatch, with the guest's a0..a5", () => {
    const handled = rows.filter((r) => r.handler !== null && r.nr !== NR_EXIT_GROUP);
    const spies = new Map<number, ReturnType<typeof vi.spyOn>>();
    for (const r of handled) {
      const { e } = entries.find((x) => x.e.nr === r.nr)!;
      // A stand-in: the real handlers would block, exit or exec on these arguments. rt_sigreturn
      // (noReturn) sets the registers itself, so its stand-in does what the dispatch then skips.
      const stand: SyscallFn = e.noReturn
        ? (_k, t) => {
          t.hart.x[A0] = markerOf(r.nr);
          t.hart.pc = (t.hart.pc + 4) >>> 0;
          return 0;
        }
        : () => markerOf(r.nr);
      spies.set(r.nr, vi.spyOn(e, "fn").mockImplementation(stand));
    }
    // exit_group ends the program: its real handler runs (through a spy that only watches).
    const exitGroup = entries.find((x) => x.e.nr === NR_EXIT_GROUP)!.e;
    const exitSpy = vi.spyOn(exitGroup, "fn");
    const res = runProgram(guest(handled.map((r) => callAndCheck(r.nr, argsOf(r.nr), markerOf(r.nr)))), { argv: ["p"] });
    for (const r of handled) {
      const spy = spies.get(r.nr)!;
      expect(spy, r.name).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0].slice(2), r.name).toEqual(argsOf(r.nr));
    }
    expect(res.enosys).toEqual({});
    // Each result reached the guest's a0 (the program checked them all).
    expect(res.exitCode).toBe(0);
    expect(exitSpy).toHaveBeenCalledTimes(1);
    expect(res.syscalls).toBe(handled.length + 1);
  });

  it("answers -ENOSYS to every enosys row, and counts each as unimplemented", () => {
    const enosys: SyscallRow[] = rows.filter((r) => r.level === "enosys");
    const res = runProgram(guest(enosys.map((r) => callAndCheck(r.nr, argsOf(r.nr), -ENOSYS))), { argv: ["p"] });
    expect(res.enosys).toEqual(Object.fromEntries(enosys.map((r) => [r.nr, 1])));
    expect(res.exitCode).toBe(0);
  });

  it("answers -ENOSYS to numbers riscv32 does not have (the old time32 and stat calls)", () => {
    const absent = [38, 79, 80, 98, 113, 260, 295, 402, 415, 799];
    const res = runProgram(guest(absent.map((nr) => callAndCheck(nr, argsOf(nr), -ENOSYS))), { argv: ["p"] });
    expect(res.exitCode).toBe(0);
    expect(Object.keys(res.enosys).map(Number)).toEqual(absent);
  });
});
