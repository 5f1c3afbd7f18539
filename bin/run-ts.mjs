#!/usr/bin/env node
// Runs a TypeScript entry point through tsx's ESM loader: `node bin/run-ts.mjs file.ts args...`.
import { register } from "tsx/esm/api";
import { register as registerHook } from "node:module";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

register();
// After tsx's, so it sees tsx's output: see keep-names-hook.mjs (V8 left subclass constructors
// unoptimised under tsx's keepNames; the benchmarks run through here).
registerHook("./keep-names-hook.mjs", import.meta.url);
const [, , entry, ...rest] = process.argv;
if (!entry) {
  console.error("usage: run-ts.mjs <file.ts> [args...]");
  process.exit(2);
}
process.argv = [process.argv[0], resolve(entry), ...rest];
await import(pathToFileURL(resolve(entry)).href);
