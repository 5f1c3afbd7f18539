// A campaign on `jobs` worker threads: shard j runs mutants i with i mod jobs = j (each mutant
// has its own generator, so the merged table is the table of a single run). A worker that fails
// fails the campaign with its error: a fuzzer that lost mutants must not report a clean table.
import { Worker } from "node:worker_threads";
import { CptbenchError } from "../../machine/errors.ts";
import { mergeReports, runCampaign, type CampaignOptions, type CampaignReport } from "./runner.ts";
import type { ShardRequest } from "./worker.ts";

const WORKER_ENTRY = import.meta.url.endsWith(".js") ? new URL("./worker.js", import.meta.url) : new URL("./worker-entry.mjs", import.meta.url);

export async function runParallel(o: CampaignOptions, jobs: number): Promise<CampaignReport> {
  if (jobs <= 1) return runCampaign(o);
  const done = new Array<number>(jobs).fill(0);
  const total = o.designs.length * o.n;
  const shards = Array.from({ length: jobs }, (_, index) => new Promise<CampaignReport>((resolve, reject) => {
    const req: ShardRequest = { designs: o.designs, workload: o.workload, n: o.n, seed: o.seed, kinds: o.kinds, budget: o.budget, asUser: o.asUser, shard: { index, of: jobs } };
    const w = new Worker(WORKER_ENTRY, { workerData: req });
    let report: CampaignReport | null = null;
    w.on("message", (msg: { type: "progress"; done: number } | { type: "report"; report: CampaignReport }) => {
      if (msg.type === "report") report = msg.report;
      else {
        done[index] = msg.done;
        o.progress?.(done.reduce((s, x) => s + x, 0), total);
      }
    });
    w.on("error", (e) => reject(new CptbenchError("FUZZ_WORKER", `fuzz worker ${index} failed: ${e.message}`)));
    w.on("exit", (code) => (report !== null ? resolve(report) : reject(new CptbenchError("FUZZ_WORKER", `fuzz worker ${index} exited (${code}) without a report`))));
  }));
  return mergeReports(await Promise.all(shards));
}
