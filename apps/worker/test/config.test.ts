import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadWorkerConfig } from "../src/config";

const good = { DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/db", REDIS_URL: "redis://127.0.0.1:6379" };

describe("worker config", () => {
  it("applies the documented defaults", () => {
    const c = loadWorkerConfig(good);
    expect(c).toMatchObject({ SLIPWAY_REGISTRY: "127.0.0.1:5000", SLIPWAY_BUILD_NETWORK: "host", SLIPWAY_BUILD_TIMEOUT_MIN: 60, SLIPWAY_WORKER_CONCURRENCY: 1, SLIPWAY_WORKER_CACHE_DIR: "/var/cache/slipway/worker", SLIPWAY_BUILD_LOG_MAX_MB: 64 });
  });

  it("SLIPWAY_BUILD_LOG_MAX_MB is a whole number of MiB, 1..1024", () => {
    expect(loadWorkerConfig({ ...good, SLIPWAY_BUILD_LOG_MAX_MB: "1024" }).SLIPWAY_BUILD_LOG_MAX_MB).toBe(1024);
    expect(() => loadWorkerConfig({ ...good, SLIPWAY_BUILD_LOG_MAX_MB: "1025" })).toThrow("SLIPWAY_BUILD_LOG_MAX_MB: must be at most 1024");
    expect(() => loadWorkerConfig({ ...good, SLIPWAY_BUILD_LOG_MAX_MB: "0" })).toThrow("SLIPWAY_BUILD_LOG_MAX_MB: must be > 0");
    expect(() => loadWorkerConfig({ ...good, SLIPWAY_BUILD_LOG_MAX_MB: "1.5" })).toThrow("SLIPWAY_BUILD_LOG_MAX_MB: must be a whole number");
  });

  it("the worker process stops at start naming the bad variable", () => {
    const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
    const res = spawnSync(tsx, [entry], { env: { PATH: process.env.PATH, ...good, SLIPWAY_BUILD_NETWORK: "bridge", SLIPWAY_BUILD_TIMEOUT_MIN: "-5" }, encoding: "utf8", timeout: 30_000 });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain("SLIPWAY_BUILD_NETWORK: must be host, none or default");
    expect(res.stderr).toContain("SLIPWAY_BUILD_TIMEOUT_MIN: must be > 0");
  });
});
