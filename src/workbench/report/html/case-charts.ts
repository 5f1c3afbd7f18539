// Charts drawn from the figures the review cases measure. Each case names its figures in plain
// words ("threads: objects destroyed", "ns_last_pid, 2 CPUs: explorations with a stolen pid");
// the patterns below read those names back. A figure a case did not produce gives no bar, and a
// chart with no bar is dropped, so a design or a case that measured nothing leaves no empty chart.
import { comboLabel } from "../../matrix/combos.ts";
import type { CaseOutcome } from "../../cases/types.ts";
import { hasBars, renderBarChart, type BarChart, type BarGroup } from "./svg-bar.ts";
import { hasPoints, renderLineChart, type LineChart } from "./svg-line.ts";

type Figures = CaseOutcome["figures"];

const num = (f: Figures, k: string): number | undefined => (typeof f[k] === "number" ? (f[k] as number) : undefined);

/** Distinct captures of `re` over every outcome's figure names, in first-seen order. */
function keysOf(outcomes: CaseOutcome[], re: RegExp): RegExpExecArray[] {
  const seen = new Map<string, RegExpExecArray>();
  for (const o of outcomes) {
    for (const k of Object.keys(o.figures)) {
      const m = re.exec(k);
      if (m !== null && !seen.has(m.slice(1).join("\u0000"))) seen.set(m.slice(1).join("\u0000"), m);
    }
  }
  return [...seen.values()];
}

/** Groups = `labels`, series = designs, value = figure `key(label)` of each design that has it. */
function byDesign(outcomes: CaseOutcome[], labels: string[], key: (label: string) => string, value: (f: Figures, k: string) => number | undefined = num): BarGroup[] {
  return labels.map((label) => ({
    label,
    bars: outcomes.flatMap((o) => {
      const v = value(o.figures, key(label));
      return v === undefined ? [] : [{ series: comboLabel(o.design), value: v }];
    }),
  }));
}

function sharingCharts(outcomes: CaseOutcome[]): BarChart[] {
  const scenarios = keysOf(outcomes, /^(.+): objects destroyed$/).map((m) => m[1]);
  const designs = outcomes.map((o) => comboLabel(o.design));
  return [
    {
      title: "Useless creations: kernel objects made and thrown away during the restart",
      unit: "objects destroyed during the restart",
      series: designs,
      groups: byDesign(outcomes, scenarios, (s) => `${s}: objects destroyed`),
      note: "A kernel creator makes each object once; fork then unshare makes a copy and frees it.",
    },
    { title: "Kernel objects created by the restart", unit: "objects created", series: designs, groups: byDesign(outcomes, scenarios, (s) => `${s}: objects created`) },
  ];
}

/** What `signal-race` puts in an outcome's details for each injected signal (see PointResult). */
interface InjectedPoint {
  mitigation: string;
  nr: number;
  offset: number;
}

const isPoint = (d: unknown): d is InjectedPoint =>
  typeof d === "object" && d !== null && typeof (d as InjectedPoint).mitigation === "string" && typeof (d as InjectedPoint).nr === "number" && typeof (d as InjectedPoint).offset === "number";

/**
 * The window of each task, per design and mitigation: one past the last instruction offset a
 * signal was injected at. Exact when every point of the window was tried; a lower bound when the
 * points were sampled (the note says so).
 */
function signalWindowCharts(outcomes: CaseOutcome[]): BarChart[] {
  const series: string[] = [];
  const windows = new Map<number, Map<string, number>>();
  let sampled = false;
  for (const o of outcomes) {
    for (const d of (o.details ?? []).filter(isPoint)) {
      const s = `${comboLabel(o.design)}, signals ${d.mitigation}`;
      if (!series.includes(s)) series.push(s);
      const perTask = windows.get(d.nr) ?? new Map<string, number>();
      perTask.set(s, Math.max(perTask.get(s) ?? 0, d.offset + 1));
      windows.set(d.nr, perTask);
      if (num(o.figures, `${d.mitigation}: points tried`) !== num(o.figures, `${d.mitigation}: points in the window`)) sampled = true;
    }
  }
  const groups = [...windows.keys()]
    .sort((a, b) => a - b)
    .map((nr) => ({ label: `pid ${nr}`, bars: series.flatMap((s) => (windows.get(nr)!.has(s) ? [{ series: s, value: windows.get(nr)!.get(s)! }] : [])) }));
  const mitigations = keysOf(outcomes, /^(.+): points tried$/).map((m) => m[1]);
  const outcomeGroups: BarGroup[] = outcomes.flatMap((o) =>
    mitigations
      .filter((mi) => num(o.figures, `${mi}: points tried`) !== undefined)
      .map((mi) => ({
        label: `${comboLabel(o.design)}, signals ${mi}`,
        bars: (["restored", "clean failures", "broken"] as const).flatMap((k) => {
          const v = num(o.figures, `${mi}: ${k}`);
          return v === undefined ? [] : [{ series: k, value: v }];
        }),
      })),
  );
  return [
    {
      title: "The signal-race window of each restored task",
      unit: "user instructions a task runs before the restart is over",
      series,
      groups,
      note: `Tasks with no window and designs without one (the kernel creator) have no bar.${sampled ? " Points were sampled (--quick): each bar is a lower bound." : ""}`,
    },
    {
      title: "A signal sent inside the window: what became of the restart",
      unit: "signals injected",
      series: ["restored", "clean failures", "broken"],
      colors: ["#2da44e", "#8c959f", "#cf222e"],
      groups: outcomeGroups,
      note: "A clean failure refuses the restart and leaves nothing behind; broken means a task or object was left half made.",
    },
  ];
}

