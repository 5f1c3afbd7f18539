// The committed expectations (workloads/zdtm/expected.json): every ZDTM test that is not expected
// to pass under cptbench exec, with the area and reason of its miss. A run is judged against it,
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
}

export function loadExpectations(path = EXPECTED_PATH): Expectations {
  if (!existsSync(path)) return { exec: {} };
  const j = JSON.parse(readFileSync(path, "utf8")) as Partial<Expectations>;
  if (typeof j.exec !== "object" || j.exec === null) throw new CptbenchError("ZDTM_EXPECTED", `${path}: no "exec" object`);
  return { exec: j.exec };
}

export interface Unexpected {
  name: string;
  what: "unexpected pass" | "unexpected fail";
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
  }
  return out;
}

/** The expectations with the verdicts of `rows` written in (tests not run keep their entries). */
export function updated(e: Expectations, rows: readonly ZdtmRow[]): Expectations {
  const exec = { ...e.exec };
  for (const r of rows) {
    if (r.exec === undefined) continue;
    if (r.exec.verdict === "fail") exec[r.name] = `${categorize(r.exec)}: ${r.exec.reason ?? ""}`.slice(0, 240);
    else delete exec[r.name];
  }
  return { exec: Object.fromEntries(Object.entries(exec).sort(([a], [b]) => a.localeCompare(b))) };
}

export function saveExpectations(e: Expectations, path = EXPECTED_PATH): void {
  writeFileSync(path, JSON.stringify(e, null, 1) + "\n");
}
