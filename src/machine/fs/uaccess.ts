// Reading syscall arguments that live in user memory: path names (getname) and iovec arrays
// (import_iovec), with Linux's errors.
import { PAGE_MASK, PAGE_SIZE } from "../mm/frame.ts";
import type { Mm } from "../mm/mm.ts";
import { MAX_RW_COUNT, PATH_MAX } from "./constants.ts";
import { EFAULT, EINVAL, ENAMETOOLONG, ENOENT } from "./errno.ts";
import type { IoSeg } from "./iov.ts";

export const UIO_MAXIOV = 1024;

/**
 * strncpy_from_user of a path: the bytes before the NUL as a latin1 string, -EFAULT if memory
 * faults first, -ENAMETOOLONG if PATH_MAX bytes hold no NUL. An empty name is -ENOENT unless
 * allowEmpty (AT_EMPTY_PATH).
 */
export function getname(mm: Mm, addr: number, allowEmpty = false): string | number {
  const parts: Uint8Array[] = [];
  let len = 0;
  let a = addr >>> 0;
  while (len < PATH_MAX) {
    const n = Math.min(PAGE_SIZE - (a & PAGE_MASK), PATH_MAX - len);
    if (a + n > 2 ** 32) return -EFAULT;
    const chunk = mm.copyIn(a, n);
    if (chunk === null) {
      // The page faults: find out whether the NUL came before it, byte by byte.
      const rest = mm.readCString(a, n);
      if (rest === null) return -EFAULT;
      parts.push(rest);
      len += rest.length;
      break;
    }
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      parts.push(chunk.subarray(0, nul));
      len += nul;
      break;
    }
    parts.push(chunk);
    len += n;
    a += n;
  }
  if (len >= PATH_MAX) return -ENAMETOOLONG;
  if (len === 0 && !allowEmpty) return -ENOENT;
  return Buffer.concat(parts).toString("latin1");
}

/**
 * import_iovec: iovcnt struct iovec {base, len} from user memory. More than UIO_MAXIOV, or a
 * length that is negative as ssize_t, is EINVAL; the total is clamped to MAX_RW_COUNT.
 */
export function importIovec(mm: Mm, iov: number, iovcnt: number): IoSeg[] | number {
  if (iovcnt < 0 || iovcnt > UIO_MAXIOV) return -EINVAL;
  if (iovcnt === 0) return [];
  const raw = mm.copyIn(iov, iovcnt * 8);
  if (raw === null) return -EFAULT;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const segs: IoSeg[] = [];
  let total = 0;
  for (let i = 0; i < iovcnt; i++) {
    const base = dv.getUint32(i * 8, true);
    let len = dv.getUint32(i * 8 + 4, true);
    if (len > 0x7fffffff) return -EINVAL;
    if (len > MAX_RW_COUNT - total) len = MAX_RW_COUNT - total;
    if (base + len > 2 ** 32) return -EFAULT;
    total += len;
    segs.push({ base, len });
  }
  return segs;
}

/** A signed 64-bit value from its two 32-bit register halves. */
export function loffFromHalves(lo: number, hi: number): number {
  return Number(BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)));
}
