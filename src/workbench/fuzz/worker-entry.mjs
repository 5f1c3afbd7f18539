// Entry point of a fuzzing worker thread from the sources: on Node 20 a worker does not inherit
// the main thread's tsx loader, so it installs its own with the checkout's tsconfig (the plugins'
// @inject decorators need experimentalDecorators) and loads reflect-metadata before tsyringe.
import "reflect-metadata";
import { join } from "node:path";
import { register } from "tsx/esm/api";

register({ tsconfig: join(import.meta.dirname, "..", "..", "..", "tsconfig.json") });
await import("./worker.ts");
