// The cases of "Bad input to the syscalls" and "Images and streams" in REVIEW-CASES.md: odd fds
// (6), tampered images (7), a non-seekable image fd (12) and the header layout (13). Each lives
// in its own input-*.ts file; what they share is in input-support.ts.
import type { ReviewCase } from "./types.ts";
import { BAD_FDS_CASE } from "./input-bad-fds.ts";
import { TAMPERED_CASE } from "./input-tampered.ts";
import { PIPE_STREAM_CASE } from "./input-pipe-stream.ts";
import { LAYOUT_CASE } from "./input-layout.ts";

export const INPUT_CASES: ReviewCase[] = [BAD_FDS_CASE, TAMPERED_CASE, PIPE_STREAM_CASE, LAYOUT_CASE];
