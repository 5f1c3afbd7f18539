// The ZDTM static tests as scripts/build-zdtm.sh left them in its build directory: which tests
// CRIU's static/Makefile lists (tests.list, in its order), each one's start command as
// `make -n NAME.pid` printed it (index/NAME.cmd), whether its ELF built (and the compiler's reason
// when not: index/NAME.log), and its .desc (flavours, flags). Nothing here copies a list out of
// CRIU: the build asked CRIU's own Makefile, this reads the answers.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CptbenchError } from "../../machine/errors.ts";
import { parseDesc, type ZdtmDesc } from "./desc.ts";
import { autoSkip, flavourSkip } from "./desc-rules.ts";

export type ZdtmKind = "nofile" | "file" | "dir" | "dirfile" | "other";

export interface ZdtmTest {
  /** The name zdtm.py uses: zdtm/static/NAME. */
  name: string;
  /** The bare name (static/Makefile's). */
  base: string;
  kind: ZdtmKind;
  /** argv[1..] of the start command (--pidfile=NAME.pid --outfile=NAME.out ...). */
  args: string[];
  desc: ZdtmDesc;
  /** The ELF's host path, or null when it did not build. */
  elf: string | null;
  /** Why it did not build: the compiler's or linker's first error line. */
  buildError: string | null;
  /** Why it is not run in the host flavour on riscv32 (null: it is). */
  skip: string | null;
}

/** The repository's root, from src/ (tsx) or dist/ (compiled) alike. */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

/** Where build-zdtm.sh puts (or has put) the build: $CPTBENCH_ZDTM_BUILD or the cache path. */
export function zdtmBuildDir(): string {
  const env = process.env.CPTBENCH_ZDTM_BUILD;
  if (env !== undefined && env !== "") return env;
  try {
    return execFileSync("bash", [join(REPO_ROOT, "scripts", "build-zdtm.sh"), "--path"], { encoding: "utf8" }).trim();
  } catch (e) {
    throw new CptbenchError("ZDTM_BUILD", `cannot locate the ZDTM build (scripts/build-zdtm.sh --path failed: ${(e as Error).message.split("\n")[0]})`);
  }
}

export const isBuilt = (dir: string): boolean => existsSync(join(dir, ".complete"));

/** The first line of a build log that says why it failed. */
export function buildFailure(log: string): string {
  const lines = log.split("\n");
  const err = lines.find((l) => /\berror\b|undefined reference|cannot find -l/.test(l));
  const line = (err ?? lines.filter((l) => l.trim() !== "").pop() ?? "no output").trim();
  // "static/foo.c:12:3: error: x" -> "foo.c:12:3: error: x"; ld's path prefixes are noise too.
  return line.replace(/^.*\/(?=[^/\s]+:\d+)/, "").replace(/^\S*\/(?:[\w-]+-)?ld: /, "ld: ").slice(0, 200);
}

/** Split a make -n command line (make printed it; CRIU's rules quote nothing). */
function startArgs(cmd: string, base: string, where: string): string[] {
  const line = cmd.split("\n").find((l) => l.startsWith(`./${base} `) || l === `./${base}`);
  if (line === undefined) throw new CptbenchError("ZDTM_BUILD", `${where}: no start command for ${base} (got: ${cmd.trim().slice(0, 120)})`);
  return line.split(/\s+/).slice(1).filter((s) => s.length > 0);
}

/** Why a test is not run in the host flavour on riscv32, from its .desc (null: it is run). */
export function skipReason(d: ZdtmDesc): string | null {
  return flavourSkip(d);
}

/** Every static test of the build in `dir`, in the Makefile's order. */
export function loadTests(dir: string): ZdtmTest[] {
  if (!isBuilt(dir)) throw new CptbenchError("ZDTM_NOT_BUILT", `no ZDTM build at ${dir}: run 'npm run build:zdtm' (downloads CRIU 4.1.1's test suite and builds it, a few minutes)`);
  return loadGroup(dir, "static", "tests.list", "index");
}

/**
 * The transition tests the build made (zdtm/transition: they change state while they are
 * checkpointed), in build-zdtm.sh's order; none for a build older than them.
 */
export function loadTransitionTests(dir: string): ZdtmTest[] {
  if (!isBuilt(dir) || !existsSync(join(dir, "transition.list"))) return [];
  return loadGroup(dir, "transition", "transition.list", join("index", "transition"));
}

