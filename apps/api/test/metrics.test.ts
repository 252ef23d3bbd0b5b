// GET /metrics: the Prometheus text the farm's rows and queues add up to, and who may read it.
import { createApiToken } from "@slipway/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, eventually, startTestApi, type TestApi } from "./harness";
import { pushBuild } from "./push-build";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ pollIntervalMs: 60_000 });
});
afterAll(async () => {
  await api?.close();
});

const scrape = async (token: string | null = API_TOKEN) => {
  const res = await fetch(`${api.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};
const value = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("GET /metrics", () => {
  it("counts builds by status, steps cached, deliveries, queue depth, and the two histograms", async () => {
    const ids = [await pushBuild(api, "acme/m1", 81_001), await pushBuild(api, "acme/m2", 81_002), await pushBuild(api, "acme/m3", 81_003)];
    const t0 = new Date("2026-01-01T00:00:00Z");
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    // Two finished builds with known timings: waits 0.3 s and 20 s; durations 4 s and 700 s.
    await api.db.build.update({
      where: { id: ids[0] },
      data: { status: "succeeded", queuedAt: t0, startedAt: at(0.3), finishedAt: at(4.3), durationMs: 4000, cachedSteps: 3, totalSteps: 4 },
    });
    await api.db.build.update({
      where: { id: ids[1] },
      data: { status: "failed", queuedAt: t0, startedAt: at(20), finishedAt: at(720), durationMs: 700_000, cachedSteps: 1, totalSteps: 5 },
    });
    await api.relay.kick();
    const m = await scrape();
    expect(m.status).toBe(200);
    expect(m.type).toContain("text/plain");
    expect(value(m.text, 'slipway_builds{status="succeeded"}')).toBe(1);
    expect(value(m.text, 'slipway_builds{status="failed"}')).toBe(1);
    expect(value(m.text, 'slipway_builds{status="queued"}')).toBe(1);
    expect(value(m.text, 'slipway_build_steps{cached="true"}')).toBe(4);
    expect(value(m.text, 'slipway_build_steps{cached="false"}')).toBe(5);
    expect(value(m.text, 'slipway_webhook_deliveries{outcome="build_queued"}')).toBe(3);
    expect(value(m.text, "slipway_build_queue_wait_seconds_count")).toBe(2);
    expect(value(m.text, 'slipway_build_queue_wait_seconds_bucket{le="0.5"}')).toBe(1);
    expect(value(m.text, 'slipway_build_queue_wait_seconds_bucket{le="10"}')).toBe(1);
    expect(value(m.text, 'slipway_build_queue_wait_seconds_bucket{le="30"}')).toBe(2);
    expect(value(m.text, 'slipway_build_queue_wait_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(value(m.text, "slipway_build_queue_wait_seconds_sum")).toBeCloseTo(20.3, 5);
    expect(value(m.text, 'slipway_build_duration_seconds_bucket{status="succeeded",le="5"}')).toBe(1);
    expect(value(m.text, 'slipway_build_duration_seconds_bucket{status="failed",le="600"}')).toBe(0);
    expect(value(m.text, 'slipway_build_duration_seconds_bucket{status="failed",le="1200"}')).toBe(1);
    expect(value(m.text, 'slipway_build_duration_seconds_sum{status="failed"}')).toBe(700);
    // The relay dispatches the three builds: all wait in the build queue (no worker here).
    await eventually(
      async () => value((await scrape()).text, 'slipway_queue_jobs{queue="build",state="waiting"}') === 3,
      20_000,
      "three builds waiting in the metrics",
    );
    expect(m.text).toContain("# TYPE slipway_build_duration_seconds histogram");
    expect(m.text).toContain("slipway_api_process_resident_memory_bytes");
  });

  it("needs a read token not limited to repositories", async () => {
    expect((await scrape(null)).status).toBe(401);
    const limited = await createApiToken(api.db, { name: "one-repo", scopes: ["read"], repositories: ["acme/*"] });
    const res = await scrape(limited.token);
    expect(res.status).toBe(403);
    expect(res.text).toContain("metrics are farm-wide");
    const reader = await createApiToken(api.db, { name: "prometheus", scopes: ["read"] });
    expect((await scrape(reader.token)).status).toBe(200);
  });

  it("is rate limited like /api/v1 (one limiter for both)", async () => {
    const limited = await startTestApi({ rateLimit: { anonPerMin: 2 } });
    try {
      // The counters live in Redis: a producer connection fails fast (and the limiter lets a
      // request through) until it is connected.
      await eventually(async () => limited.redis.status === "ready", 10_000, "redis ready");
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/metrics`)).status);
      expect(statuses).toEqual([401, 401, 429]);
      // /api/v1 shares the same bucket for this address.
      expect((await fetch(`${limited.url}/api/v1/builds`)).status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
