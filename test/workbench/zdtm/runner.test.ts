// The runners of `cptbench zdtm` on zdtm-selftest (a stand-in ZDTM test whose outcome --mode
// chooses: workloads/libc/zdtm-selftest.c), under the emulated kernel and under qemu-riscv32 when it
// is installed; then a handful of CRIU's own tests under exec, judged by workloads/zdtm/expected.json,
// when the ZDTM build exists (npm run build:zdtm). Without the build the last test fails under
// CI=true (.ci/run builds it) and is skipped, saying why, elsewhere.
import { describe, expect, it } from "vitest";
import { QUICK_SUBSET } from "../../../src/cli/zdtm-cmd.ts";
import { runExec } from "../../../src/workbench/zdtm/exec-runner.ts";
import { loadExpectations, unexpected } from "../../../src/workbench/zdtm/expectations.ts";
import { qemuAvailable, runQemu } from "../../../src/workbench/zdtm/qemu-runner.ts";
import type { Verdict } from "../../../src/workbench/zdtm/protocol.ts";
import { runSuite } from "../../../src/workbench/zdtm/suite.ts";
import { loadTests, selectTests } from "../../../src/workbench/zdtm/tests-list.ts";
import { LIMITS, selftest, zdtmBuildOrSkip } from "../../support/zdtm.ts";


/** Each mode, the verdict and the words its reason must have, the same under both runners. */
const MODES: [string, Verdict, RegExp | null][] = [
  ["pass", "pass", null],
  ["fail", "fail", /no PASS at the end of selftest\.out/],
  ["die", "fail", /died before SIGTERM/],
  ["deaf", "fail", /stop: the test (did not exit|sleeps forever)/],
  ["nostart", "fail", /start: the launcher exited with 1/],
];


describe("the exec runner (zdtm.py's protocol on a Machine)", () => {
  it.each(MODES)("--mode=%s: %s", (mode, verdict, why) => {
    const o = runExec(selftest(mode), { limits: LIMITS });
    expect(o.verdict).toBe(verdict);
    if (why !== null) expect(o.reason).toMatch(why);
  });

  it("shows the test's last words with a failure, and not-run tests are not run", () => {
    expect(runExec(selftest("fail"), { limits: LIMITS }).outTail).toContain("FAIL: selftest failed on purpose");
    expect(runExec(selftest("nostart"), { limits: LIMITS }).outTail).toContain("selftest: test_init failed on purpose");
    expect(runExec({ ...selftest("pass"), elf: null, buildError: "x.c:1: error: y" })).toEqual({ verdict: "nobuild", reason: "x.c:1: error: y" });
    expect(runExec({ ...selftest("pass"), skip: "ns only" })).toEqual({ verdict: "skip", reason: "ns only" });
  });

  it("runs on worker threads with --jobs and keeps the selection's order", async () => {
    const tests = ["fail", "pass", "die"].map((m) => ({ ...selftest(m), name: `zdtm/static/selftest-${m}` }));
    const rows = await runSuite(tests, { exec: true, qemu: false, jobs: 2, execOptions: { limits: LIMITS } });
    expect(rows.map((r) => [r.name, r.exec?.verdict])).toEqual([["zdtm/static/selftest-fail", "fail"], ["zdtm/static/selftest-pass", "pass"], ["zdtm/static/selftest-die", "fail"]]);
  }, 120_000);
});

const hasQemu = qemuAvailable();
if (!hasQemu) console.warn("zdtm: qemu-riscv32 not found (apt-get install qemu-user): the qemu runner is not checked");

describe.runIf(hasQemu)("the qemu runner (the same protocol on real processes)", () => {
  it.each(MODES)("--mode=%s: %s", async (mode, verdict, why) => {
    const o = await runQemu(selftest(mode), { timeoutSec: 3 });
    expect(o.verdict).toBe(verdict);
    if (why !== null) expect(o.reason).toMatch(why);
  }, 30_000);
});

describe("CRIU's ZDTM tests under exec", () => {
  it("a handful run with the verdicts workloads/zdtm/expected.json gives them", async (ctx) => {
    const dir = zdtmBuildOrSkip(ctx);
    if (dir === null) return;
    const tests = selectTests(loadTests(dir), { tests: QUICK_SUBSET.slice(0, 4) });
    const rows = await runSuite(tests, { exec: true, qemu: false, jobs: 1 });
    expect(rows.every((r) => r.exec?.verdict === "pass" || r.exec?.verdict === "fail")).toBe(true);
    expect(unexpected(rows, loadExpectations())).toEqual([]);
  }, 300_000);
});
