import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "tests/e2e/**/*.test.ts",
    ],
    globalSetup: ["./packages/testing/src/global-setup.ts"],
    // Real services: give them time; speed is measured by benchmarks, not by test timeouts.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
