import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // reflect-metadata before tsyringe and any @injectable plugin class (STACK.md).
    setupFiles: ["test/setup.ts"],
    // Differential tests boot the emulator and qemu for every workload; give them room.
    testTimeout: 60_000,
    pool: "forks",
  },
});
