// The races and lifetimes of REVIEW-CASES.md that are about the C/R code's own objects (2-5), the
// memory state it must carry (8, 9) and the steps of a checkpoint (15). Each group lives in its
// own file; this one lists them.
import type { ReviewCase } from "./types.ts";
import { MODULE_SELF_REF_CASE, RMMOD_CASE } from "./lifetime-rmmod.ts";
import { DOUBLE_FPUT_CASE, NSPROXY_PIN_CASE, ZERO_PAGE_CASE } from "./lifetime-bugs.ts";
import { FIVE_STEPS_CASE, REGISTERS_CASE } from "./lifetime-steps.ts";

export const LIFETIME_CASES: ReviewCase[] = [
  RMMOD_CASE, MODULE_SELF_REF_CASE, NSPROXY_PIN_CASE, DOUBLE_FPUT_CASE, ZERO_PAGE_CASE, REGISTERS_CASE, FIVE_STEPS_CASE,
];
