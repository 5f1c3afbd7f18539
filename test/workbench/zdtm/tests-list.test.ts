// The pure parts of `cptbench zdtm`: .desc literals (zdtm.py eval()s them; we parse a subset and
// refuse the rest), which tests the host flavour runs, zdtm.py's PASS check, selection (-t/-a/-x),
// the build-failure line, the miss categories, and expectations.
import { describe, expect, it } from "vitest";
import { CptbenchError } from "../../../src/machine/errors.ts";
import { categorize } from "../../../src/workbench/zdtm/categories.ts";
import { parseDesc, parsePyLiteral } from "../../../src/workbench/zdtm/desc.ts";
import { unexpected, updated } from "../../../src/workbench/zdtm/expectations.ts";
import { outPassed, testEnv } from "../../../src/workbench/zdtm/protocol.ts";
import type { ZdtmRow } from "../../../src/workbench/zdtm/suite.ts";
import { buildFailure, selectTests, skipReason, type ZdtmTest } from "../../../src/workbench/zdtm/tests-list.ts";

function test(base: string, descText = "", elf: string | null = `/b/${base}`): ZdtmTest {
  const desc = parseDesc(descText, `${base}.desc`);
  return { name: `zdtm/static/${base}`, base, kind: "nofile", args: [`--pidfile=${base}.pid`, `--outfile=${base}.out`], desc, elf, buildError: elf === null ? "x.c:1: error: no" : null, skip: skipReason(desc) };
}

describe(".desc files", () => {
  it("parses the literal forms CRIU's files use", () => {
    expect(parsePyLiteral(`{'flavor': 'h ns', "flags": 'suid',\n 'deps': ['/bin/sh', '/sbin/ip|/bin/ip',], 'timeout': 30, 'x': True, 'y': None} # c`, "t")).toEqual({
      flavor: "h ns", flags: "suid", deps: ["/bin/sh", "/sbin/ip|/bin/ip"], timeout: 30, x: true, y: null,
    });
    expect(parsePyLiteral(`{'opts': '--a ' '--b'}`, "t")).toEqual({ opts: "--a --b" });
  });

  it("refuses Python code rather than evaluating it", () => {
    expect(() => parsePyLiteral(`os.getenv("X") and {'flags': 'noauto'}`, "mnt.desc")).toThrow(CptbenchError);
    expect(() => parsePyLiteral(`{'a': 'b'} extra`, "t")).toThrow(/trailing text/);
    expect(() => parsePyLiteral(`{'a': 'b`, "t")).toThrow(/unterminated/);
  });

  it("defaults as zdtm.py does: every flavour, no flags", () => {
    const d = parseDesc("", "x.desc");
    expect(d.flavors).toEqual(["h", "ns", "uns"]);
    expect(d.flags).toEqual([]);
  });

  it("skips what the host flavour on riscv32 cannot run, saying why", () => {
    expect(skipReason(parseDesc("{'flavor': 'ns uns'}", "a"))).toMatch(/flavours ns, uns only/);
    expect(skipReason(parseDesc("{'arch': 'x86_64'}", "a"))).toMatch(/x86_64/);
    expect(skipReason(parseDesc("{'flavor': 'h ns', 'flags': 'suid'}", "a"))).toBeNull();
  });
});

describe("zdtm.py's protocol", () => {
  it("passes only when the outfile's last line has the word PASS", () => {
    expect(outPassed("12:00: 3: test started\n12:01: 3: PASS\n")).toBe(true);
    expect(outPassed("PASS\nFAIL: x.c:3: bad\n")).toBe(false);
    expect(outPassed("3: PASSED\n")).toBe(false);
    expect(outPassed("")).toBe(false);
  });

  it("gives non-suid tests zdtm.py's unprivileged ids, suid tests none", () => {
    expect(testEnv(test("a"), "/tmp")).toMatchObject({ ZDTM_UID: "18943", ZDTM_GID: "58467", ZDTM_GROUPS: "27495 48244", TMPDIR: "/tmp" });
    expect(testEnv(test("b", "{'flags': 'suid'}"), "/tmp").ZDTM_UID).toBeUndefined();
  });

  it("keeps the compiler's own first error line", () => {
    expect(buildFailure(" CC foo.o\n/x/y/static/foo.c:12:3: error: 'SYS_x' undeclared\nmore\n")).toBe("foo.c:12:3: error: 'SYS_x' undeclared");
    expect(buildFailure("/usr/bin/riscv64-unknown-elf-ld: cannot find -laio: No such file\n")).toBe("ld: cannot find -laio: No such file");
  });
});

