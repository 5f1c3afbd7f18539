// Races and shared objects of REVIEW-CASES.md: the signal-race gap of user-space process creation
// (1), shared kernel objects and what each creator makes only to destroy (10), and pids —
// kept, clone_with_pid's rules, the ns_last_pid race (11). Each lives in its own file.
import type { ReviewCase } from "./types.ts";
import { SIGNAL_RACE } from "./race-signal.ts";
import { SHARING } from "./race-sharing.ts";
import { PIDS } from "./race-pids.ts";

export const RACE_CASES: ReviewCase[] = [SIGNAL_RACE, SHARING, PIDS];
