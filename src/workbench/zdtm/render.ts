// The results of `cptbench zdtm` (exec, qemu, and the C/R designs) as a summary (counts), a Markdown document (docs/zdtm.md is
// this output) and JSON. The count that matters (issue 15): of the tests that pass under
// qemu-riscv32, how many pass under cptbench exec; each miss carries its area (categories.ts).
import { categorize } from "./categories.ts";
import { keyLine, type RunOutcome } from "./protocol.ts";
import type { ZdtmRow } from "./suite.ts";

export interface ZdtmSummary {
  tests: number;
  built: number;
  skipped: number;
  qemuPass?: number;
  execPass?: number;
  /** Of the tests qemu passes, how many exec passes (both columns run). */
  execPassOfQemuPass?: number;
  /** Misses of exec among qemu's passes (or among every run test without qemu), by area. */
  missesByArea?: Record<string, string[]>;
  /** Per C/R design: passes, "unsupported" verdicts, and passes among the tests exec passes. */
  designs?: Record<string, DesignSummary>;
}

export interface DesignSummary {
  pass: number;
  unsupported: number;
  fail: number;
  /** The tests that pass without checkpoint (exec, else qemu): the base of the C/R ratio. */
  base?: number;
  passOfBase?: number;
}

/** The design columns of the rows, in the order they first appear. */
export function designNames(rows: readonly ZdtmRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const d of Object.keys(r.cr ?? {})) names.add(d);
  return [...names];
}

const passed = (o: RunOutcome | undefined): boolean => o?.verdict === "pass";
const ran = (o: RunOutcome | undefined): boolean => o !== undefined && (o.verdict === "pass" || o.verdict === "fail");

