// Where two CheckpointModels differ, for tests and for the review cases that compare a model before
// and after a round trip (vitest's toEqual would print a diff of every page).
/**
 * Where two models (or any plain values) differ, as paths ("tasks.3.regs.pc: 4 vs 8"); empty when
 * equal. Byte arrays are compared as bytes.
 */
export function modelDiff(a: unknown, b: unknown, path = "model", out: string[] = []): string[] {
  if (out.length >= 20) return out;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) !== 0) out.push(`${path}: bytes differ`);
    return out;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    if (!Object.is(a, b)) out.push(`${path}: ${String(a)} vs ${String(b)}`);
    return out;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return [...out, `${path}: array vs object`];
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    if (!(key in ra) || !(key in rb)) out.push(`${path}.${key}: present ${key in ra} vs ${key in rb}`);
    else modelDiff(ra[key], rb[key], `${path}.${key}`, out);
  }
  return out;
}
