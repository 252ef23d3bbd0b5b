import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@slipway/config";
import { retentionPolicyOf } from "@slipway/retention";
import { describe, expect, it } from "vitest";
import { loadApiConfig } from "../src/config";

const good = {
  DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/db",
  REDIS_URL: "redis://127.0.0.1:6379",
  SLIPWAY_WEBHOOK_SECRET: "0123456789abcdef0123",
  SLIPWAY_API_TOKEN: "tok_0123456789abcdefghij",
};

const problems = (env: Record<string, string>) => {
  try {
    loadApiConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("api config", () => {
  it("applies the documented defaults", () => {
    const c = loadApiConfig(good);
    expect(c.PORT).toBe(8080);
    expect(c.SLIPWAY_REGISTRY).toBe("127.0.0.1:5000");
    expect(c.DOCKER_HOST).toBeUndefined();
    expect(c.LOG_LEVEL).toBe("info");
    expect(c.SLIPWAY_RATE_LIMIT_PER_MIN).toBe(600);
    expect(c.SLIPWAY_RATE_LIMIT_ANON_PER_MIN).toBe(60);
    expect(c.SLIPWAY_TRUST_PROXY).toBe(false);
    expect(retentionPolicyOf(c)).toEqual({ logsDays: 30, payloadsDays: 14, outboxDays: 7 });
    expect(retentionPolicyOf(loadApiConfig({ ...good, SLIPWAY_RETAIN_LOGS_DAYS: "90" })).logsDays).toBe(90);
    expect(c.SLIPWAY_REDELIVER_HOURS).toBe(6);
    expect(loadApiConfig({ ...good, SLIPWAY_REDELIVER_HOURS: "0" }).SLIPWAY_REDELIVER_HOURS).toBe(0);
  });

  it.each([
    ["false", false],
    ["", false],
    ["2", 2],
    ["10.0.0.1", ["10.0.0.1"]],
    ["10.0.0.0/8, loopback,::1", ["10.0.0.0/8", "loopback", "::1"]],
  ])("SLIPWAY_TRUST_PROXY=%j is %j", (value, expected) => {
    expect(loadApiConfig({ ...good, SLIPWAY_TRUST_PROXY: value }).SLIPWAY_TRUST_PROXY).toEqual(expected);
  });

  it.each([
    [{ PORT: "eighty" }, "PORT: must be a number"],
    [{ PORT: "70000" }, "PORT: must be 0-65535"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL: must be a PostgreSQL URL"],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL: must be a Redis URL"],
    [{ SLIPWAY_WEBHOOK_SECRET: "short" }, "SLIPWAY_WEBHOOK_SECRET: must be at least 16 characters"],
    [{ SLIPWAY_REGISTRY: "http://reg" }, "SLIPWAY_REGISTRY: must be host[:port]"],
    [{ DOCKER_HOST: "/var/run/docker.sock" }, "DOCKER_HOST: must look like unix:///"],
    [{ SLIPWAY_RATE_LIMIT_PER_MIN: "0" }, "SLIPWAY_RATE_LIMIT_PER_MIN: must be > 0"],
    [{ SLIPWAY_RATE_LIMIT_ANON_PER_MIN: "lots" }, "SLIPWAY_RATE_LIMIT_ANON_PER_MIN: must be a number"],
    [{ SLIPWAY_TRUST_PROXY: "true" }, 'SLIPWAY_TRUST_PROXY: must be "false", a hop count'],
    [{ SLIPWAY_TRUST_PROXY: "proxy.example" }, "SLIPWAY_TRUST_PROXY: must be"],
    [{ SLIPWAY_RETAIN_LOGS_DAYS: "0" }, "SLIPWAY_RETAIN_LOGS_DAYS: must be > 0"],
    [{ SLIPWAY_RETAIN_PAYLOADS_DAYS: "a week" }, "SLIPWAY_RETAIN_PAYLOADS_DAYS: must be a number"],
    [{ SLIPWAY_REDELIVER_HOURS: "73" }, "SLIPWAY_REDELIVER_HOURS: must be 0-72"],
    [{ SLIPWAY_REDELIVER_HOURS: "-1" }, "SLIPWAY_REDELIVER_HOURS: must be 0-72"],
  ])("rejects %j naming the variable", (override, message) => {
    const p = problems({ ...good, ...override });
    expect(p.join("\n")).toContain(message);
  });

  it("names every missing required variable", () => {
    const p = problems({});
    for (const name of ["DATABASE_URL", "REDIS_URL", "SLIPWAY_WEBHOOK_SECRET", "SLIPWAY_API_TOKEN"]) {
      expect(p.some((line) => line.startsWith(`${name}:`))).toBe(true);
    }
  });

  it("the api process stops at start with a message naming the bad variable, and no secret in it", () => {
    const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
    const res = spawnSync(tsx, [entry], {
      env: { PATH: process.env.PATH, ...good, PORT: "not-a-port", SLIPWAY_API_TOKEN: "tok-do-not-print-me-please" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain("PORT: must be a number");
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stderr + res.stdout).not.toContain("tok-do-not-print-me-please");
  });
});
