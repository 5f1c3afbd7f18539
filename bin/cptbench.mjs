#!/usr/bin/env node
// The `cptbench` command. The sources are TypeScript; tsx's loader compiles them on import,
// so an installed checkout needs no build step.
// reflect-metadata first: tsyringe needs the Reflect metadata API before any plugin class loads.
import "reflect-metadata";
import { join } from "node:path";
import { register } from "tsx/esm/api";

// The checkout's tsconfig, not one tsx would find from the cwd: the plugins' parameter
// decorators (@inject) need experimentalDecorators wherever cptbench is run from.
register({ tsconfig: join(import.meta.dirname, "..", "tsconfig.json") });
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
