// lib/kstrtox.c: how the kernel parses a number a program wrote into a proc file. Unlike
// strtol, the whole string must be the number (one trailing newline allowed); base 0 takes
// 0x.. as hex and 0.. as octal. The text ends at the first NUL, as the kernel's copy is a C string.
import { EINVAL, ERANGE } from "../errno.ts";

/** The written bytes as the C string the kernel parses. */
export function cString(data: Uint8Array): string {
  const end = data.indexOf(0);
  return Buffer.from(end < 0 ? data : data.subarray(0, end)).toString("latin1");
}

/** _kstrtoull: a non-negative number as bigint, or -errno. */
function kstrtoull(s: string, base: 0 | 10): bigint | number {
  let b: number = base === 0 ? 10 : base;
  let i = 0;
  if (base === 0 && s[0] === "0") {
    if ((s[1] === "x" || s[1] === "X") && /[0-9a-fA-F]/.test(s[2] ?? "")) {
      b = 16;
      i = 2;
    } else b = 8;
  }
  let v = 0n;
  const start = i;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 16);
    if (Number.isNaN(d) || d >= b) break;
    v = v * BigInt(b) + BigInt(d);
    if (v > 0xffffffffffffffffn) return -ERANGE;
  }
  if (i === start) return -EINVAL;
  if (s[i] === "\n") i++;
  return i === s.length ? v : -EINVAL;
}

/** kstrtoint: a signed 32-bit number, or -EINVAL / -ERANGE. */
export function kstrtoint(s: string, base: 0 | 10): { v: number } | number {
  const neg = s[0] === "-";
  const r = kstrtoull(neg || s[0] === "+" ? s.slice(1) : s, base);
  if (typeof r === "number") return r;
  const v = neg ? -r : r;
  if (v < -0x80000000n || v > 0x7fffffffn) return -ERANGE;
  return { v: Number(v) };
}

/** kstrtouint: an unsigned 32-bit number (no minus sign), or -EINVAL / -ERANGE. */
export function kstrtouint(s: string, base: 0 | 10): { v: number } | number {
  const r = kstrtoull(s[0] === "+" ? s.slice(1) : s, base);
  if (typeof r === "number") return r;
  if (r > 0xffffffffn) return -ERANGE;
  return { v: Number(r) };
}

/** strstrip: without leading and trailing white space. */
export const strstrip = (s: string): string => s.replace(/^[\s\v]+|[\s\v]+$/g, "");
