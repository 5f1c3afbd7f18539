// (being written)
import type { ReviewCase } from "./types.ts";

export const INPUT_CASES: ReviewCase[] = [];
