// Which pid numbers of a namespace are taken, for allocation in O(1) amortised (Linux keeps
// them in an IDR, a radix tree; cptbench uses a two-level bitmap). Scanning the namespace's
// Map number by number costs O(pid_max) on a nearly full namespace, on every failing fork:
// a fork bomb then slows the whole machine down instead of meeting EAGAIN.
//
// words[w] bit b is number 32·w + b; summary bit w says words[w] is all ones, so a search
// skips 32 full words (1,024 numbers) per summary word looked at.
export class PidBitmap {
  private words = new Uint32Array(0);
  private summary = new Uint32Array(0);

  /** Room for numbers below `limit` (grows, never shrinks: pid_max may be raised later). */
  private reserve(limit: number): void {
    const nwords = (limit + 31) >>> 5;
    if (nwords <= this.words.length) return;
    const words = new Uint32Array(Math.max(nwords, this.words.length * 2));
    words.set(this.words);
    const summary = new Uint32Array((words.length + 31) >>> 5);
    summary.set(this.summary);
    this.words = words;
    this.summary = summary;
  }

  has(nr: number): boolean {
    const w = nr >>> 5;
    return w < this.words.length && (this.words[w] & (1 << (nr & 31))) !== 0;
  }

  set(nr: number): void {
    this.reserve(nr + 1);
    const w = nr >>> 5;
    this.words[w] |= 1 << (nr & 31);
    if (this.words[w] === 0xffffffff) this.summary[w >>> 5] |= 1 << (w & 31);
  }

  clear(nr: number): void {
    const w = nr >>> 5;
    if (w >= this.words.length) return;
    this.words[w] &= ~(1 << (nr & 31));
    this.summary[w >>> 5] &= ~(1 << (w & 31));
  }

  /** The lowest free number in [from, to), or -1 if every one is taken. */
  findFree(from: number, to: number): number {
    if (from >= to) return -1;
    this.reserve(to);
    let w = from >>> 5;
    // The first word: only bits at or above `from`.
    let free = ~this.words[w] & (0xffffffff << (from & 31));
    for (;;) {
      if (free !== 0) {
        const nr = (w << 5) + lowestBit(free);
        return nr < to ? nr : -1;
      }
      w = this.nextNotFullWord(w + 1, (to + 31) >>> 5);
      if (w < 0) return -1;
      free = ~this.words[w];
    }
  }

  /** The first word at or after `w` (below `end`) with a clear bit, or -1. */
  private nextNotFullWord(w: number, end: number): number {
    while (w < end) {
      const s = w >>> 5;
      const open = ~this.summary[s] & (0xffffffff << (w & 31));
      if (open !== 0) {
        const found = (s << 5) + lowestBit(open);
        return found < end ? found : -1;
      }
      w = (s + 1) << 5;
    }
    return -1;
  }
}

/** Index of the lowest set bit of a non-zero 32-bit value. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}
