// (being written)
import type { ReviewCase } from "./types.ts";

export const LIFETIME_CASES: ReviewCase[] = [];
