// The machine's console: stdin, stdout and stderr of the first task. Output is always captured
// (the oracle compares it) and optionally passed through as it is written (`cptbench exec`).
export interface ConsoleOptions {
  /** Called with each chunk the guest writes to fd 1 / fd 2, as it is written. */
  onStdout?: (bytes: Uint8Array) => void;
  onStderr?: (bytes: Uint8Array) => void;
  /** Input for fd 0. A Uint8Array is the whole input; a function is asked for more (null = EOF). */
  stdin?: Uint8Array | ((max: number) => Uint8Array | null);
  /** Keep a copy of the output (default true). Turn off for long benchmark runs. */
  capture?: boolean;
}

export class Console {
  private readonly out: Uint8Array[] = [];
  private readonly err: Uint8Array[] = [];
  private stdinPos = 0;
  /** Bytes written to stdout so far (cheap: the C/R oracle's cut point). */
  stdoutBytes = 0;

  constructor(private readonly opts: ConsoleOptions = {}) {}

  write(fd: 1 | 2, bytes: Uint8Array): void {
    const copy = bytes.slice();
    if (fd === 1) this.stdoutBytes += copy.length;
    if (this.opts.capture !== false) (fd === 1 ? this.out : this.err).push(copy);
    const sink = fd === 1 ? this.opts.onStdout : this.opts.onStderr;
    if (sink) sink(copy);
  }

  /** Up to max bytes of input; an empty array means end of file. */
  read(max: number): Uint8Array {
    const src = this.opts.stdin;
    if (src === undefined) return new Uint8Array(0);
    if (typeof src === "function") return src(max) ?? new Uint8Array(0);
    const chunk = src.subarray(this.stdinPos, this.stdinPos + max);
    this.stdinPos += chunk.length;
    return chunk;
  }

  get stdout(): Uint8Array {
    return Buffer.concat(this.out);
  }

  get stderr(): Uint8Array {
    return Buffer.concat(this.err);
  }
}
