// A horizontal grouped bar chart as inline SVG, drawn by plain code: one band per group (a design,
// a step, a scenario), one bar per series inside it, the value written at the bar's end. Bars run
// sideways because our group labels ("external/userspace/ckpt") are long. Every bar is a data
// mark (class "mark") carrying its exact value in data-value, so a test can check the chart
// against the numbers it was given.
import { esc, fmtNum, niceTicks, seriesColor, slug, textWidth } from "./markup.ts";

export interface Bar {
  series: string;
  value: number;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface BarChart {
  title: string;
  /** Unit of the value axis, e.g. "µs per task". */
  unit: string;
  /** Series in legend order; a bar's colour is its series' place here. */
  series: string[];
  /** Colours by series, when they mean something (restored green, broken red); default: the palette. */
  colors?: string[];
  groups: BarGroup[];
  /** A line under the chart: where the numbers come from, or what a missing bar means. */
  note?: string;
}

const WIDTH = 900;
const BAR = 16;
const GAP = 3;
const BAND_PAD = 10;
const TOP_PAD = 8;
const RIGHT = 76;
const AXIS = 44;
const MAX_LABEL = 320;

/** True when the chart has something to draw: a chart without bars is left out, never shown empty. */
export function hasBars(c: BarChart): boolean {
  return c.groups.some((g) => g.bars.some((b) => Number.isFinite(b.value)));
}

function legend(series: string[], color: (i: number) => string, y: number): { svg: string; height: number } {
  if (series.length < 2) return { svg: "", height: 0 };
  const parts: string[] = [];
  let x = 0;
  let row = 0;
  for (const [i, s] of series.entries()) {
    const w = 22 + textWidth(s) + 18;
    if (x > 0 && x + w > WIDTH) {
      x = 0;
      row++;
    }
    const ly = y + row * 20;
    parts.push(`<g class="legend-item"><rect x="${x}" y="${ly}" width="14" height="14" rx="2" fill="${color(i)}"/><text x="${x + 20}" y="${ly + 11}">${esc(s)}</text></g>`);
    x += w;
  }
  return { svg: `<g class="legend">${parts.join("")}</g>`, height: (row + 1) * 20 + 6 };
}

function clip(label: string): string {
  const max = Math.floor(MAX_LABEL / textWidth("x"));
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

export function renderBarChart(c: BarChart): string {
  const groups = c.groups.map((g) => ({ ...g, bars: g.bars.filter((b) => Number.isFinite(b.value)) })).filter((g) => g.bars.length > 0);
  const max = Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1];
  const left = Math.min(MAX_LABEL, Math.max(60, ...groups.map((g) => textWidth(g.label)))) + 12;
  const plotW = WIDTH - left - RIGHT;
  const x = (v: number): number => left + (Math.max(0, v) / top) * plotW;
  const color = (i: number): string => c.colors?.[i] ?? seriesColor(i);
  const leg = legend(c.series, color, 0);
  const parts: string[] = [leg.svg];
  let y = leg.height + TOP_PAD;
  const plotTop = y;
  for (const g of groups) {
    const bandH = g.bars.length * (BAR + GAP) - GAP;
    parts.push(`<text class="group-label" x="${left - 8}" y="${y + bandH / 2 + 4}" text-anchor="end"><title>${esc(g.label)}</title>${esc(clip(g.label))}</text>`);
    for (const [i, b] of g.bars.entries()) {
      const by = y + i * (BAR + GAP);
      const si = Math.max(0, c.series.indexOf(b.series));
      const w = x(b.value) - left;
      parts.push(
        `<rect class="mark" x="${left}" y="${by}" width="${w.toFixed(1)}" height="${BAR}" fill="${color(si)}" data-group="${esc(g.label)}" data-series="${esc(b.series)}" data-value="${b.value}">` +
          `<title>${esc(g.label)} · ${esc(b.series)}: ${esc(fmtNum(b.value))} ${esc(c.unit)}</title></rect>`,
        `<text class="value" x="${(left + w + 4).toFixed(1)}" y="${by + BAR - 4}">${esc(fmtNum(b.value))}</text>`,
      );
    }
    y += bandH + BAND_PAD;
  }
  const plotBottom = y - BAND_PAD + 4;
  // Grid lines go under the bars, so they are drawn first.
  const under: string[] = [];
  for (const t of ticks) {
    const tx = x(t).toFixed(1);
    under.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${plotTop - 4}" y2="${plotBottom}"/>`, `<text class="tick" x="${tx}" y="${plotBottom + 16}" text-anchor="middle">${esc(fmtNum(t))}</text>`);
  }
  parts.push(
    `<line class="axis" x1="${left}" x2="${left}" y1="${plotTop - 4}" y2="${plotBottom}"/>`,
    `<text class="axis-label" x="${left + plotW / 2}" y="${plotBottom + 36}" text-anchor="middle">${esc(c.unit)}</text>`,
  );
  const height = plotBottom + AXIS;
  const id = `chart-${slug(c.title)}`;
  return (
    `<figure class="chart-box"><figcaption id="${id}">${esc(c.title)}</figcaption>` +
    `<svg class="chart bar-chart" role="img" aria-labelledby="${id}" data-title="${esc(c.title)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">` +
    under.join("") +
    parts.join("") +
    `</svg>${c.note !== undefined ? `<p class="note">${esc(c.note)}</p>` : ""}</figure>`
  );
}
