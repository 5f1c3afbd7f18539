#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` runs it): compile src/ to dist/ with tsc, so the
// CLI and the matrix workers start from JavaScript instead of compiling TypeScript through tsx on
// every start (seconds instead of a fraction of one). dist/ is emptied first, so a source file
// that was deleted leaves no module behind; the stamp is written last, only when tsc succeeded,
// and bin/dist.mjs compares the sources against it to never run a stale dist/.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { DIST, ROOT, STAMP } from "../bin/dist.mjs";

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit", cwd: ROOT });
} catch {
  // tsc printed the errors; without a stamp bin/cptbench.mjs runs the sources through tsx.
  console.error("build: tsc failed; dist/ is incomplete and will not be used");
  process.exit(1);
}
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
