import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // The Pulumi mock runtime is process-global state: each test file gets its own worker (vitest's
    // default isolation), and tests inside a file run sequentially.
    pool: "forks",
    testTimeout: 20_000,
    reporters: ["default"],
  },
});
