// Small helpers every part of the HTML report shares: escaping (names come from plugins, workloads
// and case figures, so none is trusted as markup), number formatting, axis ticks, and colours.
// Colours: the Okabe-Ito palette for series (told apart with colour-blindness too), and verdicts
// that differ in lightness and carry a symbol as well, so pass/fail/unsupported survive greyscale.

/** Text or attribute value made safe for HTML and inline SVG. */
export function esc(s: string | number): string {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** A number for a label: integers as they are, others to 3 significant digits at most (never 1e+21 style for our ranges). */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  const digits = a >= 100 ? 1 : a >= 10 ? 2 : a >= 1 ? 2 : 3;
  return String(Number(v.toFixed(digits)));
}

/** Round tick values from 0 to at least `max` (about `count` of them): 0, 2, 4 … or 0, 50, 100 … */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** Series colours (Okabe-Ito), cycled past eight. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"];

export const seriesColor = (i: number): string => PALETTE[i % PALETTE.length];

/** Rough width of a label in px at the chart font (12px sans): enough to lay out margins without a DOM. */
export const textWidth = (s: string, px = 12): number => Math.ceil(s.length * px * 0.6);

/** An id usable in HTML from any name. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "x";
}
