import { defineConfig } from "vitest/config";

// The fault suite (npm run test:faults; npm test runs it after the other tests): real farm
// processes with faults injected (processes killed, Redis stopped). One file at a time: a
// fault must not land on another file's farm.
export default defineConfig({
  test: {
    include: ["tests/faults/**/*.test.ts"],
    globalSetup: ["./packages/testing/src/global-setup.ts"],
    testTimeout: 10 * 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
  },
});
