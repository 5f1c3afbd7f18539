// The kernel's trap and syscall paths, driven by small programs placed at the entry point of an
// ELF built in the test (the instruction words are spelled out with their assembly).
import { describe, expect, it } from "vitest";
import { runProgram } from "../../../src/machine/machine.ts";
import { buildElf, DEFAULT_ENTRY } from "../../fixtures/elf/build-elf.ts";

const addi = (rd: number, rs1: number, imm: number): number => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
const lui = (rd: number, imm20: number): number => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37;
const lw = (rd: number, rs1: number, imm: number): number => ((imm & 0xfff) << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x03;
const ECALL = 0x00000073;
const EBREAK = 0x00100073;
const A0 = 10;
const A1 = 11;
const A2 = 12;
const A7 = 17;
const SP = 2;

/** An ELF whose code at the entry point is `words`. */
function program(words: number[]): Uint8Array {
  const code = new Uint8Array(words.length * 4);
  const dv = new DataView(code.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return buildElf({ patches: [{ offset: DEFAULT_ENTRY - 0x10000, bytes: code }] });
}

const exit = (code: number): number[] => [addi(A0, 0, code), addi(A7, 0, 94), ECALL];

describe("kernel", () => {
  it("answers an unknown syscall with -ENOSYS and counts it", () => {
    // a7 = 999; ecall; exit_group(a0): the status is -38 & 0xff.
    const r = runProgram(program([addi(A7, 0, 999), ECALL, addi(A7, 0, 94), ECALL]), { argv: ["p"] });
    expect(r.exitCode).toBe(-38 & 0xff);
    expect(r.enosys).toEqual({ 999: 1 });
    expect(r.syscalls).toBe(2);
  });

  it("kills the program with SIGILL (status 132) on an illegal instruction, saying where", () => {
    const r = runProgram(program([0xffffffff]), { argv: ["p"] });
    expect(r.exitCode).toBe(128 + 4);
    // No core bit: RLIMIT_CORE is 0 by default, so Linux (and qemu) report CLD_KILLED, not DUMPED.
    expect(r.exit).toEqual({ signal: 4, core: false });
    expect(r.events[0].message).toContain("SIGILL: illegal instruction 0xffffffff at pc 0x00010100");
  });

  it("kills the program with SIGSEGV (status 139) on a load from an unmapped address", () => {
    const r = runProgram(program([lw(A0, 0, 16)]), { argv: ["p"] });
    expect(r.exitCode).toBe(139);
    expect(r.events[0].message).toContain("load fault at 0x00000010 (SEGV_MAPERR)");
  });

  it("kills the program with SIGSEGV (SEGV_ACCERR) on a store to its text", () => {
    const sw = (rs2: number, rs1: number, imm: number): number =>
      (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (2 << 12) | ((imm & 31) << 7) | 0x23;
    const r = runProgram(program([lui(A1, 0x10), sw(A0, A1, 0)]), { argv: ["p"] });
    expect(r.exitCode).toBe(139);
    expect(r.events[0].message).toContain("store fault at 0x00010000 (SEGV_ACCERR)");
  });

  it("ebreak is SIGTRAP (status 133)", () => {
    expect(runProgram(program([EBREAK]), { argv: ["p"] }).exitCode).toBe(133);
  });

  it("starts with argc, argv and envp on a 16-byte aligned stack", () => {
    // exit(argc) — then the same with more arguments; and sp % 16 as the exit status.
    const argc = program([lw(A0, SP, 0), addi(A7, 0, 94), ECALL]);
    expect(runProgram(argc, { argv: ["p", "a", "b"] }).exitCode).toBe(3);
    const andi = (rd: number, rs1: number, imm: number): number => ((imm & 0xfff) << 20) | (rs1 << 15) | (7 << 12) | (rd << 7) | 0x13;
    const align = program([andi(A0, SP, 15), addi(A7, 0, 94), ECALL]);
    expect(runProgram(align, { argv: ["p", "x"], env: ["A=1"] }).exitCode).toBe(0);
  });

  it("write(2) on a bad fd is EBADF and on a bad buffer EFAULT", () => {
    // write(7, sp, 1) -> -EBADF (-9); exit with it.
    const badFd = program([addi(A0, 0, 7), addi(A1, SP, 0), addi(A2, 0, 1), addi(A7, 0, 64), ECALL, addi(A7, 0, 94), ECALL]);
    expect(runProgram(badFd, { argv: ["p"] }).exitCode).toBe(-9 & 0xff);
    // write(1, 16, 4) -> -EFAULT (-14)
    const badBuf = program([addi(A0, 0, 1), addi(A1, 0, 16), addi(A2, 0, 4), addi(A7, 0, 64), ECALL, addi(A7, 0, 94), ECALL]);
    const r = runProgram(badBuf, { argv: ["p"] });
    expect(r.exitCode).toBe(-14 & 0xff);
    expect(r.stdout.length).toBe(0);
  });

  it("runs the same seed to the same virtual time, and stops at the instruction limit", () => {
    const loop = program([addi(A0, A0, 1), 0xffdff06f /* jal x0, -4 */]);
    const a = runProgram(loop, { argv: ["p"], maxInstructions: 10_000 });
    const b = runProgram(loop, { argv: ["p"], maxInstructions: 10_000 });
    expect(a.exitCode).toBe(137);
    expect(a.instructions).toBe(10_000);
    expect(a.virtualNs).toBe(b.virtualNs);
    expect(a.events.map((e) => e.kind)).toEqual(["instruction-limit"]);
  });

  it("exit_group with a code reports that code", () => {
    expect(runProgram(program(exit(42)), { argv: ["p"] }).exitCode).toBe(42);
  });
});
