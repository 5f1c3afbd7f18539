// `cptbench zdtm`'s .desc rules, --shard, --out and --merge on a stand-in build (zdtm-selftest
// under several names, each with the .desc a rule needs): noauto left out of -a with its reason,
// a flavour that is not 'h' skipped, crfail's inverted verdict through C/R (made to fail with
// --fault), reqrst skipped with --norst, the shards of one run merged back into its table, and
// the JUnit file checked by a real XML parser (Python's expat: xml.dom.minidom).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureCli } from "../support/cli.ts";
import { tempDir } from "../support/tmp.ts";
import { fakeZdtmBuild } from "../support/zdtm.ts";

const { main } = await import("../../src/cli/main.ts");

const build = fakeZdtmBuild([
  { name: "onepass" },
  { name: "manual", desc: "{'flags': 'noauto'}" },
  { name: "nsonly", desc: "{'flavor': 'ns uns', 'flags': 'suid'}" },
  { name: "mustfail", desc: "{'flags': 'crfail excl', 'feature': 'timens', 'opts': '--ext-unix-sk'}" },
  { name: "needsrst", desc: "{'flags': 'reqrst nouser samens'}" },
  { name: "twopass" },
]);

interface Doc {
  command: string;
  shard: string | null;
  total: number;
  tests: { index: number; name: string; skip: string | null; exec?: { verdict: string; reason: string | null; ms?: number } }[];
}

const readDoc = (dir: string): Doc => JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Doc;

/** Python's XML parser on the file: null when it parses, else its error; undefined without python3. */
function xmlError(path: string): string | null | undefined {
  try {
    execFileSync("python3", ["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])", path], { stdio: ["ignore", "ignore", "pipe"] });
    return null;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === "ENOENT") return undefined;
    return String(err.stderr ?? err.message);
  }
}

