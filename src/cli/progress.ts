// Progress on stderr, shared by `cptbench run` and `cptbench matrix` (STACK.md: results to stdout,
// progress to stderr). On an interactive terminal (stderr a TTY, CI unset) one live line is
// redrawn in place; anywhere else (a log, CI) each finished cell gets a line of its own, because
// carriage returns make logs unreadable. The stream and environment are parameters so that tests
// can pose as a terminal.
import { performance } from "node:perf_hooks";
import type { CellResult, Verdict } from "../workbench/scenario/types.ts";

/** The part of a tty.WriteStream progress uses. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** False (e.g. --json): print nothing at all. */
  enabled: boolean;
  /** How a finished cell is named in its line, e.g. "hash mark:1 kill/same". */
  label: (c: CellResult) => string;
  stream?: ProgressStream;
  env?: Record<string, string | undefined>;
  /** Units of work to finish: when given, the live line is a bar over them and an ETA is shown. */
  total?: number;
  /** The clock, in ms (tests pass a fake one). */
  now?: () => number;
}

/** "0:07", "12:30", "1:02:03": elapsed time and ETA as a person reads them. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const two = (n: number): string => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** Whether a live, redrawn line is appropriate: a terminal, and not a CI log that happens to be one. */
export function isLive(stream: ProgressStream, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && !env.CI;
}

const BAR_WIDTH = 20;

export class Progress {
  readonly live: boolean;
  private readonly stream: ProgressStream;
  private readonly counts: Record<Verdict, number> = { pass: 0, fail: 0, unsupported: 0 };
  private cells = 0;
  private finished = 0;
  private lastLine = "";
  private readonly now: () => number;
  private readonly start: number;
  /** Units in flight, in start order (shown on the live bar). */
  private readonly current: string[] = [];

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.live = opts.enabled && isLive(this.stream, opts.env ?? process.env);
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
  }

  /**
   * "0:12 elapsed, ETA 0:30": the ETA assumes the units left take as long as those done, so it
   * appears once one has finished.
   */
  timing(): string {
    const elapsed = this.now() - this.start;
    const total = this.opts.total;
    if (total === undefined || this.finished === 0 || this.finished >= total) return `${clock(elapsed)} elapsed`;
    return `${clock(elapsed)} elapsed, ETA ${clock((elapsed / this.finished) * (total - this.finished))}`;
  }

  /** A cell finished. */
  cell(c: CellResult): void {
    if (!this.opts.enabled) return;
    this.cells++;
    this.counts[c.verdict]++;
    this.lastLine = `cptbench: [${this.cells}] ${this.opts.label(c)}: ${c.verdict}`;
    if (this.live) this.redraw();
    else this.stream.write(`${this.lastLine} (${this.timing()})\n`);
  }

  /** A unit of work (e.g. one combination × workload) started. */
  begin(item: string): void {
    this.current.push(item);
    if (this.live) this.redraw();
  }

  /** A unit of work ended, however it ended. */
  end(item: string): void {
    const i = this.current.indexOf(item);
    if (i >= 0) this.current.splice(i, 1);
    this.finished++;
    if (this.live) this.redraw();
  }

  /** Clear the live line, so the results start on a clean row. */
  done(): void {
    if (this.live && (this.cells > 0 || this.finished > 0)) this.stream.write("\r\x1b[2K");
  }

  /** The live line: the last cell (no total), or a bar with time, counts and the units in flight. */
  line(): string {
    const total = this.opts.total;
    if (total === undefined) return `${this.lastLine} (${this.timing()})`;
    const filled = total === 0 ? BAR_WIDTH : Math.round((this.finished / total) * BAR_WIDTH);
    const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    const { pass, fail, unsupported } = this.counts;
    const now = this.current.length > 0 ? ` · ${this.current.join(", ")}` : "";
    // The time comes before the counts: a narrow terminal cuts the end of the line.
    return `cptbench: [${bar}] ${this.finished}/${total} · ${this.timing()} · ${this.cells} cells: ${pass} pass, ${fail} fail, ${unsupported} unsupported${now}`;
  }

  private redraw(): void {
    // A live line must not wrap, or the next \r would only clear its last row.
    this.stream.write(`\r\x1b[2K${this.line().slice(0, (this.stream.columns || 80) - 1)}`);
  }
}
