// What the ZDTM runner tests share: zdtm-selftest (a stand-in ZDTM test whose outcome --mode
// chooses: workloads/libc/zdtm-selftest.c) as a ZdtmTest, limits small enough for it, and the
// rule for CRIU's own build: in CI its absence is a failure, elsewhere a skip that says why.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type TestContext } from "vitest";
import { isBuilt, REPO_ROOT, zdtmBuildDir, type ZdtmTest } from "../../src/workbench/zdtm/tests-list.ts";
import { tempDir } from "./tmp.ts";

const SELFTEST = join(REPO_ROOT, "workloads", "bin", "zdtm-selftest.elf");

export const LIMITS = { start: 50_000_000, settle: 1_000_000, stop: 50_000_000 };

export function selftest(mode: string): ZdtmTest {
  return {
    name: "zdtm/static/selftest", base: "selftest", kind: "nofile",
    args: ["--pidfile=selftest.pid", "--outfile=selftest.out", `--mode=${mode}`],
    desc: { flavors: ["h"], flags: ["suid"], features: [], arch: null, raw: {} },
    elf: SELFTEST, buildError: null, skip: null,
  };
}

/** The ZDTM build's directory, or null after skipping the test (failing it under CI=true) when there is none. */
export function zdtmBuildOrSkip(ctx: TestContext): string | null {
  const dir = zdtmBuildDir();
  if (isBuilt(dir)) return dir;
  const why = `no ZDTM build at ${dir} (npm run build:zdtm; .ci/run does)`;
  // In CI a missing build is a failure to fix, not a test to skip.
  if (process.env.CI === "true") expect.fail(why);
  console.warn(`zdtm: skipped: ${why}`);
  ctx.skip();
  return null;
}

/** One test of a stand-in build: zdtm-selftest under NAME, with extra arguments, a .desc, or a build error. */
export interface FakeTest {
  name: string;
  /** Appended to the start command (" --mode=fail"). */
  extra?: string;
  /** The compiler's error: the test does not build. */
  err?: string;
  /** The .desc's text. */
  desc?: string;
}

/**
 * A stand-in of the directory scripts/build-zdtm.sh writes (tests.list, index/NAME.cmd|kind|log,
 * zdtm/static/NAME and NAME.desc, .complete), holding zdtm-selftest under each name, so the
 * command can be checked without CRIU's sources.
 */
export function fakeZdtmBuild(tests: readonly FakeTest[]): string {
  const dir = tempDir("zdtm-build");
  const st = join(dir, "zdtm", "static");
  mkdirSync(st, { recursive: true });
  mkdirSync(join(dir, "index"));
  for (const t of tests) {
    writeFileSync(join(dir, "index", `${t.name}.cmd`), `./${t.name} --pidfile=${t.name}.pid --outfile=${t.name}.out${t.extra ?? ""}\n`);
    writeFileSync(join(dir, "index", `${t.name}.kind`), "nofile\n");
    writeFileSync(join(dir, "index", `${t.name}.log`), t.err ?? "");
    if (t.err === undefined) copyFileSync(SELFTEST, join(st, t.name));
    if (t.desc !== undefined) writeFileSync(join(st, `${t.name}.desc`), t.desc);
  }
  writeFileSync(join(dir, "tests.list"), tests.map((t) => t.name).join("\n") + "\n");
  writeFileSync(join(dir, ".complete"), "");
  return dir;
}
