// A line chart as inline SVG, drawn by plain code: how a figure moves with a parameter (restart
// time against virtual CPUs). x takes the distinct values given, evenly spaced (1, 2, 4, 8 CPUs
// read better so than on a linear axis); y starts at zero. Every point is a data mark (a circle of
// class "mark" with data-x and data-y), so a test can check the chart against its input.
import { esc, fmtNum, niceTicks, seriesColor, slug, textWidth } from "./markup.ts";

export interface LineSeries {
  name: string;
  points: { x: number; y: number }[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  note?: string;
}

const WIDTH = 900;
const PLOT_H = 240;
const LEFT = 70;
const RIGHT = 24;
/** Dash patterns cycled with the colours: lines that coincide (two codecs, same restart) stay visible. */
const DASHES = ["", "7 5", "2 4", "12 4 2 4"];
const dash = (i: number): string => (DASHES[i % DASHES.length] === "" ? "" : ` stroke-dasharray="${DASHES[i % DASHES.length]}"`);

export function hasPoints(c: LineChart): boolean {
  return c.series.some((s) => s.points.some((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
}

export function renderLineChart(c: LineChart): string {
  const series = c.series.map((s) => ({ ...s, points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x) })).filter((s) => s.points.length > 0);
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ticks = niceTicks(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y))));
  const top = ticks[ticks.length - 1];
  // The legend: one row per series (names can be long), above the plot.
  const legend = series.map(
    (s, i) =>
      `<g class="legend-item"><line x1="${LEFT}" x2="${LEFT + 24}" y1="${i * 20 + 7}" y2="${i * 20 + 7}" stroke="${seriesColor(i)}" stroke-width="3"${dash(i)}/>` +
      `<circle cx="${LEFT + 12}" cy="${i * 20 + 7}" r="4" fill="${seriesColor(i)}"/><text x="${LEFT + 32}" y="${i * 20 + 11}">${esc(s.name)}</text></g>`,
  );
  const plotTop = series.length * 20 + 14;
  const plotW = WIDTH - LEFT - RIGHT;
  const px = (x: number): number => LEFT + (xs.length === 1 ? plotW / 2 : 16 + (xs.indexOf(x) / (xs.length - 1)) * (plotW - 32));
  const py = (y: number): number => plotTop + PLOT_H - (Math.max(0, y) / top) * PLOT_H;
  const parts: string[] = [`<g class="legend">${legend.join("")}</g>`];
  for (const t of ticks) {
    const ty = py(t).toFixed(1);
    parts.push(`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${ty}" y2="${ty}"/>`, `<text class="tick" x="${LEFT - 6}" y="${Number(ty) + 4}" text-anchor="end">${esc(fmtNum(t))}</text>`);
  }
  const bottom = plotTop + PLOT_H;
  for (const x of xs) parts.push(`<text class="tick" x="${px(x).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${esc(fmtNum(x))}</text>`);
  parts.push(
    `<line class="axis" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${bottom}" y2="${bottom}"/>`,
    `<line class="axis" x1="${LEFT}" x2="${LEFT}" y1="${plotTop}" y2="${bottom}"/>`,
    `<text class="axis-label" x="${LEFT + plotW / 2}" y="${bottom + 36}" text-anchor="middle">${esc(c.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(16 ${plotTop + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`,
  );
  for (const [i, s] of series.entries()) {
    const color = seriesColor(i);
    parts.push(`<polyline class="line" fill="none" stroke="${color}" stroke-width="2"${dash(i)} points="${s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ")}"/>`);
    for (const p of s.points) {
      parts.push(
        `<circle class="mark" cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${color}" data-series="${esc(s.name)}" data-x="${p.x}" data-y="${p.y}">` +
          `<title>${esc(s.name)}: ${esc(c.xLabel)} ${esc(fmtNum(p.x))} → ${esc(fmtNum(p.y))} ${esc(c.yLabel)}</title></circle>`,
      );
    }
  }
  const height = bottom + 48;
  const id = `chart-${slug(c.title)}`;
  const minW = Math.max(WIDTH, LEFT + 40 + Math.max(0, ...series.map((s) => textWidth(s.name))));
  return (
    `<figure class="chart-box"><figcaption id="${id}">${esc(c.title)}</figcaption>` +
    `<svg class="chart line-chart" role="img" aria-labelledby="${id}" data-title="${esc(c.title)}" viewBox="0 0 ${minW} ${height}" width="${minW}" height="${height}">` +
    parts.join("") +
    `</svg>${c.note !== undefined ? `<p class="note">${esc(c.note)}</p>` : ""}</figure>`
  );
}
