// ZDTM results as the HTML report's ZDTM section (report/html: a verdict grid), one row per way
// the tests ran: under cptbench's kernel without checkpoint ("exec"), and under qemu-riscv32 on
// the real kernel (the oracle), and each C/R design the tests went through.
import { renderHtmlReport, type ZdtmResult } from "../report/html/index.ts";
import type { RunOutcome } from "./protocol.ts";
import type { ZdtmRow } from "./suite.ts";

export const EXEC_ROW = "exec (no checkpoint)";
export const QEMU_ROW = "qemu-riscv32 (real kernel)";

/** A test that was skipped or does not build is "unsupported" on the grid, with the reason. */
function result(row: string, test: string, o: RunOutcome): ZdtmResult {
  const verdict = o.verdict === "pass" ? "pass" : o.verdict === "fail" ? "fail" : "unsupported";
  return { design: row, test, verdict, ...(o.reason !== null && { reason: o.reason }) };
}

export function zdtmResults(rows: readonly ZdtmRow[]): ZdtmResult[] {
  const out: ZdtmResult[] = [];
  for (const r of rows) {
    const test = r.name.replace(/^zdtm\/static\//, "");
    if (r.exec !== undefined) out.push(result(EXEC_ROW, test, r.exec));
    if (r.qemu !== undefined) out.push(result(QEMU_ROW, test, r.qemu));
    for (const [d, o] of Object.entries(r.cr ?? {})) out.push(result(d, test, o));
  }
  return out;
}

/** The self-contained page `cptbench zdtm --html DIR` writes. */
export function renderZdtmHtml(rows: readonly ZdtmRow[], command: string): string {
  return renderHtmlReport({ title: "cptbench zdtm", command, zdtm: zdtmResults(rows) });
}