function stealCharts(outcomes: CaseOutcome[]): BarChart[] {
  const keys = keysOf(outcomes, /^(.+): explorations$/).map((m) => m[1]);
  const rate = (f: Figures, key: string): number | undefined => {
    const all = num(f, `${key}: explorations`);
    const stolen = num(f, `${key}: explorations with a stolen pid`);
    return all === undefined || stolen === undefined || all === 0 ? undefined : (100 * stolen) / all;
  };
  const designs = outcomes.map((o) => comboLabel(o.design));
  return [
    {
      title: "How often a fork steals the pid written to ns_last_pid",
      unit: "% of explorations with a stolen pid",
      series: designs,
      groups: byDesign(outcomes, keys, (k) => k, rate),
      note: "eclone (clone_with_pid) names the pid in the call, so nothing can take it in between. The kernel creator has no ns_last_pid race and no bar.",
    },
  ];
}

function fiveStepCharts(outcomes: CaseOutcome[]): BarChart[] {
  const steps = keysOf(outcomes, /^(.+) ns$/).map((m) => m[1]);
  return [{ title: "Checkpoint steps: virtual time of each", unit: "ns of virtual time", series: outcomes.map((o) => comboLabel(o.design)), groups: byDesign(outcomes, steps, (s) => `${s} ns`) }];
}

function parallelCharts(outcomes: CaseOutcome[]): LineChart[] {
  const re = /^(.+) restart µs, (\d+) tasks, (\d+) CPUs?$/;
  const taskCounts = [...new Set(keysOf(outcomes, re).map((m) => Number(m[2])))].sort((a, b) => a - b);
  return taskCounts.map((tasks) => {
    const series = new Map<string, { x: number; y: number }[]>();
    for (const o of outcomes) {
      for (const [k, v] of Object.entries(o.figures)) {
        const m = re.exec(k);
        if (m === null || Number(m[2]) !== tasks || typeof v !== "number") continue;
        const name = `${comboLabel(o.design)}, ${m[1]} images`;
        series.set(name, [...(series.get(name) ?? []), { x: Number(m[3]), y: v }]);
      }
    }
    return { title: `Restart time of ${tasks} tasks against virtual CPUs`, xLabel: "virtual CPUs", yLabel: "restart µs (virtual)", series: [...series].map(([name, points]) => ({ name, points })) };
  });
}

/** How many of a case's figures the generic charts draw (the table below them has every one). */
export const FIGURE_CHARTS = 12;

/**
 * A chart per numeric figure, one bar per design that measured it: for a case without charts of
 * its own, on the page of `cptbench case --out` (figures differ in unit, so each has its own axis).
 * Strings and booleans stay in the table.
 */
function figureCharts(caseId: string, outcomes: CaseOutcome[]): BarChart[] {
  // A negative number is a result code (-3: ESRCH), not a quantity a bar could show.
  const keys = [...new Set(outcomes.flatMap((o) => Object.keys(o.figures).filter((k) => num(o.figures, k) !== undefined)))]
    .filter((k) => outcomes.every((o) => (num(o.figures, k) ?? 0) >= 0));
  return keys.slice(0, FIGURE_CHARTS).map((k, i) => ({
    title: k,
    unit: k,
    series: [k],
    groups: outcomes.flatMap((o) => {
      const v = num(o.figures, k);
      return v === undefined ? [] : [{ label: comboLabel(o.design), bars: [{ series: k, value: v }] }];
    }),
    note: `Figure ${i + 1} of the ${keys.length} numbers case ${caseId} measured${keys.length > FIGURE_CHARTS ? ` (the first ${FIGURE_CHARTS} are drawn; the table has them all)` : ""}.`,
  }));
}

/**
 * The charts of one review case's outcomes, as HTML. A case without a chart of its own has none,
 * or with `figures` a chart of each of its numeric figures.
 */
export function caseCharts(caseId: string, outcomes: CaseOutcome[], figures = false): string[] {
  const bars: Record<string, (o: CaseOutcome[]) => BarChart[]> = { sharing: sharingCharts, "signal-race": signalWindowCharts, pids: stealCharts, "five-steps": fiveStepCharts };
  const out = (bars[caseId]?.(outcomes) ?? []).filter(hasBars).map(renderBarChart);
  if (caseId === "parallel-restart") out.push(...parallelCharts(outcomes).filter(hasPoints).map(renderLineChart));
  if (out.length === 0 && figures) out.push(...figureCharts(caseId, outcomes).filter(hasBars).map(renderBarChart));
  return out;
}
