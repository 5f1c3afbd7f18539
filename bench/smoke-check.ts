// The bench smoke's verdict: each figure against the one committed in bench/reference.json. A
// figure fails when it is worse by more than the tolerance (30%, or the figure's own): a rate
// below 70% of the reference, a time or size above reference / 0.7 (the same 30% loss of speed,
// seen as a time). Better figures never fail; they are the cue to commit a new reference.

export type Better = "higher" | "lower";

export interface ReferenceFigure {
  value: number;
  unit: string;
  better: Better;
  /**
   * This figure's own tolerance, for one that load does not move (a peak RSS): the file's 30% is
   * sized for wall-clock rates, which other jobs on the machine halve.
   */
  tolerance?: number;
}

/** bench/reference.json: the figures, and when and under which load they were measured. */
export interface ReferenceFile {
  date: string;
  /** 1-minute load average (os.loadavg) while they were measured, and the number of cores. */
  load: number;
  cores: number;
  node: string;
  tolerance: number;
  /** How the figures were chosen, when not by one `--update` run (printed with the verdict). */
  method?: string;
  benchmarks: Record<string, ReferenceFigure>;
}

export interface SmokeLine {
  name: string;
  reference: number;
  now: number;
  unit: string;
  /** Speed now over speed then: 1 = the same, 0.5 = half as fast (for "lower", reference / now). */
  ratio: number;
  ok: boolean;
}

/** Which way is better for a unit: rates per second go up, times and sizes go down. */
export function betterFor(unit: string): Better {
  return /\/s\b|per sec|MIPS|ratio/i.test(unit) ? "higher" : "lower";
}

/**
 * Per name, the worst of several measurements (the lowest rate, the highest time): a reference
 * that the machine meets on its slow days too. A name missing from any measurement is left out.
 */
export function worstOf(measured: readonly ReadonlyMap<string, number>[], better: (name: string) => Better): Map<string, number> {
  const out = new Map<string, number>();
  const first = measured[0];
  if (first === undefined) return out;
  for (const name of first.keys()) {
    const vs = measured.map((m) => m.get(name));
    if (vs.some((v) => v === undefined)) continue;
    const nums = vs as number[];
    out.set(name, better(name) === "higher" ? Math.min(...nums) : Math.max(...nums));
  }
  return out;
}

/** Every reference figure against `now` (name → value); a figure missing from `now` fails. */
export function compare(ref: ReferenceFile, now: ReadonlyMap<string, number>): SmokeLine[] {
  return Object.entries(ref.benchmarks).map(([name, r]) => {
    const v = now.get(name);
    if (v === undefined || !Number.isFinite(v) || v <= 0) return { name, reference: r.value, now: v ?? NaN, unit: r.unit, ratio: 0, ok: false };
    const ratio = r.better === "higher" ? v / r.value : r.value / v;
    return { name, reference: r.value, now: v, unit: r.unit, ratio: Math.round(ratio * 1000) / 1000, ok: ratio >= 1 - (r.tolerance ?? ref.tolerance) };
  });
}

/** One line per figure, for the CI log. */
export function renderSmoke(lines: readonly SmokeLine[], ref: ReferenceFile): string {
  const tol = (name: string): string => {
    const t = ref.benchmarks[name]?.tolerance;
    return t === undefined ? "" : `, fails below ${Math.round((1 - t) * 100)}%`;
  };
  const head = `bench smoke: against bench/reference.json (${ref.date}, load ${ref.load} on ${ref.cores} cores); a figure fails below ${Math.round((1 - ref.tolerance) * 100)}% of its speed unless it says otherwise`;
  const method = ref.method === undefined ? [] : [`  (${ref.method})`];
  return [head, ...method, ...lines.map((l) => `${l.ok ? "ok  " : "FAIL"} ${l.name}: ${l.now} ${l.unit} (reference ${l.reference}; speed ${Math.round(l.ratio * 100)}%${tol(l.name)})`)].join("\n");
}
