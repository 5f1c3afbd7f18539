// Double-precision arithmetic: FADD/FSUB/FMUL/FDIV/FSQRT.D and the fused multiply-adds.
//
// Each op computes JS's round-to-nearest-even result r, then the exact residual with an
// error-free transformation (Fast2Sum for add, Dekker's TwoProduct for mul, the remainder
// a - q*b for div and a - r*r for sqrt, a double-double expansion for fma). The residual's
// sign gives NX and the directed modes; ties (only possible for add, mul and fma) give RMM.
// Those transformations are exact only away from overflow and the subnormal range, so each op
// checks magnitudes first and sends anything outside the safe window to the BigInt slow path
// (fpu-slow.ts), which is exact everywhere. The RNE path allocates nothing.
import { FFLAG_DZ, FFLAG_NV, FFLAG_NX, FFLAG_OF, type FpContext } from "./fp-state.ts";
import { dirD, twoProdErr } from "./fpu-round.ts";
import { slowAddD, slowDivD, slowFmaD, slowMulD } from "./fpu-slow.ts";

const TWO_M968 = 2 ** -968;
const TWO_M960 = 2 ** -960;
const TWO_990 = 2 ** 990;
const TWO_995 = 2 ** 995;
const TWO_1000 = 2 ** 1000;
const TWO_1020 = 2 ** 1020;
const TWO_M200 = 2 ** -200;
const TWO_M500 = 2 ** -500;
const TWO_100 = 2 ** 100;

/** Is register r a signaling NaN (as a double)? */
export function isSNaND(f: Uint32Array, r: number): boolean {
  const hi = f[2 * r + 1];
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) | f[2 * r]) !== 0;
}

export function writeNaND(f: Uint32Array, rd: number): void {
  f[2 * rd] = 0;
  f[2 * rd + 1] = 0x7ff80000;
}

/** A NaN result of a two-operand op: NV for a signaling input or an invalid operation. */
function nanResult2(h: FpContext, rd: number, rs1: number, rs2: number, a: number, b: number): void {
  if ((a === a && b === b) || isSNaND(h.f, rs1) || isSNaND(h.f, rs2)) h.fflags |= FFLAG_NV;
  writeNaND(h.f, rd);
}

/** Writes r after directed rounding (es = sign of the residual, non-zero). */
function finish(h: FpContext, rd: number, r: number, es: number, tie: boolean, rm: number): void {
  h.fflags |= FFLAG_NX;
  if (rm !== 0) {
    r = dirD(r, es, tie, r < 0, rm);
    if (r - r !== 0) h.fflags |= FFLAG_OF; // stepped from ±MAX to ±inf
  }
  h.fd[rd] = r;
}

/** FADD.D (and FSUB.D with b negated by the caller). */
export function addD(h: FpContext, rd: number, rs1: number, rs2: number, a: number, b: number, rm: number): void {
  const r = a + b;
  if (r - r === 0) {
    if (r === 0) {
      // exact zero: +0 unless both operands are -0, except RDN gives -0 unless both are +0
      h.fd[rd] = rm === 2 && !(a === 0 && b === 0 && 1 / a > 0 && 1 / b > 0) ? -0 : r;
      return;
    }
    // Fast2Sum on the larger operand: exact for any finite sum (no spurious overflow).
    const e = Math.abs(a) >= Math.abs(b) ? b - (r - a) : a - (r - b);
    if (e === 0) h.fd[rd] = r;
    else finish(h, rd, r, e > 0 ? 1 : -1, rm === 4 && (r + 2 * e) - r === 2 * e, rm);
    return;
  }
  if (r !== r) nanResult2(h, rd, rs1, rs2, a, b);
  else if (a - a !== 0 || b - b !== 0) h.fd[rd] = r; // an infinite operand: exact
  else h.fd[rd] = slowAddD(h, a, b, rm); // overflow
}

export function mulD(h: FpContext, rd: number, rs1: number, rs2: number, a: number, b: number, rm: number): void {
  const r = a * b;
  const ar = Math.abs(r);
  // (ah*bh in TwoProduct may exceed |a*b| slightly: keep a margin below overflow)
  if (ar >= TWO_M968 && ar < TWO_1020 && Math.abs(a) < TWO_995 && Math.abs(b) < TWO_995) {
    const e = twoProdErr(a, b, r);
    if (e === 0) h.fd[rd] = r;
    else finish(h, rd, r, e > 0 ? 1 : -1, rm === 4 && (r + 2 * e) - r === 2 * e, rm);
    return;
  }
  if (r !== r) nanResult2(h, rd, rs1, rs2, a, b);
  else if (a - a !== 0 || b - b !== 0 || a === 0 || b === 0) h.fd[rd] = r; // exact inf or zero
  else h.fd[rd] = slowMulD(h, a, b, rm);
}

