// A module loader hook chained after tsx's (bin/run-ts.mjs, and bin/cptbench.mjs when it runs
// the sources): it empties the `static{__name(this,"X")}` blocks esbuild's keepNames puts in
// every class `X` that tsx compiles, keeping every other character in place (the source map
// stays right). A class declaration has its name already, so the call changed nothing a program
// sees; but it redefines `name` on the constructor, and for a subclass that leaves V8 unable to
// optimise code that constructs it: every TurboFan compile of such a constructor (Task, Mm, Pid,
// FsStruct... all KObject subclasses) was thrown away ("Bailed out due to dependency change",
// StableMapDependency), so a fork bomb's 1,000 forks in one slice ran unoptimised constructors
// under tsx, and the benchmarks measured that. tsc's output (dist/, what the CLI runs) has no
// such call.
import { Buffer } from "node:buffer";
import { URL } from "node:url";

/** `class X` ... `static{__name(this,"X")}` with the same X: the block, and X. */
const KEEP_NAME = /static\{__name\(this,"([A-Za-z_$][\w$]*)"\)\}/g;

/** The source with each redundant keepNames block blanked (same length: columns unchanged). */
export function blankKeepNames(source) {
  return source.replace(KEEP_NAME, (block, name) =>
    new RegExp(`class ${name.replace(/\$/g, "\\$")}[\\s{]`).test(source) ? `static{${" ".repeat(block.length - 8)}}` : block);
}

export async function load(url, context, nextLoad) {
  const r = await nextLoad(url, context);
  if (r.source === undefined || r.source === null || !/\.[cm]?tsx?$/.test(new URL(url).pathname)) return r;
  const text = typeof r.source === "string" ? r.source : Buffer.from(r.source).toString("utf8");
  if (!text.includes("__name(this,")) return r;
  return { ...r, source: blankKeepNames(text) };
}
