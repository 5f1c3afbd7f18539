// The CLI in-process, for tests: stdout and stderr captured per test (beforeEach/afterEach), the
// environment stubbed as given, and `cptbench(...args)` calling main() as the bin would.
import { afterEach, beforeEach, vi } from "vitest";

export interface CliCapture {
  /** What the command wrote to stdout / stderr in the current test (assignable, to reset). */
  out: string;
  err: string;
  cptbench(...args: string[]): Promise<number>;
}

/** Install the capture for the enclosing file or describe block. */
export function captureCli(main: (argv: string[]) => Promise<number>, env: Record<string, string> = {}): CliCapture {
  const io: CliCapture = {
    out: "",
    err: "",
    cptbench: (...args) => main(["node", "cptbench", ...args]),
  };
  beforeEach(() => {
    io.out = "";
    io.err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((io.out += String(s)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((io.err += String(s)), true));
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  return io;
}