describe("selection", () => {
  const all = [test("a"), test("b", "{'flags': 'noauto'}"), test("c")];
  it("-t keeps the order given and accepts zdtm/static/ names; an unknown one is an error", () => {
    expect(selectTests(all, { tests: ["c", "zdtm/static/a"] }).map((t) => t.base)).toEqual(["c", "a"]);
    expect(() => selectTests(all, { tests: ["nope"] })).toThrow(/no ZDTM static test named nope/);
  });
  it("-a leaves out noauto tests, -x removes by substring, nothing selected is an error", () => {
    expect(selectTests(all, { all: true }).map((t) => t.base)).toEqual(["a", "c"]);
    expect(selectTests(all, { all: true, exclude: ["static/c"] }).map((t) => t.base)).toEqual(["a"]);
    expect(() => selectTests(all, {})).toThrow(/-t NAME/);
  });
});

describe("misses and expectations", () => {
  it("names the kernel area of a miss from ENOSYS or the test's words", () => {
    expect(categorize({ verdict: "fail", reason: "start: exited with 1; ENOSYS: setgroups" })).toBe("credentials: supplementary groups");
    expect(categorize({ verdict: "fail", reason: "no PASS; ENOSYS: socket, bind" })).toBe("AF_UNIX sockets");
    expect(categorize({ verdict: "fail", reason: "start: exited with 1", outTail: ["Can't set the dumpable flag"] })).toBe("prctl");
    expect(categorize({ verdict: "fail", reason: "no PASS", outTail: ["FAIL: x.c:3: something"] })).toBe("other");
  });

  it("a listed test that passes and an unlisted test that fails are both reported; skips never", () => {
    const rows: ZdtmRow[] = [
      { name: "zdtm/static/a", built: true, buildError: null, skip: null, exec: { verdict: "pass", reason: null } },
      { name: "zdtm/static/b", built: true, buildError: null, skip: null, exec: { verdict: "fail", reason: "ENOSYS: flock" } },
      { name: "zdtm/static/c", built: true, buildError: null, skip: "ns only", exec: { verdict: "skip", reason: "ns only" } },
      { name: "zdtm/static/d", built: true, buildError: null, skip: null, exec: { verdict: "fail", reason: "x" } },
    ];
    const e = { exec: { "zdtm/static/a": "prctl: old", "zdtm/static/d": "other: x", "zdtm/static/z": "kept" }, cr: {} };
    expect(unexpected(rows, e).map((u) => [u.name, u.what])).toEqual([["zdtm/static/a", "unexpected pass"], ["zdtm/static/b", "unexpected fail"]]);
    const u = updated(e, rows);
    expect(Object.keys(u.exec)).toEqual(["zdtm/static/b", "zdtm/static/d", "zdtm/static/z"]);
    expect(u.exec["zdtm/static/b"]).toMatch(/^file locks: /);
    expect(unexpected(rows, u)).toEqual([]);
  });

  it("C/R verdicts are judged per design: unsupported and fail must be listed, a listed pass is reported", () => {
    const D = "external/kernel/cpt";
    const row = (name: string, v: "pass" | "fail" | "unsupported"): ZdtmRow => ({
      name, built: true, buildError: null, skip: null, exec: { verdict: "pass", reason: null }, cr: { [D]: { verdict: v, reason: v === "pass" ? null : `why ${name}` } },
    });
    const rows = [row("zdtm/static/p", "pass"), row("zdtm/static/u", "unsupported"), row("zdtm/static/f", "fail"), row("zdtm/static/l", "pass")];
    const e = { exec: {}, cr: { [D]: { "zdtm/static/l": "unsupported: old", "zdtm/static/u": "unsupported: sockets" } } };
    expect(unexpected(rows, e).map((u) => [u.name, u.what])).toEqual([
      ["zdtm/static/f (external/kernel/cpt)", "unexpected fail"],
      ["zdtm/static/l (external/kernel/cpt)", "unexpected pass"],
    ]);
    const u = updated(e, rows);
    expect(u.cr[D]).toEqual({ "zdtm/static/f": "fail: why zdtm/static/f", "zdtm/static/u": "unsupported: why zdtm/static/u" });
    expect(unexpected(rows, u)).toEqual([]);
  });
});
