// A ZDTM worker thread: runs the tests it is sent on its own Machine, one after another, and
// posts each outcome back (worker-run.ts does the work). A Machine is synchronous and CPU-bound:
// threads are what --jobs buys.
import { parentPort } from "node:worker_threads";
import { runRequest, type ExecReply, type ExecRequest } from "./worker-run.ts";

export type { ExecReply, ExecRequest };

const port = parentPort;
if (port === null) throw new Error("zdtm worker.ts must run in a worker thread");
port.on("message", (req: ExecRequest) => {
  port.postMessage({ id: req.id, outcome: runRequest(req) } satisfies ExecReply);
});
