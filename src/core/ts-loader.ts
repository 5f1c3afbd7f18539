// Importing TypeScript files the user names (a plugin path, a cptbench.config.ts) from compiled
// code. The CLI normally runs the JavaScript in dist/, where Node cannot import `.ts`; tsx's loader
// is registered only when such a file is about to load, so that every other start stays fast.
// When this module is itself TypeScript, whatever compiled it (tsx, vitest) loads `.ts` already.
import { join } from "node:path";

const RUNNING_TYPESCRIPT = import.meta.url.endsWith(".ts");
let registered: Promise<void> | null = null;

/** True for a path Node cannot import without a TypeScript loader. */
export function isTypeScriptPath(path: string): boolean {
  return /\.[cm]?ts$/.test(path);
}

/** Make `import()` of `.ts` files work in this thread; idempotent. */
export function ensureTypeScriptLoader(): Promise<void> {
  if (RUNNING_TYPESCRIPT) return Promise.resolve();
  registered ??= import("tsx/esm/api").then(({ register }) => {
    // The checkout's tsconfig (src/core → dist/core keeps the depth), not the one nearest the
    // user's file: plugins' @inject decorators need experimentalDecorators.
    register({ tsconfig: join(import.meta.dirname, "..", "..", "tsconfig.json") });
  });
  return registered;
}
