// Vitest setupFiles: what bin/cptbench.mjs does before main. tsyringe needs the Reflect metadata
// API loaded before any @injectable class is defined.
import "reflect-metadata";
import { afterAll } from "vitest";
import { removeTempDirs } from "./support/tmp.ts";

// The temporary directories of the test file that just ran (test/support/tmp.ts).
afterAll(removeTempDirs);
