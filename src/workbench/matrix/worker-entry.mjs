// Entry point of a matrix worker thread. On Node 20 a worker does not inherit the tsx loader of
// the main thread, so it installs its own (with the checkout's tsconfig, as bin/cptbench.mjs does:
// the plugins' @inject decorators need experimentalDecorators), and loads reflect-metadata
// before tsyringe, before importing the TypeScript worker.
import "reflect-metadata";
import { join } from "node:path";
import { register } from "tsx/esm/api";

register({ tsconfig: join(import.meta.dirname, "..", "..", "..", "tsconfig.json") });
await import("./worker.ts");
