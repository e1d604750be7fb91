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
    experimental: {
      // Each transformed module kept on disk (node_modules/.experimental-vitest-cache), keyed by the
      // module's path and content, the Vite config and the lockfile's hash (vitest 4.1.12
      // dist/chunks/cli-api.*.js, FileSystemModuleCache.generateCachePath / ensureCacheIntegrity):
      // an edited file is transformed again, a new lockfile empties it. A fresh clone (CI) starts
      // without one: as slow as before, never wrong. Transform 3.5 s → 0.9 s once warm.
      fsModuleCache: true,
    },
  },
});
