import { describe, expect, it } from "vitest";
import { FrameAllocator, PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, FAULT_OOM, Mm, SEGV_ACCERR, SEGV_MAPERR, STACK_LIMIT } from "../../../src/machine/mm/mm.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE, VM_GROWSDOWN } from "../../../src/machine/mm/vma.ts";

const RW = PROT_READ | PROT_WRITE;

function newMm(limit = 1024): Mm {
  return new Mm(new FrameAllocator(limit));
}

describe("Mm", () => {
  it("keeps VMAs sorted and finds them by address", () => {
    const mm = newMm();
    mm.mapRegion(0x30000, PAGE_SIZE, RW, 0, "anon");
    mm.mapRegion(0x10000, 2 * PAGE_SIZE, PROT_READ | PROT_EXEC, 0, "elf");
    mm.mapRegion(0x20000, PAGE_SIZE, RW, 0, "anon");
    expect(mm.vmas.map((v) => v.start)).toEqual([0x10000, 0x20000, 0x30000]);
    expect(mm.findVma(0x11fff)?.start).toBe(0x10000);
    expect(mm.findVma(0x12000)).toBeUndefined();
    expect(mm.isFree(0x12000, 0x20000)).toBe(true);
    expect(mm.isFree(0x12000, 0x20001)).toBe(false);
  });

  it("maps the zero page on read and a private frame on first write", () => {
    const mm = newMm();
    mm.mapRegion(0x10000, PAGE_SIZE, RW, 0, "anon");
    const r = mm.translate(0x10, ACCESS_READ)!;
    expect(r.getUint32(0, true)).toBe(0);
    expect(mm.frames.inUse).toBe(0); // still the shared zero page
    const w = mm.translate(0x10, ACCESS_WRITE)!;
    expect(w).not.toBe(r);
    expect(mm.frames.inUse).toBe(1);
    w.setUint32(0, 0xdeadbeef, true);
    expect(mm.translate(0x10, ACCESS_READ)!.getUint32(0, true)).toBe(0xdeadbeef);
    // The zero page itself was never written.
    expect(mm.frames.zeroPage.data.every((b) => b === 0)).toBe(true);
  });

  it("reports SEGV_MAPERR outside any VMA and SEGV_ACCERR on a protection violation", () => {
    const mm = newMm();
    mm.mapRegion(0x10000, PAGE_SIZE, PROT_READ, 0, "anon");
    expect(mm.translate(0x20, ACCESS_READ)).toBeNull();
    expect(mm.lastFault).toBe(SEGV_MAPERR);
    expect(mm.translate(0x10, ACCESS_WRITE)).toBeNull();
    expect(mm.lastFault).toBe(SEGV_ACCERR);
    expect(mm.translate(0x10, ACCESS_EXEC)).toBeNull();
    expect(mm.lastFault).toBe(SEGV_ACCERR);
  });

  it("gives FAULT_OOM, not a crash, when the frame limit is reached", () => {
    const mm = newMm(2);
    mm.mapRegion(0x10000, 4 * PAGE_SIZE, RW, 0, "anon");
    expect(mm.translate(0x10, ACCESS_WRITE)).not.toBeNull();
    expect(mm.translate(0x11, ACCESS_WRITE)).not.toBeNull();
    expect(mm.translate(0x12, ACCESS_WRITE)).toBeNull();
    expect(mm.lastFault).toBe(FAULT_OOM);
  });

  it("grows a GROWSDOWN stack on demand up to the stack limit", () => {
    const mm = newMm(4096);
    const top = 0x80000000;
    mm.mapRegion(top - 4 * PAGE_SIZE, 4 * PAGE_SIZE, RW, VM_GROWSDOWN, "stack");
    expect(mm.translate((top - 10 * PAGE_SIZE) >>> 12, ACCESS_WRITE)).not.toBeNull();
    expect(mm.vmas[0].start).toBe(top - 10 * PAGE_SIZE);
    expect(mm.translate((top - STACK_LIMIT - PAGE_SIZE) >>> 12, ACCESS_WRITE)).toBeNull();
    expect(mm.lastFault).toBe(SEGV_MAPERR);
  });

  it("moves brk like Linux: grows, shrinks (freeing pages), refuses below start", () => {
    const mm = newMm();
    mm.startBrk = mm.brk = 0x20000;
    expect(mm.setBrk(0)).toBe(0x20000);
    expect(mm.setBrk(0x23000 + 12)).toBe(0x2300c);
    expect(mm.copyOut(0x23008, new Uint8Array([1, 2, 3, 4]))).toBe(true);
    expect(mm.copyOut(0x24000, new Uint8Array([1]))).toBe(false); // beyond the page-aligned break
    const used = mm.frames.inUse;
    expect(mm.setBrk(0x21000)).toBe(0x21000);
    expect(mm.frames.inUse).toBe(used - 1);
    expect(mm.copyIn(0x23008, 4)).toBeNull();
    expect(mm.setBrk(0x1f000)).toBe(0x21000);
  });

  it("refuses to grow brk into the next mapping", () => {
    const mm = newMm();
    mm.startBrk = mm.brk = 0x20000;
    mm.mapRegion(0x30000, PAGE_SIZE, RW, 0, "anon");
    expect(mm.setBrk(0x30000)).toBe(0x20000);
    expect(mm.setBrk(0x2f000)).toBe(0x2f000);
  });

  it("unmapRange splits VMAs and frees their frames", () => {
    const mm = newMm();
    mm.mapRegion(0x10000, 4 * PAGE_SIZE, RW, 0, "anon");
    for (let p = 0x10; p < 0x14; p++) mm.translate(p, ACCESS_WRITE);
    expect(mm.frames.inUse).toBe(4);
    mm.unmapRange(0x11000, 0x13000);
    expect(mm.vmas.map((v) => [v.start, v.end])).toEqual([[0x10000, 0x11000], [0x13000, 0x14000]]);
    expect(mm.frames.inUse).toBe(2);
    mm.destroy();
    expect(mm.frames.inUse).toBe(0);
  });

  it("copyIn/copyOut cross pages and fail on any inaccessible byte", () => {
    const mm = newMm();
    mm.mapRegion(0x10000, 2 * PAGE_SIZE, RW, 0, "anon");
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    expect(mm.copyOut(0x10fd0, data)).toBe(true);
    expect(mm.copyIn(0x10fd0, 100)).toEqual(data);
    expect(mm.copyIn(0x11fd0, 100)).toBeNull();
    expect(mm.copyOut(0x11fd0, data)).toBe(false);
    expect(mm.writeU32(0x10000, 0x12345678)).toBe(true);
    expect(mm.readU32(0x10000)).toBe(0x12345678);
    mm.copyOut(0x10100, new TextEncoder().encode("hello\0"));
    expect(new TextDecoder().decode(mm.readCString(0x10100, 64)!)).toBe("hello");
    expect(mm.readCString(0x10100, 3)).toBeNull();
  });

  it("a kernel write to a page drops its decoded instructions", () => {
    const mm = newMm();
    mm.mapRegion(0x10000, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, 0, "anon");
    mm.icache.set(0x10, new Int32Array(4096));
    mm.copyOut(0x10010, new Uint8Array([0x13, 0, 0, 0]));
    expect(mm.icache.has(0x10)).toBe(false);
  });
});
