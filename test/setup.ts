// Vitest setupFiles: what bin/cptbench.mjs does before main. tsyringe needs the Reflect metadata
// API loaded before any @injectable class is defined.
import "reflect-metadata";
