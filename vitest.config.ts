import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Differential tests boot the emulator and qemu for every workload; give them room.
    testTimeout: 60_000,
    pool: "forks",
  },
});