/** The tests of one directory of CRIU's zdtm/ (static, transition), as the build indexed them. */
function loadGroup(dir: string, group: string, listFile: string, indexDir: string): ZdtmTest[] {
  const list = readFileSync(join(dir, listFile), "utf8").split("\n").filter((s) => s.trim() !== "");
  const staticDir = join(dir, "zdtm", group);
  return list.map((base): ZdtmTest => {
    const idx = (ext: string): string => {
      const p = join(dir, indexDir, `${base}.${ext}`);
      return existsSync(p) ? readFileSync(p, "utf8") : "";
    };
    const descPath = join(staticDir, `${base}.desc`);
    let desc: ZdtmDesc;
    let descSkip: string | null = null;
    try {
      desc = parseDesc(existsSync(descPath) ? readFileSync(descPath, "utf8") : "", `${base}.desc`);
    } catch (e) {
      if (!(e instanceof CptbenchError)) throw e;
      // mnt_ext_dev's .desc is Python code over an environment variable: without it zdtm.py gets
      // {'flags': 'noauto'}. cptbench evaluates no code: such a test is noauto and skipped.
      desc = { flavors: [], flags: ["noauto"], features: [], arch: null, raw: {} };
      descSkip = `its .desc is a Python expression, not a literal (${e.message}): not evaluated`;
    }
    const elfPath = join(staticDir, base);
    const built = existsSync(elfPath);
    return {
      name: `zdtm/${group}/${base}`,
      base,
      kind: (idx("kind").trim() || "other") as ZdtmKind,
      args: startArgs(idx("cmd"), base, `index/${base}.cmd`),
      desc,
      elf: built ? elfPath : null,
      buildError: built ? null : buildFailure(idx("log")),
      skip: descSkip ?? skipReason(desc),
    };
  });
}

export interface Selection {
  /** -t NAME (repeatable): these tests, in this order (bare or zdtm/static/ names; transition/NAME). */
  tests?: string[];
  /** -a: every test but the noauto ones. */
  all?: boolean;
  /** -x PATTERN (repeatable): leave out tests whose name contains it. */
  exclude?: string[];
  /** --transition: every transition test too (after the -t/-a ones), noauto ones included. */
  transition?: boolean;
}

/** zdtm.py's selection: -t names, or -a (without noauto), minus -x. An unknown -t is an error. */
export function selectTests(tests: readonly ZdtmTest[], sel: Selection): ZdtmTest[] {
  let out: ZdtmTest[];
  if (sel.tests !== undefined && sel.tests.length > 0) {
    out = sel.tests.map((n) => {
      // NAME and static/NAME are static tests; transition/NAME (or zdtm/transition/NAME) is one.
      const full = n.startsWith("zdtm/") ? n : n.includes("/") ? `zdtm/${n}` : `zdtm/static/${n}`;
      const t = tests.find((x) => x.name === full);
      if (t === undefined) throw new CptbenchError("ZDTM_UNKNOWN_TEST", `no ZDTM ${full.split("/")[1]} test named ${n} (cptbench zdtm --list shows them)`);
      return t;
    });
  } else if (sel.all === true) {
    // The static tests: transition tests are asked for by name or with `transition`.
    out = tests.filter((t) => t.name.startsWith("zdtm/static/") && !t.desc.flags.includes("noauto"));
  } else if (sel.transition === true) {
    out = [];
  } else {
    throw new CptbenchError("ZDTM_NO_SELECTION", "say which tests: -t NAME (repeatable) or -a (all but noauto)");
  }
  // zdtm.py runs a noauto test only by name; --transition names these ten (thread-bomb is noauto
  // because it is slow on a real machine; here its bomb is ZDTM_THREAD_BOMB=5 threads).
  if (sel.transition === true) out = [...out, ...tests.filter((t) => t.name.startsWith("zdtm/transition/") && !out.includes(t))];
  const ex = sel.exclude ?? [];
  return out.filter((t) => !ex.some((p) => t.name.includes(p)));
}

/**
 * The selection as rows to run, leaving nothing out silently: what -a leaves out (noauto) and
 * what -x excludes come back in their places with the reason as their skip (zdtm.py prints
 * both as skipped), so the table, the counts and JUnit show them.
 */
export function selectWithSkips(tests: readonly ZdtmTest[], sel: Selection): ZdtmTest[] {
  const chosen = new Set(selectTests(tests, sel));
  if (sel.tests !== undefined && sel.tests.length > 0) {
    // -t names run in the order given; only -x can leave one of them out.
    const named = selectTests(tests, { tests: sel.tests });
    return named.map((t) => (chosen.has(t) ? t : { ...t, skip: excludedBy(t, sel) }));
  }
  // -a is the static tests, --transition the transition ones: a group not asked for is not listed.
  const pool = tests.filter((t) => (t.name.startsWith("zdtm/static/") ? sel.all === true : sel.transition === true));
  return pool.map((t) => {
    if (chosen.has(t)) return t;
    return { ...t, skip: t.skip ?? autoSkip(t.desc) ?? excludedBy(t, sel) };
  });
}

function excludedBy(t: ZdtmTest, sel: Selection): string {
  const p = (sel.exclude ?? []).find((x) => t.name.includes(x));
  return `excluded by -x ${p ?? "?"}`;
}
