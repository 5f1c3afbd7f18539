// A small campaign is deterministic: the same seed gives the same table (and the same examples); two shards merged give the table of the whole; a mutant's kind
// follows its index. Its table has no bug class on the built-in designs.
import { describe, expect, it } from "vitest";
import { KINDS } from "../../../src/workbench/fuzz/kinds.ts";
import { bugCount, mergeReports, runCampaign, type CampaignOptions, type CampaignReport } from "../../../src/workbench/fuzz/runner.ts";
import { renderReport } from "../../../src/workbench/fuzz/render.ts";
import { registry, WORKLOAD } from "./target.ts";

const opts = (seed: number, shard?: CampaignOptions["shard"]): CampaignOptions => ({
  registry, designs: [{ initiator: "external", creator: "kernel", codec: "ckpt" }], workload: WORKLOAD, n: KINDS.length * 2, seed, kinds: KINDS, shard,
});
/** The report without its wall time, the one thing that may differ between runs. */
const stable = (r: CampaignReport): unknown => ({ ...r, codecs: r.codecs.map((c) => ({ ...c, wallMs: 0 })) });

describe("a campaign", () => {
  const a = runCampaign(opts(11));

  it("counts every mutant once, kind by index", () => {
    const c = a.codecs[0];
    for (const k of KINDS) expect(Object.values(c.counts[k]).reduce((s, n) => s + n, 0), k).toBe(2);
    expect(c.restarts).toBe(KINDS.length * 2 - Object.values(c.counts).reduce((s, row) => s + row.unencodable, 0));
  });

  it("is the same for the same seed, and for its shards merged", () => {
    expect(stable(runCampaign(opts(11)))).toEqual(stable(a));
    const merged = mergeReports([runCampaign(opts(11, { index: 0, of: 2 })), runCampaign(opts(11, { index: 1, of: 2 }))]);
    expect(stable(merged)).toEqual(stable(a));
  });

  it("finds no oops, leak, escape or host exception, and renders a row per kind", () => {
    expect(bugCount(a), JSON.stringify(a.codecs[0].examples)).toBe(0);
    const text = renderReport(a);
    for (const k of KINDS) expect(text).toMatch(new RegExp(`^  ${k} `, "m"));
    expect(text).toMatch(/restarts\/s/);
  });
});