describe("cptbench zdtm: .desc rules, --shard, --out, --merge", () => {
  const io = captureCli(main, { CPTBENCH_ZDTM_BUILD: build });

  it("--list says for every test what happens to it and why, flag by flag", async () => {
    expect(await io.cptbench("zdtm", "--list", "-a")).toBe(0);
    const lines = io.out.trim().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe("zdtm/static/onepass  (runs)");
    expect(lines[1]).toMatch(/^zdtm\/static\/manual {2}\(skip: noauto: manual run only .*-t NAME runs it\)$/);
    expect(lines[2]).toMatch(/^zdtm\/static\/nsonly {2}\(skip: \.desc allows flavours ns, uns only: cptbench runs the host flavour 'h'.*; suid: runs as root/);
    expect(lines[3]).toContain("(runs; crfail: C/R must fail");
    expect(lines[3]).toContain("excl: ignored: zdtm.py runs it alone");
    expect(lines[3]).toContain("feature timens: not checked");
    expect(lines[3]).toContain("opts --ext-unix-sk: ignored");
    expect(lines[4]).toMatch(/reqrst: needs its restore stage: skipped with --norst; nouser: ignored: .*; samens: ignored: /);
    // Without -a, noauto is no reason to skip: -t runs it.
    expect(await io.cptbench("zdtm", "--list", "-t", "manual")).toBe(0);
    expect(io.out).toContain("zdtm/static/manual  (runs; noauto:");
  });

  it("-a leaves noauto tests out with the reason printed, as rows of the table, and -x likewise", async () => {
    const out = tempDir("zdtm-out");
    expect(await io.cptbench("zdtm", "--exec", "-a", "-x", "twopass", "--out", out)).toBe(0);
    expect(io.err).toContain("cptbench: zdtm/static/manual: skipped: noauto: manual run only");
    expect(io.err).toContain("cptbench: zdtm/static/twopass: skipped: excluded by -x twopass");
    const doc = readDoc(out);
    expect(doc.tests.map((t) => [t.name.replace("zdtm/static/", ""), t.exec?.verdict])).toEqual([
      ["onepass", "pass"], ["manual", "skip"], ["nsonly", "skip"], ["mustfail", "pass"], ["needsrst", "pass"], ["twopass", "skip"],
    ]);
    expect(doc.tests.find((t) => t.name.endsWith("/nsonly"))?.exec?.reason).toMatch(/flavours ns, uns only/);
    expect(doc.tests.find((t) => t.name.endsWith("/onepass"))?.exec?.ms).toBeGreaterThan(0);
    expect(readFileSync(join(out, "results.md"), "utf8")).toMatch(/\| manual \| yes \| skip \| noauto: manual run only/);
  }, 60_000);

  it("crfail: a C/R that succeeds is an unexpected pass; a failed checkpoint after which the test passes is the pass", async () => {
    expect(await io.cptbench("zdtm", "-t", "mustfail", "--design", "external/kernel/cpt", "--json")).toBe(1);
    expect(io.err).toMatch(/zdtm\/static\/mustfail \(external\/kernel\/cpt\): unexpected fail \(crfail: the \.desc says checkpoint\/restart must fail, but it succeeded/);
    io.out = "";
    expect(await io.cptbench("zdtm", "-t", "mustfail", "--design", "external/kernel/cpt", "--fault", "collect:ENOMEM", "--json")).toBe(0);
    const j = JSON.parse(io.out) as { tests: { cr: Record<string, { verdict: string; reason: string }> }[] };
    expect(j.tests[0].cr["external/kernel/cpt"].verdict).toBe("pass");
    expect(j.tests[0].cr["external/kernel/cpt"].reason).toMatch(/^crfail: the checkpoint failed, as the \.desc expects \(.*\), and the test still passed$/);
    // A test without crfail fails on the same fault: the flag is what turns it around.
    expect(await io.cptbench("zdtm", "-t", "onepass", "--design", "external/kernel/cpt", "--fault", "collect:ENOMEM")).toBe(1);
    // A failed restart is an expected failure too.
    io.out = "";
    expect(await io.cptbench("zdtm", "-t", "mustfail", "--design", "external/kernel/cpt", "--fault", "restore-mm:ENOMEM", "--json")).toBe(0);
    expect(io.out).toContain("crfail: the restart failed, as the .desc expects");
  }, 120_000);

  it("reqrst: skipped with --norst, with the reason; run without it", async () => {
    const out = tempDir("zdtm-norst");
    expect(await io.cptbench("zdtm", "-t", "needsrst", "-t", "onepass", "--design", "external/kernel/cpt", "--norst", "--out", out)).toBe(0);
    const [needs, one] = readDoc(out).tests as unknown as { cr: Record<string, { verdict: string; reason: string | null; iterations?: number }> }[];
    expect(needs.cr["external/kernel/cpt"]).toMatchObject({ verdict: "skip", reason: expect.stringMatching(/^reqrst: .*--norst leaves out/) });
    expect(one.cr["external/kernel/cpt"]).toMatchObject({ verdict: "pass", iterations: 1 });
  }, 60_000);

  it("--shard i/n splits the selection by its order; --merge puts the parts back into one run's table and JUnit", async () => {
    const dirs = [1, 2, 3].map((i) => tempDir(`zdtm-shard${i}`));
    for (const [i, d] of dirs.entries()) expect(await io.cptbench("zdtm", "--exec", "-a", "--shard", `${i + 1}/3`, "--out", d)).toBe(0);
    const docs = dirs.map(readDoc);
    // Test k of the selection goes to part k mod n (as matrix --shard): each test once.
    expect(docs.map((d) => d.tests.map((t) => t.index))).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(docs.map((d) => [d.shard, d.total])).toEqual([["1/3", 6], ["2/3", 6], ["3/3", 6]]);
    const merged = tempDir("zdtm-merged");
    io.out = "";
    expect(await io.cptbench("zdtm", "--merge", ...dirs, "--out", merged, "--md")).toBe(0);
    expect(io.out).toMatch(/^# CRIU ZDTM static tests under cptbench\n\nGenerated by `cptbench zdtm --exec -a`/);
    const doc = readDoc(merged);
    expect(doc.shard).toBeNull();
    expect(doc.tests.map((t) => t.name.replace("zdtm/static/", ""))).toEqual(["onepass", "manual", "nsonly", "mustfail", "needsrst", "twopass"]);
    expect(readFileSync(join(merged, "results.md"), "utf8")).toBe(io.out);
    // JUnit: a testsuite per column, a testcase per test, skipped ones with their reason.
    const xml = readFileSync(join(merged, "results.xml"), "utf8");
    expect(xml).toContain('<testsuite name="exec" tests="6" failures="0" skipped="2">');
    expect(xml).toMatch(/<testcase name="zdtm\/static\/manual" classname="zdtm\.exec" time="[\d.]+">\n {6}<skipped message="skipped: noauto: manual run only/);
    const bad = xmlError(join(merged, "results.xml"));
    if (bad === undefined) console.warn("zdtm-out: python3 not found: the JUnit file's well-formedness was not checked by a parser");
    else expect(bad).toBeNull();
    // A part missing: the table is written, the status says so.
    expect(await io.cptbench("zdtm", "--merge", dirs[0], dirs[2])).toBe(1);
    expect(io.err).toContain("2 of the run's 6 tests are in none of the results given");
  }, 120_000);

  it("JUnit: an unexpected verdict is a <failure>, and a real parser reads the file", async () => {
    const out = tempDir("zdtm-junit");
    expect(await io.cptbench("zdtm", "-t", "mustfail", "--design", "external/kernel/cpt", "--out", out)).toBe(1);
    const xml = readFileSync(join(out, "results.xml"), "utf8");
    expect(xml).toContain('<testsuite name="external/kernel/cpt" tests="1" failures="1" skipped="0">');
    expect(xml).toMatch(/<failure message="unexpected fail: crfail: the \.desc says/);
    const bad = xmlError(join(out, "results.xml"));
    if (bad !== undefined) expect(bad).toBeNull();
    // The check itself: a file that is not XML is refused by the parser.
    const junk = join(out, "junk.xml");
    writeFileSync(junk, "<a><b></a>");
    if (bad !== undefined) expect(xmlError(junk)).toMatch(/mismatched tag/);
  }, 60_000);

  it("--merge refuses what is not the shards of one run, and what runs tests besides", async () => {
    const a = tempDir("zdtm-m1");
    expect(await io.cptbench("zdtm", "--merge", a)).toBe(2);
    expect(io.err).toContain("no results.json there");
    writeFileSync(join(a, "results.json"), JSON.stringify({ command: "cptbench zdtm --exec -a", total: 2, tests: [{ index: 0, name: "x" }] }));
    const b = tempDir("zdtm-m2");
    writeFileSync(join(b, "results.json"), JSON.stringify({ command: "cptbench zdtm --exec -t x", total: 2, tests: [{ index: 1, name: "y" }] }));
    expect(await io.cptbench("zdtm", "--merge", a, b)).toBe(2);
    expect(io.err).toContain("is from another run");
    expect(await io.cptbench("zdtm", "--merge", a, a)).toBe(2);
    expect(io.err).toContain("is in two of the results given");
    expect(await io.cptbench("zdtm", "--merge", a, "-a")).toBe(2);
    expect(io.err).toContain("--merge runs nothing");
    expect(await io.cptbench("zdtm", "-a", "--exec", "--shard", "4/3")).toBe(2);
    expect(io.err).toContain('a shard is "i/n" with 1 ≤ i ≤ n');
  });
});
