// A fuzzing worker thread: runs one shard of a campaign (every mutant i with i mod of = index)
// and posts its report back; parallel.ts merges the shards. Compiled it starts as is; from the
// sources through worker-entry.mjs, which installs tsx first (as the matrix workers do).
import "reflect-metadata";
import { parentPort, workerData } from "node:worker_threads";
import { builtinRegistry } from "../plugins.ts";
import { runCampaign, type CampaignOptions } from "./runner.ts";

/** The campaign's options without the registry (each worker builds its own) or callbacks. */
export type ShardRequest = Omit<CampaignOptions, "registry" | "progress">;

const port = parentPort;
if (port === null) throw new Error("fuzz worker.ts must run in a worker thread");
const req = workerData as ShardRequest;
const report = runCampaign({ ...req, registry: builtinRegistry(), progress: (done) => port.postMessage({ type: "progress", done }) });
port.postMessage({ type: "report", report });
