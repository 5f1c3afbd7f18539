// `cptbench zdtm` through checkpoint/restart (issue 16): zdtm.py's protocol with a C/R cycle
// between test_daemon() and SIGTERM, in each design. First on zdtm-selftest (a stand-in whose
// outcome --mode chooses), then on a few of CRIU's own tests in all 8 designs, judged by
// workloads/zdtm/expected.json, when the ZDTM build exists (npm run build:zdtm; CI builds it).
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { combinations, comboLabel } from "../../../src/workbench/matrix/combos.ts";
import { designOf } from "../../../src/workbench/scenario/runner.ts";
import { runCr, type CrOptions } from "../../../src/workbench/zdtm/cr-runner.ts";
import { loadExpectations, unexpected } from "../../../src/workbench/zdtm/expectations.ts";
import { runSuite } from "../../../src/workbench/zdtm/suite.ts";
import { loadTests, selectTests } from "../../../src/workbench/zdtm/tests-list.ts";
import { LIMITS, selftest, zdtmBuildOrSkip } from "../../support/zdtm.ts";


const design = (label: string) => {
  const [initiator, creator, codec] = label.split("/");
  return designOf({ initiator, creator, codec, pluginOptions: {} } as Parameters<typeof designOf>[0], builtinRegistry());
};

const cr = (mode: string, label: string, opts: CrOptions = {}) => runCr(selftest(mode), design(label), { limits: LIMITS, ...opts });

describe("a ZDTM test through C/R (zdtm-selftest)", () => {
  it.each(["external/kernel/cpt", "external/userspace/ckpt"])("%s: a test that passes passes after a restart, N restarts, a fresh machine, or --norst", (label) => {
    expect(cr("pass", label)).toEqual({ verdict: "pass", reason: null });
    expect(cr("pass", label, { iters: 3 })).toEqual({ verdict: "pass", reason: null });
    expect(cr("pass", label, { target: "fresh", iters: 2 })).toEqual({ verdict: "pass", reason: null });
    expect(cr("pass", label, { norst: true })).toEqual({ verdict: "pass", reason: null });
  });

  it("the test's own verdict decides after the restart, and a test that never starts is not checkpointed", () => {
    const failed = cr("fail", "external/kernel/cpt");
    expect(failed.verdict).toBe("fail");
    expect(failed.reason).toMatch(/no PASS at the end of selftest\.out/);
    expect(failed.outTail).toContain("FAIL: selftest failed on purpose");
    const died = cr("die", "external/kernel/cpt");
    // It dies right after test_daemon(): before the runner looks (its container is gone) or after.
    expect(died.reason).toMatch(/died before the checkpoint|^start: the container ended/);
    const nostart = cr("nostart", "external/kernel/ckpt");
    expect(nostart.verdict).toBe("fail");
    expect(nostart.reason).toMatch(/^start: the container ended/);
  });

  it("the self initiator needs the shim's CPT_SIGNAL handler: without it the design says so", () => {
    const o = cr("pass", "self/kernel/cpt");
    expect(o.verdict).toBe("unsupported");
    expect(o.reason).toMatch(/the test does not catch CPT_SIGNAL \(63\): it was built without the self-checkpoint shim/);
  });

  it("runs the designs on worker threads, a column each, in the selection's order", async () => {
    const designs = [{ initiator: "external", creator: "kernel", codec: "cpt" }, { initiator: "self", creator: "userspace", codec: "ckpt" }];
    const tests = ["pass", "fail"].map((m) => ({ ...selftest(m), name: `zdtm/static/selftest-${m}` }));
    const rows = await runSuite(tests, { exec: true, qemu: false, jobs: 2, execOptions: { limits: LIMITS }, designs });
    expect(rows.map((r) => [r.name, r.exec?.verdict, r.cr?.["external/kernel/cpt"]?.verdict, r.cr?.["self/userspace/ckpt"]?.verdict])).toEqual([
      ["zdtm/static/selftest-pass", "pass", "pass", "unsupported"],
      ["zdtm/static/selftest-fail", "fail", "fail", "unsupported"],
    ]);
  }, 120_000);
});

describe("CRIU's ZDTM tests through C/R in every design", () => {
  it("env00 and zombie00 pass --iters 2 on a fresh machine in all 8 designs, as expected.json says", async (ctx) => {
    const dir = zdtmBuildOrSkip(ctx);
    if (dir === null) return;
    const designs = combinations(builtinRegistry());
    expect(designs.length).toBe(8);
    const tests = selectTests(loadTests(dir), { tests: ["env00", "zombie00"], all: false, exclude: [] });
    const rows = await runSuite(tests, { exec: false, qemu: false, jobs: 2, designs, crOptions: { iters: 2, target: "fresh" } });
    for (const r of rows) expect(Object.keys(r.cr ?? {})).toEqual(designs.map(comboLabel));
    expect(unexpected(rows, loadExpectations())).toEqual([]);
    expect(rows.flatMap((r) => Object.values(r.cr ?? {})).every((o) => o.verdict === "pass")).toBe(true);
  }, 300_000);

  it("socket-ext: the launcher's own child outliving it does not hide test_daemon(); the checkpoint then names the socket", (ctx) => {
    const dir = zdtmBuildOrSkip(ctx);
    if (dir === null) return;
    // Its launcher forks the socket's external peer before test_init(): once the launcher exits,
    // the peer is the container init's child beside the test, alive until the end. The runner
    // waits for the launcher alone (zdtm.py's rule), so the test gets checkpointed.
    const [t] = selectTests(loadTests(dir), { tests: ["socket-ext"] });
    const o = runCr(t, design("external/kernel/cpt"));
    // Sockets are carried, but this one is bound to a name outside the container's tree, which
    // a restart could not give back: the refusal names it, so the checkpoint was reached, which
    // is what this checks.
    expect(o).toMatchObject({ verdict: "unsupported", reason: expect.stringMatching(/^checkpoint failed: dump: socket:\[\d+\] is bound to \S+, which is outside the container's tree/) });
  }, 120_000);

  it("selfexe00: /proc/self/exe reads the same after the restart, in both codecs and on a fresh machine", (ctx) => {
    const dir = zdtmBuildOrSkip(ctx);
    if (dir === null) return;
    const [t] = selectTests(loadTests(dir), { tests: ["selfexe00"] });
    expect(runCr(t, design("external/kernel/cpt"), { iters: 2 })).toEqual({ verdict: "pass", reason: null });
    expect(runCr(t, design("self/userspace/ckpt"), { target: "fresh" })).toEqual({ verdict: "pass", reason: null });
  }, 120_000);
});
