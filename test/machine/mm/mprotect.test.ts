// mprotect: errors, holes, and the caches harts keep (TLBs through epoch, decoded code in icache).
import { describe, expect, it } from "vitest";
import { TRAP_ECALL, TRAP_FETCH_FAULT, TRAP_STORE_FAULT } from "../../../src/machine/cpu/hart-mem.ts";
import { EINVAL, ENOMEM } from "../../../src/machine/kernel/errno.ts";
import { ACCESS_READ, ACCESS_WRITE, SEGV_ACCERR } from "../../../src/machine/mm/mm.ts";
import { doMprotect, PROT_GROWSDOWN, PROT_GROWSUP, PROT_SEM } from "../../../src/machine/mm/mprotect.ts";
import { MAP_GROWSDOWN } from "../../../src/machine/mm/mmap.ts";
import { PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { enc } from "../../helpers/encode.ts";
import { CODE_BASE, DATA_BASE, makeHart } from "../../helpers/hart.ts";
import { areas, BASE, fixed, mmap, newMm, P, peek, poke, PRIV, RW } from "./mm-helpers.ts";

describe("mprotect", () => {
  it("changes what accesses may do", () => {
    const mm = newMm();
    fixed(mm, 0, 1);
    poke(mm, BASE, 9);
    expect(doMprotect(mm, BASE, P, PROT_READ)).toBe(0);
    expect(poke(mm, BASE, 1)).toBe(false);
    expect(mm.lastFault).toBe(SEGV_ACCERR);
    expect(peek(mm, BASE)).toBe(9);
    expect(doMprotect(mm, BASE, P, PROT_NONE)).toBe(0);
    expect(peek(mm, BASE)).toBeNull();
    // riscv has no write-only pages: Linux maps PROT_WRITE readable.
    expect(doMprotect(mm, BASE, P, PROT_WRITE)).toBe(0);
    expect(peek(mm, BASE)).toBe(9);
  });

  it("rounds the length up, accepts length 0 and PROT_SEM", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    expect(doMprotect(mm, BASE, 1, PROT_READ | PROT_SEM)).toBe(0);
    expect(areas(mm)).toEqual([[0, 1, "r--"], [1, 1, "rw-"]]);
    expect(doMprotect(mm, BASE + 7 * P, 0, PROT_READ)).toBe(0);
  });

  it("EINVAL for an unaligned start, unknown bits, both GROWS flags, GROWSDOWN on a plain area", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    expect(doMprotect(mm, BASE + 1, P, PROT_READ)).toBe(-EINVAL);
    expect(doMprotect(mm, BASE, P, 0x10)).toBe(-EINVAL);
    expect(doMprotect(mm, BASE, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP)).toBe(-EINVAL);
    expect(doMprotect(mm, BASE, P, PROT_READ | PROT_GROWSDOWN)).toBe(-EINVAL);
    expect(doMprotect(mm, BASE, P, PROT_READ | PROT_GROWSUP)).toBe(-EINVAL);
    expect(areas(mm)).toEqual([[0, 2, "rw-"]]);
  });

  it("PROT_GROWSDOWN extends the change to the bottom of a grows-down area", () => {
    const mm = newMm();
    const a = mmap(mm, 0, 4 * P, RW, PRIV | MAP_GROWSDOWN);
    expect(doMprotect(mm, a + 3 * P, P, PROT_READ | PROT_GROWSDOWN)).toBe(0);
    expect(mm.vmas.map((v) => [v.start - a, v.prot])).toEqual([[0, PROT_READ]]);
  });

  // qemu-riscv32 7.2 returns 0 here (it checks nothing); Linux returns ENOMEM after changing
  // the areas below the hole. These expectations follow Linux's mprotect.c, not qemu.
  it("ENOMEM for a range with a hole, after changing what lies before it", () => {
    const mm = newMm();
    fixed(mm, 0, 2);
    fixed(mm, 3, 2);
    expect(doMprotect(mm, BASE, 5 * P, PROT_READ)).toBe(-ENOMEM);
    expect(areas(mm)).toEqual([[0, 2, "r--"], [3, 2, "rw-"]]);
    expect(doMprotect(mm, BASE - P, 2 * P, PROT_READ)).toBe(-ENOMEM);
    expect(doMprotect(mm, BASE + 40 * P, P, PROT_READ)).toBe(-ENOMEM);
    expect(doMprotect(mm, BASE, 0xfffff001, PROT_READ)).toBe(-ENOMEM);
  });

  it("ENOMEM when making a private area writable would be charged more than the machine", () => {
    const mm = newMm(4);
    const a = mmap(mm, 0, 8 * P, PROT_READ, PRIV);
    expect(doMprotect(mm, a, 8 * P, RW)).toBe(-ENOMEM);
    expect(doMprotect(mm, a, 4 * P, RW)).toBe(0);
  });

  it("bumps epoch when a permission goes, not when one is added", () => {
    const mm = newMm();
    fixed(mm, 0, 2, PROT_READ);
    let e = mm.epoch;
    doMprotect(mm, BASE, P, RW);
    expect(mm.epoch).toBe(e);
    doMprotect(mm, BASE, P, PROT_READ);
    expect(mm.epoch).toBeGreaterThan(e);
    e = mm.epoch;
    doMprotect(mm, BASE, P, PROT_READ);
    expect(mm.epoch).toBe(e);
  });

  it("drops decoded instructions of pages that lose PROT_EXEC or gain PROT_WRITE, only those", () => {
    const mm = newMm();
    const rx = PROT_READ | PROT_EXEC;
    fixed(mm, 0, 4, rx);
    for (let p = 0; p < 4; p++) mm.icache.set((BASE >>> 12) + p, new Int32Array(4096));
    doMprotect(mm, BASE, P, PROT_READ);
    doMprotect(mm, BASE + P, P, rx | PROT_WRITE);
    doMprotect(mm, BASE + 2 * P, P, PROT_EXEC);
    expect([0, 1, 2, 3].map((p) => mm.icache.has((BASE >>> 12) + p))).toEqual([false, false, true, true]);
  });

  it("also forgets the instruction that straddles into a changed page from the page below", () => {
    const mm = newMm();
    fixed(mm, 0, 2, PROT_READ | PROT_EXEC);
    const below = new Int32Array(4096);
    below[0xffe] = 0x1234;
    below[0x10] = 0x5678;
    mm.icache.set(BASE >>> 12, below);
    doMprotect(mm, BASE + P, P, PROT_READ);
    expect([below[0xffe], below[0x10], mm.icache.has(BASE >>> 12)]).toEqual([0, 0x5678, true]);
  });
});