export function divD(h: FpContext, rd: number, rs1: number, rs2: number, a: number, b: number, rm: number): void {
  const q = a / b;
  const aq = Math.abs(q);
  const aa = Math.abs(a);
  if (aq >= TWO_M960 && aq < TWO_990 && Math.abs(b) < TWO_990 && aa >= TWO_M960 && aa < TWO_1020) {
    // remainder a - q*b: exactly representable, and computed exactly (Sterbenz for a - p)
    const p = q * b;
    const rem = (a - p) - twoProdErr(q, b, p);
    if (rem === 0) h.fd[rd] = q;
    else finish(h, rd, q, (rem > 0) === (b > 0) ? 1 : -1, false, rm); // quotients never tie
    return;
  }
  if (q !== q) nanResult2(h, rd, rs1, rs2, a, b);
  else if (b === 0) {
    if (a - a === 0) h.fflags |= FFLAG_DZ; // finite / 0 (an infinite dividend is exact)
    h.fd[rd] = q;
  } else if (a - a !== 0 || b - b !== 0 || a === 0) h.fd[rd] = q; // exact inf or zero
  else h.fd[rd] = slowDivD(h, a, b, rm);
}

export function sqrtD(h: FpContext, rd: number, rs1: number, a: number, rm: number): void {
  if (a > 0 && a < Infinity) {
    // scale by an even power of two so r*r's error is representable and r*r cannot overflow
    let x = a;
    let scale = 1;
    if (a < TWO_M960) {
      x = a * TWO_1000;
      scale = TWO_M500;
    } else if (a > TWO_1000) {
      x = a * TWO_M200;
      scale = TWO_100;
    }
    const r = Math.sqrt(x);
    const p = r * r;
    const rem = (x - p) - twoProdErr(r, r, p);
    let v = r;
    if (rem !== 0) {
      h.fflags |= FFLAG_NX;
      if (rm !== 0) v = dirD(r, rem > 0 ? 1 : -1, false, false, rm); // square roots never tie
    }
    h.fd[rd] = v * scale; // exact: the result is far from the subnormal range
    return;
  }
  if (a === 0 || a === Infinity) h.fd[rd] = a;
  else {
    // NaN, or a negative number
    if (a === a || isSNaND(h.f, rs1)) h.fflags |= FFLAG_NV;
    writeNaND(h.f, rd);
  }
}

/**
 * The fused multiply-adds: (-1)^np * a * b + (-1)^nc * c with one rounding. np/nc say which
 * signs the variant flips (FMADD 0/0, FMSUB 0/1, FNMSUB 1/0, FNMADD 1/1).
 */
export function fmaD(h: FpContext, rd: number, rs1: number, rs2: number, rs3: number, np: boolean, nc: boolean, rm: number): void {
  const a = np ? -h.fd[rs1] : h.fd[rs1];
  const b = h.fd[rs2];
  const c = nc ? -h.fd[rs3] : h.fd[rs3];
  const p = a * b;
  const ap = Math.abs(p);
  if (ap >= TWO_M968 && ap < TWO_1000 && Math.abs(a) < TWO_995 && Math.abs(b) < TWO_995 && Math.abs(c) < TWO_1000) {
    // exact = p + e + c; renormalise to hi + mid + lo with hi = RN(hi + mid), mid = RN(mid + lo)
    const e = twoProdErr(a, b, p);
    const s = p + c;
    let z = s - p;
    const t = (p - (s - z)) + (c - z);
    const m = t + e;
    z = m - t;
    const u = (t - (m - z)) + (e - z);
    const hi = s + m;
    z = hi - s;
    const w = (s - (hi - z)) + (m - z);
    const mid = w + u;
    z = mid - w;
    const lo = (w - (mid - z)) + (u - z);
    const ahi = Math.abs(hi);
    if (ahi >= TWO_M960 && ahi < TWO_1000 && hi + mid === hi && mid + lo === mid) {
      if (mid === 0) {
        h.fd[rd] = hi;
        return;
      }
      let r = hi;
      let es = mid > 0 ? 1 : -1;
      let tie = false;
      const m2 = 2 * mid;
      if ((hi + m2) - hi === m2) {
        // hi + mid is a midpoint: lo decides, or it is a true tie
        if (lo === 0) tie = true;
        else if ((lo > 0) === (mid > 0)) {
          r = hi + m2;
          es = -es;
        }
      }
      finish(h, rd, r, es, tie, rm);
      return;
    }
  }
  fmaSpecialD(h, rd, rs1, rs2, rs3, a, b, c, p, rm);
}

function fmaSpecialD(h: FpContext, rd: number, rs1: number, rs2: number, rs3: number,
  a: number, b: number, c: number, p: number, rm: number): void {
  const infA = a - a !== 0 && a === a;
  const infB = b - b !== 0 && b === b;
  if (a !== a || b !== b || c !== c) {
    // RISC-V: inf * 0 is invalid even when the addend is a quiet NaN
    if (isSNaND(h.f, rs1) || isSNaND(h.f, rs2) || isSNaND(h.f, rs3) || (infA && b === 0) || (infB && a === 0)) {
      h.fflags |= FFLAG_NV;
    }
    writeNaND(h.f, rd);
    return;
  }
  if (infA || infB) {
    // p is ±inf, or NaN for inf * 0
    if (p !== p || (c - c !== 0 && c !== p)) {
      h.fflags |= FFLAG_NV;
      writeNaND(h.f, rd);
    } else h.fd[rd] = p;
    return;
  }
  if (c - c !== 0) {
    h.fd[rd] = c;
    return;
  }
  if (a === 0 || b === 0) {
    // exact zero product: p + c is exact; zero-sign rules as for an add
    const r = p + c;
    h.fd[rd] = r === 0 && rm === 2 && !(1 / p > 0 && 1 / c > 0) ? -0 : r;
    return;
  }
  h.fd[rd] = slowFmaD(h, a, b, c, rm);
}
