import { createApiToken } from "@slipway/auth";
import { branchPushExample, postDelivery, withNewPush } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startTestApi, WEBHOOK_SECRET, type TestApi } from "./harness";

const push = branchPushExample();

let api: TestApi;
const buildIds: string[] = [];
const get = (path: string, token: string | null = API_TOKEN) =>
  fetch(`${api.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

beforeAll(async () => {
  api = await startTestApi();
  // 5 builds in repo A, 2 in repo B.
  for (let i = 0; i < 7; i++) {
    const repo = i < 5 ? push.repository : { ...push.repository, id: 999001, name: "Other", full_name: "Codertocat/Other" };
    const res = await postDelivery(api.url, { event: "push", payload: withNewPush({ ...push, repository: repo }), secret: WEBHOOK_SECRET });
    expect(res.status).toBe(202);
    buildIds.push(res.body.buildId);
  }
});
afterAll(async () => {
  await api?.close();
});

describe("read API", () => {
  it("401 without a token, with a wrong token, or with a malformed header", async () => {
    for (const [headers, message] of [
      [{}, "missing Authorization: Bearer <token> header"],
      [{ authorization: "Bearer wrong-token-wrong-token" }, "invalid, expired or revoked API token"],
      [{ authorization: `Basic ${API_TOKEN}` }, "Authorization header must be: Bearer <token>"],
    ] as const) {
      const res = await fetch(`${api.url}/api/v1/builds`, { headers });
      expect(res.status).toBe(401);
      expect((await res.json()) as any).toEqual({ error: { code: "unauthorized", message } });
    }
  });

  it("accepts a hashed database token, and rejects it once revoked", async () => {
    const { id, token } = await createApiToken(api.db, { name: "ci", scopes: ["read"] });
    const row = await api.db.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.tokenHash).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(token);
    expect((await get("/api/v1/builds", token)).status).toBe(200);
    await api.db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    expect((await get("/api/v1/builds", token)).status).toBe(401);
  });

  it("lists builds newest first, filtered by repo and status, with a cursor", async () => {
    const all = (await (await get("/api/v1/builds?limit=100")).json()) as any;
    expect(all.builds.map((b: any) => b.id)).toEqual([...buildIds].reverse());
    expect(all.nextCursor).toBeNull();

    const repoA: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/api/v1/builds?repo=Codertocat/Hello-World&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page: any = (await res.json()) as any;
      repoA.push(...page.builds.map((b: any) => b.id));
      for (const b of page.builds) expect(b.repository).toBe("Codertocat/Hello-World");
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(repoA).toEqual(buildIds.slice(0, 5).reverse());

    const other = (await (await get("/api/v1/builds?repo=codertocat/other")).json()) as any;
    expect(other.builds).toHaveLength(2);

    await api.db.build.update({
      where: { id: buildIds[1] },
      data: { status: "failed", errorClass: "user", errorMessage: "Dockerfile not found: Dockerfile" },
    });
    const failed = (await (await get("/api/v1/builds?status=failed")).json()) as any;
    expect(failed.builds.map((b: any) => b.id)).toEqual([buildIds[1]]);
    expect(failed.builds[0].error).toEqual({ class: "user", message: "Dockerfile not found: Dockerfile" });
  });

  it("filters by branch (exact name), alone and with the other filters", async () => {
    await api.db.build.update({ where: { id: buildIds[2] }, data: { refName: "feature/x", ref: "refs/heads/feature/x" } });
    const feature = (await (await get("/api/v1/builds?branch=feature/x")).json()) as any;
    expect(feature.builds.map((b: any) => b.id)).toEqual([buildIds[2]]);
    expect(((await (await get("/api/v1/builds?branch=feature")).json()) as any).builds).toEqual([]);
    expect(((await (await get("/api/v1/builds?branch=feature/x&repo=codertocat/other")).json()) as any).builds).toEqual([]);
    const main = (await (await get(`/api/v1/builds?branch=${push.ref.slice(11)}&repo=Codertocat/Hello-World&limit=100`)).json()) as any;
    expect(main.builds.map((b: any) => b.id)).toEqual([buildIds[4], buildIds[3], buildIds[1], buildIds[0]]);
    expect((await get("/api/v1/builds?branch=")).status).toBe(400);
  });

  it("400 naming the bad query parameter", async () => {
    for (const [q, field] of [
      ["status=exploded", "status"],
      ["repo=nope", "repo"],
      ["limit=0", "limit"],
      ["cursor=xyz", "cursor"],
    ]) {
      const res = await get(`/api/v1/builds?${q}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe("bad_request");
      expect(body.error.message).toContain(`${field}:`);
    }
  });

  it("POST without a body works even when the client says application/json", async () => {
    const res = await fetch(`${api.url}/api/v1/builds/${buildIds[6]}/retry`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    });
    // The build is queued, so this is a clear 409, not a 400 about the empty body.
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error.message).toContain("only failed or cancelled builds can be retried");
  });

  it("gets one build, 404 for an unknown id", async () => {
    const res = await get(`/api/v1/builds/${buildIds[0]}`);
    expect(res.status).toBe(200);
    const b = (await res.json()) as any;
    expect(b).toMatchObject({
      id: buildIds[0],
      repository: "Codertocat/Hello-World",
      status: "queued",
      trigger: "push",
      ref: push.ref,
      sha: push.after,
      attempt: 1,
      refType: "branch",
    });
    expect(new Date(b.queuedAt).getTime()).toBeGreaterThan(0);
    const missing = await get("/api/v1/builds/00000000-0000-7000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe("not_found");
  });

  it("healthz and readyz answer without a token", async () => {
    expect((await (await get("/healthz", null)).json()) as any).toEqual({ status: "ok" });
    const ready = await get("/readyz", null);
    expect(ready.status).toBe(200);
    expect((await ready.json()) as any).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
  });
});
