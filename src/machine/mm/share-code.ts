// Decoded code for mms made otherwise than by fork: the sharing dupMmap does (fork.ts), for a set
// of mms that map the same frames. A restart gives every task of a forked tree the same
// copy-on-write frames under its text, but each restored mm an empty icache, so each of 10,000
// restored tasks decoded the same page again (a 16 KiB page of slots, and its translated blocks)
// on its first instruction. Decoding depends on the bytes under the page and the page after it
// (an instruction straddling the boundary) and on nothing else, and costs no virtual time, so a
// page decoded once serves every mm with the same two frames there; a write by any of them drops
// the shared page from the writer's icache only (sharedCode, Mm.dropStraddle), as after a fork.
import type { Frame } from "./frame.ts";
import { PAGE_SHIFT } from "./frame.ts";
import type { Mm } from "./mm.ts";
import { sharedCode } from "./shared-code.ts";
import { PROT_EXEC } from "./vma.ts";

/**
 * Give every executable page that two or more of `mms` map with the same frame, and the same
 * frame (or none) after it, one decoded page (not decoded yet: slots decode on first use) in all
 * their icaches. Pages an mm has already decoded keep their own.
 */
export function shareCode(mms: Iterable<Mm>): void {
  // vpn → frame → the frame after it (undefined: none mapped) → the mms mapping both.
  const groups = new Map<number, Map<Frame, Map<Frame | undefined, Mm[]>>>();
  for (const mm of mms) {
    for (const v of mm.vmas) {
      if ((v.prot & PROT_EXEC) === 0) continue;
      for (let vpn = v.start >>> PAGE_SHIFT; vpn < v.end >>> PAGE_SHIFT; vpn++) {
        const f = mm.pt.get(vpn)?.frame;
        // A frame only this mm holds cannot be another's: nothing to share.
        if (f === undefined || f.refs < 2 || mm.icache.has(vpn)) continue;
        const next = mm.pt.get((vpn + 1) & 0xfffff)?.frame;
        let byFrame = groups.get(vpn);
        if (byFrame === undefined) groups.set(vpn, (byFrame = new Map()));
        let byNext = byFrame.get(f);
        if (byNext === undefined) byFrame.set(f, (byNext = new Map()));
        const list = byNext.get(next);
        if (list === undefined) byNext.set(next, [mm]);
        else list.push(mm);
      }
    }
  }
  for (const [vpn, byFrame] of groups) {
    for (const byNext of byFrame.values()) {
      for (const list of byNext.values()) {
        if (list.length < 2) continue;
        const code = new Int32Array(4096);
        sharedCode.add(code);
        for (const mm of list) mm.icache.set(vpn, code);
      }
    }
  }
}
