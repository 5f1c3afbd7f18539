// shareCode: mms made otherwise than by fork (a restart's) get one decoded page for the text they
// map with the same frames, as Mm.dup gives a child its parent's (fork-icache.test.ts); and the
// same rules hold after: a write drops the shared page from the writer's icache only.
import { describe, expect, it } from "vitest";
import { shareCode } from "../../../src/machine/mm/share-code.ts";
import { sharedCode } from "../../../src/machine/mm/shared-code.ts";
import { PROT_EXEC } from "../../../src/machine/mm/vma.ts";
import { BASE, fixed, newMm, P, poke, RW } from "./mm-helpers.ts";

const RWX = RW | PROT_EXEC;
const vpn = (page: number): number => (BASE >>> 12) + page;

/** An mm with pages 0-2 executable and page 3 data, written, and two forks of it with nothing decoded. */
function tree() {
  const parent = newMm();
  fixed(parent, 0, 3, RWX);
  fixed(parent, 3, 1, RW);
  for (let page = 0; page < 4; page++) poke(parent, BASE + page * P, 0x13);
  const a = parent.dup();
  const b = parent.dup();
  expect([parent, a, b].every((mm) => mm.icache.size === 0)).toBe(true);
  return { parent, a, b, all: [parent, a, b] };
}

describe("shareCode", () => {
  it("gives mms mapping the same frames one decoded page per executable page; a write drops it from the writer only", () => {
    const { parent, a, b, all } = tree();
    shareCode(all);
    for (const page of [0, 1, 2]) {
      const code = parent.icache.get(vpn(page))!;
      expect(code).toBeInstanceOf(Int32Array);
      expect(sharedCode.has(code)).toBe(true);
      expect(code.every((w) => w === 0)).toBe(true); // nothing decoded yet: slots decode on use
      expect(a.icache.get(vpn(page))).toBe(code);
      expect(b.icache.get(vpn(page))).toBe(code);
    }
    expect(parent.icache.has(vpn(3))).toBe(false); // not executable
    const [p0, p1] = [parent.icache.get(vpn(0))!, parent.icache.get(vpn(1))!];
    p0[0] = 7;
    p0[0xffe] = 8;
    // a writes page 1: its page 1 goes, and its page 0 (whose straddling slot read page 1).
    poke(a, BASE + P, 0x73);
    expect(a.icache.has(vpn(1))).toBe(false);
    expect(a.icache.has(vpn(0))).toBe(false);
    expect(b.icache.get(vpn(0))).toBe(p0);
    expect(parent.icache.get(vpn(1))).toBe(p1);
    expect([p0[0], p0[0xffe]]).toEqual([7, 8]);
    for (const mm of all) mm.destroy();
  });

  it("shares a page only among mms with the same frame under it and under the page after it", () => {
    const { parent, a, b, all } = tree();
    // b has a copy of its own under page 1 (so page 0, whose straddling slot reads page 1, differs
    // too); a has decoded page 2 already, and keeps that.
    poke(b, BASE + P, 0x73);
    const own = new Int32Array(4096);
    a.icache.set(vpn(2), own);
    shareCode(all);
    expect(parent.icache.get(vpn(0))).toBe(a.icache.get(vpn(0)));
    expect(b.icache.has(vpn(0))).toBe(false);
    expect(b.icache.has(vpn(1))).toBe(false);
    expect(parent.icache.get(vpn(1))).toBe(a.icache.get(vpn(1)));
    expect(parent.icache.get(vpn(2))).toBe(b.icache.get(vpn(2)));
    expect(a.icache.get(vpn(2))).toBe(own);
    expect(sharedCode.has(own)).toBe(false);
    for (const mm of all) mm.destroy();
  });

  it("leaves an mm alone with its frames undecoded", () => {
    const mm = newMm();
    fixed(mm, 0, 2, RWX);
    for (let page = 0; page < 2; page++) poke(mm, BASE + page * P, 0x13);
    const other = newMm();
    fixed(other, 0, 2, RWX);
    for (let page = 0; page < 2; page++) poke(other, BASE + page * P, 0x13);
    shareCode([mm, other]); // the same bytes, but not the same frames
    expect(mm.icache.size + other.icache.size).toBe(0);
    mm.destroy();
    other.destroy();
  });
});
