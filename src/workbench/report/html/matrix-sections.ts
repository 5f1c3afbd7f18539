// The matrix's part of the HTML report: the design × workload verdict grid, and what each design
// costs, averaged over its cells: checkpoint and restart time per task and per MiB of image (the
// virtual time the kernel charged, so the figures do not depend on the host), image size, and the
// kernel objects a restart made and threw away (useless creations).
import { comboLabel } from "../../matrix/combos.ts";
import type { CellResult } from "../../scenario/types.ts";
import { renderGrid, type GridSquare } from "./grid.ts";
import type { HtmlSection } from "./page.ts";
import { hasBars, renderBarChart, type BarChart } from "./svg-bar.ts";

export interface MatrixInput {
  cells: CellResult[];
  /** Row order of the grid (designs); default: first seen in the cells. */
  combinations?: string[];
  /** Column order (workloads); default: first seen in the cells. */
  workloads?: string[];
  /** How the matrix was run, for the section's intro (e.g. "marked points, kill, same machine"). */
  description?: string;
}

/** Means of one design's cells; undefined where no cell of it ran that phase. */
export interface DesignCosts {
  design: string;
  checkpointUsPerTask?: number;
  restartUsPerTask?: number;
  checkpointUsPerMiB?: number;
  restartUsPerMiB?: number;
  imageKiB?: number;
  objectsCreated?: number;
  objectsDestroyed?: number;
}

const MiB = 1024 * 1024;
const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

function mean(xs: number[]): number | undefined {
  return xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
}

const ordered = (given: string[] | undefined, seen: string[]): string[] => given ?? [...new Set(seen)];

export function designCosts(m: MatrixInput): DesignCosts[] {
  return ordered(m.combinations, m.cells.map(comboLabel)).map((design) => {
    const cells = m.cells.filter((c) => comboLabel(c) === design);
    const ck = cells.filter((c) => c.checkpoint !== null && c.tasks > 0);
    const rs = cells.filter((c) => c.restart !== null && c.tasks > 0);
    const withImage = (cs: CellResult[]): CellResult[] => cs.filter((c) => c.imageBytes > 0);
    return {
      design,
      checkpointUsPerTask: mean(ck.map((c) => c.checkpoint!.virtualNs / 1000 / c.tasks)),
      restartUsPerTask: mean(rs.map((c) => c.restart!.virtualNs / 1000 / c.tasks)),
      checkpointUsPerMiB: mean(withImage(ck).map((c) => c.checkpoint!.virtualNs / 1000 / (c.imageBytes / MiB))),
      restartUsPerMiB: mean(withImage(rs).map((c) => c.restart!.virtualNs / 1000 / (c.imageBytes / MiB))),
      imageKiB: mean(withImage(ck).map((c) => c.imageBytes / 1024)),
      objectsCreated: mean(rs.map((c) => sum(c.restart!.created))),
      objectsDestroyed: mean(rs.map((c) => sum(c.restart!.destroyed))),
    };
  });
}

function gridSection(m: MatrixInput): HtmlSection {
  const rows = ordered(m.combinations, m.cells.map(comboLabel));
  const cols = ordered(m.workloads, m.cells.map((c) => c.workload));
  const squares = new Map<string, GridSquare>();
  for (const c of m.cells) {
    const row = comboLabel(c);
    const key = `${row}\u0000${c.workload}`;
    const s = squares.get(key) ?? { row, col: c.workload, pass: 0, fail: 0, unsupported: 0 };
    s[c.verdict]++;
    if (c.verdict !== "pass" && s.detail === undefined && c.reason !== undefined) s.detail = `${c.point} ${c.mode}/${c.target}: ${c.reason}`;
    squares.set(key, s);
  }
  const counts = { pass: 0, fail: 0, unsupported: 0 };
  for (const c of m.cells) counts[c.verdict]++;
  return {
    id: "matrix",
    title: "The matrix: every design on every workload",
    intro: `${m.description ?? "Each square counts the cells of one design × workload"}: ${counts.pass} passed, ${counts.fail} failed, ${counts.unsupported} unsupported of ${m.cells.length} cells.`,
    body: renderGrid({ title: `Verdicts: ${rows.length} designs × ${cols.length} workloads`, rowHeading: "design (initiator/creator/codec)", rows, cols, squares: [...squares.values()] }),
  };
}

function costCharts(costs: DesignCosts[]): BarChart[] {
  const pick = (f: (d: DesignCosts) => number | undefined, series: string) => (d: DesignCosts) => {
    const v = f(d);
    return v === undefined ? [] : [{ series, value: v }];
  };
  const chart = (title: string, unit: string, parts: [string, (d: DesignCosts) => number | undefined][], note?: string): BarChart => ({
    title,
    unit,
    series: parts.map(([s]) => s),
    groups: costs.map((d) => ({ label: d.design, bars: parts.flatMap(([s, f]) => pick(f, s)(d)) })),
    ...(note !== undefined && { note }),
  });
  return [
    chart("Checkpoint and restart time per task", "µs of virtual time per task (mean over cells)", [
      ["checkpoint", (d) => d.checkpointUsPerTask],
      ["restart", (d) => d.restartUsPerTask],
    ]),
    chart("Checkpoint and restart time per MiB of image", "µs of virtual time per MiB of image (mean over cells)", [
      ["checkpoint", (d) => d.checkpointUsPerMiB],
      ["restart", (d) => d.restartUsPerMiB],
    ]),
    chart("Image size", "KiB (mean over cells)", [["image", (d) => d.imageKiB]]),
    chart(
      "Useless creations: kernel objects the restart made and destroyed",
      "kernel objects per restart (mean over cells)",
      [
        ["created", (d) => d.objectsCreated],
        ["destroyed during the restart", (d) => d.objectsDestroyed],
      ],
      "An object destroyed before the restart ends was made for nothing (e.g. a fork's copy of a table the task then unshares).",
    ),
  ];
}

/** The grid and the cost charts; none when the matrix has no cell. */
export function matrixSections(m: MatrixInput | undefined): HtmlSection[] {
  if (m === undefined || m.cells.length === 0) return [];
  const charts = costCharts(designCosts(m)).filter(hasBars);
  const out = [gridSection(m)];
  if (charts.length > 0) {
    out.push({
      id: "costs",
      title: "What each design costs",
      intro: "Virtual time the emulated kernel charged (one instruction is 1 ns; kernel work from its cost table), so the figures are the same on any host. Cells that did not reach a phase do not count in its mean.",
      body: charts.map(renderBarChart).join("\n"),
    });
  }
  return out;
}
