import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Runs this package's tests alone, without the root config's PostgreSQL global setup:
// they need only docker-registry, which they start themselves.
export default defineConfig({
  root: fileURLToPath(new URL("../../", import.meta.url)),
  test: {
    include: ["packages/registry/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
