// The committed expectations (workloads/zdtm/expected.json): every ZDTM test that is not expected
// to pass under cptbench exec, with the area and reason of its miss, and per C/R design every test
// that is not expected to pass through it ("unsupported: ..." when the design refuses something
// the test holds, "fail: ..." for a known bug). A run is judged against it,
// as issue 16 asks of every design: a listed test that passes, or a failing test that is not
// listed, makes the run fail — so a kernel change that fixes a test (or breaks one) shows up at
// once, and the file is updated with the change (`cptbench zdtm --exec -a --update-expected`).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CptbenchError } from "../../machine/errors.ts";
import { categorize } from "./categories.ts";
import type { ZdtmRow } from "./suite.ts";
import { REPO_ROOT } from "./tests-list.ts";

export const EXPECTED_PATH = join(REPO_ROOT, "workloads", "zdtm", "expected.json");

export interface Expectations {
  /** Test name (zdtm/static/NAME) → why it is expected to fail under exec. */
  exec: Record<string, string>;
  /** Design ("external/kernel/cpt") → test name → why it is expected not to pass through C/R. */
  cr: Record<string, Record<string, string>>;
}

export function loadExpectations(path = EXPECTED_PATH): Expectations {
  if (!existsSync(path)) return { exec: {}, cr: {} };
  const j = JSON.parse(readFileSync(path, "utf8")) as Partial<Expectations>;
  if (typeof j.exec !== "object" || j.exec === null) throw new CptbenchError("ZDTM_EXPECTED", `${path}: no "exec" object`);
  if (j.cr !== undefined && (typeof j.cr !== "object" || j.cr === null)) throw new CptbenchError("ZDTM_EXPECTED", `${path}: "cr" is not an object of designs`);
  return { exec: j.exec, cr: j.cr ?? {} };
}

export interface Unexpected {
  name: string;
  what: "unexpected pass" | "unexpected fail" | "unexpected unsupported";
  detail: string;
}

/** Rows whose exec verdict disagrees with the expectations (skipped and unbuilt tests never do). */
export function unexpected(rows: readonly ZdtmRow[], e: Expectations): Unexpected[] {
  const out: Unexpected[] = [];
  for (const r of rows) {
    const v = r.exec?.verdict;
    const listed = e.exec[r.name];
    if (v === "pass" && listed !== undefined) out.push({ name: r.name, what: "unexpected pass", detail: `listed as expected to fail: ${listed}` });
    if (v === "fail" && listed === undefined) out.push({ name: r.name, what: "unexpected fail", detail: `[${categorize(r.exec!)}] ${r.exec!.reason ?? ""}` });
    for (const [d, o] of Object.entries(r.cr ?? {})) {
      const why = e.cr[d]?.[r.name];
      const name = `${r.name} (${d})`;
      if (o.verdict === "pass" && why !== undefined) out.push({ name, what: "unexpected pass", detail: `listed as expected not to pass: ${why}` });
      if ((o.verdict === "fail" || o.verdict === "unsupported") && why === undefined) {
        out.push({ name, what: o.verdict === "fail" ? "unexpected fail" : "unexpected unsupported", detail: o.reason ?? "" });
      }
    }
  }
  return out;
}

/** The expectations with the verdicts of `rows` written in (tests not run keep their entries). */
export function updated(e: Expectations, rows: readonly ZdtmRow[]): Expectations {
  const exec = { ...e.exec };
  const cr: Record<string, Record<string, string>> = Object.fromEntries(Object.entries(e.cr).map(([d, m]) => [d, { ...m }]));
  for (const r of rows) {
    if (r.exec !== undefined) {
      if (r.exec.verdict === "fail") exec[r.name] = `${categorize(r.exec)}: ${r.exec.reason ?? ""}`.slice(0, 240);
      else delete exec[r.name];
    }
    for (const [d, o] of Object.entries(r.cr ?? {})) {
      const m = (cr[d] ??= {});
      if (o.verdict === "fail" || o.verdict === "unsupported") m[r.name] = `${o.verdict}: ${o.reason ?? ""}`.slice(0, 240);
      else delete m[r.name];
    }
  }
  const sorted = (m: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
  return { exec: sorted(exec), cr: Object.fromEntries(Object.entries(cr).sort(([a], [b]) => a.localeCompare(b)).map(([d, m]) => [d, sorted(m)])) };
}

export function saveExpectations(e: Expectations, path = EXPECTED_PATH): void {
  writeFileSync(path, JSON.stringify(e, null, 1) + "\n");
}
