// A ZDTM exec worker thread: runs the tests it is sent on its own Machine, one after another, and
// posts each outcome back. A Machine is synchronous and CPU-bound: threads are what --jobs buys.
import { parentPort } from "node:worker_threads";
import { runExec, type ExecOptions } from "./exec-runner.ts";
import type { RunOutcome } from "./protocol.ts";
import type { ZdtmTest } from "./tests-list.ts";

export interface ExecRequest {
  id: number;
  test: ZdtmTest;
  opts: ExecOptions;
}

export interface ExecReply {
  id: number;
  outcome: RunOutcome;
}

const port = parentPort;
if (port === null) throw new Error("zdtm worker.ts must run in a worker thread");
port.on("message", (req: ExecRequest) => {
  let outcome: RunOutcome;
  try {
    outcome = runExec(req.test, req.opts);
  } catch (e) {
    // A host-side bug in one test's run is that test's failure, not the suite's end.
    outcome = { verdict: "fail", reason: `runner error: ${(e as Error).message}` };
  }
  port.postMessage({ id: req.id, outcome } satisfies ExecReply);
});
