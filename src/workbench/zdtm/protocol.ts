// What both runners share: zdtm.py's protocol in data. A test is started with its Makefile
// arguments in its own directory, with zdtm.py's environment; its launcher (the process make
// starts) daemonizes it in test_init() and exits once the test called test_daemon(), after writing
// the test's pid to NAME.pid; the runner then sends SIGTERM to that pid, waits for it to die, and
// the test passed only if the last line of its own NAME.out has the word PASS (zdtm.py's
// `'PASS' in tail -n1 NAME.out` check).
import type { ZdtmTest } from "./tests-list.ts";

/** "unsupported": a C/R design refused something the test holds (EOPNOTSUPP, with the reason). */
export type Verdict = "pass" | "fail" | "unsupported" | "skip" | "nobuild";

export interface RunOutcome {
  verdict: Verdict;
  /** Why it failed or was skipped (null on a pass). */
  reason: string | null;
  /** The last lines of NAME.out (or NAME.out.inprogress), for a failure's report. */
  outTail?: string[];
  /** Wall time of the run in milliseconds (the suite measures it; results.json and JUnit show it). */
  ms?: number;
  /** C/R cycles completed (through-C/R columns only). */
  iterations?: number;
}

/** The uid, gid and groups zdtm.py gives a test without the suid flag ("should match criu"). */
export const ZDTM_UID = "18943";
export const ZDTM_GID = "58467";
export const ZDTM_GROUPS = "27495 48244";

/**
 * The environment of a test, as zdtm.py builds it for the host flavour: its TMPDIR, a thread-bomb
 * size, and for tests that are not suid the unprivileged ids test_init() switches to. The base is
 * fixed (not the caller's environment) so both runners give the test the same one.
 */
export function testEnv(t: ZdtmTest, tmpdir: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/",
    TMPDIR: tmpdir,
    ZDTM_THREAD_BOMB: "5",
  };
  if (!t.desc.flags.includes("suid")) {
    env.ZDTM_UID = ZDTM_UID;
    env.ZDTM_GID = ZDTM_GID;
    env.ZDTM_GROUPS = ZDTM_GROUPS;
  }
  return env;
}

/** zdtm.py's check: the words of the outfile's last line include PASS. */
export function outPassed(out: string): boolean {
  const lines = out.split("\n");
  // tail -n1 of a file ending in "\n" is the line before that newline.
  const last = lines[lines.length - 1] === "" ? (lines[lines.length - 2] ?? "") : lines[lines.length - 1];
  return last.split(/\s+/).includes("PASS");
}

/** The last n non-empty lines, each trimmed to a readable length. */
export function tailLines(text: string, n = 3): string[] {
  return text.split("\n").filter((l) => l.trim() !== "").slice(-n).map((l) => l.slice(0, 200));
}

/**
 * The line of an outfile tail that says what went wrong: the last one that is not libzdtmtst's
 * launcher reporting that its child exited ("test.c:NNN: Test exited unexpectedly"), which only
 * repeats the child's own error printed before it.
 */
export function keyLine(tail: readonly string[]): string | undefined {
  const useful = tail.filter((l) => !/test\.c:\d+: Test exited unexpectedly/.test(l));
  return (useful.length > 0 ? useful : tail)[(useful.length > 0 ? useful : tail).length - 1];
}

/** The verdict of a test that is not run (no ELF, or its .desc excludes this flavour/arch). */
export function notRun(t: ZdtmTest): RunOutcome | null {
  if (t.elf === null) return { verdict: "nobuild", reason: t.buildError };
  if (t.skip !== null) return { verdict: "skip", reason: t.skip };
  return null;
}

/** The names of the files a test is given (pidfile, outfile): the Makefile's, relative to its dir. */
export function argValue(t: ZdtmTest, opt: string): string | null {
  const a = t.args.find((x) => x.startsWith(`--${opt}=`));
  return a === undefined ? null : a.slice(opt.length + 3);
}
