// The verdict grid: one row per design, one column per workload (or ZDTM test), each square
// coloured by what its cells did. A square counts every cell of that design × workload (points,
// modes, targets, seeds): all passed, some failed, or the design cannot do it (unsupported).
// Colour is never the only sign: each square also carries a symbol and the counts.
import { esc, slug } from "./markup.ts";

export interface GridSquare {
  row: string;
  col: string;
  pass: number;
  fail: number;
  unsupported: number;
  /** Shown on hover: e.g. the first failure's reason. */
  detail?: string;
}

export interface Grid {
  title: string;
  rowHeading: string;
  rows: string[];
  cols: string[];
  squares: GridSquare[];
}

export type SquareState = "pass" | "fail" | "unsupported" | "mixed";

/** Any failure makes a square fail; unsupported only when nothing passed; pass and unsupported together are mixed. */
export function squareState(s: Pick<GridSquare, "pass" | "fail" | "unsupported">): SquareState {
  if (s.fail > 0) return "fail";
  if (s.pass > 0 && s.unsupported > 0) return "mixed";
  return s.pass > 0 ? "pass" : "unsupported";
}

const SYMBOL: Record<SquareState, string> = { pass: "✓", fail: "✗", unsupported: "⊘", mixed: "◐" };

function squareText(s: GridSquare): string {
  const total = s.pass + s.fail + s.unsupported;
  switch (squareState(s)) {
    case "pass":
      return `${SYMBOL.pass} ${s.pass}`;
    case "fail":
      return `${SYMBOL.fail} ${s.fail}/${total}`;
    case "unsupported":
      return `${SYMBOL.unsupported} ${s.unsupported}`;
    case "mixed":
      return `${SYMBOL.mixed} ${s.pass}/${total}`;
  }
}

export const GRID_LEGEND =
  `<p class="grid-legend">` +
  `<span class="sq v-pass">${SYMBOL.pass} n</span> every cell passed (n cells) ` +
  `<span class="sq v-fail">${SYMBOL.fail} f/n</span> f of n cells failed ` +
  `<span class="sq v-unsupported">${SYMBOL.unsupported} n</span> unsupported: the design cannot do it ` +
  `<span class="sq v-mixed">${SYMBOL.mixed} p/n</span> p passed, the rest unsupported ` +
  `<span class="sq v-none">·</span> not run</p>`;

export function renderGrid(g: Grid): string {
  const at = new Map(g.squares.map((s) => [`${s.row}\u0000${s.col}`, s]));
  const head = `<tr><th scope="col">${esc(g.rowHeading)}</th>${g.cols.map((c) => `<th scope="col" class="col-head"><span>${esc(c)}</span></th>`).join("")}</tr>`;
  const body = g.rows.map((r) => {
    const tds = g.cols.map((c) => {
      const s = at.get(`${r}\u0000${c}`);
      if (s === undefined) return `<td class="sq v-none" title="${esc(`${r} × ${c}: not run`)}">·</td>`;
      const state = squareState(s);
      const tip = `${r} × ${c}: ${s.pass} passed, ${s.fail} failed, ${s.unsupported} unsupported${s.detail !== undefined ? ` — ${s.detail}` : ""}`;
      return `<td class="sq v-${state}" data-state="${state}" data-pass="${s.pass}" data-fail="${s.fail}" data-unsupported="${s.unsupported}" title="${esc(tip)}">${esc(squareText(s))}</td>`;
    });
    return `<tr><th scope="row">${esc(r)}</th>${tds.join("")}</tr>`;
  });
  return `<figure class="grid-box"><figcaption id="grid-${slug(g.title)}">${esc(g.title)}</figcaption><div class="grid-scroll"><table class="grid" aria-labelledby="grid-${slug(g.title)}">${head}${body.join("")}</table></div>${GRID_LEGEND}</figure>`;
}
