// The campaign's report as text: per codec (design), one row per mutation kind, one column per
// class, the bug classes last; then the rejections whose message does not name the record, the
// speed, and a few mutants of each bug class to reproduce (`--seed` and the mutant's index).
import { comboLabel } from "../matrix/combos.ts";
import { BUG_CLASSES, CLASSES } from "./kinds.ts";
import { bugCount, type CampaignReport, type CodecReport } from "./runner.ts";

const SHORT: Record<string, string> = { "host-exception": "host-exc", unencodable: "unencod." };

function table(c: CodecReport, kinds: readonly string[]): string[] {
  const head = ["kind", ...CLASSES.map((x) => SHORT[x] ?? x), "unnamed"];
  const rows = kinds.map((k) => [k, ...CLASSES.map((x) => String(c.counts[k][x])), String(c.unnamed[k])]);
  const total = ["total", ...CLASSES.map((x) => String(kinds.reduce((s, k) => s + c.counts[k][x], 0))), String(kinds.reduce((s, k) => s + c.unnamed[k], 0))];
  const all = [head, ...rows, total];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((v, i) => (i === 0 ? v.padEnd(w[i]) : v.padStart(w[i]))).join("  ");
  return [line(head), ...rows.map(line), line(total)];
}

export const restartsPerSecond = (c: CodecReport): number => (c.wallMs > 0 ? (c.restarts * 1000) / c.wallMs : 0);

export function renderReport(r: CampaignReport): string {
  const who = r.asUser === undefined ? "restarted as root" : `restarted as uid ${r.asUser} with CAP_CHECKPOINT_RESTORE`;
  const out: string[] = [`fuzz: workload ${r.workload}, seed ${r.seed}, ${r.n} mutants per design, ${who}, kinds ${r.kinds.join(",")}`];
  for (const c of r.codecs) {
    out.push("", `${comboLabel(c.design)} (image ${c.imageBytes} bytes, budget ${c.budget} instructions): ${c.restarts} restarts in ${(c.wallMs / 1000).toFixed(1)} s, ${restartsPerSecond(c).toFixed(1)} restarts/s`);
    out.push(...table(c, r.kinds).map((l) => `  ${l}`));
    const examples = Object.entries(c.examples);
    if (examples.length > 0) out.push("  examples (mutant index: what was done -> what happened):");
    for (const [key, list] of examples) for (const e of list) out.push(`    ${key} #${e.index}: ${e.label} -> ${e.detail}`);
  }
  const bugs = bugCount(r);
  out.push("", bugs === 0 ? `no ${BUG_CLASSES.join(", ")}` : `${bugs} mutant(s) of a bug class (${BUG_CLASSES.join(", ")}): exit 1`);
  return out.join("\n") + "\n";
}
