// The fuzzer's vocabulary (issue 17 item 8): what a mutation may be, what a restart of a mutated
// image may end as, and which of those endings are bugs. A leaf file: the mutators, the
// classifier, the runner and the renderer all name these.
import { Prng } from "../../machine/kernel/prng.ts";

/** Mutations of the image's bytes: framing, lengths, records, data. */
export const BYTE_KINDS = ["bit-flip", "overwrite", "truncate", "lying-length", "duplicate", "drop", "swap"] as const;
/** Edits of the decoded model, encoded again: every checksum right, only the meaning wrong. */
export const SEMANTIC_KINDS = ["creds", "paths", "pids", "sizes", "refs"] as const;
export const KINDS = [...BYTE_KINDS, ...SEMANTIC_KINDS] as const;
export type MutationKind = (typeof KINDS)[number];

/**
 * How a restart of a mutated image ended. The last five are bugs: the fuzzer exits non-zero on
 * any of them ("unencodable" is an edit the codec cannot write, so nothing was restarted).
 */
export const CLASSES = [
  "rejected", "identical", "different", "runaway", "unencodable", "oops", "leak", "escape", "host-exception",
] as const;
export type FuzzClass = (typeof CLASSES)[number];
export const BUG_CLASSES: readonly FuzzClass[] = ["oops", "leak", "escape", "host-exception"];

/** One mutated image, or why the mutation could not be made (an unencodable semantic edit). */
export interface Mutant {
  kind: MutationKind;
  /** What was done, e.g. "bit 3 of byte 812 flipped (resealed)", "cred 2 uid = 0". */
  label: string;
  image: Uint8Array | null;
  /** Why image is null. */
  why?: string;
}

/**
 * The generator of mutant `index` of a campaign: its own stream, so a mutant does not depend on
 * which mutants ran before it (a sharded or resumed campaign makes the same images).
 */
export function mutantPrng(seed: number, index: number): Prng {
  return new Prng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}
