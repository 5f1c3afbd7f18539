// Mm.dup shares the parent's decoded instructions (mm.icache) with the child: a forked child runs
// its parent's code without decoding it again. A shared decoded page is never changed in place:
// a write to a page, or to the page after it (whose bytes an instruction straddling the boundary
// at 0xffe was decoded from), drops the page from the writer's icache only.
import { describe, expect, it } from "vitest";
import { doMadvise, MADV_DONTFORK } from "../../../src/machine/mm/madvise.ts";
import { PROT_EXEC } from "../../../src/machine/mm/vma.ts";
import { BASE, fixed, newMm, P, poke, RW } from "./mm-helpers.ts";

const RWX = RW | PROT_EXEC;
const vpn = (page: number): number => (BASE >>> 12) + page;

/** A decoded page as the hart leaves it: some slot decoded, and a straddling one at 0xffe. */
function decoded(tag: number): Int32Array {
  const code = new Int32Array(4096);
  code[0] = tag;
  code[0xffe] = tag + 1;
  return code;
}

describe("Mm.dup and decoded instructions", () => {
  it("shares the parent's decoded pages; a write drops them from the writer only, never changing a shared one", () => {
    const parent = newMm();
    fixed(parent, 0, 3, RWX);
    for (let page = 0; page < 3; page++) poke(parent, BASE + page * P, 0x13);
    const [a, b] = [decoded(10), decoded(20)];
    parent.icache.set(vpn(0), a);
    parent.icache.set(vpn(1), b);
    const child = parent.dup();
    expect(child.icache.get(vpn(0))).toBe(a);
    expect(child.icache.get(vpn(1))).toBe(b);
    // The child writes page 1: its own decoded page 1 goes, and so does its page 0, whose slot at
    // 0xffe read page 1's old bytes. The parent's, still right for its memory, stay as they were.
    poke(child, BASE + P, 0x73);
    expect(child.icache.has(vpn(1))).toBe(false);
    expect(child.icache.has(vpn(0))).toBe(false);
    expect(parent.icache.get(vpn(0))).toBe(a);
    expect(parent.icache.get(vpn(1))).toBe(b);
    expect([a[0], a[0xffe], b[0], b[0xffe]]).toEqual([10, 11, 20, 21]);
    parent.destroy();
    child.destroy();
  });

  it("a page decoded by one mm alone still loses only its straddling slot when the page after it is written", () => {
    const mm = newMm();
    fixed(mm, 0, 2, RWX);
    for (let page = 0; page < 2; page++) poke(mm, BASE + page * P, 0x13);
    const a = decoded(10);
    mm.icache.set(vpn(0), a);
    poke(mm, BASE + P, 0x73);
    expect(mm.icache.get(vpn(0))).toBe(a);
    expect([a[0], a[0xffe]]).toEqual([10, 0]);
    mm.destroy();
  });

  it("does not give the child a decoded page it has no copy of, nor one whose next page it lacks", () => {
    const parent = newMm();
    fixed(parent, 0, 3, RWX);
    for (let page = 0; page < 3; page++) poke(parent, BASE + page * P, 0x13);
    expect(doMadvise(parent, BASE + 2 * P, P, MADV_DONTFORK)).toBe(0);
    parent.icache.set(vpn(0), decoded(10));
    parent.icache.set(vpn(1), decoded(20));
    parent.icache.set(vpn(2), decoded(30));
    const child = parent.dup();
    expect(child.icache.has(vpn(0))).toBe(true);
    expect(child.icache.has(vpn(1))).toBe(false); // its straddling slot reads page 2
    expect(child.icache.has(vpn(2))).toBe(false); // not in the child at all
    parent.destroy();
    child.destroy();
  });
});
