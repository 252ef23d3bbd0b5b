// Rate limits on /api/v1 with a tiny limit, on the real Redis: per token (keyed by its id),
// per client address for requests without a valid token (bad tokens buy no fresh bucket,
// X-Forwarded-For is not believed), shared by api replicas, not on webhooks or health checks,
// and a Redis outage lets requests through.
import { createApiToken } from "@slipway/auth";
import { TestRedis } from "@slipway/testing";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, eventually, startTestApi, type TestApi } from "./harness";

const PER_TOKEN = 3;
const ANON = 2;
let api: TestApi;
let replica: TestApi;

const get = (target: TestApi, path: string, headers: Record<string, string> = {}) => fetch(`${target.url}${path}`, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function expectRateLimited(res: Response, limit: number) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await res.json()).toEqual({
    error: { code: "rate_limited", message: `rate limit of ${limit} requests per minute exceeded; retry in ${retryAfter} s` },
  });
}

beforeAll(async () => {
  api = await startTestApi({ rateLimit: { perTokenPerMin: PER_TOKEN, anonPerMin: ANON } });
  // A second api on the same database and the same counters: a replica.
  replica = await startTestApi({
    database: api.database,
    rateLimit: { perTokenPerMin: PER_TOKEN, anonPerMin: ANON, keyPrefix: `${api.prefix}:ratelimit:` },
  });
});
afterAll(async () => {
  await replica?.close();
  await api?.close();
});

describe("per token", () => {
  it("answers 429 with Retry-After once a token used its requests; another token is not affected", async () => {
    const a = await createApiToken(api.db, { name: "a", scopes: ["read"] });
    const b = await createApiToken(api.db, { name: "b", scopes: ["read"] });
    for (let i = 0; i < PER_TOKEN; i++) {
      const res = await get(api, "/api/v1/builds", bearer(a.token));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-remaining")).toBe(String(PER_TOKEN - 1 - i));
    }
    await expectRateLimited(await get(api, "/api/v1/builds", bearer(a.token)), PER_TOKEN);
    // Another route counts against the same token.
    expect((await get(api, `/api/v1/builds/00000000-0000-7000-8000-000000000000`, bearer(a.token))).status).toBe(429);
    expect((await get(api, "/api/v1/builds", bearer(b.token))).status).toBe(200);

    // The counters are keyed by token id: neither the secret nor its hash is in Redis.
    const keys = await api.redis.keys(`${api.prefix}:ratelimit:*`);
    expect(keys).toContain(`${api.prefix}:ratelimit:token:${a.id}`);
    for (const key of keys) expect(key).not.toContain(a.token.slice(4));
  });

  it("replicas share the limit (the counters are in Redis)", async () => {
    const t = await createApiToken(api.db, { name: "shared", scopes: ["read"] });
    expect((await get(api, "/api/v1/builds", bearer(t.token))).status).toBe(200);
    expect((await get(replica, "/api/v1/builds", bearer(t.token))).status).toBe(200);
    expect((await get(api, "/api/v1/builds", bearer(t.token))).status).toBe(200);
    await expectRateLimited(await get(replica, "/api/v1/builds", bearer(t.token)), PER_TOKEN);
  });
});

describe("per client address, for requests without a valid token", () => {
  it("counts missing and wrong tokens together (a new guess is no new bucket) and ignores X-Forwarded-For", async () => {
    const guess = () => bearer(`slw_${randomBytes(30).toString("base64url")}`);
    expect((await get(api, "/api/v1/builds")).status).toBe(401);
    expect((await get(api, "/api/v1/builds", guess())).status).toBe(401);
    await expectRateLimited(await get(api, "/api/v1/builds", guess()), ANON);
    await expectRateLimited(await get(api, "/api/v1/tokens", { ...guess(), "x-forwarded-for": "203.0.113.7" }), ANON);
    await expectRateLimited(await get(replica, "/api/v1/builds"), ANON);
    // A valid token from the same address has its own bucket.
    const t = await createApiToken(api.db, { name: "from the same address", scopes: ["read"] });
    expect((await get(api, "/api/v1/builds", bearer(t.token))).status).toBe(200);
  });

  it("does not limit webhooks, /healthz or /readyz", async () => {
    for (let i = 0; i < ANON + 3; i++) {
      expect((await get(api, "/healthz")).status).toBe(200);
      expect((await get(api, "/readyz")).status).toBe(200);
      // Unsigned: the webhook's own 401, never a 429.
      const hook = await fetch(`${api.url}/webhooks/github`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": `d-${i}` },
        body: "{}",
      });
      expect(hook.status).toBe(401);
      expect(hook.headers.get("x-ratelimit-limit")).toBeNull();
    }
  });
});

describe("Redis down", () => {
  let redis: TestRedis;
  let isolated: TestApi;
  beforeAll(async () => {
    redis = await TestRedis.start();
    isolated = await startTestApi({ redisUrl: redis.url, rateLimit: { perTokenPerMin: 1, anonPerMin: 1 } });
  });
  afterAll(async () => {
    await isolated?.close();
    await redis?.destroy();
  });

  it("lets requests through (skipOnError) rather than failing the read API, and limits again once Redis is back", async () => {
    // Limited while Redis is up (the first requests may pass while the connection opens).
    await eventually(async () => (await get(isolated, "/api/v1/builds", bearer(API_TOKEN))).status === 429, 20_000, "limit with Redis up");
    await redis.stop();
    for (let i = 0; i < 5; i++) {
      expect((await get(isolated, "/api/v1/builds", bearer(API_TOKEN))).status).toBe(200);
      expect((await get(isolated, "/api/v1/builds")).status).toBe(401);
    }
    await redis.start();
    await eventually(
      async () => (await get(isolated, "/api/v1/builds", bearer(API_TOKEN))).status === 429,
      20_000,
      "limit back with Redis",
    );
  });
});
