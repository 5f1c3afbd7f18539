// (being written)
import type { ReviewCase } from "./types.ts";

export const RACE_CASES: ReviewCase[] = [];