export function summarize(rows: readonly ZdtmRow[]): ZdtmSummary {
  const s: ZdtmSummary = {
    tests: rows.length,
    built: rows.filter((r) => r.built).length,
    skipped: rows.filter((r) => r.built && r.skip !== null).length,
  };
  const hasQemu = rows.some((r) => r.qemu !== undefined);
  const hasExec = rows.some((r) => r.exec !== undefined);
  if (hasQemu) s.qemuPass = rows.filter((r) => passed(r.qemu)).length;
  if (hasExec) {
    s.execPass = rows.filter((r) => passed(r.exec)).length;
    const base = hasQemu ? rows.filter((r) => passed(r.qemu)) : rows.filter((r) => ran(r.exec));
    if (hasQemu) s.execPassOfQemuPass = base.filter((r) => passed(r.exec)).length;
    const misses: Record<string, string[]> = {};
    for (const r of base) {
      if (passed(r.exec) || r.exec === undefined) continue;
      (misses[categorize(r.exec)] ??= []).push(r.name.replace(/^zdtm\/static\//, ""));
    }
    s.missesByArea = misses;
  }
  const designs = designNames(rows);
  if (designs.length > 0) {
    // C/R can only keep what runs without it: the ratio is over the tests exec passes (or qemu
    // does, when exec was not run).
    const base = hasExec ? rows.filter((r) => passed(r.exec)) : hasQemu ? rows.filter((r) => passed(r.qemu)) : null;
    s.designs = {};
    for (const d of designs) {
      const v = (r: ZdtmRow): string | undefined => r.cr?.[d]?.verdict;
      s.designs[d] = {
        pass: rows.filter((r) => v(r) === "pass").length,
        unsupported: rows.filter((r) => v(r) === "unsupported").length,
        fail: rows.filter((r) => v(r) === "fail").length,
        ...(base !== null && { base: base.length, passOfBase: base.filter((r) => v(r) === "pass").length }),
      };
    }
  }
  return s;
}

const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function verdictCell(o: RunOutcome | undefined): string {
  if (o === undefined) return "";
  return o.verdict === "pass" ? "PASS" : o.verdict === "fail" ? "FAIL" : o.verdict;
}

/** The first C/R miss of a row, with its design. */
function crMiss(r: ZdtmRow): [string, RunOutcome] | undefined {
  return Object.entries(r.cr ?? {}).find(([, o]) => o.verdict === "fail" || o.verdict === "unsupported");
}

function why(r: ZdtmRow): string {
  if (!r.built) return `does not build: ${r.buildError ?? "?"}`;
  if (r.skip !== null) return r.skip;
  const bad = r.exec !== undefined && !passed(r.exec) ? r.exec : r.qemu !== undefined && !passed(r.qemu) ? r.qemu : null;
  if (bad === null) {
    const miss = crMiss(r);
    if (miss === undefined) return "";
    const tail = keyLine(miss[1].outTail ?? []);
    return `${miss[0]}: ${miss[1].reason ?? ""}${tail !== undefined ? ` — ${tail}` : ""}`;
  }
  const who = bad === r.exec ? `[${categorize(bad)}] ` : "qemu: ";
  const tail = keyLine(bad.outTail ?? []);
  return who + (bad.reason ?? "") + (tail !== undefined ? ` — ${tail}` : "");
}

export function summaryLines(s: ZdtmSummary): string[] {
  const lines = [`${s.tests} static tests, ${s.built} built, ${s.skipped} of those skipped (another flavour or arch, noauto under -a, -x: each row says why)`];
  if (s.qemuPass !== undefined) lines.push(`qemu-riscv32: ${s.qemuPass} pass`);
  if (s.execPass !== undefined) lines.push(`cptbench exec: ${s.execPass} pass`);
  if (s.execPassOfQemuPass !== undefined && s.qemuPass !== undefined) {
    lines.push(`of the ${s.qemuPass} tests that pass under qemu-riscv32, ${s.execPassOfQemuPass} pass under cptbench exec (${pct(s.execPassOfQemuPass, s.qemuPass)})`);
  }
  for (const [d, x] of Object.entries(s.designs ?? {})) {
    const of = x.base !== undefined ? `; of the ${x.base} that pass without checkpoint, ${x.passOfBase} pass through C/R (${pct(x.passOfBase ?? 0, x.base)})` : "";
    lines.push(`${d}: ${x.pass} pass, ${x.unsupported} unsupported, ${x.fail} fail${of}`);
  }
  return lines;
}

export function renderMarkdown(rows: readonly ZdtmRow[], header: string[] = []): string {
  const s = summarize(rows);
  const out: string[] = ["# CRIU ZDTM static tests under cptbench", "", ...header, ""];
  out.push(...summaryLines(s).map((l) => `- ${l}`), "");
  if (s.missesByArea !== undefined) {
    out.push("## Misses of cptbench exec, by kernel area", "");
    out.push("| area | tests | names |", "|---|---:|---|");
    const areas = Object.entries(s.missesByArea).sort((a, b) => b[1].length - a[1].length);
    for (const [area, names] of areas) out.push(`| ${cell(area)} | ${names.length} | ${cell(names.join(", "))} |`);
    out.push("");
  }
  const hasQemu = rows.some((r) => r.qemu !== undefined);
  const hasExec = rows.some((r) => r.exec !== undefined);
  out.push("## Every test", "");
  const designs = designNames(rows);
  const head = ["test", "builds", ...(hasQemu ? ["qemu"] : []), ...(hasExec ? ["exec"] : []), ...designs, "why not"];
  out.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
  for (const r of rows) {
    const cols = [r.name.replace(/^zdtm\/static\//, ""), r.built ? "yes" : "no", ...(hasQemu ? [verdictCell(r.qemu)] : []), ...(hasExec ? [verdictCell(r.exec)] : []), ...designs.map((d) => verdictCell(r.cr?.[d])), cell(why(r))];
    out.push(`| ${cols.join(" | ")} |`);
  }
  return out.join("\n") + "\n";
}

export function renderJson(rows: readonly ZdtmRow[]): string {
  return JSON.stringify({ summary: summarize(rows), tests: rows }, null, 2) + "\n";
}
