// Mutations of an image's bytes (kinds.ts BYTE_KINDS). Record-level mutations use the codec's
// framing as the tampered-images case reads it (cases/input-boundaries.ts); deliberate edits
// (lengths, records) are resealed — their checksums made right — so that the decoder's own
// checks, not the checksum, must catch them. Bit flips and overwrites are resealed half the time:
// unresealed they test the checksums, resealed the decoder behind them.
import type { Prng } from "../../machine/kernel/prng.ts";
import { imageRecords, recordBoundaries, reseal, type ImageRecord } from "../cases/input-boundaries.ts";
import type { Mutant, MutationKind } from "./kinds.ts";

/** Values a lying length or an overwritten word takes: boundaries of u32 and of the record. */
const INTERESTING_U32 = [0, 1, 7, 8, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The records a record-level mutation may move: cpt objects and sections, every ckpt record. */
const movable = (rs: ImageRecord[]): ImageRecord[] => rs.filter((r) => r.kind === "record" || r.kind === "object" || r.kind === "section");

/** cpt: an object `delta` bytes longer or shorter changes its section's size (cpt_next) too. */
function fixSection(codec: string, image: Uint8Array, r: ImageRecord, delta: number): void {
  if (codec !== "cpt" || r.section === undefined) return;
  const dv = new DataView(image.buffer, image.byteOffset, image.length);
  dv.setBigUint64(r.section, dv.getBigUint64(r.section, true) + BigInt(delta), true);
}

const maybeReseal = (codec: string, image: Uint8Array, prng: Prng): [Uint8Array, string] =>
  prng.below(2) === 0 ? [reseal(codec, image), " (resealed)"] : [image, ""];

/**
 * Mutant number `nth` of byte kind `kind` of `image`. `nth` walks the record boundaries in
 * order for truncation, so the first N truncations of a campaign cut at every one of N boundaries.
 */
export function byteMutant(kind: MutationKind, codec: string, image: Uint8Array, prng: Prng, nth: number): Mutant {
  const records = imageRecords(codec, image);
  const x = image.slice();
  const dv = new DataView(x.buffer);
  switch (kind) {
    case "bit-flip": {
      const n = 1 + prng.below(4);
      const where: string[] = [];
      for (let i = 0; i < n; i++) {
        const at = prng.below(x.length);
        const bit = prng.below(8);
        x[at] ^= 1 << bit;
        where.push(`${at}.${bit}`);
      }
      const [img, how] = maybeReseal(codec, x, prng);
      return { kind, label: `bits flipped at ${where.join(",")}${how}`, image: img };
    }
    case "overwrite": {
      const at = prng.below(Math.max(1, x.length - 4));
      const v = INTERESTING_U32[prng.below(INTERESTING_U32.length)];
      dv.setUint32(at, v, true);
      const [img, how] = maybeReseal(codec, x, prng);
      return { kind, label: `u32 at byte ${at} = 0x${v.toString(16)}${how}`, image: img };
    }
    case "truncate": {
      const cuts = recordBoundaries(codec, image).offsets.filter((o) => o > 0 && o < image.length);
      const at = cuts.length > 0 ? cuts[nth % cuts.length] : prng.below(image.length);
      return { kind, label: `truncated at byte ${at}`, image: image.slice(0, at) };
    }
    case "lying-length": {
      const b = recordBoundaries(codec, image);
      const at = b.offsets[prng.below(b.offsets.length)] ?? 0;
      const field = b.lengthField(at);
      const old = dv.getUint32(field, true);
      const choices = [old + 8, old - 8, old + 1, old - 1, old * 2, ...INTERESTING_U32];
      const v = choices[prng.below(choices.length)] >>> 0;
      dv.setUint32(field, v, true);
      return { kind, label: `record at byte ${at} claims length 0x${v.toString(16)} (was 0x${old.toString(16)})`, image: reseal(codec, x) };
    }
    case "duplicate":
    case "drop": {
      const rs = movable(records);
      if (rs.length === 0) return { kind, label: "no record to move", image: null, why: "the image has no records in a framing the fuzzer knows" };
      const r = rs[prng.below(rs.length)];
      const rec = image.subarray(r.at, r.at + r.len);
      const out = kind === "duplicate"
        ? concat(image.subarray(0, r.at + r.len), rec, image.subarray(r.at + r.len))
        : concat(image.subarray(0, r.at), image.subarray(r.at + r.len));
      fixSection(codec, out, r, kind === "duplicate" ? r.len : -r.len);
      return { kind, label: `${r.kind} at byte ${r.at} (${r.len} bytes) ${kind === "duplicate" ? "duplicated" : "dropped"}`, image: reseal(codec, out) };
    }
    case "swap": {
      // Two neighbours at the same level (two ckpt records, two objects of one cpt section, two sections).
      const rs = movable(records);
      const pairs: [ImageRecord, ImageRecord][] = [];
      for (let i = 0; i + 1 < rs.length; i++) {
        const a = rs[i];
        const b = rs.slice(i + 1).find((r) => r.kind === a.kind && r.section === a.section);
        if (b !== undefined && b.at === a.at + a.len) pairs.push([a, b]);
      }
      if (pairs.length === 0) return { kind, label: "no neighbouring records", image: null, why: "the image has no two neighbouring records" };
      const [a, b] = pairs[prng.below(pairs.length)];
      const out = concat(image.subarray(0, a.at), image.subarray(b.at, b.at + b.len), image.subarray(a.at, a.at + a.len), image.subarray(b.at + b.len));
      return { kind, label: `${a.kind}s at bytes ${a.at} and ${b.at} swapped`, image: reseal(codec, out) };
    }
    default:
      throw new Error(`byteMutant: ${kind} is not a byte mutation`);
  }
}
