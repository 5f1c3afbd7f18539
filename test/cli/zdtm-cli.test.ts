// `cptbench zdtm` end to end on a stand-in build directory (the layout scripts/build-zdtm.sh
// writes, holding zdtm-selftest under three names), so the command is checked without CRIU's
// sources: selection, --list, the verdicts judged against workloads/zdtm/expected.json (which
// lists none of these names), the exit status, and the usage errors.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureCli } from "../support/cli.ts";
import { tempDir } from "../support/tmp.ts";
import { fakeZdtmBuild } from "../support/zdtm.ts";

const { main } = await import("../../src/cli/main.ts");

function fakeBuild(): string {
  return fakeZdtmBuild([
    { name: "selfpass" },
    { name: "selffail", extra: " --mode=fail", desc: "{'flags': 'suid'}\n" },
    { name: "broken", err: "/b/zdtm/static/broken.c:3:9: error: 'x' undeclared" },
  ]);
}

describe("cptbench zdtm", () => {
  const io = captureCli(main, { CPTBENCH_ZDTM_BUILD: fakeBuild() });

  it("--list names every test, with why one does not build and a test's flags", async () => {
    expect(await io.cptbench("zdtm", "--list")).toBe(0);
    expect(io.out.split("\n")).toEqual([
      "zdtm/static/selfpass  (runs)",
      "zdtm/static/selffail  (runs; suid: runs as root: zdtm.py gives it no ZDTM_UID/GID to drop to, and the container's init is root)",
      "zdtm/static/broken  (does not build: broken.c:3:9: error: 'x' undeclared)",
      "",
    ]);
  });

  it("--exec runs the selection; a pass not listed as expected to fail is status 0", async () => {
    expect(await io.cptbench("zdtm", "--exec", "-t", "selfpass")).toBe(0);
    expect(io.out).toContain("cptbench exec: 1 pass");
    expect(io.err).toContain("[1/1] zdtm/static/selfpass exec:pass");
  }, 60_000);

  it("a failure expected.json does not list is status 1 (0 with --keep-going), with its reason", async () => {
    expect(await io.cptbench("zdtm", "--exec", "-a", "--md")).toBe(1);
    expect(io.err).toContain("zdtm/static/selffail: unexpected fail");
    // The area in brackets depends on which calls the kernel lacks (musl's pause() is ppoll).
    expect(io.out).toMatch(/\| selffail \| yes \| FAIL \| \[[^\]]+\] no PASS at the end of selffail\.out[^|]* — FAIL: selftest failed on purpose \|/);
    expect(io.out).toMatch(/\| broken \| no \| nobuild \| does not build: broken\.c:3:9: error: 'x' undeclared \|/);
    io.out = "";
    expect(await io.cptbench("zdtm", "--exec", "-t", "selffail", "--keep-going", "--json")).toBe(0);
    const j = JSON.parse(io.out) as { summary: { execPass: number }; tests: { name: string; exec: { verdict: string } }[] };
    expect(j.summary.execPass).toBe(0);
    expect(j.tests.map((t) => [t.name, t.exec.verdict])).toEqual([["zdtm/static/selffail", "fail"]]);
  }, 60_000);

  it("through C/R: a column per design; a design that cannot say so is an unexpected verdict", async () => {
    expect(await io.cptbench("zdtm", "-t", "selfpass", "--design", "external/kernel/cpt", "--design", "external/userspace/ckpt", "--iters", "2")).toBe(0);
    expect(io.out).toContain("external/kernel/cpt: 1 pass, 0 unsupported, 0 fail");
    expect(io.out).toContain("external/userspace/ckpt: 1 pass, 0 unsupported, 0 fail");
    expect(io.err).toContain("[1/1] zdtm/static/selfpass external/kernel/cpt:pass external/userspace/ckpt:pass");
    // zdtm-selftest is not linked with the self-checkpoint shim: the self initiator cannot ask it.
    expect(await io.cptbench("zdtm", "-t", "selfpass", "--design", "self/kernel/cpt")).toBe(1);
    expect(io.err).toMatch(/zdtm\/static\/selfpass \(self\/kernel\/cpt\): unexpected unsupported \(the test does not catch CPT_SIGNAL/);
  }, 120_000);

  it("usage errors: C/R options that contradict, no selection, an unknown test, no build", async () => {
    expect(await io.cptbench("zdtm", "-t", "selfpass", "--target", "moon")).toBe(2);
    expect(io.err).toContain("--target must be same or fresh");
    expect(await io.cptbench("zdtm", "-t", "selfpass", "--norst", "--iters", "2")).toBe(2);
    expect(io.err).toContain("--norst restarts nothing");
    expect(await io.cptbench("zdtm", "-t", "selfpass", "--exec", "--iters", "2")).toBe(2);
    expect(io.err).toContain("do not apply to --exec alone");
    expect(await io.cptbench("zdtm", "-t", "selfpass", "--design", "external/kernel")).toBe(2);
    expect(io.err).toContain("is not a combination");
    expect(await io.cptbench("zdtm", "--exec")).toBe(2);
    expect(io.err).toContain("-t NAME (repeatable) or -a");
    expect(await io.cptbench("zdtm", "--exec", "-t", "nope")).toBe(2);
    expect(io.err).toContain("no ZDTM static test named nope");
  });
});

describe("cptbench zdtm without a build", () => {
  const io = captureCli(main, { CPTBENCH_ZDTM_BUILD: join(tempDir("zdtm-none"), "missing") });
  it("says how to build it, status 2", async () => {
    expect(await io.cptbench("zdtm", "--list")).toBe(2);
    expect(io.err).toContain("npm run build:zdtm");
  });
});
