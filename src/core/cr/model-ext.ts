// Optional fields appended to a record (cred, signal, task, mm, pipe): the one encoding both
// codecs share, so an image of records without them keeps its bytes. model.ts re-exports it.

/**
 * Which of a record's optional fields are present, as a mask over `keys` (0: none). Both codecs
 * write, after a record's fixed fields, nothing when it is 0, else the mask and each present
 * field in `keys` order: an image of records without them has the bytes it had before.
 */
export function extMask<K extends string>(rec: { readonly [k in K]?: number }, keys: readonly K[]): number {
  return keys.reduce((m, k, i) => (rec[k] !== undefined ? m | (1 << i) : m), 0);
}

/** What writeExt needs of a codec's writer (both codecs' writers have it). */
export interface ExtWriter {
  u32(v: number, what: string): void;
  num(v: number, what: string): void;
}

/** What readExt needs of a codec's field reader. */
export interface ExtReader {
  flags(what: string, known: number): number;
  num(what: string): number;
}

/**
 * A record's optional fields, the same in both codecs: nothing when none is present (and no
 * `extra` bit is set), else a mask (u32, then a zero u32) and each present field as a num, in
 * `keys` order. Returns the mask, so a caller can append what an `extra` bit announces.
 */
export function writeExt<K extends string>(w: ExtWriter, rec: { readonly [k in K]?: number }, keys: readonly K[], extra = 0): number {
  const mask = extMask(rec, keys) | extra;
  if (mask === 0) return 0;
  w.u32(mask, "extension mask");
  w.u32(0, "extension pad");
  for (const k of keys) {
    const v = rec[k];
    if (v !== undefined) w.num(v, k);
  }
  return mask;
}

/**
 * The optional fields, if the record's fields go on after the fixed ones by at least a mask's
 * 8 bytes (`left`: fewer are left for the record's own length check to report as unexplained).
 * Returns the mask (0: none); bits outside `keys` and `extraKnown` are damage.
 */
export function readExt<K extends string>(r: ExtReader, left: number, rec: { [k in K]?: number }, keys: readonly K[], extraKnown = 0): number {
  if (left < 8) return 0;
  const mask = r.flags("extension mask", (2 ** keys.length - 1) | extraKnown);
  r.flags("extension pad", 0);
  keys.forEach((k, i) => {
    if ((mask & (1 << i)) !== 0) rec[k] = r.num(k);
  });
  return mask;
}

/** What readExtIndices needs of a codec's field reader, beyond ExtReader. */
export interface ExtListReader {
  u32(what: string): number;
  fail(message: string): never;
}

/**
 * A list an extension bit announces (page indices, all below 2^32), the same in both codecs: its
 * count (u32), then each as a u32, then a zero u32 if the count is odd, so the fields stay 8-byte
 * aligned. `room`: the bytes left in the record's fields, which bounds the count before anything
 * is allocated.
 */
export function writeExtIndices(w: ExtWriter, list: readonly number[], what: string): void {
  w.u32(list.length, `${what} count`);
  for (const v of list) w.u32(v, what);
  if (list.length % 2 === 0) w.u32(0, `${what} padding`);
}

export function readExtIndices(r: ExtListReader, room: number, what: string): number[] {
  const n = r.u32(`${what} count`);
  // The count and its padding: 4 + 4n bytes rounded up to 8.
  if (4 + 4 * n > room) r.fail(`${what} count ${n} cannot fit in the ${room} bytes of fields left`);
  const list: number[] = [];
  for (let i = 0; i < n; i++) list.push(r.u32(what));
  if (n % 2 === 0 && r.u32(`${what} padding`) !== 0) r.fail(`${what} padding is not zero`);
  return list;
}
