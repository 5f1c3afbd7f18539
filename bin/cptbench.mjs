#!/usr/bin/env node
// The `cptbench` command. It runs the JavaScript that `npm ci` compiled into dist/, which Node
// loads in a fraction of a second; compiling the TypeScript sources through tsx on every start
// cost seconds. When dist/ is missing or older than a source file, it runs the sources through
// tsx instead (bin/dist.mjs says why it does not rebuild).
// reflect-metadata first: tsyringe needs the Reflect metadata API before any plugin class loads.
import "reflect-metadata";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DIST, ROOT, distIsFresh } from "./dist.mjs";

let entry;
if (distIsFresh()) {
  entry = join(DIST, "cli", "main.js");
} else {
  const { register } = await import("tsx/esm/api");
  // The checkout's tsconfig, not one tsx would find from the cwd: the plugins' parameter
  // decorators (@inject) need experimentalDecorators wherever cptbench is run from.
  register({ tsconfig: join(ROOT, "tsconfig.json") });
  // As bin/run-ts.mjs does: without it V8 could not optimise subclass constructors (keep-names-hook.mjs).
  const { register: registerHook } = await import("node:module");
  registerHook("./keep-names-hook.mjs", import.meta.url);
  entry = join(ROOT, "src", "cli", "main.ts");
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv);
