// Which code the `cptbench` command runs: the JavaScript in dist/ (built by `npm run build`, which
// `npm ci` runs as the `prepare` script), or the TypeScript sources through tsx. dist/ is used
// only when its stamp is newer than every source file and tsconfig: a developer who edits src/
// after `npm ci` gets the sources through tsx (slower to start, never stale) rather than a
// rebuild, because a command that silently writes tens of seconds of tsc output into the checkout
// would surprise more than it helps; `npm run build` makes the fast path current again.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..");
export const DIST = join(ROOT, "dist");
/** Written by scripts/build.mjs after tsc succeeded. */
export const STAMP = join(DIST, ".build-stamp");

/** The latest modification time under `dir` (files only), in ms; 0 for an empty tree. */
function newestUnder(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const t = e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * True when `root`'s dist/ was built from its sources as they are now. Costs a stat per source
 * file (a few milliseconds); anything missing or unreadable counts as stale.
 */
export function distIsFresh(root = ROOT) {
  try {
    const built = statSync(join(root, "dist", ".build-stamp")).mtimeMs;
    const inputs = [join(root, "tsconfig.json"), join(root, "tsconfig.build.json")].map((f) => statSync(f).mtimeMs);
    return Math.max(newestUnder(join(root, "src")), ...inputs) <= built;
  } catch {
    return false;
  }
}
