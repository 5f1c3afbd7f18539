// Stopping a long run cleanly. The first Ctrl-C (SIGINT) stops starting new cells: the cells in
// progress end (a worker thread is terminated), and the command prints every cell that finished
// and exits 130, as a shell reports a SIGINT death. A second Ctrl-C quits at once. --fail-fast
// stops the same way at the first failed cell, but exits as the verdicts say.

export type StopReason = "interrupt" | "fail-fast";

export class Stopper {
  private readonly controller = new AbortController();
  private why: StopReason | null = null;
  private readonly onSigint = (): void => {
    if (this.why === "interrupt") process.exit(130);
    this.stop("interrupt");
    process.stderr.write("\ncptbench: interrupted: stopping; the cells that finished follow (Ctrl-C again to quit at once)\n");
  };

  constructor() {
    process.on("SIGINT", this.onSigint);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the run stopped early, or null if it ran to the end. */
  get reason(): StopReason | null {
    return this.why;
  }

  stop(why: StopReason): void {
    if (this.why !== null) return;
    this.why = why;
    this.controller.abort();
  }

  /** Restore Node's own SIGINT behaviour. */
  dispose(): void {
    process.off("SIGINT", this.onSigint);
  }
}

/** Exit status 130 after an interrupt (128 + SIGINT), else `code`. */
export function exitAfter(stopper: Stopper, code: number): number {
  return stopper.reason === "interrupt" ? 130 : code;
}
