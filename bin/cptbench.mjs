#!/usr/bin/env node
// The `cptbench` command. The sources are TypeScript; tsx's loader compiles them on import,
// so an installed checkout needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
