// Entry point of a ZDTM exec worker thread from the sources: on Node 20 a worker does not inherit
// the main thread's tsx loader, so it installs its own (as matrix/worker-entry.mjs does) before
// importing the TypeScript worker.
import { join } from "node:path";
import { register } from "tsx/esm/api";

register({ tsconfig: join(import.meta.dirname, "..", "..", "..", "tsconfig.json") });
await import("./worker.ts");
