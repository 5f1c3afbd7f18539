// What the ZDTM runner tests share: zdtm-selftest (a stand-in ZDTM test whose outcome --mode
// chooses: workloads/libc/zdtm-selftest.c) as a ZdtmTest, limits small enough for it, and the
// rule for CRIU's own build: in CI its absence is a failure, elsewhere a skip that says why.
import { join } from "node:path";
import { expect, type TestContext } from "vitest";
import { isBuilt, REPO_ROOT, zdtmBuildDir, type ZdtmTest } from "../../src/workbench/zdtm/tests-list.ts";

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