describe("mprotect and a running hart", () => {
  it("a store that hit the TLB faults after the page becomes read-only", () => {
    // sw x5, 0(x6); ecall
    const t = makeHart([enc.sw(5, 0, 6), 0x00000073], { regs: { 5: 0x1234, 6: DATA_BASE } });
    expect(t.h.run(100)).toBe(TRAP_ECALL);
    expect(t.mm.translate(DATA_BASE >>> 12, ACCESS_READ)!.getUint32(0, true)).toBe(0x1234);
    expect(doMprotect(t.mm, DATA_BASE, P, PROT_READ)).toBe(0);
    t.h.pc = t.entry;
    expect(t.h.run(100)).toBe(TRAP_STORE_FAULT);
    expect(t.h.lastFault?.code).toBe(SEGV_ACCERR);
  });

  it("code already decoded cannot run once its page loses PROT_EXEC", () => {
    // addi x5, x5, 1; ecall
    const t = makeHart([enc.addi(5, 5, 1), 0x00000073]);
    expect(t.h.run(100)).toBe(TRAP_ECALL);
    expect(t.mm.icache.has(CODE_BASE >>> 12)).toBe(true);
    expect(doMprotect(t.mm, CODE_BASE, P, PROT_READ)).toBe(0);
    t.h.pc = t.entry;
    expect(t.h.run(100)).toBe(TRAP_FETCH_FAULT);
  });

  it("code made writable and rewritten by a store runs the new instruction", () => {
    // addi x5, x0, 1; ecall — then patched to addi x5, x0, 2 through a user store.
    const t = makeHart([enc.addi(5, 0, 1), 0x00000073]);
    expect(t.h.run(100)).toBe(TRAP_ECALL);
    expect(t.h.x[5]).toBe(1);
    expect(doMprotect(t.mm, CODE_BASE, P, PROT_READ | PROT_WRITE | PROT_EXEC)).toBe(0);
    expect(t.mm.translate(CODE_BASE >>> 12, ACCESS_WRITE)).not.toBeNull();
    t.mm.writeU32(CODE_BASE, enc.addi(5, 0, 2));
    t.h.pc = t.entry;
    expect(t.h.run(100)).toBe(TRAP_ECALL);
    expect(t.h.x[5]).toBe(2);
  });
});
