import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Test files share each worker's modules (no per-file re-import of @pulumi/*: 13 s of the suite).
    // Safe because the Pulumi runtime's state is reset by every startEngine() (setMocks) and every test
    // that declares resources awaits settle(); tests inside a file run sequentially.
    pool: "forks",
    isolate: false,
    maxWorkers: 2,
    testTimeout: 20_000,
    reporters: ["default"],
  },
});
