// The high 32 bits of an unsigned 32×32 multiply, in 16-bit halves so no partial product loses
// bits to a double's 53-bit mantissa. Shared by the interpreter (hart.ts) and the code the
// translator generates (translate.ts), so both compute MULH* identically.
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) | 0;
}
