import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // reflect-metadata before tsyringe and any @injectable plugin class (STACK.md).
    setupFiles: ["test/setup.ts"],
    // Differential tests boot the emulator and qemu for every workload; give them room.
    testTimeout: 60_000,
    // The same room for hooks that boot machines or dump images for a whole file (beforeAll).
    hookTimeout: 60_000,
    pool: "forks",
    // One test file per core. Vitest's default keeps a core for its own process (cores - 1), which
    // on a 2-core machine runs the files one at a time; that process only collects results.
    maxWorkers: availableParallelism(),
  },
});
