// Every review case, in REVIEW-CASES.md's order. Each group of cases lives in its own file.
import type { ReviewCase } from "./types.ts";
import { RACE_CASES } from "./race-cases.ts";
import { LIFETIME_CASES } from "./lifetime-cases.ts";
import { INPUT_CASES } from "./input-cases.ts";
import { SCALE_CASES } from "./scale-cases.ts";

export const CASES: readonly ReviewCase[] = [...RACE_CASES, ...LIFETIME_CASES, ...INPUT_CASES, ...SCALE_CASES].sort((a, b) => a.number - b.number);

export function findCase(id: string): ReviewCase | undefined {
  return CASES.find((c) => c.id === id || String(c.number) === id);
}
